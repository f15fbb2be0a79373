"""BRAID fine-tuning: maximise E[r_c(x_0)] - alpha * KL(P_theta || P_pre) (DESIGN.md §1).

Vectors: the reward is back-propagated through the last `vector_chain_grad` steps of the
sampler (DRaFT-K style; every step's own KL term still reaches its mean), at a learning rate
decayed by a cosine over the run: through all steps, sharper priors made the gradient explode
(defaults.VECTOR_CHAIN_GRAD).
Sequences use the masked discrete diffusion, where a few reverse steps per sampled chain carry
gradients (a truncation like the authors' "last K steps"; choosing the K steps at random each
iteration trains the model at every masking level). The training chains may be coarser than
the design sampler (`sampling_steps`, defaults.CHAIN_STEPS): the losses are per visited state,
and on ehrlich-20-64 16 steps instead of 64 made a step ~3x cheaper (defaults.py). Three
estimators:
- "tilted" (default): per-step BRAID with a linearised value. For one reverse step the
  maximiser of E[value] / (alpha s_y) - KL(step || pre-trained step) is the pre-trained step
  tilted by exp(value / (alpha s_y)); with the value linearised as r_c of the look-ahead
  design (the model's own softmax at masked positions, one-hot elsewhere), the target logits
  are the pre-trained logits plus grad_onehot r_c / (alpha s_y) (the guidance shift). The
  loss, KL(model || target) at the states of the model's own chains, equals that step's
  -E[linearised value] / (alpha s_y) + KL(step || pre-trained step) up to a constant, summed
  exactly over the letters: the reward's gradient, no sampled-reward noise, the exact optimum
  p* when r_c is linear in the one-hot (tests/test_finetune.py). The mass-covering
  KL(target || model) ("forward") cost validity on ehrlich-20-32 (88-93 % vs 97-98 %).
  `tilt_value`: "substitution" replaces the linearisation by exact letter values, r_c of the
  chain's own design with that one letter changed (length x letters reward evaluations per
  design, one table per chain); "auto" (the default) does so where that is cheap
  (defaults.SUBSTITUTION_MAX_CHANGES). On tfbind8 it costs no more than the gradient and
  raised the median by 0.016 with more diverse designs; on ehrlich-20-32 / 64 a step takes
  2.7x / 5.6x as long (bench/results/finetune_defaults.md, "Session 17").
  `tilt_completions` K > 0: each letter's value is instead the soft value over K completions
  of the state drawn from the pre-trained step (`tilted.soft_letter_values`), the value the
  optimal step tilts by. Own-design values overshoot the optimum's KL below alpha 0.1 on
  tfbind8; soft values do not, but at the default alpha K = 8 gained tfbind8 0.006 of median,
  left ehrlich-20-32 level and cost ehrlich-20-64 0.045 (bench/results/soft_values.md): off.
  `tilt_floor`: letters the pre-trained step gives less than this probability get no tilt,
  so the target stays inside the prior's support (a conservative step: neither reward
  model's u flags infeasible letters, and at alpha 0.1 the tilt lifted them: 81-91 % valid
  on ehrlich-20-32 without the floor, 97-98 % with 0.01).
  `support_floor` (all estimators, sequences): the training chains and the fine-tuned model's
  sampler never draw a letter the pre-trained step gives less than this probability
  (masked.restrict_to_support; the model keeps the pre-trained denoiser for it). The tilt
  floor alone is not enough: letters the prior gives a few per cent and the tilt lifts many
  times over still broke feasibility on longer Ehrlich instances (defaults.py).
- "reinforce": the score function, sum over those steps of grad log p(drawn token) times the
  batch-centred conservative reward; unbiased but noise-limited within minutes of CPU (the
  reward model's r_hat of its designs plateaued at 0.14-0.16 on ehrlich-20-32 where
  "tilted" reached 0.20-0.24 in 2 minutes).
- "relaxed": straight-through Gumbel-softmax tokens, so r_c of the one-hot reaches their logits
  directly (DRAKES); it let the KL run to ~60 nats whatever alpha (issue 3 notes).
The path KL is exact and logged for all three, over the training chains: the sum over every
reverse step of the expected per-step KL between the fine-tuned and pre-trained token
distributions (nats, summed over positions). Vectors use the Gaussian sampler with the
Euler-Maruyama path KL sum_t ||mean_ft - mean_pre||^2 / (2 var_t), summed over dimensions.

Units: the loss is -mean(r_c) / s_y + alpha * mean(KL), with s_y the standard deviation of
the measured values the reward model was fitted on (its `y_std`; 1 if it has none). So
alpha is "standard deviations of y per nat", the same default serves data on any scale, and
the optimum is p*(x) proportional to exp(r_c(x) / (alpha s_y)) p_pre(x).

STRL, the non-conservative baseline, is this loop with c = 0.

Defaults: braid_core/defaults.py, with the measurements behind them in the issue 3 notes.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import Tensor, nn

from braid_core import defaults
from braid_core.diffusion import gaussian, masked
from braid_core.diffusion.prior import Prior
from braid_core.limits import over_limit
from braid_core.rewards.conservative import MODES, Prediction, RewardModel, conservative_reward
from braid_core.runtime import make_generator
from braid_core.spaces import SequenceSpace, Space
from braid_core.tilted import tilted_loss

StepCallback = Callable[[int, Mapping[str, float]], None]
Probe = Callable[[Tensor], Mapping[str, float]]  # hard designs -> oracle metrics (never trained on)
ESTIMATORS = tuple(defaults.LEARNING_RATES)  # "tilted", "reinforce", "relaxed"
TILT_VALUES = ("auto", "gradient", "substitution")


@dataclass(frozen=True)
class FinetuneConfig:
    """Settings of one BRAID fine-tuning run; alpha's scale follows the KL convention above."""

    c: float = defaults.C  # conservatism: weight on the uncertainty u(x) (ignored by "min")
    # KL weight, std of y per nat; KL summed over steps, positions. The sequences' default:
    # vectors' is defaults.VECTOR_ALPHA, which pipeline.finetune_config picks by the prior.
    alpha: float = defaults.ALPHA
    mode: str = "std"  # conservative reward: "std" (r_hat - c u) or "min" over ensemble heads
    steps: int = 100  # optimizer steps (each samples one batch)
    batch_size: int = defaults.BATCH  # designs sampled per optimizer step
    lr: float | None = None  # Adam learning rate; None: the estimator's measured default
    # "constant", or "cosine" to 0 over the steps or time budget; None: the space's
    # (defaults.LR_SCHEDULES: constant for sequences, cosine for vectors)
    lr_schedule: str | None = None
    warmup_steps: int = 0  # linear lr warm-up over the first steps (0: none)
    grad_clip: float = 1.0  # max global gradient norm
    grad_steps: int = defaults.GRAD_STEPS  # reverse steps per sample with gradients (sequences)
    grad_step_choice: str = "random"  # which steps carry gradients: "random" or "last"
    tilt_divergence: str = "reverse"  # "tilted" loss: KL(model || target), or "forward"
    tilt_floor: float = defaults.TILT_FLOOR  # "tilted": no tilt toward letters below it
    # "tilted": each letter's value, "gradient" (r_c linearised at the look-ahead),
    # "substitution" (r_c of the chain's design with that one letter changed, exact) or
    # "auto" (substitution where length x letters <= defaults.SUBSTITUTION_MAX_CHANGES)
    tilt_value: str = defaults.TILT_VALUE
    # "tilted": 0 values each letter around the chain's own design; K > 0 uses the soft value
    # T log mean_k exp(value_k / T), T = alpha s_y, over K completions of each state drawn
    # from the pre-trained step (`tilted.soft_letter_values`), the optimal step's value,
    # estimated
    tilt_completions: int = defaults.TILT_COMPLETIONS
    # reverse steps of the pre-trained sampler that draw each completion (1: every masked
    # position at once from the state's step, independently)
    tilt_completion_steps: int = 1
    # sequences: letters the pre-trained step gives less than this are never drawn, in the
    # training chains and by the fine-tuned model (which keeps the pre-trained denoiser)
    support_floor: float = defaults.SUPPORT_FLOOR
    relax_tau: float = 0.5  # Gumbel-softmax temperature of the relaxed tokens (sequences)
    estimator: str = defaults.ESTIMATOR  # sequences: "tilted", "reinforce" or "relaxed" (top)
    # reverse steps of the training chains (sequences); None: the prior's own, as designs use
    sampling_steps: int | None = defaults.CHAIN_STEPS
    # vectors: the last this many reverse steps pass the reward's gradient back up the chain;
    # every step's mean still reaches the network through its own KL term (None: all steps)
    vector_chain_grad: int | None = defaults.VECTOR_CHAIN_GRAD
    checkpoint: bool = True  # recompute denoiser activations in backward (flat memory)
    max_minutes: float | None = None  # wall-clock budget; stops early when reached
    probe_every: int = 5  # call the oracle probe every this many steps (0: never)

    def __post_init__(self) -> None:
        # `not <`: NaN fails too (an inf or NaN weight drew one design over and over)
        if not 0 <= self.c < math.inf:
            raise ValueError(f"c must be a finite number >= 0, got {self.c}")
        if not 0 <= self.alpha < math.inf:
            raise ValueError(f"alpha must be a finite number >= 0, got {self.alpha}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if self.warmup_steps < 0:
            raise ValueError(f"warmup_steps must be >= 0, got {self.warmup_steps}")
        for name in ("steps", "batch_size", "grad_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        # a typo (a batch of 1,000,000) would run out of memory or run for weeks
        for name in ("steps", "batch_size", "sampling_steps", "tilt_completions"):
            value = getattr(self, name)
            if value is not None and (problem := over_limit(name, value)):
                raise ValueError(f"{name} {problem}")
        if self.tilt_completions < 0:
            raise ValueError(f"tilt_completions must be >= 0, got {self.tilt_completions}")
        if self.tilt_completion_steps < 1:
            raise ValueError(f"tilt_completion_steps must be at least 1, got "
                             f"{self.tilt_completion_steps}")
        for name in ("lr", "grad_clip", "relax_tau"):  # each named alone, NaN refused too
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be positive, got {value}")
        if self.estimator not in ESTIMATORS:
            raise ValueError(f"estimator must be one of {ESTIMATORS}, got {self.estimator!r}")
        for name in ("tilt_floor", "support_floor"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if self.tilt_value not in TILT_VALUES:
            raise ValueError(f"tilt_value must be one of {TILT_VALUES}, got {self.tilt_value!r}")
        if self.tilt_divergence not in ("reverse", "forward"):
            raise ValueError(f"tilt_divergence must be 'reverse' or 'forward', got "
                             f"{self.tilt_divergence!r}")
        if self.lr_schedule not in (None, "constant", "cosine"):
            raise ValueError(f"lr_schedule must be 'constant', 'cosine' or None, got "
                             f"{self.lr_schedule!r}")
        if self.grad_step_choice not in ("random", "last"):
            raise ValueError(f"grad_step_choice must be 'random' or 'last', got "
                             f"{self.grad_step_choice!r}")
        if self.vector_chain_grad is not None and self.vector_chain_grad < 1:
            raise ValueError(f"vector_chain_grad must be None or at least 1, got "
                             f"{self.vector_chain_grad}")
        if self.sampling_steps is not None and self.sampling_steps < 1:
            raise ValueError(f"sampling_steps must be at least 1, got {self.sampling_steps}")
        if self.max_minutes is not None and not 0 < self.max_minutes < math.inf:
            raise ValueError(f"max_minutes must be a finite number > 0, got {self.max_minutes}")


def lr_schedule(cfg: FinetuneConfig, space: object) -> str:
    """cfg.lr_schedule, or the measured default of the space's kind (defaults.LR_SCHEDULES)."""
    if cfg.lr_schedule is not None:
        return cfg.lr_schedule
    return defaults.LR_SCHEDULES["sequences" if isinstance(space, SequenceSpace) else "vectors"]


def learning_rate(cfg: FinetuneConfig, space: object) -> float:
    """cfg.lr, or the measured default of its estimator (vectors backpropagate: REINFORCE's)."""
    if cfg.lr is not None:
        return cfg.lr
    if isinstance(space, SequenceSpace):
        return defaults.LEARNING_RATES[cfg.estimator]
    return defaults.LEARNING_RATES["reinforce"]


class ObjectiveTerms(NamedTuple):
    """One batch of the BRAID objective; batch means, logged as they are."""

    loss: Tensor  # -mean(r_c) / s_y + alpha * mean(KL), the minimised scalar
    reward: Tensor  # mean conservative reward r_c
    predicted_mean: Tensor  # mean r_hat
    uncertainty: Tensor  # mean u
    kl: Tensor  # mean path KL (nats)
    designs: Tensor  # the batch's hard designs, detached


def _gradient_steps(num_steps: int, cfg: FinetuneConfig, generator: torch.Generator) -> list[int]:
    """Indices of the reverse steps that carry gradients: the last K, or K drawn at random."""
    k = min(cfg.grad_steps, num_steps)
    if cfg.grad_step_choice == "last":
        return list(range(num_steps - k, num_steps))
    return torch.randperm(num_steps, generator=generator, device=generator.device)[:k].tolist()


def _chain_steps(prior: Prior, cfg: FinetuneConfig) -> int:
    """Reverse steps of a training chain (sequences): cfg's count, capped at the length."""
    return len(masked.unmask_counts(prior.space.length,
                                    cfg.sampling_steps or prior.config.sampling_steps))


def _sample_chain(
    net: nn.Module, reference: nn.Module, prior: Prior, cfg: FinetuneConfig,
    generator: torch.Generator,
) -> masked.DiscreteTrajectory:
    """One batch of chains from `net` with the prior's sampler settings, the path KL to
    `reference`, and graphs on the gradient-carrying steps (relaxed tokens for "relaxed")."""
    num_steps = _chain_steps(prior, cfg)
    return masked.sample(
        net, (cfg.batch_size, prior.space.length), num_steps, generator=generator,
        temperature=prior.config.temperature, order=prior.config.order,
        grad_steps=_gradient_steps(num_steps, cfg, generator),
        position_noise=prior.config.position_noise,
        reference=reference, checkpoint=cfg.checkpoint,
        relax_tau=cfg.relax_tau if cfg.estimator == "relaxed" else None,
        support_floor=cfg.support_floor,
    )


def _y_scale(reward: RewardModel) -> float:
    """s_y: the spread of the values the reward model was fitted on (1 if it has none)."""
    return float(getattr(reward, "y_std", 1.0))


def _sequence_batch(
    net: nn.Module, reference: nn.Module, prior: Prior, cfg: FinetuneConfig,
    generator: torch.Generator,
) -> tuple[Tensor, Tensor, Tensor, Tensor | None]:
    """Sample a batch keeping the graph: (hard tokens, relaxed one-hot, path KL, log-prob of
    the tokens drawn in the gradient steps (for "reinforce"))."""
    trajectory = _sample_chain(net, reference, prior, cfg, generator)
    if cfg.estimator == "relaxed":
        return trajectory.x0, trajectory.x0_relaxed, trajectory.kl, None
    log_prob = sum(
        (step.logits.log_softmax(-1).gather(-1, trajectory.x0[..., None])[..., 0] * chosen).sum(1)
        for step, chosen in zip(trajectory.steps, trajectory.chosen, strict=True))
    return trajectory.x0, trajectory.x0, trajectory.kl, log_prob


def _vector_batch(
    net: nn.Module, reference: nn.Module, prior: Prior, cfg: FinetuneConfig,
    generator: torch.Generator,
) -> tuple[Tensor, Tensor, Tensor, None]:
    """Sample a batch, every step with its graph, the reward's gradient reaching the last
    cfg.vector_chain_grad of them: (x0, x0, path KL). The chain and its KL are in the prior's
    standardised coordinates; x0 is in the data's units, for the reward."""
    schedule = prior.schedule
    trajectory = gaussian.sample(
        net, schedule, (cfg.batch_size, prior.space.dim), generator=generator,
        grad_last_k=schedule.num_steps, chain_grad_k=cfg.vector_chain_grad,
        checkpoint=cfg.checkpoint,
    )
    kl = torch.zeros(cfg.batch_size, dtype=torch.float64, device=trajectory.x0.device)
    for state, step, t in zip(trajectory.states, trajectory.steps, trajectory.times, strict=True):
        with torch.no_grad():
            reference_step = gaussian.reverse_step(reference, schedule, state, t)
        kl = kl + gaussian.step_kl(step, reference_step).double()
    x0 = prior.to_designs(trajectory.x0)
    return x0, x0, kl, None


def _tilted_batch(
    net: nn.Module, reference: nn.Module, prior: Prior, reward: RewardModel,
    cfg: FinetuneConfig, generator: torch.Generator,
) -> ObjectiveTerms:
    """Per-step BRAID objective with a linearised value (estimator "tilted").

    At each gradient-carrying state x_t of the model's own chain, the step that maximises
    E[V] / (alpha s_y) - KL(step || pre-trained step) is the pre-trained step tilted by
    exp(V / (alpha s_y)); V, the value of the state reached, is linearised as r_c of the
    look-ahead design (current model's softmax at masked positions, one-hot elsewhere), so
    the target logits are pre-trained logits + grad_onehot r_c / (alpha s_y) (the guidance
    shift). The loss is KL(model || target) (or KL(target || model), cfg.tilt_divergence)
    averaged over masked positions and summed over the chosen steps; alpha and c enter
    through the target. Low variance (no sampled reward differences), and the look-ahead
    moves with the fine-tuned model, which guidance of the pre-trained model cannot do.
    Where `tilted.uses_substitution`, V is instead scored exactly for each single-letter
    change of the chain's own design (`tilted.substitution_values`). With
    cfg.tilt_completions, V is the soft value over completions of each state from the
    pre-trained step (`tilted.soft_letter_values`). The loss itself: `tilted.tilted_loss`.
    """
    trajectory = _sample_chain(net, reference, prior, cfg, generator)
    temperature = cfg.alpha * _y_scale(reward)  # the tilt is exp(value / temperature)
    loss = tilted_loss(net, reference, prior, reward, cfg, trajectory, temperature=temperature,
                       generator=generator)
    with torch.no_grad():
        pred = reward.predict(trajectory.x0)
        r_c = conservative_reward(pred, cfg.c, cfg.mode)
    return ObjectiveTerms(loss, r_c.mean(), pred.mean.mean(), pred.std.mean(),
                          trajectory.kl.mean().detach(), trajectory.x0.detach())


def braid_objective(
    net: nn.Module, reference: nn.Module, prior: Prior, reward: RewardModel,
    cfg: FinetuneConfig, *, generator: torch.Generator,
) -> ObjectiveTerms:
    """Sample one batch from `net` and evaluate the BRAID objective on it."""
    is_sequence = isinstance(prior.space, SequenceSpace)
    if is_sequence and cfg.estimator == "tilted":
        return _tilted_batch(net, reference, prior, reward, cfg, generator)
    batch = _sequence_batch if is_sequence else _vector_batch
    designs, differentiable, kl, log_prob = batch(net, reference, prior, cfg, generator)
    pred: Prediction = reward.predict(differentiable)
    r_c = conservative_reward(pred, cfg.c, cfg.mode)
    kl = kl.to(r_c.dtype)
    scale = _y_scale(reward)
    if log_prob is None:  # the reward's gradient flows through the sample
        reward_term = -r_c.mean() / scale
    else:  # score function with the batch mean as baseline: unbiased, no reward gradient
        advantage = (r_c - r_c.mean()).detach() / scale
        reward_term = -(advantage * log_prob).mean() - r_c.mean().detach() / scale
    loss = reward_term + cfg.alpha * kl.mean()
    return ObjectiveTerms(loss, r_c.mean(), pred.mean.mean(), pred.std.mean(), kl.mean(),
                          designs.detach())


def _probe_designs(net: nn.Module, reference: nn.Module, prior: Prior, cfg: FinetuneConfig,
                   batch: Tensor, *, seed: int) -> Tensor:
    """The designs the probe scores: the step's own batch when its chains are the design
    sampler's, else as many drawn by the design sampler (the prior's reverse steps), since
    coarser training chains draw neighbours together and are less valid than the designs.
    The draw has its own generator, so probing leaves the training's random stream alone."""
    if not isinstance(prior.space, SequenceSpace):
        return batch
    design_steps = len(masked.unmask_counts(prior.space.length, prior.config.sampling_steps))
    if _chain_steps(prior, cfg) == design_steps:
        return batch
    current = prior.with_network(net, reference=reference, support_floor=cfg.support_floor)
    return current.sample(len(batch), generator=make_generator(seed, batch.device),
                          batch_size=len(batch))


def run_fraction(step: int, elapsed_s: float, cfg: FinetuneConfig) -> float:
    """Fraction of the run done: of its steps, or of its time budget when that comes first."""
    done = step / cfg.steps
    if cfg.max_minutes is not None:
        done = max(done, elapsed_s / (60.0 * cfg.max_minutes))
    return min(done, 1.0)


def check_estimator(cfg: FinetuneConfig, space: Space) -> None:
    """Refuse settings the estimator cannot fine-tune `space` with (checked where a run is
    configured, so that it is refused before it starts, and again by `finetune`)."""
    if isinstance(space, SequenceSpace) and cfg.estimator == "tilted" and cfg.alpha <= 0:
        raise ValueError(f"alpha must be > 0 with estimator 'tilted', got {cfg.alpha:g}: its "
                         "target tilts the pre-trained steps by exp(r_c / alpha); use "
                         "'reinforce' for alpha = 0")


def finetune(
    prior: Prior,
    reward: RewardModel,
    cfg: FinetuneConfig,
    *,
    generator: torch.Generator,
    on_step: StepCallback | None = None,
    probe: Probe | None = None,
) -> Prior:
    """Fine-tune a copy of `prior` by the BRAID objective; the prior itself is not changed.

    Args:
        prior: the pre-trained prior p_pre (its network stays frozen as the KL reference).
        reward: a trained reward model on the prior's device (parameters frozen).
        cfg: objective weights and optimisation settings.
        generator: on the prior's device; the only randomness.
        on_step: called after every optimizer step with (step, metrics): loss, reward,
            predicted_mean, uncertainty, kl, grad_norm, elapsed_s (training time: the probe's
            is left out, as it is of cfg.max_minutes), lr, and the probe's metrics.
        probe: oracle metrics (e.g. true score, validity) of the current model's designs: the
            step's batch, or a batch from the design sampler when the training chains are
            coarser (_probe_designs); for monitoring only, it never feeds back into training.
    Returns:
        A Prior with the fine-tuned network, in eval mode.
    """
    check_estimator(cfg, prior.space)
    reference = prior.net.eval().requires_grad_(False)
    net = copy.deepcopy(reference).requires_grad_(True).train()
    base_lr, schedule = learning_rate(cfg, prior.space), lr_schedule(cfg, prior.space)
    optimizer = torch.optim.Adam(net.parameters(), lr=base_lr)
    start = time.perf_counter()
    probe_seconds = 0.0  # monitoring time, left out of the time budget
    for step in range(1, cfg.steps + 1):
        lr = base_lr * min(1.0, step / cfg.warmup_steps) if cfg.warmup_steps else base_lr
        if schedule == "cosine":
            done = run_fraction(step - 1, time.perf_counter() - start - probe_seconds, cfg)
            lr *= 0.5 * (1.0 + math.cos(math.pi * done))
        for group in optimizer.param_groups:
            group["lr"] = lr
        terms = braid_objective(net, reference, prior, reward, cfg, generator=generator)
        optimizer.zero_grad(set_to_none=True)
        terms.loss.backward()
        grad_norm = nn.utils.clip_grad_norm_(net.parameters(), cfg.grad_clip)
        optimizer.step()
        elapsed = time.perf_counter() - start - probe_seconds
        metrics = {name: float(getattr(terms, name).detach())
                   for name in ("loss", "reward", "predicted_mean", "uncertainty", "kl")}
        metrics |= {"grad_norm": float(grad_norm), "elapsed_s": elapsed,
                    "lr": optimizer.param_groups[0]["lr"]}
        if probe is not None and cfg.probe_every and (step % cfg.probe_every == 0 or step == 1):
            probe_start = time.perf_counter()
            metrics |= dict(probe(_probe_designs(net, reference, prior, cfg, terms.designs,
                                                 seed=step)))
            probe_seconds += time.perf_counter() - probe_start
        if on_step is not None:
            on_step(step, metrics)
        if cfg.max_minutes is not None and elapsed >= 60.0 * cfg.max_minutes:
            break
    is_sequence = isinstance(prior.space, SequenceSpace)
    return prior.with_network(net.eval().requires_grad_(False), reference=reference,
                              support_floor=cfg.support_floor if is_sequence else 0.0)
