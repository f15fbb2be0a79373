"""A 2-D toy task: valid designs lie on a ring, the reward keeps rising off it (DESIGN.md §2).

Valid designs are points within `tolerance` of the circle of radius `radius` (the shell of
shell.py in two dimensions). The reward is the x-coordinate, so it is best at the ring's right
edge but grows without bound further right: an optimiser that trusts an extrapolating reward
model leaves the ring, which shows in a scatter plot. Like every task, `score` is -inf off the
ring; `reward` gives the unconstrained surface for pictures.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from braid_core.tasks.shell import NOISE, RADIUS, TOLERANCE, ShellTask

__all__ = ["NOISE", "RADIUS", "TOLERANCE", "Toy2DTask"]


class Toy2DTask(ShellTask):
    """Points near the unit circle; reward = x0 on the ring, -inf off it."""

    optimum: float | None = RADIUS + TOLERANCE  # at (radius + tolerance, 0)

    def __init__(self, name: str = "toy-2d") -> None:
        super().__init__(2, name)

    def reward(self, x: Tensor) -> Tensor:
        """Unconstrained reward x0 of points (n, 2) -> (n,); rises off the ring."""
        return self._check(x)[:, 0]

    def sample_valid(self, n: int, generator: torch.Generator) -> Tensor:
        """n ring points (n, 2) float32: uniform angle, radial noise N(0, NOISE^2) clamped to
        +-2 NOISE so that every sample is valid (drawn by angle: the files `braid task export`
        wrote before the shell task existed stay the same)."""
        device = generator.device
        angle = 2 * math.pi * torch.rand(n, generator=generator, device=device)
        noise = NOISE * torch.randn(n, generator=generator, device=device)
        radius = RADIUS + noise.clamp(-2 * NOISE, 2 * NOISE)
        return torch.stack([radius * angle.cos(), radius * angle.sin()], dim=1)
