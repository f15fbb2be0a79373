"""Targets of the "tilted" fine-tuning estimator (finetune.py) and the letter values they use.

For sequences, each gradient-carrying reverse step of the model's own chain is trained toward
the pre-trained step tilted by exp(V / (alpha s_y)), V the value of each letter at each
position (`tilted_loss`; finetune._tilted_batch samples the chains, and finetune.py's docstring
gives the measurements behind each choice). V, by FinetuneConfig.tilt_value and
tilt_completions:
- r_c linearised at the look-ahead design (masked.look_ahead_gradient);
- r_c of the chain's own design with that one letter changed, exactly (`substitution_values`,
  where `uses_substitution`);
- the soft value over completions of the state drawn from the pre-trained step
  (`soft_letter_values`), each completion scored exactly or to first order.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn

from braid_core import defaults
from braid_core.diffusion import masked
from braid_core.diffusion.prior import Prior
from braid_core.rewards.conservative import RewardModel, conservative_reward
from braid_core.spaces import SequenceSpace

if TYPE_CHECKING:
    from braid_core.finetune import FinetuneConfig


def uses_substitution(cfg: FinetuneConfig, space: SequenceSpace) -> bool:
    """Whether the "tilted" estimator scores letter changes exactly (cfg.tilt_value)."""
    if cfg.tilt_value == "auto":
        return space.length * space.vocab_size <= defaults.SUBSTITUTION_MAX_CHANGES
    return cfg.tilt_value == "substitution"


def single_letter_scores(score: Callable[[Tensor], Tensor], x0: Tensor, num_letters: int,
                         chunk: int = 4096) -> Tensor:
    """score of x0 with one letter changed, for every position and letter (n * length * V
    scores; at each design's own letter, its own score).

    Args:
        score: (m, length) int64 designs -> (m,) scores.
        x0: (n, length) int64 designs.
    Returns:
        (n, length, V) float, no graph.
    """
    n, length = x0.shape
    device = x0.device
    changed = torch.eye(length, dtype=torch.bool, device=device)[None, :, None, :]
    letters = torch.arange(num_letters, device=device)[None, None, :, None]
    variants = torch.where(changed, letters, x0[:, None, None, :])  # (n, length, V, length)
    with torch.no_grad():
        flat = variants.reshape(-1, length)
        scores = torch.cat([score(part) for part in flat.split(chunk)])
    return scores.reshape(n, length, num_letters)


def substitution_values(score: Callable[[Tensor], Tensor], x0: Tensor, num_letters: int,
                        chunk: int = 4096) -> Tensor:
    """score of x0 with one letter changed, minus score(x0), for every position and letter.

    The exact counterpart of the look-ahead gradient's first-order change grad_b - grad_a,
    at a hard design the reward model was trained on the like of; n * length * V scores.

    Returns:
        (n, length, V) float, 0 at each design's own letters, no graph.
    """
    scores = single_letter_scores(score, x0, num_letters, chunk)
    return scores - scores.gather(-1, x0[..., None])


def _first_order_scores(score: Callable[[Tensor], Tensor], x0: Tensor,
                        num_letters: int) -> Tensor:
    """score(x0) + grad_b - grad_a for each single-letter change a -> b of the hard designs
    x0: single_letter_scores to first order, one forward and backward pass per design."""
    with torch.enable_grad():  # callers may sample under no_grad
        one_hot = nn.functional.one_hot(x0, num_letters).float().requires_grad_(True)
        # A non-leaf input, as in masked.look_ahead_gradient (module hooks such as
        # FlopCounterMode cannot take autograd.grad with respect to a leaf).
        design = one_hot.clone()
        base = score(design)
        (grad,) = torch.autograd.grad(base.sum(), design)
    own = (grad * one_hot.detach()).sum(-1, keepdim=True)
    return (base.detach()[:, None, None] + grad - own).detach()


def _complete(x_t: Tensor, reference_logits: Tensor, *, num_completions: int,
              support_floor: float, steps: int, denoise: Callable[[Tensor], Tensor] | None,
              generator: torch.Generator) -> Tensor:
    """`num_completions` completions of each state x_t (n, length) by the pre-trained
    sampler, (n * num_completions, length): `steps` reverse steps, each revealing every masked
    position with probability 1 / (steps left) (random order; the last reveals the rest),
    letters drawn from the pre-trained step without those below `support_floor`. Steps after
    the first call `denoise` (tokens -> temperature-scaled logits)."""
    num_letters = reference_logits.shape[-1]
    completions = x_t.repeat_interleave(num_completions, dim=0)
    logits = reference_logits.detach().repeat_interleave(num_completions, dim=0)
    for step in range(steps):
        probs = masked.restrict_to_support(logits, logits, support_floor).softmax(-1)
        fill = torch.multinomial(probs.reshape(-1, num_letters), 1, generator=generator)
        hidden = completions == num_letters
        if step < steps - 1:
            draw = torch.rand(hidden.shape, generator=generator, device=hidden.device)
            hidden = hidden & (draw < 1.0 / (steps - step))
        completions = torch.where(hidden, fill.reshape(completions.shape), completions)
        if step < steps - 1:
            with torch.no_grad():
                logits = denoise(completions)
    return completions


def soft_letter_values(
    score: Callable[[Tensor], Tensor], x_t: Tensor, reference_logits: Tensor, *,
    num_completions: int, temperature: float, exact: bool, support_floor: float,
    generator: torch.Generator, completion_steps: int = 1,
    denoise: Callable[[Tensor], Tensor] | None = None,
) -> Tensor:
    """Soft value of each letter at each position of the states x_t (n, length):
    T log E[exp(score(x_0) / T) | x_t, that letter there], the value the optimal BRAID step
    tilts by, estimated from `num_completions` completions of each state.

    A completion draws every masked position independently from the pre-trained step
    (`reference_logits`, without letters below `support_floor`, as the chains do), or runs
    `completion_steps` steps of the pre-trained sampler (`_complete`, `denoise` for the
    steps after the first); the letter is then set and the design scored, exactly
    (`single_letter_scores`) or to first order from the completion's gradient
    (`_first_order_scores`). Values taken around the chain's own design instead concentrate
    the sampler on its own mode once it has one (TFBind8 at alpha 0.05: path KL 5.0 nats
    where the objective's optimum has 3.3; soft values 3.3, bench/results/design_bench_tf8.md,
    "Session 29"). Rows at revealed positions are scored too (the loss ignores them).

    Returns:
        (n, length, V) float values in score units, no graph.
    """
    n, length = x_t.shape
    num_letters = reference_logits.shape[-1]
    completions = _complete(x_t, reference_logits, num_completions=num_completions,
                            support_floor=support_floor, steps=completion_steps,
                            denoise=denoise, generator=generator)
    scores = (single_letter_scores if exact else _first_order_scores)(score, completions,
                                                                      num_letters)
    scores = scores.reshape(n, num_completions, length, num_letters).double()
    soft = torch.logsumexp(scores / temperature, dim=1) - math.log(num_completions)
    return (temperature * soft).to(reference_logits.dtype)


def tilted_loss(
    net: nn.Module, reference: nn.Module, prior: Prior, reward: RewardModel,
    cfg: FinetuneConfig, trajectory: masked.DiscreteTrajectory, *, temperature: float,
    generator: torch.Generator,
) -> Tensor:
    """KL(model || target) (or KL(target || model), cfg.tilt_divergence) at each
    gradient-carrying state of `trajectory`, the target being the pre-trained step tilted by
    exp(V / temperature); averaged over masked positions, summed over the states.

    Returns:
        () loss, with the graph of the model's steps.
    """
    shift = 1.0 / temperature
    loss = torch.zeros((), device=trajectory.x0.device)

    def score(x: Tensor) -> Tensor:
        return conservative_reward(reward.predict(x), cfg.c, cfg.mode)
    exact = uses_substitution(cfg, prior.space)
    soft = cfg.tilt_completions > 0

    def denoise(x: Tensor) -> Tensor:  # the pre-trained step's logits, as the chains scale them
        return reference(x) / prior.config.temperature
    if exact and not soft:  # one table per chain: its design is the same at every state
        values = substitution_values(score, trajectory.x0, net.vocab_size)
    for state, step, reference_logits in zip(trajectory.states, trajectory.steps,
                                             trajectory.reference_logits, strict=True):
        if soft:
            grad = soft_letter_values(
                score, state, reference_logits, num_completions=cfg.tilt_completions,
                temperature=temperature, exact=exact, support_floor=cfg.support_floor,
                generator=generator, completion_steps=cfg.tilt_completion_steps,
                denoise=denoise)
        elif exact:
            grad = values
        else:
            grad = masked.look_ahead_gradient(score, step.logits, state, net.vocab_size)
        if cfg.tilt_floor > 0:
            # No tilt toward letters the pre-trained step all but excludes (off the support).
            grad = grad.masked_fill(reference_logits.softmax(-1) < cfg.tilt_floor, 0.0)
        target = (reference_logits + shift * grad).log_softmax(-1)
        log_model = step.logits.log_softmax(-1)
        if cfg.tilt_divergence == "forward":
            kl = (target.exp() * (target - log_model)).sum(-1)  # (batch, length)
        else:
            kl = (log_model.exp() * (log_model - target)).sum(-1)
        per_row = (kl * step.masked).sum(1) / step.masked.sum(1).clamp_min(1)
        loss = loss + per_row.mean()
    return loss
