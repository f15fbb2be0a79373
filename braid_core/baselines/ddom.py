"""DDOM (Krishnamoorthy, Mashkaria & Grover, ICML 2023), adapted to this project's diffusions.

A y-conditional diffusion model is trained on the offline set D only (not on the prior's
unlabeled data), with the training examples reweighted toward high y, and sampled with
classifier-free guidance (Ho & Salimans 2022) at y = max(D). DESIGN.md §1 baselines.

Conditioning: y is standardised over D; an MLP embedding of it is added to the token
embeddings (sequences: the masked diffusion's conv denoiser) or to the time embedding
(vectors: the DDPM's eps-MLP, trained on D in the prior's standardised coordinates, which the
prior's sampler takes back to D's units). With probability `cfg_dropout` (DDOM: 0.15) it is
replaced by a learned null embedding, so the same network also models p(x) unconditionally.

Reweighting (DDOM §4.2; their code's `get_weights`): bin y into B equal-width bins with counts
N_b, upper edges y_b; give bin b the target mass
    p_b proportional to N_b / (N_b + K) * exp(-(y_max - y_b) / tau),
K = `bin_smoothing` * |D| (damps sparse bins), tau = y_max - quantile_q(y) (their "adaptive
temperature", q = 0.9); each example's loss weight is p_b / (N_b / |D|), clipped at
`max_weight`. Before clipping the weights average 1 over D, and the weighted data put mass p_b
on bin b.

Guidance: logits = (1 + w) * log p(x | y = max D) - w * log p(x) (per position, sequences), or
eps = (1 + w) eps(x_t, t, y) - w eps(x_t, t) (vectors); w = `guidance_weight`, DDOM's gamma = 2.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn

from braid_core.data import OfflineData
from braid_core.diffusion import masked
from braid_core.diffusion.conv import ConvConfig, ConvDenoiser
from braid_core.diffusion.mlp import MLPDenoiser, timestep_embedding
from braid_core.diffusion.prior import Prior
from braid_core.spaces import SequenceSpace

if TYPE_CHECKING:
    from braid_core.rewards import RewardModel

StepCallback = Callable[[int, Mapping[str, float]], None]


@dataclass(frozen=True)
class DDOMConfig:
    """Training and sampling of the conditional model; None fields take the prior's value."""

    width: int | None = None  # channels / hidden units of the conditional network
    depth: int | None = None  # residual blocks
    batch_size: int = 128  # examples per optimizer step, drawn uniformly with replacement
    lr: float = 1e-3  # AdamW learning rate after a linear warm-up
    warmup_steps: int = 100  # optimizer steps of linear learning-rate warm-up
    ema_decay: float = 0.999  # EMA of the weights; the EMA network is sampled
    max_steps: int = 20_000  # training step budget
    max_seconds: float = 60.0  # training wall-clock budget (the runner's max_seconds caps it)
    cfg_dropout: float = 0.15  # probability of the null condition in training (DDOM: 0.15)
    guidance_weight: float = 2.0  # w of classifier-free guidance (DDOM's gamma: 2.0)
    num_bins: int = 20  # B, histogram bins of y for the reweighting (DDOM code: 20)
    bin_smoothing: float = 1e-3  # K / |D| in N_b / (N_b + K) (DDOM code: 1e-3)
    temperature_quantile: float = 0.9  # q in tau = y_max - quantile_q(y) (DDOM code: 0.9)
    max_weight: float = 5.0  # clip of each example's weight (DDOM code: 5)
    sampling_steps: int | None = None  # reverse steps (sequences)
    temperature: float | None = None  # token temperature (sequences)
    order: str | None = None  # unmasking order (sequences)
    log_every: int = 10  # report the mean loss every this many steps

    def __post_init__(self) -> None:
        for name in ("width", "depth", "sampling_steps"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("batch_size", "max_steps", "num_bins", "log_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("lr", "max_seconds", "bin_smoothing", "max_weight"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.warmup_steps < 0 or self.guidance_weight < 0:
            raise ValueError("warmup_steps and guidance_weight must be >= 0")
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must lie in [0, 1), got {self.ema_decay}")
        if not 0 <= self.cfg_dropout < 1:
            raise ValueError(f"cfg_dropout must lie in [0, 1), got {self.cfg_dropout}")
        if not 0 < self.temperature_quantile < 1:
            raise ValueError(f"temperature_quantile must lie in (0, 1), got "
                             f"{self.temperature_quantile}")
        if self.temperature is not None and self.temperature <= 0:
            raise ValueError(f"temperature must be positive, got {self.temperature}")
        if self.order is not None and self.order not in masked.ORDERS:
            raise ValueError(f"order must be one of {masked.ORDERS}, got {self.order!r}")


def reweighting(y: Tensor, config: DDOMConfig) -> Tensor:
    """DDOM's per-example loss weights (module docstring).

    Args:
        y: (n,) measured values.
    Returns:
        (n,) float32 weights in [0, max_weight].
    """
    y = y.double()
    n = len(y)
    low, high = float(y.min()), float(y.max())
    if high - low < 1e-12:
        return torch.ones(n, device=y.device)
    edges = torch.linspace(low, high, config.num_bins + 1, dtype=torch.float64, device=y.device)
    bins = torch.bucketize(y, edges[1:-1], right=True)  # bin b holds [edge_b, edge_{b+1})
    counts = torch.bincount(bins, minlength=config.num_bins).double()
    tau = max(high - float(torch.quantile(y, config.temperature_quantile)), 1e-3 * (high - low))
    mass = counts / (counts + config.bin_smoothing * n) * torch.exp(-(high - edges[1:]) / tau)
    mass = mass / mass.sum()
    weights = mass[bins] / (counts[bins] / n)
    return weights.clamp(max=config.max_weight).float()


class _Condition(nn.Module):
    """Embedding of standardised y, or a learned null embedding where `drop` is True."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.embed = nn.Sequential(nn.Linear(1, width), nn.SiLU(), nn.Linear(width, width))
        self.null = nn.Parameter(torch.zeros(width))

    def forward(self, y: Tensor | None, drop: Tensor | None, batch: int) -> Tensor:
        if y is None:
            return self.null.expand(batch, -1)
        emb = self.embed(y[:, None].to(self.null.dtype))
        return emb if drop is None else torch.where(drop[:, None], self.null, emb)


class ConditionalConvDenoiser(ConvDenoiser):
    """ConvDenoiser with the y embedding added to every token embedding."""

    def __init__(self, vocab_size: int, config: ConvConfig) -> None:
        super().__init__(vocab_size, config)
        self.condition = _Condition(config.width)

    def forward(self, x_t: Tensor, y: Tensor | None = None, drop: Tensor | None = None) -> Tensor:
        """(batch, length, V) logits given tokens x_t, standardised y (batch,) or None (null)."""
        h = self.embed(x_t) + self.condition(y, drop, x_t.shape[0])[:, None, :]
        h = h.transpose(1, 2)
        for block in self.blocks:
            h = block(h)
        return self.out(self.norm(h)).transpose(1, 2)


class ConditionalMLPDenoiser(MLPDenoiser):
    """MLPDenoiser with the y embedding added to the time embedding."""

    def __init__(self, dim: int, width: int, depth: int) -> None:
        super().__init__(dim, width, depth)
        self.condition = _Condition(width)

    def forward(self, x_t: Tensor, t: Tensor, y: Tensor | None = None,
                drop: Tensor | None = None) -> Tensor:
        """(batch, dim) eps prediction given x_t, steps t (batch,), standardised y or None."""
        emb = self.embed_time(timestep_embedding(t, self.width).to(x_t.dtype))
        emb = emb + self.condition(y, drop, x_t.shape[0])
        h = self.embed_input(x_t)
        for block in self.blocks:
            h = block(h, emb)
        return self.out(nn.functional.silu(h))


class _GuidedTokens(nn.Module):
    """TokenDenoiser: classifier-free guided log-probabilities at a fixed y."""

    def __init__(self, net: ConditionalConvDenoiser, y: float, weight: float) -> None:
        super().__init__()
        self.net, self.y, self.weight = net, y, weight
        self.vocab_size = net.vocab_size

    def forward(self, x_t: Tensor) -> Tensor:
        y = torch.full((x_t.shape[0],), self.y, device=x_t.device)
        conditional = self.net(x_t, y).log_softmax(-1)
        return (1 + self.weight) * conditional - self.weight * self.net(x_t).log_softmax(-1)


class _GuidedEps(nn.Module):
    """eps-network of gaussian.sample: classifier-free guided noise prediction at a fixed y."""

    def __init__(self, net: ConditionalMLPDenoiser, y: float, weight: float) -> None:
        super().__init__()
        self.net, self.y, self.weight = net, y, weight

    def forward(self, x_t: Tensor, t: Tensor) -> Tensor:
        y = torch.full((x_t.shape[0],), self.y, device=x_t.device)
        return (1 + self.weight) * self.net(x_t, t, y) - self.weight * self.net(x_t, t)


@torch.no_grad()
def _init_parameters(net: nn.Module, generator: torch.Generator) -> None:
    """Redraw weights from `generator` in PyTorch's default ranges; zero-init layers stay zero."""
    for module in net.modules():
        if isinstance(module, nn.Embedding):
            module.weight.normal_(generator=generator)
        elif isinstance(module, (nn.Linear, nn.Conv1d)) and bool(module.weight.any()):
            bound = 1.0 / math.sqrt(module.weight[0].numel())
            module.weight.uniform_(-bound, bound, generator=generator)
            if module.bias is not None:
                module.bias.uniform_(-bound, bound, generator=generator)


def _example_losses(net: nn.Module, prior: Prior, x0: Tensor, y: Tensor, drop: Tensor,
                    generator: torch.Generator) -> Tensor:
    """(batch,) denoising loss of each example (the prior's loss, unreduced)."""
    batch = x0.shape[0]
    if isinstance(prior.space, SequenceSpace):
        t = torch.rand(batch, generator=generator, device=x0.device).clamp_min(1e-3)
        x_t = masked.forward_mask(x0, t, net.vocab_size, generator)
        is_masked = x_t == net.vocab_size
        cross_entropy = nn.functional.cross_entropy(
            net(x_t, y, drop).flatten(0, 1), x0.flatten(), reduction="none"
        ).view_as(x0) * is_masked
        if prior.config.loss_weighting == "inverse_t":  # MDLM's ELBO weight, as the prior
            return cross_entropy.sum(1) / (t * x0.shape[1])
        return cross_entropy.sum(1) / is_masked.sum(1).clamp_min(1)
    steps = torch.randint(prior.schedule.num_steps, (batch,), generator=generator,
                          device=x0.device)
    eps = torch.randn(x0.shape, generator=generator, device=x0.device)
    alpha_bar = prior.schedule.alpha_bar.to(x0.device)[steps].float()[:, None]
    x_t = alpha_bar.sqrt() * x0 + (1.0 - alpha_bar).sqrt() * eps  # Ho et al. eq. 4
    return (net(x_t, steps, y, drop) - eps).square().mean(1)


def train_conditional(prior: Prior, offline: OfflineData, config: DDOMConfig, *,
                      generator: torch.Generator, device: torch.device,
                      on_step: StepCallback | None = None,
                      max_seconds: float | None = None) -> nn.Module:
    """Train DDOM's conditional network on D with reweighted, null-dropped conditions.

    Returns:
        The EMA network (eval mode, on `device`); it reads y standardised by D's mean and std.
    """
    x = offline.x.to(device)
    y = offline.y.to(device).float()
    y_standard = (y - y.mean()) / y.std().clamp_min(1e-12)
    weights = reweighting(y, config).to(device)
    width = config.width or prior.config.width
    depth = config.depth or prior.config.depth
    if isinstance(prior.space, SequenceSpace):
        shape = ConvConfig(width, depth, prior.config.kernel_size, prior.config.max_dilation)
        net = ConditionalConvDenoiser(prior.space.vocab_size, shape)
    else:
        net = ConditionalMLPDenoiser(prior.space.dim, width, depth)
        x = prior.to_states(x.float())  # the prior's chain coordinates: its sampler unscales
    net = net.to(device)
    _init_parameters(net, generator)
    ema = copy.deepcopy(net).requires_grad_(False)
    optimizer = torch.optim.AdamW(net.parameters(), lr=config.lr, betas=(0.9, 0.99))
    budget = min(config.max_seconds, max_seconds or math.inf)
    start, loss_sum = time.perf_counter(), 0.0
    for step in range(1, config.max_steps + 1):
        if time.perf_counter() - start > budget:
            break
        for group in optimizer.param_groups:
            group["lr"] = config.lr * min(1.0, step / max(config.warmup_steps, 1))
        index = torch.randint(len(x), (config.batch_size,), generator=generator, device=device)
        drop = torch.rand(config.batch_size, generator=generator, device=device)
        drop = drop < config.cfg_dropout
        losses = _example_losses(net, prior, x[index], y_standard[index], drop, generator)
        loss = (weights[index] * losses).mean()  # DDOM's reweighted objective
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        decay = min(config.ema_decay, (1.0 + step) / (10.0 + step))  # as train_prior
        with torch.no_grad():
            for p_ema, p in zip(ema.parameters(), net.parameters(), strict=True):
                p_ema.lerp_(p, 1.0 - decay)
        loss_sum += float(loss.detach())
        if step % config.log_every == 0:
            if on_step is not None:
                on_step(step, {"loss": loss_sum / config.log_every,
                               "elapsed_s": time.perf_counter() - start})
            loss_sum = 0.0
    return ema.eval()


def run_ddom(
    prior: Prior,
    reward: RewardModel,
    offline: OfflineData,
    num_designs: int,
    *,
    config: DDOMConfig,
    generator: torch.Generator,
    device: torch.device,
    on_step: StepCallback | None = None,
    max_seconds: float | None = None,
) -> Tensor:
    """Train DDOM on D, then sample with classifier-free guidance at y = max(D).

    Args:
        prior: gives the space, the network shape, the loss weighting, the sampler defaults
            and (vectors) the noise schedule; its weights are not used.
        reward: unused (DDOM learns from D directly).
        offline: D, with y.
        num_designs: number of designs.
        config: DDOM settings.
        generator: on `device`; the only randomness (initial weights included).
        device: where training and sampling run.
        on_step: training progress, every `config.log_every` steps: {"loss", "elapsed_s"}.
        max_seconds: caps the training time (sampling comes on top).
    Returns:
        (num_designs, length) int64 tokens or (num_designs, dim) floats, on `device`.
    """
    if offline.y is None or len(offline) < 2:
        raise ValueError(f"DDOM needs at least 2 labelled designs; {offline.source} has none")
    if not bool(torch.isfinite(offline.y).all()):
        raise ValueError(f"DDOM needs finite values y; {offline.source} has -inf/nan (floor them)")
    net = train_conditional(prior, offline, config, generator=generator, device=device,
                            on_step=on_step, max_seconds=max_seconds)
    y = offline.y.float()
    target = float((y.max() - y.mean()) / y.std().clamp_min(1e-12))  # max(D), standardised
    if isinstance(prior.space, SequenceSpace):
        guided = _GuidedTokens(net, target, config.guidance_weight)
    else:
        guided = _GuidedEps(net, target, config.guidance_weight)
    sampler = dataclasses.replace(prior, net=guided)
    return sampler.sample(num_designs, generator=generator, num_steps=config.sampling_steps,
                          temperature=config.temperature, order=config.order).to(device)
