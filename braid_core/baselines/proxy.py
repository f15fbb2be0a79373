"""Proxy optimisation, the classic offline model-based optimisation baseline, and offline best.

Proxy optimisation climbs the reward model's mean prediction r_hat from the top of D, with no
prior and no uncertainty (DESIGN.md §1 baselines). It is expected to over-optimise: it walks
to where r_hat is high, whether or not r_hat is right there or the design is valid.
- Sequences: a genetic algorithm. The population starts as the top designs of D by y; each
  generation makes as many children as there are parents (uniform crossover of two random
  parents, then point mutations at rate ~1/L to a different letter) and keeps the best
  distinct designs of parents + children by r_hat ((mu + lambda) truncation selection).
- Vectors: gradient ascent with Adam on r_hat from the top designs of D, in coordinates
  standardised by D's per-dimension std (design-bench's gradient-ascent baseline).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from braid_core.data import OfflineData
from braid_core.diffusion.prior import Prior
from braid_core.spaces import SequenceSpace

if TYPE_CHECKING:
    from braid_core.rewards import RewardModel

StepCallback = Callable[[int, Mapping[str, float]], None]


@dataclass(frozen=True)
class ProxyConfig:
    """Genetic algorithm (sequences) or gradient ascent (vectors) on r_hat."""

    generations: int = 50  # GA generations (sequences)
    population: int = 256  # GA population; raised to num_designs when that is larger
    mutation_rate: float | None = None  # per-position mutation probability; None: 1 / L
    crossover_rate: float = 0.5  # probability that a child mixes two parents (else copies one)
    steps: int = 200  # gradient-ascent steps (vectors)
    lr: float = 0.01  # Adam step size in units of D's per-dimension std (vectors)
    batch_size: int = 1024  # designs per reward-model call

    def __post_init__(self) -> None:
        for name in ("generations", "population", "steps", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.mutation_rate is not None and not 0 < self.mutation_rate <= 1:
            raise ValueError(f"mutation_rate must lie in (0, 1], got {self.mutation_rate}")
        if not 0 <= self.crossover_rate <= 1:
            raise ValueError(f"crossover_rate must lie in [0, 1], got {self.crossover_rate}")
        if self.lr <= 0:
            raise ValueError(f"lr must be positive, got {self.lr}")


@dataclass(frozen=True)
class OfflineBestConfig:
    """The top designs of D by measured y; nothing to set."""


def top_of_offline(offline: OfflineData, k: int, device: torch.device) -> Tensor:
    """The (at most) k designs of D with the highest y, best first, on `device`."""
    if offline.y is None:
        raise ValueError(f"this baseline needs measured values y; {offline.source} has none")
    order = torch.argsort(offline.y.to(device), descending=True, stable=True)
    return offline.x.to(device)[order[:k]]


def run_offline_best(
    prior: Prior,
    reward: RewardModel,
    offline: OfflineData,
    num_designs: int,
    *,
    config: OfflineBestConfig,
    generator: torch.Generator,
    device: torch.device,
    on_step: StepCallback | None = None,
    max_seconds: float | None = None,
) -> Tensor:
    """The top num_designs of D by y (all of D, best first, if D is smaller)."""
    return top_of_offline(offline, num_designs, device)


def _predict_mean(reward: RewardModel, x: Tensor, batch_size: int) -> Tensor:
    """(n,) r_hat(x) in batches, without a graph; empty for no designs (a small space's
    generation may bring no unseen child)."""
    if len(x) == 0:
        return torch.empty(0, device=x.device)
    with torch.no_grad():
        return torch.cat([reward.predict(x[i:i + batch_size]).mean
                          for i in range(0, len(x), batch_size)])


def run_proxy(
    prior: Prior,
    reward: RewardModel,
    offline: OfflineData,
    num_designs: int,
    *,
    config: ProxyConfig,
    generator: torch.Generator,
    device: torch.device,
    on_step: StepCallback | None = None,
    max_seconds: float | None = None,
) -> Tensor:
    """Optimise r_hat from the top of D; the prior is not used.

    Args:
        prior: unused (proxy optimisation ignores p_pre; kept for the common signature).
        reward: the reward model (mean prediction only), on `device`.
        offline: D, with y.
        num_designs: number of designs returned.
        config: GA / gradient-ascent settings.
        generator: on `device`; the only randomness (the vector path draws only when D
            has fewer designs than num_designs).
        device: where the search runs.
        on_step: called per generation / ascent step with {"best", "mean"} of r_hat.
        max_seconds: stop early after this wall-clock time (the result so far is returned).
    Returns:
        (num_designs, length) int64 distinct tokens, best r_hat first (fewer where the
        search found fewer distinct designs), or (num_designs, dim) floats, on `device`.
    """
    if isinstance(offline.space, SequenceSpace):
        return _genetic_algorithm(reward, offline, num_designs, config, generator, device,
                                  on_step, max_seconds)
    return _gradient_ascent(reward, offline, num_designs, config, generator, device, on_step,
                            max_seconds)


def _genetic_algorithm(reward, offline, num_designs, config, generator, device, on_step,
                       max_seconds) -> Tensor:
    """(mu + lambda) GA on r_hat; see the module docstring."""
    vocab, length = offline.space.vocab_size, offline.space.length
    size = max(config.population, num_designs)
    rate = config.mutation_rate if config.mutation_rate is not None else 1.0 / length
    population = torch.unique(top_of_offline(offline, len(offline), device), dim=0)
    scores = _predict_mean(reward, population, config.batch_size)
    keep = scores.topk(min(size, len(scores))).indices
    population, scores = population[keep], scores[keep]
    start = time.perf_counter()
    for generation in range(1, config.generations + 1):
        if max_seconds is not None and time.perf_counter() - start > max_seconds:
            break
        n = len(population)
        parents = torch.randint(n, (2, size), generator=generator, device=device)
        mix = torch.rand((size, length), generator=generator, device=device) < 0.5
        mix &= torch.rand((size, 1), generator=generator, device=device) < config.crossover_rate
        children = torch.where(mix, population[parents[1]], population[parents[0]])
        mutate = torch.rand((size, length), generator=generator, device=device) < rate
        # Adding 1..V-1 modulo V gives a uniformly random *different* letter.
        offset = torch.randint(1, vocab, (size, length), generator=generator, device=device)
        children = torch.where(mutate, (children + offset) % vocab, children)
        # Only unseen children need scoring; unique() sorts, so the pool order is deterministic.
        pool, inverse = torch.unique(torch.cat([population, children]), dim=0,
                                     return_inverse=True)
        pool_scores = torch.full((len(pool),), float("nan"), device=device)
        pool_scores[inverse[:n]] = scores
        new = pool_scores.isnan()
        pool_scores[new] = _predict_mean(reward, pool[new], config.batch_size).to(pool_scores)
        keep = pool_scores.topk(min(size, len(pool))).indices
        population, scores = pool[keep], pool_scores[keep]
        if on_step is not None:
            on_step(generation, {"best": float(scores[0]), "mean": float(scores.mean())})
    # A space smaller than the pool asked for (or a search cut short) gives fewer: the
    # pipeline's choice fills the rest with repeats of the best and says so.
    return population[:num_designs]


def _gradient_ascent(reward, offline, num_designs, config, generator, device, on_step,
                     max_seconds) -> Tensor:
    """Adam ascent on r_hat in standardised coordinates z = (x - mean) / std of D."""
    x = offline.x.to(device).float()
    shift = x.mean(0)
    scale = x.std(0).clamp_min(1e-8) if len(x) > 1 else torch.ones_like(shift)
    start_points = top_of_offline(offline, num_designs, device).float()
    if len(start_points) < num_designs:  # D is small: restart from its best, slightly jittered
        repeat = torch.arange(num_designs, device=device) % len(start_points)
        jitter = torch.randn((num_designs, x.shape[1]), generator=generator, device=device)
        start_points = start_points[repeat] + 1e-3 * scale * jitter
    z = ((start_points - shift) / scale).requires_grad_(True)
    optimizer = torch.optim.Adam([z], lr=config.lr)
    start = time.perf_counter()
    for step in range(1, config.steps + 1):
        if max_seconds is not None and time.perf_counter() - start > max_seconds:
            break
        predicted = reward.predict(shift + scale * z).mean
        optimizer.zero_grad(set_to_none=True)
        (-predicted.sum()).backward()
        optimizer.step()
        if on_step is not None:
            shown = predicted.detach()  # a float of a tensor with grad warned on the console
            on_step(step, {"best": float(shown.max()), "mean": float(shown.mean())})
    return (shift + scale * z).detach()
