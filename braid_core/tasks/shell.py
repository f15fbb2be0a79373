"""A vector task with a non-linear truth: valid designs lie on a thin spherical shell in R^dim,
and the reward is a sum of Gaussian bumps on it (DESIGN.md §2's vector toy, in more dimensions).
`ShellTask` holds what the two vector tasks share (validity, the offline protocol); toy2d.py
is the shell in two dimensions with a linear reward.

toy-2d's reward is linear, which a reward net extrapolates correctly; here it is not. The
bumps (three peaks and one dip, in fixed random directions) fade to zero away from the shell,
where a ReLU net fitted on the shell's lower half need not, so trusting the fit far from the
data leads designs off the shell (invalid) or into the dip. D keeps the shell points scoring
below the median: it holds the bumps' flanks, never their tops.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import Tensor

from braid_core.runtime import make_generator
from braid_core.spaces import VectorSpace
from braid_core.tasks.base import LabeledDesigns, export_task, keep_below_quantile

RADIUS = 1.0
NOISE = 0.05  # std of the radial noise of valid samples
TOLERANCE = 0.15  # valid iff the distance to the shell is at most this (3 noise stds)
AMPLITUDES = (1.0, 0.7, 0.5, -0.8)  # three peaks and a dip
WIDTH = 0.7  # bump std; on the shell a bump spans about 40 degrees either side
BUMP_SEED = 2024  # the bumps' directions: fixed per dimension, part of the task's definition
NUM_UNLABELED = 5_000
NUM_OFFLINE = 1_000
OFFLINE_QUANTILE = 0.5


class ShellTask:
    """Points near the unit sphere of R^dim, valid within TOLERANCE of it; a subclass gives the
    reward. The offline protocol of both vector tasks: 5,000 unlabeled shell points, D the
    fresh points scoring below the median."""

    has_oracle: bool = True
    optimum: float | None = None

    def __init__(self, dim: int, name: str) -> None:
        if dim < 2:
            raise ValueError(f"a shell needs at least 2 dimensions, got {dim}")
        self.name = name
        self.space = VectorSpace(dim)

    def reward(self, x: Tensor) -> Tensor:
        """The unconstrained reward at points (n, dim) -> (n,), on or off the shell."""
        raise NotImplementedError

    def is_valid(self, x: Tensor) -> Tensor:
        """(n,) bool: distance to the shell at most TOLERANCE."""
        return (self._check(x).norm(dim=1) - RADIUS).abs() <= TOLERANCE

    def score(self, x: Tensor) -> Tensor:
        """True reward of points (n, dim) -> (n,): the reward where valid, -inf elsewhere."""
        reward = self.reward(x)
        return torch.where(self.is_valid(x), reward, torch.full_like(reward, -math.inf))

    def sample_valid(self, n: int, generator: torch.Generator) -> Tensor:
        """n shell points (n, dim) float32: uniform direction, radial noise N(0, NOISE^2)
        clamped to +-2 NOISE so that every sample is valid."""
        device = generator.device
        direction = torch.randn(n, self.space.dim, generator=generator, device=device)
        direction = direction / direction.norm(dim=1, keepdim=True)
        noise = NOISE * torch.randn(n, 1, generator=generator, device=device)
        return direction * (RADIUS + noise.clamp(-2 * NOISE, 2 * NOISE))

    def make_unlabeled(self, generator: torch.Generator) -> Tensor:
        """5,000 shell points for pre-training, (5000, dim)."""
        return self.sample_valid(NUM_UNLABELED, generator)

    def make_offline(self, generator: torch.Generator) -> LabeledDesigns:
        """D: 1,000 fresh shell points, kept strictly below the median reward."""
        x = self.sample_valid(NUM_OFFLINE, generator)
        return keep_below_quantile(x, self.score(x), OFFLINE_QUANTILE)

    def export(self, out_dir: str | Path, seed: int = 0) -> list[Path]:
        """Write unlabeled.csv (x0 .. x{dim-1}) and offline.csv (the same and value)."""
        return export_task(self, out_dir, seed)

    def _check(self, x: Tensor) -> Tensor:
        if x.ndim != 2 or x.shape[1] != self.space.dim:
            raise ValueError(f"expected points (n, {self.space.dim}), got shape "
                             f"{tuple(x.shape)}")
        return x


class ShellBumpsTask(ShellTask):
    """Points near the unit sphere of R^dim; reward = a sum of bumps, -inf off the shell."""

    def __init__(self, dim: int = 6, name: str | None = None) -> None:
        super().__init__(dim, name or f"shell-bumps-{dim}")
        directions = torch.randn(len(AMPLITUDES), dim, generator=make_generator(BUMP_SEED + dim),
                                 dtype=torch.float64)
        self.centres = RADIUS * directions / directions.norm(dim=1, keepdim=True)
        self.amplitudes = torch.tensor(AMPLITUDES, dtype=torch.float64)

    def reward(self, x: Tensor) -> Tensor:
        """The bumps' sum at points (n, dim) -> (n,) float32, on or off the shell."""
        squared = torch.cdist(self._check(x).double(), self.centres.to(x.device)) ** 2
        bumps = self.amplitudes.to(x.device) * torch.exp(-squared / (2 * WIDTH**2))
        return bumps.sum(dim=1).float()
