"""Metrics of generated designs (DESIGN.md §2), with and without an oracle.

`design_table` turns designs into the one table every step writes: the design, the reward
model's mean and uncertainty, the conservative score, distance to the offline data, and where
a task has an oracle its true score and validity. `summarize` reduces a table to the report's
figures. Invalid designs score -inf under the oracle; in the median and max they count at
the lowest value of the offline data (for Ehrlich: 0), so a method cannot hide them, and the
validity rate is reported beside.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from braid_core.rewards.conservative import (
    Prediction,
    RewardModel,
    conservative_reward,
    predict_in_chunks,
)
from braid_core.spaces import SequenceSpace, Space
from braid_core.tasks.base import Task


def design_columns(designs: Tensor, space: Space) -> pd.DataFrame:
    """The designs as a frame: column `sequence`, or the space's vector columns (x0, x1, ...
    unless the data named them)."""
    if isinstance(space, SequenceSpace):
        return pd.DataFrame({"sequence": space.decode(designs.cpu())})
    array = designs.detach().cpu().double().numpy()
    return pd.DataFrame(array, columns=list(space.names))


def min_hamming(designs: Tensor, reference: Tensor, chunk: int = 256) -> Tensor:
    """(n,) smallest Hamming distance of each design to any reference row."""
    reference = reference.to(designs.device)
    out = []
    for part in designs.split(chunk):
        out.append((part[:, None, :] != reference[None, :, :]).sum(-1).min(1).values)
    return torch.cat(out)


def min_euclidean(designs: Tensor, reference: Tensor, chunk: int = 256) -> Tensor:
    """(n,) Euclidean distance (float64) of each design to its nearest reference row."""
    reference = reference.to(designs.device).double()
    out = []
    for part in designs.double().split(chunk):
        # Not the matrix-product shortcut: its rounding leaves a copy of a row at ~1e-8, not 0,
        # and `copies_of_offline` counts distances of exactly 0.
        distance = torch.cdist(part, reference, compute_mode="donot_use_mm_for_euclid_dist")
        out.append(distance.min(1).values)
    return torch.cat(out)


def nearest_gaps(x: Tensor, max_rows: int = 4096, chunk: int = 256) -> Tensor:
    """(m,) Euclidean distance of rows of `x` to the nearest other row of `x` (0 for a row
    repeated): every row where there are at most `max_rows`, else `max_rows` evenly spaced
    ones (each still against all of `x`), so a large D costs a bounded time; empty for fewer
    than two rows."""
    n = len(x)
    if n < 2:
        return torch.empty(0, dtype=torch.float64)
    x = x.double()
    rows = torch.linspace(0, n - 1, min(n, max_rows)).round().long().unique()
    out = []
    for part in rows.split(chunk):
        distance = torch.cdist(x[part], x, compute_mode="donot_use_mm_for_euclid_dist")
        distance[torch.arange(len(part)), part] = math.inf  # not a row's distance to itself
        out.append(distance.min(1).values)
    return torch.cat(out)


def novelty(designs: Tensor, reference: Tensor, space: Space) -> Tensor:
    """(n,) distance of each design to the nearest reference design (the offline data D):
    positions that differ (Hamming) for sequences, Euclidean distance in the vectors' own
    units for vectors; 0 for a design D holds."""
    if isinstance(space, SequenceSpace):
        return min_hamming(designs, reference)
    return min_euclidean(designs, reference)


def mean_pairwise_distance(designs: Tensor, space: Space, max_rows: int = 1000) -> float:
    """Mean Hamming (sequences) or Euclidean (vectors) distance over distinct pairs."""
    x = designs[:max_rows]
    n = x.shape[0]
    if n < 2:
        return float("nan")
    if isinstance(space, SequenceSpace):
        distance = (x[:, None, :] != x[None, :, :]).sum(-1).double()
    else:
        distance = torch.cdist(x.double(), x.double())
    return float(distance.sum() / (n * (n - 1)))


@torch.no_grad()
def design_table(
    designs: Tensor,
    space: Space,
    *,
    reward: RewardModel | None = None,
    c: float = 0.0,
    mode: str = "std",
    offline_x: Tensor | None = None,
    task: Task | None = None,
) -> pd.DataFrame:
    """One row per design with every per-design column the tool knows.

    Args:
        designs: (n, length) int64 tokens or (n, dim) floats.
        space: their design space.
        reward: if given, adds predicted_mean, uncertainty and conservative_score (r_hat - c u).
        c, mode: the conservative reward's weight and mode.
        offline_x: the offline designs; adds `novelty`, the distance to the nearest of them
            (`novelty`: positions that differ for sequences, Euclidean for vectors).
        task: an oracle; adds `true_score` (-inf if invalid) and `valid`.
    """
    table = design_columns(designs, space)
    if reward is not None:
        pred = predict_in_chunks(reward, designs)
        mean, std = pred.mean.double().cpu(), pred.std.double().cpu()
        table["predicted_mean"] = mean.numpy()
        table["uncertainty"] = std.numpy()
        if mode == "min" and pred.members is not None:
            merged = Prediction(mean, std, pred.members.double().cpu())
            table["conservative_score"] = conservative_reward(merged, c, "min").numpy()
        else:
            table["conservative_score"] = (mean - c * std).numpy()
    if offline_x is not None:
        table["novelty"] = novelty(designs, offline_x, space).cpu().numpy()
    if task is not None:
        table["true_score"] = task.score(designs.cpu()).double().numpy()
        table["valid"] = task.is_valid(designs.cpu()).numpy()
    return table


def summarize(
    table: pd.DataFrame,
    designs: Tensor,
    space: Space,
    *,
    offline_y: Tensor | None = None,
) -> dict[str, float]:
    """The report's figures for one set of designs (DESIGN.md §2). With a `novelty` column:
    `novelty_mean`, in its unit (positions for sequences, Euclidean distance for vectors,
    as `diversity`), and `copies_of_offline`, the fraction of designs D holds (novelty 0)."""
    summary: dict[str, float] = {"num_designs": float(len(table))}
    summary["diversity"] = mean_pairwise_distance(designs, space)
    if isinstance(space, SequenceSpace):
        summary["unique_fraction"] = len(set(table["sequence"])) / max(len(table), 1)
    if "novelty" in table:
        summary["novelty_mean"] = float(table["novelty"].mean())
        summary["copies_of_offline"] = float((table["novelty"] == 0).mean())
    for column in ("predicted_mean", "uncertainty", "conservative_score"):
        if column in table:
            summary[f"{column}_median"] = float(table[column].median())
    if "true_score" in table:
        summary |= _oracle_summary(table, offline_y)
    return summary


def _oracle_summary(table: pd.DataFrame, offline_y: Tensor | None) -> dict[str, float]:
    valid = table["valid"].to_numpy(bool)
    floor = float(offline_y.min()) if offline_y is not None else 0.0
    scores = np.where(valid, table["true_score"].to_numpy(float), floor)
    out = {
        "validity": float(valid.mean()),
        "true_score_median": float(np.median(scores)),
        "true_score_max": float(scores.max()),
        "true_score_mean": float(scores.mean()),
    }
    if offline_y is not None:
        best = float(offline_y.max())
        out["offline_best"] = best
        out["fraction_above_offline_best"] = float((scores > best).mean())
    if "predicted_mean" in table and valid.any():
        gap = table["predicted_mean"].to_numpy(float)[valid] - scores[valid]
        out["predicted_minus_true"] = float(gap.mean())
    return out


def oracle_probe(task: Task):
    """A fine-tuning probe: validity and true-score median of a batch (never trained on)."""

    def probe(designs: Tensor) -> Mapping[str, float]:
        designs = designs.cpu()
        valid = task.is_valid(designs)
        scores = torch.where(valid, task.score(designs), torch.zeros(()))
        return {"valid_fraction": float(valid.float().mean()),
                "true_score_median": float(scores.median()),
                "true_score_max": float(scores.max()) if len(scores) else math.nan}

    return probe
