"""After pre-training: how much noise the unmasking order needs to keep the data's diversity.

Confidence-ordered unmasking (`masked.sample`) reveals the positions the denoiser is surest of
first, which raises validity. On data whose chain often repeats a letter it also collapses
diversity: a repeat beside a revealed letter is always the surest draw, so samples fill with
runs (Ehrlich length 56, 3 motifs, seed 23: P(repeat) = 0.33 in the data; samples at noise 1.0
have a mean pairwise Hamming distance of 12 against the data's 48, 54 % unique). Gumbel noise
on the ranking moves the order towards random, which restores diversity but costs validity, so
we keep the smallest noise on a ladder whose samples reach a fraction of the data's diversity.
Only the unlabeled data are used: no labels, no oracle.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch
from torch import Tensor

from braid_core.diffusion.prior import Prior
from braid_core.evaluate import mean_pairwise_distance
from braid_core.spaces import SequenceSpace

# Tried in order, from the prior's own noise up; 6.0 is close to random order on the benchmark
# priors (their validity falls from 99 % at 1.0 to 85 % at 5.0 on ehrlich-20-64).
NOISE_LADDER = (1.0, 2.0, 3.0, 4.0, 6.0)
CALIBRATION_SAMPLES = 128  # designs per rung: ~5 s at length 64 on one CPU thread
DATA_ROWS = 512  # data rows whose pairwise diversity is the reference


@dataclass(frozen=True)
class NoiseTrial:
    """One rung: its noise and the diversity of its samples against the data's."""

    position_noise: float
    diversity: float  # mean pairwise Hamming distance of the samples
    data_diversity: float  # the same over DATA_ROWS data rows

    @property
    def ratio(self) -> float:
        return self.diversity / self.data_diversity if self.data_diversity > 0 else 1.0


def calibrate_position_noise(
    prior: Prior,
    data: Tensor,
    *,
    generator: torch.Generator,
    ladder: tuple[float, ...] = NOISE_LADDER,
    num_samples: int = CALIBRATION_SAMPLES,
) -> tuple[Prior, list[NoiseTrial]]:
    """The prior with the smallest position noise whose samples' diversity reaches
    `prior.config.diversity_floor` of the data's (the most diverse rung when none does).

    Vector priors, random order and a floor of 0 are returned unchanged with no trials.

    Args:
        prior: a freshly trained sequence prior; its config's noise is the first rung.
        data: (n, length) int64 tokens, the unlabeled designs it was trained on.
        generator: on the prior's device; draws the data subsample and the samples.
        ladder: candidate noises; those below the prior's own are skipped.
        num_samples: designs drawn per rung.
    Returns:
        (prior with the chosen `position_noise` in its config, the trials in order).
    """
    config = prior.config
    if (not isinstance(prior.space, SequenceSpace) or config.order == "random"
            or config.diversity_floor == 0):
        return prior, []
    rows = torch.randperm(data.shape[0], generator=generator, device=generator.device)
    reference = mean_pairwise_distance(data[rows[:DATA_ROWS].to(data.device)], prior.space)
    rungs = [config.position_noise] + [n for n in ladder if n > config.position_noise]
    trials: list[NoiseTrial] = []
    for noise in rungs:
        samples = prior.sample(num_samples, generator=generator, position_noise=noise)
        trials.append(NoiseTrial(noise, mean_pairwise_distance(samples, prior.space),
                                 reference))
        if trials[-1].ratio >= config.diversity_floor:
            break
    chosen = trials[-1] if trials[-1].ratio >= config.diversity_floor else max(
        trials, key=lambda t: t.ratio)
    tuned = dataclasses.replace(config, position_noise=chosen.position_noise)
    return dataclasses.replace(prior, config=tuned), trials


def describe_trials(trials: list[NoiseTrial], chosen: float, floor: float) -> str:
    """One line for the run's log, in words: how varied the prior's designs came out (their
    mean pairwise distance as a share of the data's) at each position noise tried, and the
    noise kept (the first whose share reaches `floor`, else the most varied)."""
    needed = f"{floor:.0%} needed"
    if len(trials) == 1 and trials[0].ratio >= floor:
        return (f"sampler check: the prior's designs are varied enough at its own position "
                f"noise {chosen:g} (their mean pairwise distance is {trials[0].ratio:.1%} of "
                f"the data's, {needed}), so it keeps that noise (randomness in the order in "
                "which it fills in positions)")
    shares = ", ".join(f"{t.ratio:.1%} at {t.position_noise:g}" for t in trials)
    why = ("the least noise that reaches it" if any(t.ratio >= floor for t in trials)
           else "the most varied, as none reached it")
    return (f"sampler check: the prior's designs were less varied than the data (their mean "
            f"pairwise distance as a share of the data's, by position noise: {shares}; "
            f"{needed}), so it draws with position noise {chosen:g}, {why} (more randomness "
            "in the order in which it fills in positions: more varied designs, a few more of "
            "them invalid)")
