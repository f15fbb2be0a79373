"""Noise schedules of Gaussian (DDPM) diffusion: numbers only, no parameters, float64.

Convention (improved-diffusion): time steps t = 0, .., T-1. The noised state x_t has
q(x_t | x0) = N(sqrt(alpha_bar[t]) x0, (1 - alpha_bar[t]) I); sampling runs t = T-1 down to 0,
and the reverse step at t = 0 returns the clean design. The tensors stay float64 (DESIGN.md §1:
the path KL divides by 1 - alpha_bar near t = 0, which loses digits in float32); samplers cast
the coefficients to the state's dtype at use.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import torch
from torch import Tensor

MAX_BETA = 0.999  # Nichol & Dhariwal 2021, §3.2: avoids a singular step near t = T


@dataclass(frozen=True, eq=False)
class NoiseSchedule:
    """Per-step coefficients of a DDPM noise schedule, each a (T,) float64 tensor.

    Build with `cosine`, `linear` or `from_betas`; the derived fields follow from `betas`.
    """

    betas: Tensor  # beta_t, variance added by forward step t, in (0, MAX_BETA]
    alphas: Tensor  # alpha_t = 1 - beta_t
    alpha_bar: Tensor  # prod_{s <= t} alpha_s, signal fraction of x_t; decreasing in (0, 1)
    alpha_bar_prev: Tensor  # alpha_bar[t - 1], with alpha_bar[-1] = 1 (the clean design)
    posterior_variance: Tensor  # beta tilde_t = beta_t (1 - abar_{t-1}) / (1 - abar_t); 0 at t=0

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value.dtype != torch.float64 or value.shape != self.betas.shape:
                raise ValueError(f"{field.name} must be a float64 tensor of shape "
                                 f"{tuple(self.betas.shape)}, got {value.dtype} "
                                 f"{tuple(value.shape)}")
        if self.betas.ndim != 1 or self.betas.numel() < 1:
            raise ValueError(f"betas must be a non-empty 1-D tensor, got {tuple(self.betas.shape)}")

    @property
    def num_steps(self) -> int:
        """T, the number of diffusion steps."""
        return self.betas.numel()

    @classmethod
    def from_betas(cls, betas: Tensor) -> NoiseSchedule:
        """The schedule with these per-step variances (DDPM, Ho et al. 2020, §2).

        Args:
            betas: (T,) values in (0, 1); converted to float64.
        """
        betas = torch.as_tensor(betas, dtype=torch.float64)
        if betas.ndim != 1 or betas.numel() < 1:
            raise ValueError(f"betas must be a non-empty 1-D tensor, got {tuple(betas.shape)}")
        if not bool(((betas > 0) & (betas < 1)).all()):
            raise ValueError("betas must lie in (0, 1)")
        alphas = 1.0 - betas
        alpha_bar = torch.cumprod(alphas, 0)
        alpha_bar_prev = torch.cat([alpha_bar.new_ones(1), alpha_bar[:-1]])
        # Ho et al. eq. 7; exactly 0 at t = 0, where the reverse step is deterministic.
        posterior_variance = betas * (1.0 - alpha_bar_prev) / (1.0 - alpha_bar)
        return cls(betas, alphas, alpha_bar, alpha_bar_prev, posterior_variance)

    @classmethod
    def cosine(cls, num_steps: int, *, offset: float = 0.008) -> NoiseSchedule:
        """Cosine schedule (Nichol & Dhariwal 2021, eq. 17), betas clipped at MAX_BETA.

        alpha_bar(t) = f(t) / f(0), f(t) = cos^2(pi/2 (t/T + s) / (1 + s)), s = `offset`.
        """
        _check_num_steps(num_steps)
        grid = torch.arange(num_steps + 1, dtype=torch.float64) / num_steps
        f = torch.cos((grid + offset) / (1.0 + offset) * math.pi / 2) ** 2
        betas = (1.0 - f[1:] / f[:-1]).clamp(max=MAX_BETA)
        return cls.from_betas(betas)

    @classmethod
    def linear(cls, num_steps: int) -> NoiseSchedule:
        """Linear betas from 1e-4 to 0.02, rescaled for T != 1000 (improved-diffusion).

        The rescaling by 1000 / T keeps alpha_bar[T-1] near 0 for short chains.
        """
        _check_num_steps(num_steps)
        scale = 1000.0 / num_steps
        betas = torch.linspace(scale * 1e-4, scale * 0.02, num_steps, dtype=torch.float64)
        return cls.from_betas(betas.clamp(max=MAX_BETA))

    def to(self, device: torch.device | str) -> NoiseSchedule:
        """The same schedule with its tensors on `device` (still float64)."""
        moved = {f.name: getattr(self, f.name).to(device) for f in dataclasses.fields(self)}
        return NoiseSchedule(**moved)


def _check_num_steps(num_steps: int) -> None:
    if num_steps < 2:
        raise ValueError(f"num_steps must be at least 2, got {num_steps}")
