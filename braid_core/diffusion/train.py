"""Pre-training of a diffusion prior on unlabeled valid designs (the one loop of its kind).

AdamW with linear warm-up and a cosine decay that follows progress through the budget
(whichever of the step or the wall-clock budget is nearer its end), plus an exponential moving
average (EMA) of the weights; the EMA network is what the prior keeps.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Mapping

import torch
from torch import Tensor, nn

from braid_core.diffusion import masked
from braid_core.diffusion.prior import Prior, PriorConfig, build_network, build_schedule
from braid_core.spaces import SequenceSpace, Space
from braid_core.standardise import RESOLUTION, column_scaling

StepCallback = Callable[[int, Mapping[str, float]], None]


def _loss(net: nn.Module, schedule, x0: Tensor, space: Space, config: PriorConfig,
          generator: torch.Generator) -> Tensor:
    """The space's denoising loss on one batch."""
    if isinstance(space, SequenceSpace):
        return masked.masked_diffusion_loss(net, x0, generator, weighting=config.loss_weighting)
    from braid_core.diffusion import gaussian

    return gaussian.denoising_loss(net, schedule, x0, generator)


def _learning_rate(config: PriorConfig, step: int, progress: float) -> float:
    """Warm-up then cosine to zero over `progress` in [0, 1]."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    return config.lr * 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0)))


def train_prior(
    x: Tensor,
    space: Space,
    config: PriorConfig,
    *,
    device: torch.device,
    generator: torch.Generator,
    on_step: StepCallback | None = None,
) -> Prior:
    """Pre-train a prior on valid designs until max_minutes or max_steps.

    Args:
        x: (n, length) int64 tokens or (n, dim) float vectors, the unlabeled training set.
        space: the design space of x.
        config: network and optimisation settings.
        device: where to train.
        generator: on `device`; draws batches, noise levels and masks.
        on_step: called every `config.log_every` steps with (step, {"loss", "lr",
            "elapsed_s", "epoch"}), and at a last step between those, so the last report
            gives the steps taken; loss is the mean since the previous report.
    Returns:
        The Prior holding the EMA network, in eval mode, on `device`; for vectors, with the
        standardisation its chain runs in (the network is trained on (x - mean) / std of x).
    """
    if x.shape[1:] != space.event_shape:
        raise ValueError(f"training data of shape {tuple(x.shape)} does not fit {space.describe()}")
    if x.shape[0] < 2:
        raise ValueError(f"need at least 2 training designs, got {x.shape[0]}")
    x = x.to(device)
    scaling = None
    if not isinstance(space, SequenceSpace):
        # A constant column gets a scale of RESOLUTION times its value: samples keep it there.
        scaling = column_scaling(x, constant_scale=RESOLUTION)
        x = scaling.to_standard(x.float())
    net = build_network(space, config).to(device)
    schedule = build_schedule(space, config)
    ema = copy.deepcopy(net).requires_grad_(False)
    optimizer = torch.optim.AdamW(
        net.parameters(), lr=config.lr, betas=(0.9, 0.99), weight_decay=config.weight_decay
    )
    budget_s = 60.0 * config.max_minutes
    start = time.perf_counter()
    order = torch.randperm(x.shape[0], generator=generator, device=device)
    cursor, epoch, step, loss_sum = 0, 0, 0, 0.0
    while step < config.max_steps:
        elapsed = time.perf_counter() - start
        if elapsed >= budget_s:
            break
        if cursor + config.batch_size > x.shape[0]:
            order = torch.randperm(x.shape[0], generator=generator, device=device)
            cursor, epoch = 0, epoch + 1
        batch = x[order[cursor:cursor + config.batch_size]]
        cursor += config.batch_size
        progress = max(step / config.max_steps, elapsed / budget_s)
        lr = _learning_rate(config, step, progress)
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = _loss(net, schedule, batch, space, config, generator)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        # EMA with a warm-up of its decay, so early weights do not dominate a short run.
        decay = min(config.ema_decay, (1.0 + step) / (10.0 + step))
        with torch.no_grad():
            for p_ema, p in zip(ema.parameters(), net.parameters(), strict=True):
                p_ema.lerp_(p, 1.0 - decay)
        step += 1
        loss_sum += float(loss.detach())
        if on_step is not None and step % config.log_every == 0:
            on_step(step, {"loss": loss_sum / config.log_every, "lr": lr,
                           "elapsed_s": time.perf_counter() - start, "epoch": float(epoch)})
            loss_sum = 0.0
        elif step % config.log_every == 0:
            loss_sum = 0.0
    if on_step is not None and step % config.log_every:  # the clock stopped it between reports
        on_step(step, {"loss": loss_sum / (step % config.log_every), "lr": lr,
                       "elapsed_s": time.perf_counter() - start, "epoch": float(epoch)})
    return Prior(space, config, ema.eval(), schedule, scaling=scaling)
