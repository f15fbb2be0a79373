"""A 2-D toy task: valid designs lie on a ring, the reward keeps rising off it (DESIGN.md §2).

Valid designs are points within `tolerance` of the circle of radius `radius`. The reward is
the x-coordinate, so it is best at the ring's right edge but grows without bound further
right: an optimiser that trusts an extrapolating reward model leaves the ring, which shows
in a scatter plot. Like every task, `score` is -inf off the ring; `reward` gives the
unconstrained surface for pictures.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import Tensor

from braid_core.spaces import VectorSpace
from braid_core.tasks.base import LabeledDesigns, export_task, keep_below_quantile

RADIUS = 1.0  # ring radius
NOISE = 0.05  # std of the radial noise of valid samples
TOLERANCE = 0.15  # valid iff the distance to the ring is at most this (3 noise stds)
NUM_UNLABELED = 5_000  # ring samples for pre-training
NUM_OFFLINE = 1_000  # ring samples before the upper half is dropped
OFFLINE_QUANTILE = 0.5  # D keeps the left half of the ring: rewards below the median


class Toy2DTask:
    """Points near the unit circle; reward = x0 on the ring, -inf off it."""

    has_oracle: bool = True
    optimum: float = RADIUS + TOLERANCE  # at (radius + tolerance, 0)

    def __init__(self, name: str = "toy-2d") -> None:
        self.name = name
        self.space = VectorSpace(2)

    def reward(self, x: Tensor) -> Tensor:
        """Unconstrained reward x0 of points (n, 2) -> (n,); rises off the ring."""
        return self._check(x)[:, 0]

    def is_valid(self, x: Tensor) -> Tensor:
        """(n,) bool: distance to the ring at most TOLERANCE."""
        return (self._check(x).norm(dim=1) - RADIUS).abs() <= TOLERANCE

    def score(self, x: Tensor) -> Tensor:
        """True reward of points (n, 2) -> (n,): x0 where valid, -inf elsewhere."""
        reward = self.reward(x)
        return torch.where(self.is_valid(x), reward, torch.full_like(reward, -math.inf))

    def sample_valid(self, n: int, generator: torch.Generator) -> Tensor:
        """n ring points (n, 2) float32: uniform angle, radial noise N(0, NOISE^2) clamped to
        +-2 NOISE so that every sample is valid."""
        device = generator.device
        angle = 2 * math.pi * torch.rand(n, generator=generator, device=device)
        noise = NOISE * torch.randn(n, generator=generator, device=device)
        radius = RADIUS + noise.clamp(-2 * NOISE, 2 * NOISE)
        return torch.stack([radius * angle.cos(), radius * angle.sin()], dim=1)

    def make_unlabeled(self, generator: torch.Generator) -> Tensor:
        """5,000 ring points for pre-training, (5000, 2)."""
        return self.sample_valid(NUM_UNLABELED, generator)

    def make_offline(self, generator: torch.Generator) -> LabeledDesigns:
        """D: 1,000 fresh ring points, kept strictly below the median reward (the left half)."""
        x = self.sample_valid(NUM_OFFLINE, generator)
        return keep_below_quantile(x, self.score(x), OFFLINE_QUANTILE)

    def export(self, out_dir: str | Path, seed: int = 0) -> list[Path]:
        """Write unlabeled.csv (x0, x1) and offline.csv (x0, x1, value); see base.export_task."""
        return export_task(self, out_dir, seed)

    def _check(self, x: Tensor) -> Tensor:
        if x.ndim != 2 or x.shape[1] != 2:
            raise ValueError(f"expected points (n, 2), got shape {tuple(x.shape)}")
        return x
