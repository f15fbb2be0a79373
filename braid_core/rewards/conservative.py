"""What every reward model returns, and the one conservative reward r_c = r_hat - c * u.

Fine-tuning, the dashboard's iso-lines and evaluation all call `conservative_reward`, so the
conservatism slider means the same thing everywhere (DESIGN.md §1).
"""

from __future__ import annotations

from typing import Literal, NamedTuple, Protocol

import torch
from torch import Tensor

from braid_core.spaces import Space

MODES = ("std", "min")


class Prediction(NamedTuple):
    """A reward model's output, in the units of the measured values y."""

    mean: Tensor  # (n,) r_hat(x)
    std: Tensor  # (n,) u(x), the uncertainty that c multiplies
    members: Tensor | None = None  # (K, n) per-head predictions (BRAID-Boot); None otherwise


class RewardModel(Protocol):
    """A trained reward model with uncertainty (BootstrapEnsemble, LastLayerBonus, or a
    ShapeAverage of either).

    Both are `nn.Module`s: `.to(device)` moves them, and their parameters are frozen
    (requires_grad False) after training or loading; gradients still reach `x`.
    """

    kind: str  # "boot" or "bonus"
    space: Space  # the design space it reads
    metrics: dict[str, float]  # held-out quality and calibration, from training

    @property
    def device(self) -> torch.device: ...

    def predict(self, x: Tensor) -> Prediction:
        """Differentiable in x: (n, length) tokens, (n, length, vocab) relaxed one-hot, or
        (n, dim) vectors, on the model's device."""
        ...


def predict_in_chunks(model: RewardModel, x: Tensor, chunk: int = 1024) -> Prediction:
    """`model.predict(x)` over chunks of rows (bounded activation memory), on the model's
    device; members are kept when every chunk has them."""
    parts = [model.predict(part.to(model.device)) for part in x.split(chunk)]
    members = (torch.cat([p.members for p in parts], dim=1)
               if all(p.members is not None for p in parts) else None)
    return Prediction(torch.cat([p.mean for p in parts]), torch.cat([p.std for p in parts]),
                      members)


def conservative_reward(
    pred: Prediction, c: float | Tensor, mode: Literal["std", "min"] = "std"
) -> Tensor:
    """The conservative reward r_c(x) of DESIGN.md §1.

    Args:
        pred: a reward model's prediction.
        c: conservatism weight, >= 0 (ignored by mode "min").
        mode: "std": r_hat - c * u. "min": the minimum over the ensemble members (the BRAID
            authors' choice for Boot; for K = 4 Gaussian members it averages mean - 1.12 * std,
            std being the ensemble's Bessel-corrected spread).
    Returns:
        (n,) float, in y units.
    """
    if mode == "min":
        if pred.members is None:
            raise ValueError("mode 'min' needs per-member predictions (a bootstrap ensemble)")
        return pred.members.amin(dim=0)
    if mode != "std":
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if not isinstance(c, Tensor) and c < 0:
        raise ValueError(f"c must be >= 0, got {c}")
    return pred.mean - c * pred.std
