"""Letter values of the "tilted" estimator: exact single-letter changes and soft values."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from torch import Tensor, nn

from braid_core.finetune import FinetuneConfig
from braid_core.runtime import make_generator
from braid_core.spaces import SequenceSpace
from braid_core.tilted import _complete, soft_letter_values, substitution_values, uses_substitution


def test_auto_letter_values_are_exact_only_where_few_changes_exist():
    dna8, protein32 = SequenceSpace("dna", 8), SequenceSpace("protein", 32)
    assert uses_substitution(FinetuneConfig(), dna8)  # 32 changes per design
    assert not uses_substitution(FinetuneConfig(), protein32)  # 640
    assert uses_substitution(FinetuneConfig(tilt_value="substitution"), protein32)
    assert not uses_substitution(FinetuneConfig(tilt_value="gradient"), dna8)


def test_substitution_values_rescore_every_single_letter_change():
    # A reward with an interaction (A at both ends), where a gradient is only first order.
    def score(x: Tensor) -> Tensor:
        return ((x[:, 0] == 0) & (x[:, -1] == 0)).float() + 0.1 * (x == 2).float().sum(1)

    designs = torch.randint(0, 4, (3, 8), generator=make_generator(0))
    designs[0, 0] = 0
    values = substitution_values(score, designs, 4)
    assert values.shape == (3, 8, 4)
    for row in range(3):
        for position in range(8):
            for letter in range(4):
                variant = designs[row:row + 1].clone()
                variant[0, position] = letter
                expected = score(variant) - score(designs[row:row + 1])
                assert values[row, position, letter] == pytest.approx(float(expected))
    own = values.gather(-1, designs[..., None])[..., 0]
    assert torch.equal(own, torch.zeros_like(own))


def test_soft_letter_values_estimate_the_log_mean_exp_over_completions():
    # An interaction (A at both ends) that no single completion's value shows: the soft value
    # of A at position 0 averages exp(score / T) over the masked end's letters.
    def score(x: Tensor) -> Tensor:
        if x.is_floating_point():
            x = x.argmax(-1)
        return ((x[:, 0] == 0) & (x[:, -1] == 0)).float() + 0.1 * (x == 2).float().sum(1)

    temperature, mask = 0.25, 4
    states = torch.tensor([[mask, 1, 2, mask], [mask, 3, mask, mask], [0, 1, 2, 3]])
    reference = torch.zeros(3, 4, 4)
    reference[1, 2] = torch.tensor([2.0, 0.0, 0.0, -10.0])  # the letter 3 below the floor
    values = soft_letter_values(score, states, reference, num_completions=20000,
                                temperature=temperature, exact=True, support_floor=0.03,
                                generator=make_generator(0))
    assert values.shape == (3, 4, 4)
    probs = reference.softmax(-1)
    probs[1, 2] = torch.tensor([2.0, 0.0, 0.0, -math.inf]).softmax(-1)
    for row, state in enumerate(states.tolist()):
        hidden = [i for i, token in enumerate(state) if token == mask]
        for position in hidden:
            others = [i for i in hidden if i != position]
            for letter in range(4):
                total = 0.0
                for fill in itertools.product(range(4), repeat=len(others)):
                    design = list(state)
                    design[position] = letter
                    weight = 1.0
                    for i, a in zip(others, fill, strict=True):
                        design[i] = a
                        weight *= float(probs[row, i, a])
                    total += weight * math.exp(float(score(torch.tensor([design]))) / temperature)
                expected = temperature * math.log(total)
                assert float(values[row, position, letter]) == pytest.approx(expected, abs=0.02)
    # A revealed design has one completion: the exact single-letter scores.
    assert torch.allclose(values[2], substitution_values(score, states[2:], 4)[0]
                          + score(states[2:]), atol=1e-5)
    # To first order (one gradient per completion) it is the same on a linear score.
    def linear(x: Tensor) -> Tensor:
        if not x.is_floating_point():
            x = nn.functional.one_hot(x, 4).float()
        return x[..., 0].sum(-1) - 0.5 * x[..., 2].sum(-1)

    kwargs = dict(num_completions=64, temperature=temperature, support_floor=0.03)
    exact = soft_letter_values(linear, states, reference, exact=True,
                               generator=make_generator(1), **kwargs)
    first_order = soft_letter_values(linear, states, reference, exact=False,
                                     generator=make_generator(1), **kwargs)
    assert torch.allclose(exact, first_order, atol=1e-5)


def test_completions_in_several_steps_read_the_denoiser_between_them():
    # Step 1 draws from the state's (uniform) step and reveals each masked position with
    # probability 1/2; the denoiser, called on what is revealed, then fills the rest with
    # letter 1. So letter 0 makes a quarter of the letters, against a half in one step.
    seen = []

    def denoise(x: Tensor) -> Tensor:
        seen.append(x.clone())
        return torch.tensor([-20.0, 20.0]).expand(*x.shape, 2)

    states, uniform = torch.full((50, 8), 2), torch.zeros(50, 8, 2)
    kwargs = dict(num_completions=40, support_floor=0.0, denoise=denoise)
    once = _complete(states, uniform, steps=1, generator=make_generator(0), **kwargs)
    twice = _complete(states, uniform, steps=2, generator=make_generator(0), **kwargs)
    assert once.shape == twice.shape == (2000, 8) and int(twice.max()) <= 1
    assert float((once == 0).float().mean()) == pytest.approx(0.5, abs=0.02)
    assert float((twice == 0).float().mean()) == pytest.approx(0.25, abs=0.02)
    [between] = seen
    assert float((between == 2).float().mean()) == pytest.approx(0.5, abs=0.02)
