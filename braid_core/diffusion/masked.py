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

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import NamedTuple, Protocol

import torch
import torch.utils.checkpoint
from torch import Tensor, nn

ORDERS = ("random", "confidence", "entropy")


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
    x0_relaxed: Tensor | None = None  # (batch, length, V) straight-through one-hot, if asked
    kl: Tensor | None = None  # (batch,) path KL to `reference` over all steps, if given
    chosen: list[Tensor] | None = None  # (batch, length) bool: positions unmasked by each step
    # the reference's temperature-scaled logits at those states, when `reference` is given
    reference_logits: list[Tensor] | None = None


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


def gumbel_noise(shape: torch.Size, generator: torch.Generator, device: torch.device) -> Tensor:
    """Standard Gumbel noise, clamped away from the logarithm's poles."""
    u = torch.rand(shape, generator=generator, device=device)
    return -torch.log(-torch.log(u.clamp(1e-20, 1.0 - 1e-7)))


def draw_tokens(logits: Tensor, generator: torch.Generator) -> Tensor:
    """One categorical draw per position by Gumbel-max: argmax(logits + Gumbel noise).

    Args:
        logits: (batch, length, V).
    Returns:
        (batch, length) int64.
    """
    return (logits.detach() + gumbel_noise(logits.shape, generator, logits.device)).argmax(-1)


def relaxed_draw(logits: Tensor, generator: torch.Generator, tau: float) -> tuple[Tensor, Tensor]:
    """A Gumbel-max draw and its straight-through Gumbel-softmax relaxation (DRAKES).

    The forward value is the hard one-hot of the drawn token; the backward pass follows
    softmax((logits + g) / tau), so a reward of the one-hot sends gradients to the logits.

    Returns:
        tokens (batch, length) int64 and one_hot (batch, length, V) float.
    """
    noisy = logits + gumbel_noise(logits.shape, generator, logits.device)
    tokens = noisy.detach().argmax(-1)
    soft = (noisy / tau).softmax(-1)
    hard = nn.functional.one_hot(tokens, logits.shape[-1]).to(soft.dtype)
    return tokens, hard + soft - soft.detach()


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
    return reverse_step_from_logits(net(x_t) / temperature, x_t, net.vocab_size, num_unmask)


def reverse_step_from_logits(
    logits: Tensor, x_t: Tensor, mask_id: int, num_unmask: int
) -> DiscreteStep:
    """The reverse step given the network's (temperature-scaled) logits at x_t."""
    masked = x_t == mask_id
    num_masked = masked.sum(1, keepdim=True).clamp_min(1)
    unmask_prob = masked * (num_unmask / num_masked)
    return DiscreteStep(logits, unmask_prob, masked)


def _choose_positions(
    step: DiscreteStep, tokens: Tensor, num_unmask: int, order: str, generator: torch.Generator,
    position_noise: float = 0.0,
) -> Tensor:
    """(batch, length) bool: the `num_unmask` masked positions that unmask now.

    "confidence" ranks positions by the log-probability of their drawn token (MaskGIT), plus
    `position_noise` times Gumbel noise (0: greedy; large: close to random order);
    "entropy" ranks them by how peaked their distribution is, before the draw.
    """
    if order == "random":
        score = torch.rand(step.masked.shape, generator=generator, device=tokens.device)
    else:
        log_p = step.logits.detach().log_softmax(-1)
        if order == "confidence":
            score = log_p.gather(-1, tokens[..., None])[..., 0]
        else:
            score = (log_p.exp() * log_p).sum(-1)  # minus the entropy
        if position_noise > 0:
            score = score + position_noise * gumbel_noise(score.shape, generator, score.device)
    score = score.masked_fill(~step.masked, float("-inf"))
    chosen = score.topk(num_unmask, dim=1).indices
    return torch.zeros_like(step.masked).scatter(1, chosen, True)


# Logit given to letters outside the support: finite, so p log p stays 0 rather than NaN.
OFF_SUPPORT_LOGIT = -1e4


def restrict_to_support(logits: Tensor, reference_logits: Tensor, floor: float) -> Tensor:
    """`logits` with every letter the reference gives less than `floor` probability removed.

    The floor is capped at each position's most likely reference letter, so at least one
    letter always stays. A hard form of the KL's support constraint: the sampler cannot draw
    what the pre-trained step all but excludes, however the fine-tuned network generalises.
    """
    reference_prob = reference_logits.detach().softmax(-1)
    cap = reference_prob.amax(-1, keepdim=True).clamp_max(floor)
    return logits.masked_fill(reference_prob < cap, OFF_SUPPORT_LOGIT)


def _denoise(net: TokenDenoiser, x_t: Tensor, checkpoint: bool) -> Tensor:
    """net(x_t), optionally recomputed during backward instead of stored (flat memory)."""
    if checkpoint and torch.is_grad_enabled():
        return torch.utils.checkpoint.checkpoint(net, x_t, use_reentrant=False)
    return net(x_t)


def sample(
    net: TokenDenoiser,
    shape: tuple[int, int],
    num_steps: int,
    *,
    generator: torch.Generator,
    temperature: float = 1.0,
    order: str = "random",
    grad_last_k: int = 0,
    grad_steps: Sequence[int] | None = None,
    reference: TokenDenoiser | None = None,
    relax_tau: float | None = None,
    checkpoint: bool = False,
    position_noise: float = 0.0,
    support_floor: float = 0.0,
) -> DiscreteTrajectory:
    """Sample tokens by iterative unmasking from the fully masked sequence.

    No @torch.no_grad here: the chosen steps run with autograd enabled (their logits carry
    gradients); the others run without a graph. Wrap in torch.no_grad() to sample without any
    graph. The network always reads hard tokens, so gradients of a step reach its own logits
    only (through the drawn tokens and the KL), never earlier steps through the state.

    Args:
        net: the denoiser; its device is where sampling runs.
        shape: (batch, length).
        num_steps: reverse steps (capped at length: one step never unmasks zero positions).
        generator: the only source of randomness.
        temperature: token-distribution temperature.
        order: "random" (MDLM), "confidence" (most confident draws first) or "entropy"
            (most peaked positions first).
        grad_last_k: number of final steps that keep the graph and are recorded.
        grad_steps: explicit indices of the steps that keep the graph (overrides grad_last_k).
        reference: a second denoiser (the pre-trained one); if given, the trajectory's `kl`
            sums step_kl(net, reference) over every step (graph kept on the chosen steps).
        relax_tau: if given, `x0_relaxed` holds the final one-hot with straight-through
            Gumbel-softmax relaxations (temperature relax_tau) at the positions drawn in the
            chosen steps, so a reward of it differentiates into those steps' logits.
        checkpoint: recompute the chosen steps' network calls in backward (saves memory).
        position_noise: Gumbel noise scale on the confidence/entropy ranking of positions.
        support_floor: with `reference`, letters the reference step gives less than this
            probability are never drawn (`restrict_to_support`); 0 = no restriction.
    Returns:
        DiscreteTrajectory with x0 (batch, length) int64 in [0, V).
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    if support_floor and reference is None:
        raise ValueError("support_floor needs a reference denoiser")
    batch, length = shape
    device = next(net.parameters()).device if isinstance(net, nn.Module) else generator.device
    x_t = torch.full((batch, length), net.vocab_size, dtype=torch.long, device=device)
    counts = unmask_counts(length, num_steps)
    if grad_steps is None:
        grad_steps = range(len(counts) - grad_last_k, len(counts))
    grad_steps = set(grad_steps)
    relaxed = torch.zeros(batch, length, net.vocab_size, device=device) if relax_tau else None
    kl = torch.zeros(batch, dtype=torch.float64, device=device) if reference else None
    states, steps, times, chosen_steps, reference_steps = [], [], [], [], []
    for i, num_unmask in enumerate(counts):
        keep_graph = i in grad_steps
        if reference is not None:
            with torch.no_grad():
                reference_logits = reference(x_t) / temperature
        with nullcontext() if keep_graph else torch.no_grad():
            logits = _denoise(net, x_t, checkpoint and keep_graph) / temperature
            if support_floor:
                logits = restrict_to_support(logits, reference_logits, support_floor)
            step = reverse_step_from_logits(logits, x_t, net.vocab_size, num_unmask)
            if relax_tau and keep_graph:
                tokens, one_hot = relaxed_draw(step.logits, generator, relax_tau)
            else:
                tokens, one_hot = draw_tokens(step.logits, generator), None
            chosen = _choose_positions(step, tokens, num_unmask, order, generator,
                                       position_noise)
            if order != "random":  # the positions are chosen, not drawn: record which
                step = step._replace(unmask_prob=chosen.to(step.logits.dtype))
            if reference is not None:
                kl = kl + step_kl(step, step._replace(logits=reference_logits)).double()
                if keep_graph:
                    reference_steps.append(reference_logits)
        if relaxed is not None:
            if one_hot is None:
                one_hot = nn.functional.one_hot(tokens, net.vocab_size).to(relaxed.dtype)
            relaxed = torch.where(chosen[..., None], one_hot, relaxed)
        if keep_graph:
            states.append(x_t)
            steps.append(step)
            chosen_steps.append(chosen)
            times.append(float(step.masked[0].sum()) / length)
        x_t = torch.where(chosen, tokens, x_t)
    return DiscreteTrajectory(x_t, states, steps, times, relaxed, kl, chosen_steps,
                              reference_steps if reference is not None else None)


def look_ahead_gradient(score: Callable[[Tensor], Tensor], logits: Tensor, x_t: Tensor,
                        mask_id: int) -> Tensor:
    """Gradient of score(design) at the look-ahead design of state x_t, w.r.t. its one-hot.

    The look-ahead design is softmax(logits) at masked positions and the one-hot of the
    revealed letter elsewhere; a first-order step: changing a letter a -> b changes the
    score by about grad_b - grad_a. Used by guidance and by the "tilted" fine-tuning.

    Args:
        score: (n, length, V) relaxed designs -> (n,) scores, differentiable.
        logits: (n, length, V) temperature-scaled logits at x_t (detached here).
        x_t: (n, length) int64 state, `mask_id` at masked positions.
    Returns:
        (n, length, V) gradient, no graph.
    """
    with torch.enable_grad():  # callers may sample under no_grad
        probs = logits.detach().softmax(-1)
        revealed = nn.functional.one_hot(x_t.clamp_max(mask_id - 1), mask_id).to(probs.dtype)
        leaf = torch.where((x_t == mask_id)[..., None], probs, revealed).requires_grad_(True)
        # A non-leaf input: module hooks (e.g. torch's FlopCounterMode in bench/speed_bench)
        # cannot run autograd.grad with respect to a leaf.
        look_ahead = leaf.clone()
        (grad,) = torch.autograd.grad(score(look_ahead).sum(), look_ahead)
    return grad


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
