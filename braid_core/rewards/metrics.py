"""Held-out figures of a reward model: accuracy (Pearson, Spearman, RMSE) and how well u ranks
and covers the errors. `train_reward` records them as `model.metrics`; the benches use the
correlations on their own test sets.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from braid_core.rewards.conservative import Prediction


def quality_metrics(pred: Prediction, y: Tensor) -> dict[str, float]:
    """Held-out accuracy and uncertainty calibration, in float64.

    Args:
        pred: predictions for the held-out designs, (n,) mean and std.
        y: (n,) their measured values.
    Returns:
        pearson, spearman: correlation of mean with y; rmse (y units);
        uncertainty_spearman: Spearman of |y - mean| with u (> 0: u ranks errors);
        coverage_2u: fraction of |y - mean| <= 2u (u is the uncertainty of the mean, not of
        the measurement noise, so this is expected to fall below 95 %); mean_u (y units).
        A correlation of a constant is NaN.
    """
    mean, u, y = (t.detach().double().cpu() for t in (pred.mean, pred.std, y))
    error = (y - mean).abs()
    return {
        "pearson": pearson(mean, y),
        "spearman": spearman(mean, y),
        "rmse": float(error.pow(2).mean().sqrt()),
        "uncertainty_spearman": spearman(error, u),
        "coverage_2u": float((error <= 2 * u).double().mean()),
        "mean_u": float(u.mean()),
    }


def pearson(a: Tensor, b: Tensor) -> float:
    """Pearson correlation of two (n,) tensors; NaN when either is constant."""
    a, b = a.double() - a.double().mean(), b.double() - b.double().mean()
    denominator = float(a.norm() * b.norm())
    return float((a * b).sum()) / denominator if denominator > 0 else math.nan


def spearman(a: Tensor, b: Tensor) -> float:
    """Spearman rank correlation (ties get their average rank); NaN when either is constant."""
    return pearson(rank(a), rank(b))


def rank(values: Tensor) -> Tensor:
    """1-based ranks of a (n,) tensor, tied values sharing their average rank (float64)."""
    order = torch.argsort(values)
    ordered = values[order]
    starts = torch.ones_like(ordered, dtype=torch.bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    group = torch.cumsum(starts.long(), dim=0) - 1
    positions = torch.arange(1, len(values) + 1, dtype=torch.float64, device=values.device)
    totals = torch.zeros(int(group[-1]) + 1 if len(values) else 0, dtype=torch.float64,
                         device=values.device).index_add_(0, group, positions)
    average = totals / torch.bincount(group).double()
    ranks = torch.empty_like(positions)
    ranks[order] = average[group]
    return ranks
