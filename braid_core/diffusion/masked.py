"""Masked (absorbing-state) discrete diffusion over token sequences (MDLM, Sahoo et al. 2024).

Forward process: each position is independently replaced by the mask token (id V) with
probability t, t in [0, 1] (linear schedule alpha_t = 1 - t). The denoiser predicts the clean
token at every position; the loss is the cross-entropy at the masked positions.

Reverse process: start fully masked and unmask a fixed number of positions per step, so every
sample is exactly unmasked after `num_steps` steps. Which positions unmask is either uniform
among the masked ones ("random", the exact MDLM reverse step with a fixed count) or the most
confident ones ("confidence", MaskGIT-style). Unmasked tokens never change (carry-over).

The per-step distribution is exposed for the path KL of fine-tuning (DESIGN.md §1): a masked
position unmasks with probability `unmask_prob` and then takes a token from softmax(logits);
the stay-masked mass is the same for two models, so
    KL(step_ft || step_pre) = sum_masked unmask_prob * KL(cat_ft || cat_pre).
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import NamedTuple, Protocol

import torch
from torch import Tensor, nn

ORDERS = ("random", "confidence")


class TokenDenoiser(Protocol):
    """A network mapping (batch, length) tokens in [0, V] (V = mask) to (batch, length, V)."""

    vocab_size: int

    def __call__(self, x_t: Tensor) -> Tensor: ...


class DiscreteStep(NamedTuple):
    """The model's reverse step at one state."""

    logits: Tensor  # (batch, length, V) logits of the token draw (temperature applied)
    unmask_prob: Tensor  # (batch, length) probability that each position unmasks now
    masked: Tensor  # (batch, length) bool, positions masked before the step


class DiscreteTrajectory(NamedTuple):
    """A sampled chain; `states`/`steps`/`times` only for the steps that carry gradients."""

    x0: Tensor  # (batch, length) int64 final tokens, no mask left
    states: list[Tensor]  # x_t before each gradient-carrying step, (batch, length) int64
    steps: list[DiscreteStep]  # the model's step at those states
    times: list[float]  # t of those states (fraction of positions masked)


def forward_mask(x0: Tensor, t: Tensor, mask_id: int, generator: torch.Generator) -> Tensor:
    """Mask each position of x0 independently with probability t (per row).

    Args:
        x0: (batch, length) int64 clean tokens.
        t: (batch,) masking probabilities in [0, 1].
    Returns:
        (batch, length) int64 x_t with `mask_id` at masked positions.
    """
    u = torch.rand(x0.shape, generator=generator, device=x0.device)
    return torch.where(u < t[:, None], torch.full_like(x0, mask_id), x0)


def masked_diffusion_loss(
    net: TokenDenoiser,
    x0: Tensor,
    generator: torch.Generator,
    *,
    weighting: str = "inverse_t",
    t_min: float = 1e-3,
) -> Tensor:
    """Masked cross-entropy on a batch, t drawn stratified over (0, 1].

    Args:
        net: the denoiser.
        x0: (batch, length) int64 clean tokens.
        weighting: "inverse_t" (MDLM's ELBO weight 1/t, summed over positions / length) or
            "flat" (mean cross-entropy over the masked positions).
        t_min: lower clamp of t, so the 1/t weight stays bounded.
    Returns:
        Scalar loss.
    """
    batch, length = x0.shape
    # Stratified t: one draw per 1/batch slice, lower variance than i.i.d. draws (VDM).
    offset = torch.rand((), generator=generator, device=x0.device)
    t = ((offset + torch.arange(batch, device=x0.device) / batch) % 1.0).clamp_min(t_min)
    x_t = forward_mask(x0, t, net.vocab_size, generator)
    masked = x_t == net.vocab_size
    cross_entropy = nn.functional.cross_entropy(
        net(x_t).flatten(0, 1), x0.flatten(), reduction="none"
    ).view(batch, length)
    cross_entropy = cross_entropy * masked
    if weighting == "inverse_t":
        return (cross_entropy.sum(1) / (t * length)).mean()
    if weighting == "flat":
        return cross_entropy.sum() / masked.sum().clamp_min(1)
    raise ValueError(f"weighting must be 'inverse_t' or 'flat', got {weighting!r}")


def unmask_counts(length: int, num_steps: int) -> list[int]:
    """Positions to unmask at each reverse step (linear schedule), summing to `length`.

    Steps that would unmask nothing are dropped, so at most `length` steps remain.
    """
    marks = [round(length * i / num_steps) for i in range(num_steps + 1)]
    return [b - a for a, b in zip(marks, marks[1:], strict=False) if b > a]


def draw_tokens(logits: Tensor, generator: torch.Generator) -> Tensor:
    """One categorical draw per position by Gumbel-max: argmax(logits + Gumbel noise).

    Kept in one place so a Gumbel-softmax relaxation (DRAKES) can replace it for fine-tuning.

    Args:
        logits: (batch, length, V).
    Returns:
        (batch, length) int64.
    """
    u = torch.rand(logits.shape, generator=generator, device=logits.device)
    gumbel = -torch.log(-torch.log(u.clamp(1e-20, 1.0 - 1e-7)))
    return (logits.detach() + gumbel).argmax(-1)


def reverse_step(
    net: TokenDenoiser, x_t: Tensor, num_unmask: int, *, temperature: float = 1.0
) -> DiscreteStep:
    """The model's reverse step: which positions may unmask, and their token distribution.

    Args:
        net: the denoiser.
        x_t: (batch, length) int64, the same number of masked positions in every row.
        num_unmask: how many masked positions unmask in this step.
        temperature: divides the logits (< 1 sharpens the token distribution).
    Returns:
        DiscreteStep; unmask_prob = num_unmask / (number masked) on masked positions, else 0.
    """
    masked = x_t == net.vocab_size
    num_masked = masked.sum(1, keepdim=True).clamp_min(1)
    unmask_prob = masked * (num_unmask / num_masked)
    return DiscreteStep(net(x_t) / temperature, unmask_prob, masked)


def _choose_positions(
    step: DiscreteStep, tokens: Tensor, num_unmask: int, order: str, generator: torch.Generator
) -> Tensor:
    """(batch, length) bool: the `num_unmask` masked positions that unmask now."""
    if order == "random":
        score = torch.rand(step.masked.shape, generator=generator, device=tokens.device)
    else:  # confidence: probability of the drawn token, as in MaskGIT
        score = step.logits.detach().log_softmax(-1).gather(-1, tokens[..., None])[..., 0]
    score = score.masked_fill(~step.masked, float("-inf"))
    chosen = score.topk(num_unmask, dim=1).indices
    return torch.zeros_like(step.masked).scatter(1, chosen, True)


def sample(
    net: TokenDenoiser,
    shape: tuple[int, int],
    num_steps: int,
    *,
    generator: torch.Generator,
    temperature: float = 1.0,
    order: str = "random",
    grad_last_k: int = 0,
) -> DiscreteTrajectory:
    """Sample tokens by iterative unmasking from the fully masked sequence.

    No @torch.no_grad here: the last `grad_last_k` steps run with autograd enabled (their
    logits carry gradients); the others run without a graph. Wrap in torch.no_grad() to sample
    without any graph.

    Args:
        net: the denoiser; its device is where sampling runs.
        shape: (batch, length).
        num_steps: reverse steps (capped at length: one step never unmasks zero positions).
        generator: the only source of randomness.
        temperature: token-distribution temperature.
        order: "random" (MDLM) or "confidence" (most confident positions first).
        grad_last_k: number of final steps that keep the graph and are recorded.
    Returns:
        DiscreteTrajectory with x0 (batch, length) int64 in [0, V).
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    batch, length = shape
    device = next(net.parameters()).device if isinstance(net, nn.Module) else generator.device
    x_t = torch.full((batch, length), net.vocab_size, dtype=torch.long, device=device)
    counts = unmask_counts(length, num_steps)
    states, steps, times = [], [], []
    for i, num_unmask in enumerate(counts):
        keep_graph = i >= len(counts) - grad_last_k
        with nullcontext() if keep_graph else torch.no_grad():
            step = reverse_step(net, x_t, num_unmask, temperature=temperature)
        tokens = draw_tokens(step.logits, generator)
        chosen = _choose_positions(step, tokens, num_unmask, order, generator)
        if keep_graph:
            if order == "confidence":  # the positions are chosen, not drawn: record which
                step = step._replace(unmask_prob=chosen.to(step.logits.dtype))
            states.append(x_t)
            steps.append(step)
            times.append(float(step.masked[0].sum()) / length)
        x_t = torch.where(chosen, tokens, x_t)
    return DiscreteTrajectory(x_t, states, steps, times)


def step_kl(finetuned: DiscreteStep, pretrained: DiscreteStep) -> Tensor:
    """Path-KL term of one reverse step: sum_masked unmask_prob * KL(cat_ft || cat_pre).

    Both steps must be evaluated at the same state (the fine-tuned model's sample).

    Returns:
        (batch,) KL in nats.
    """
    log_ft = finetuned.logits.log_softmax(-1)
    log_pre = pretrained.logits.log_softmax(-1)
    kl = (log_ft.exp() * (log_ft - log_pre)).sum(-1)  # (batch, length)
    return (finetuned.unmask_prob * kl).sum(1)
