"""Gaussian diffusion (DDPM, Ho et al. 2020) with an eps-predicting network, for vector spaces.

The process holds no weights: every function takes the network as an argument, so the frozen
pre-trained model and the fine-tuned one go through the very same `reverse_step` (DESIGN.md
§1). Each reverse step exposes its Gaussian, N(mean, std^2 I), for the path KL:

    mean = (x_t - beta_t / sqrt(1 - abar_t) * eps(x_t, t)) / sqrt(alpha_t)    (Ho et al. eq. 11)
    std  = sqrt(beta tilde_t)                                                  (eq. 7; 0 at t=0)

Schedule coefficients are read in float64 and applied in the state's dtype.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import nullcontext
from typing import NamedTuple

import torch
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint as _checkpoint

from braid_core.diffusion.schedule import NoiseSchedule

Guidance = Callable[[Tensor, Tensor], Tensor]  # (x_t, t (batch,) int64) -> gradient like x_t


class StepOutput(NamedTuple):
    """The model's reverse step at one state: x_{t-1} ~ N(mean, std^2 I)."""

    mean: Tensor  # (batch, dim)
    std: Tensor  # 0-d, broadcastable to mean; 0 on the deterministic last step (t = 0)


class Trajectory(NamedTuple):
    """A sampled chain; `states`/`steps`/`times` only for the steps that carry gradients."""

    x0: Tensor  # (batch, dim) final sample
    states: list[Tensor]  # x_t before each gradient-carrying step, (batch, dim)
    steps: list[StepOutput]  # the step sampled from at those states (guidance included)
    times: list[int]  # t of those states, decreasing, the last one 0


def _steps(x_t: Tensor, t: int) -> Tensor:
    """(batch,) int64 tensor filled with t."""
    return torch.full((x_t.shape[0],), t, dtype=torch.long, device=x_t.device)


def _predict_eps(net: nn.Module, x_t: Tensor, t: int, checkpoint: bool) -> Tensor:
    """net(x_t, t) for the whole batch, optionally recomputed in backward to save memory."""
    steps = _steps(x_t, t)
    if checkpoint and torch.is_grad_enabled():
        return _checkpoint(net, x_t, steps, use_reentrant=False)
    return net(x_t, steps)


def reverse_step(
    net: nn.Module, schedule: NoiseSchedule, x_t: Tensor, t: int, *, checkpoint: bool = False
) -> StepOutput:
    """The DDPM reverse step p(x_{t-1} | x_t) of an eps-predicting network.

    Args:
        net: denoiser, net(x_t (batch, dim), t (batch,)) -> eps (batch, dim).
        schedule: the noise schedule the network was trained with.
        x_t: (batch, dim) state at time step t.
        t: time step in [0, T).
        checkpoint: recompute the network call in backward (gradient checkpointing).
    Returns:
        StepOutput(mean (batch, dim), std 0-d), both in x_t's dtype.
    """
    if not 0 <= t < schedule.num_steps:
        raise ValueError(f"t must lie in [0, {schedule.num_steps}), got {t}")
    beta = schedule.betas[t].item()  # Python floats are float64: no precision lost here
    alpha = schedule.alphas[t].item()
    alpha_bar = schedule.alpha_bar[t].item()
    eps = _predict_eps(net, x_t, t, checkpoint)
    mean = (x_t - (beta / math.sqrt(1.0 - alpha_bar)) * eps) / math.sqrt(alpha)
    std = math.sqrt(schedule.posterior_variance[t].item())
    return StepOutput(mean, torch.tensor(std, dtype=x_t.dtype, device=x_t.device))


def denoising_loss(
    net: nn.Module, schedule: NoiseSchedule, x0: Tensor, generator: torch.Generator
) -> Tensor:
    """The simple DDPM loss: MSE between the noise and its prediction, t uniform.

    Args:
        net: denoiser being trained.
        schedule: the noise schedule.
        x0: (batch, dim) clean designs.
        generator: on x0's device; draws t and the noise.
    Returns:
        Scalar loss (mean over batch and dimensions).
    """
    t = torch.randint(schedule.num_steps, (x0.shape[0],), generator=generator, device=x0.device)
    eps = torch.randn(x0.shape, generator=generator, device=x0.device, dtype=x0.dtype)
    alpha_bar = schedule.alpha_bar.to(x0.device)[t].to(x0.dtype)[:, None]
    x_t = alpha_bar.sqrt() * x0 + (1.0 - alpha_bar).sqrt() * eps  # q(x_t | x0), Ho et al. eq. 4
    return nn.functional.mse_loss(net(x_t, t), eps)


def sample(
    net: nn.Module,
    schedule: NoiseSchedule,
    shape: tuple[int, int],
    *,
    generator: torch.Generator,
    grad_last_k: int = 0,
    chain_grad_k: int | None = None,
    guidance: Guidance | None = None,
    checkpoint: bool = False,
) -> Trajectory:
    """Ancestral DDPM sampling from x_{T-1} ~ N(0, I) down to the clean design.

    No @torch.no_grad here: the last `grad_last_k` steps run with autograd enabled (their
    means carry gradients to the network and to earlier recorded states); the others run
    without a graph. Wrap in torch.no_grad() to sample without any graph.

    Args:
        net: the denoiser; its first parameter gives the device and dtype.
        schedule: the noise schedule.
        shape: (batch, dim).
        generator: on the network's device; the only source of randomness.
        grad_last_k: number of final steps that keep the graph and are recorded (capped at T).
        chain_grad_k: of those, the last ones through whose states gradients flow back up
            the chain (None: all); the earlier ones start from a detached state, so their
            means reach the network through their own step alone (truncated backpropagation).
        guidance: classifier guidance; its output g is added to the mean as std^2 * g
            (Dhariwal & Nichol 2021, Alg. 1). It runs under the step's grad mode; a hook
            that differentiates a reward must enable grad itself.
        checkpoint: gradient-checkpoint each gradient-carrying network call.
    Returns:
        Trajectory with x0 (batch, dim).
    """
    if grad_last_k < 0:
        raise ValueError(f"grad_last_k must be >= 0, got {grad_last_k}")
    if chain_grad_k is not None and chain_grad_k < 1:
        raise ValueError(f"chain_grad_k must be None or >= 1, got {chain_grad_k}")
    param = next(net.parameters(), None)
    device = param.device if param is not None else generator.device
    dtype = param.dtype if param is not None and param.is_floating_point() else torch.float32
    x_t = torch.randn(shape, generator=generator, device=device, dtype=dtype)
    states, steps, times = [], [], []
    for t in reversed(range(schedule.num_steps)):
        keep_graph = t < grad_last_k
        if keep_graph and chain_grad_k is not None and t >= chain_grad_k - 1:
            x_t = x_t.detach()  # the last chain_grad_k steps pass gradients back to here only
        with nullcontext() if keep_graph else torch.no_grad():
            step = reverse_step(net, schedule, x_t, t, checkpoint=checkpoint)
            if guidance is not None:
                step = step._replace(mean=step.mean + step.std**2 * guidance(x_t, _steps(x_t, t)))
        if keep_graph:
            states.append(x_t)
            steps.append(step)
            times.append(t)
        if t > 0:
            noise = torch.randn(shape, generator=generator, device=device, dtype=dtype)
            x_t = step.mean + step.std * noise
        else:
            x_t = step.mean
    return Trajectory(x_t, states, steps, times)


def step_kl(finetuned: StepOutput, pretrained: StepOutput) -> Tensor:
    """Path-KL term of one reverse step: sum_dims ||mean_ft - mean_pre||^2 / (2 std^2).

    Girsanov/Euler convention of DESIGN.md §1 (the caller sums over steps). Both steps must
    be evaluated at the same state (the fine-tuned model's sample) with the same schedule, so
    they share std; the fine-tuned std is used. A zero-variance (deterministic) step carries
    no KL: it gives 0, never NaN, and a finite (zero) gradient. Computed in float64.

    Returns:
        (batch,) KL in nats, in the means' dtype.
    """
    diff = finetuned.mean.double() - pretrained.mean.double()
    var = (finetuned.std.double() ** 2).expand_as(diff)
    positive = var > 0
    safe_var = torch.where(positive, var, torch.ones_like(var))  # no 0/0 even in backward
    kl = torch.where(positive, diff.square() / (2.0 * safe_var), torch.zeros_like(diff))
    return kl.flatten(1).sum(1).to(finetuned.mean.dtype)
