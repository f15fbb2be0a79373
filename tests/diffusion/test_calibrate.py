"""Position-noise calibration: raised only when confidence order collapses diversity."""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor, nn

from braid_core.diffusion.calibrate import (
    NoiseTrial,
    calibrate_position_noise,
    describe_trials,
)
from braid_core.diffusion.prior import Prior, PriorConfig
from braid_core.runtime import make_generator
from braid_core.spaces import SequenceSpace, VectorSpace

SPACE = SequenceSpace("protein", 24)


class RepeatLover(nn.Module):
    """A masked position next to a revealed A is near-certain to be A; any other position
    favours A a little (p ~ 0.13) over 19 equal letters. Confidence order therefore grows runs
    of A from the first A drawn until A fills most of every sample, while random order reveals
    many uniform letters first."""

    vocab_size = 20

    def __init__(self) -> None:
        super().__init__()
        self.anchor = nn.Parameter(torch.zeros(()))  # Prior.device reads a parameter

    def forward(self, x_t: Tensor) -> Tensor:
        beside_a = torch.zeros_like(x_t, dtype=torch.bool)
        beside_a[:, 1:] |= x_t[:, :-1] == 0
        beside_a[:, :-1] |= x_t[:, 1:] == 0
        logits = torch.zeros(*x_t.shape, self.vocab_size, device=x_t.device)
        logits[..., 0] = 1.0 + 5.0 * beside_a
        return logits


class Uniform(RepeatLover):
    def forward(self, x_t: Tensor) -> Tensor:
        return torch.zeros(*x_t.shape, self.vocab_size, device=x_t.device)


def _prior(net: nn.Module, device: torch.device, **config) -> Prior:
    config = PriorConfig(sampling_steps=SPACE.length, **config)
    return Prior(SPACE, config, net.to(device))


def _uniform_data(device: torch.device) -> Tensor:
    return torch.randint(20, (400, SPACE.length), generator=make_generator(0, device),
                         device=device)


def test_collapsing_order_gets_more_noise_until_diversity_returns(device) -> None:
    prior = _prior(RepeatLover(), device)
    tuned, trials = calibrate_position_noise(prior, _uniform_data(device),
                                             generator=make_generator(1, device))
    assert trials[0].position_noise == 1.0
    assert trials[0].ratio < 0.8, "the stand-in denoiser should collapse at noise 1"
    assert tuned.config.position_noise > 1.0
    chosen = next(t for t in trials if t.position_noise == tuned.config.position_noise)
    # The first rung that reaches the floor is kept, or the most diverse when none does.
    reached = [t for t in trials if t.ratio >= 0.8]
    assert chosen is (reached[0] if reached else max(trials, key=lambda t: t.ratio))
    assert all(t.ratio < 0.8 for t in trials[:-1])
    assert prior.config.position_noise == 1.0  # the input prior is not changed
    assert "position noise" in describe_trials(trials, tuned.config.position_noise, 0.8)


def test_a_diverse_prior_keeps_its_noise_after_one_trial(device) -> None:
    prior = _prior(Uniform(), device)
    tuned, trials = calibrate_position_noise(prior, _uniform_data(device),
                                             generator=make_generator(1, device))
    assert len(trials) == 1 and trials[0].ratio > 0.9
    assert tuned.config == prior.config


def test_floor_zero_random_order_and_vectors_are_left_alone(device) -> None:
    data = _uniform_data(device)
    for config in ({"diversity_floor": 0.0}, {"order": "random"}):
        prior = _prior(RepeatLover(), device, **config)
        tuned, trials = calibrate_position_noise(prior, data, generator=make_generator(1, device))
        assert trials == [] and tuned is prior
    vectors = dataclasses.replace(_prior(RepeatLover(), device), space=VectorSpace(3))
    tuned, trials = calibrate_position_noise(vectors, torch.zeros(8, 3, device=device),
                                             generator=make_generator(1, device))
    assert trials == [] and tuned is vectors


def test_the_floor_is_checked() -> None:
    for bad in (-0.1, 1.5):
        try:
            PriorConfig(diversity_floor=bad)
        except ValueError as error:
            assert "diversity_floor" in str(error)
        else:
            raise AssertionError(f"diversity_floor={bad} was accepted")


def test_the_log_line_says_in_words_what_the_noise_check_found() -> None:
    # It read "sampler position noise 1 (sample diversity / data diversity by noise: 1: 1.000)".
    kept = describe_trials([NoiseTrial(1.0, 9.5, 10.0)], 1.0, 0.8)
    assert kept == ("sampler check: the prior's designs are varied enough at its own position "
                    "noise 1 (their mean pairwise distance is 95.0% of the data's, 80% needed), "
                    "so it keeps that noise (randomness in the order in which it fills in "
                    "positions)")
    raised = describe_trials([NoiseTrial(1.0, 4.5, 10.0), NoiseTrial(2.0, 8.1, 10.0)], 2.0, 0.8)
    assert ("less varied than the data (their mean pairwise distance as a share of the data's, "
            "by position noise: 45.0% at 1, 81.0% at 2; 80% needed), so it draws with position "
            "noise 2, the least noise that reaches it") in raised
    short = describe_trials([NoiseTrial(1.0, 4.5, 10.0), NoiseTrial(2.0, 6.0, 10.0)], 2.0, 0.8)
    assert "position noise 2, the most varied, as none reached it" in short
