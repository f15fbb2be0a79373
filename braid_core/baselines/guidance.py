"""Baselines that only sample the prior: plain samples of p_pre, and reward-gradient guidance.

Guidance (DESIGN.md §1 baselines) adds the gradient of the reward model r_hat at every reverse
step, with no fine-tuning. Both spaces sample approximately from the tilted distribution

    p(x) proportional to p_pre(x) * exp(scale * r_hat(x) / std(y)),

with r_hat linearised at the current state, std(y) the spread of the measured values in D:
- Sequences (masked diffusion): a discrete analogue of classifier guidance (Nisonoff et al.
  2024; the DRAKES baselines). At each step the relaxed current sequence is softmax(logits)
  at masked positions and the one-hot of the letter at revealed ones; the logits of masked
  positions get + scale * grad_{one-hot} r_hat / std(y) before the draw. A first-order
  Taylor step: switching a letter a -> b changes r_hat by about grad_b - grad_a.
- Vectors (DDPM): classifier guidance (Dhariwal & Nichol 2021, Alg. 1) with
  grad_z log p(y | z_t) = scale * grad_z r_hat(x(z_t)) / std(y), r_hat read at the noisy
  state z_t taken back to the data's units, x(z) = z * s + m (the prior's chain runs on
  designs standardised column by column, Prior.to_designs).
Dividing by std(y) makes `scale` unit-free: scale = 1 tilts by e per standard deviation of y.
We guide by plain ascent on r_hat (DESIGN.md says "toward a target value"; the target is
"higher"), with the mean prediction only: the uncertainty u(x) is not used.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn

from braid_core.data import OfflineData
from braid_core.diffusion import gaussian, masked
from braid_core.diffusion.prior import Prior
from braid_core.spaces import SequenceSpace

if TYPE_CHECKING:
    from braid_core.rewards import RewardModel

StepCallback = Callable[[int, Mapping[str, float]], None]
SEQUENCE_SCALE = 10.0  # GuidanceConfig.scale default for sequences (see the field comment)
VECTOR_SCALE = 1.0  # and for vectors


@dataclass(frozen=True)
class SamplingConfig:
    """Sampler settings for plain prior samples ("pretrained"); None keeps the prior's."""

    sampling_steps: int | None = None  # reverse steps of the masked sampler (sequences)
    temperature: float | None = None  # token temperature (sequences)
    order: str | None = None  # unmasking order, "random" or "confidence" (sequences)
    batch_size: int = 512  # designs per sampler call (memory bound)

    def __post_init__(self) -> None:
        _check_sampling(self)


@dataclass(frozen=True)
class GuidanceConfig:
    """Reward-gradient guidance of the prior's sampler."""

    # gamma: inverse temperature of the tilt exp(gamma * r_hat / std(y)); 0 gives plain prior
    # samples (the same draws as "pretrained"). None: 10 for sequences, where reward models
    # fitted to Ehrlich-20-32 / TFBind8 D have a per-position logit spread of ~0.2 nats per
    # unit gamma (so ~2 nats, p90 ~3), and 1 for vectors, where the shift accumulates over all
    # DDPM steps (on N(0, I) with a linear reward the mean moved ~1.5 gamma along it).
    scale: float | None = None
    sampling_steps: int | None = None  # reverse steps (sequences); None: the prior's
    temperature: float | None = None  # token temperature (sequences); None: the prior's
    order: str | None = None  # unmasking order (sequences); None: the prior's
    batch_size: int = 256  # designs per sampler call; each step also backpropagates r_hat
    # sequences: never draw a letter the unguided prior step gives less than this (the support
    # floor BRAID's fine-tuned sampler uses; 0, the published method, draws any letter)
    support_floor: float = 0.0

    def __post_init__(self) -> None:
        if self.scale is not None and self.scale < 0:
            raise ValueError(f"scale must be >= 0, got {self.scale}")
        if not 0.0 <= self.support_floor < 1.0:
            raise ValueError(f"support_floor must be in [0, 1), got {self.support_floor}")
        _check_sampling(self)


def _check_sampling(config: SamplingConfig | GuidanceConfig) -> None:
    """Range checks shared by the two configs."""
    if config.sampling_steps is not None and config.sampling_steps < 1:
        raise ValueError(f"sampling_steps must be at least 1, got {config.sampling_steps}")
    if config.temperature is not None and config.temperature <= 0:
        raise ValueError(f"temperature must be positive, got {config.temperature}")
    if config.order is not None and config.order not in masked.ORDERS:
        raise ValueError(f"order must be one of {masked.ORDERS}, got {config.order!r}")
    if config.batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {config.batch_size}")


def run_pretrained(
    prior: Prior,
    reward: RewardModel,
    offline: OfflineData,
    num_designs: int,
    *,
    config: SamplingConfig,
    generator: torch.Generator,
    device: torch.device,
    on_step: StepCallback | None = None,
    max_seconds: float | None = None,
) -> Tensor:
    """Plain samples of p_pre (reward, offline data, callback and time budget are unused).

    Returns:
        (num_designs, length) int64 tokens or (num_designs, dim) floats, on `device`.
    """
    return prior.sample(num_designs, generator=generator, num_steps=config.sampling_steps,
                        temperature=config.temperature, order=config.order,
                        batch_size=config.batch_size).to(device)


class _GuidedDenoiser(nn.Module):
    """A TokenDenoiser: the prior's logits plus the reward-gradient shift at masked positions.

    masked.sample divides the returned logits by the temperature, so the shift is multiplied
    by it here: the draw sees logits / temperature + scale * grad / std(y).
    """

    def __init__(self, net: nn.Module, reward: RewardModel, shift: float, temperature: float):
        super().__init__()
        self.net = net
        self.vocab_size = net.vocab_size
        self.reward = reward
        self.shift = shift  # scale / std(y)
        self.temperature = temperature

    def forward(self, x_t: Tensor) -> Tensor:
        logits = self.net(x_t)
        mask = (x_t == self.vocab_size)[..., None]
        grad = masked.look_ahead_gradient(lambda x: self.reward.predict(x).mean,
                                          logits / self.temperature, x_t, self.vocab_size)
        return logits + (self.shift * self.temperature) * grad * mask


def run_guidance(
    prior: Prior,
    reward: RewardModel,
    offline: OfflineData,
    num_designs: int,
    *,
    config: GuidanceConfig,
    generator: torch.Generator,
    device: torch.device,
    on_step: StepCallback | None = None,
    max_seconds: float | None = None,
) -> Tensor:
    """Sample the prior with reward-gradient guidance at every reverse step.

    Args:
        prior: the pre-trained prior, on `device`.
        reward: the reward model (only its mean prediction is used), on `device`.
        offline: D; its y fixes the unit of the guidance (std(y)).
        num_designs: number of designs.
        config: guidance scale and sampler settings.
        generator: on `device`; the only randomness.
        device: where sampling runs.
        on_step: called after each sampler batch with (batch index, {"designs": done so far}).
        max_seconds: unused (sampling has no budget knob; it always returns num_designs).
    Returns:
        (num_designs, length) int64 tokens or (num_designs, dim) floats, on `device`.
    """
    if offline.y is None or len(offline) < 2:
        raise ValueError(f"guidance needs at least 2 measured values y; {offline.source} has none")
    scale = config.scale
    if scale is None:
        scale = SEQUENCE_SCALE if isinstance(prior.space, SequenceSpace) else VECTOR_SCALE
    shift = scale / max(float(offline.y.std()), 1e-12)
    chunks: list[Tensor] = []
    for start in range(0, num_designs, config.batch_size):
        size = min(config.batch_size, num_designs - start)
        chunks.append(_guided_chunk(prior, reward, size, shift, config, generator))
        if on_step is not None:
            on_step(len(chunks), {"designs": float(start + size)})
    return torch.cat(chunks).to(device)


def _guided_chunk(prior: Prior, reward: RewardModel, size: int, shift: float,
                  config: GuidanceConfig, generator: torch.Generator) -> Tensor:
    """One sampler call of `size` guided designs, no graph kept."""
    if isinstance(prior.space, SequenceSpace):
        temperature = config.temperature or prior.config.temperature
        net = prior.net if shift == 0 else _GuidedDenoiser(prior.net, reward, shift, temperature)
        floor = config.support_floor
        # Without a floor of its own, the prior's (if it has one) still holds.
        guided = (prior.with_network(net, reference=prior.net, support_floor=floor) if floor
                  else dataclasses.replace(prior, net=net))
        return guided.sample(size, generator=generator, num_steps=config.sampling_steps,
                             temperature=temperature, order=config.order, batch_size=size)

    def hook(z_t: Tensor, t: Tensor) -> Tensor:
        with torch.enable_grad():  # gaussian.sample runs these steps under no_grad
            z = z_t.detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(reward.predict(prior.to_designs(z)).mean.sum(), z)
        return shift * grad

    with torch.no_grad():
        return prior.to_designs(gaussian.sample(
            prior.net, prior.schedule, (size, prior.space.dim), generator=generator,
            guidance=hook if shift else None).x0)
