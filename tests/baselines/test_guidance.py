"""Plain prior samples and reward-gradient guidance, on tiny priors with a stub reward."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch import Tensor, nn

from braid_core.baselines import GuidanceConfig, SamplingConfig, run_guidance, run_pretrained
from braid_core.data import OfflineData
from braid_core.diffusion.prior import Prior, PriorConfig
from braid_core.diffusion.schedule import NoiseSchedule
from braid_core.diffusion.train import train_prior
from braid_core.rewards import Prediction
from braid_core.runtime import make_generator
from braid_core.spaces import SequenceSpace, VectorSpace
from braid_core.standardise import ColumnScaling

SPACE = SequenceSpace("ACGT", 8)
VECTORS = VectorSpace(2)
CPU = torch.device("cpu")


class CountReward(nn.Module):
    """r_hat(x) = number of letter 0 (A); differentiable in relaxed one-hot inputs."""

    kind = "stub"
    space = SPACE
    metrics: dict[str, float] = {}

    def predict(self, x: Tensor) -> Prediction:
        if not x.is_floating_point():
            x = nn.functional.one_hot(x, SPACE.vocab_size).float()
        mean = x[..., 0].sum(-1)
        return Prediction(mean, torch.zeros_like(mean))


class LinearReward(nn.Module):
    """r_hat(x) = x_0 for 2-D vectors."""

    kind = "stub"
    space = VECTORS
    metrics: dict[str, float] = {}

    def predict(self, x: Tensor) -> Prediction:
        return Prediction(x[:, 0], torch.zeros_like(x[:, 0]))


def count_data(n: int = 256, seed: int = 0) -> OfflineData:
    """Uniform random sequences, y = number of A's."""
    x = torch.randint(4, (n, SPACE.length), generator=make_generator(seed))
    return OfflineData.from_tensors(SPACE, x, (x == 0).sum(1).float())


@pytest.fixture(scope="module")
def sequence_prior():
    torch.manual_seed(0)  # test entry point: train_prior's initial weights
    config = PriorConfig(width=16, depth=2, kernel_size=3, max_dilation=2, batch_size=64,
                         max_steps=60, warmup_steps=10, sampling_steps=8)
    return train_prior(count_data().x, SPACE, config, device=CPU, generator=make_generator(1))


class StandardNormalEps(nn.Module):
    """The exact eps-prediction for data ~ N(0, I): E[eps | x_t] = sqrt(1 - abar_t) x_t."""

    def __init__(self, schedule: NoiseSchedule) -> None:
        super().__init__()
        self.register_buffer("alpha_bar", schedule.alpha_bar.float())

    def forward(self, x_t: Tensor, t: Tensor) -> Tensor:
        return (1.0 - self.alpha_bar[t])[:, None].sqrt() * x_t


@pytest.fixture(scope="module")
def vector_prior() -> Prior:
    """An exact N(0, I) prior: no training, so the guided mean shift is predictable."""
    schedule = NoiseSchedule.cosine(20)
    return Prior(VECTORS, PriorConfig(diffusion_steps=20), StandardNormalEps(schedule), schedule)


def _guided(prior, reward, data, scale: float, seed: int = 7, n: int = 96) -> Tensor:
    return run_guidance(prior, reward, data, n, config=GuidanceConfig(scale=scale, batch_size=64),
                        generator=make_generator(seed), device=CPU)


def test_pretrained_shape_and_zero_scale_guidance_is_the_prior(sequence_prior) -> None:
    data = count_data()
    plain = run_pretrained(sequence_prior, CountReward(), data, 96,
                           config=SamplingConfig(batch_size=64), generator=make_generator(7),
                           device=CPU)
    assert plain.shape == (96, SPACE.length) and plain.dtype == torch.int64
    assert plain.min() >= 0 and plain.max() < SPACE.vocab_size
    assert torch.equal(_guided(sequence_prior, CountReward(), data, 0.0), plain)


def test_sequence_guidance_raises_reward_and_is_deterministic(sequence_prior) -> None:
    data = count_data()
    reward = CountReward()
    base = reward.predict(_guided(sequence_prior, reward, data, 0.0)).mean.mean()
    guided = _guided(sequence_prior, reward, data, 2.0)
    # 2 / std(y) ~ 1.6 nats on letter A: P(A) ~ 0.25 -> ~0.6, about +3 A's per sequence.
    assert reward.predict(guided).mean.mean() > base + 1.5
    assert torch.equal(guided, _guided(sequence_prior, reward, data, 2.0))
    assert not torch.equal(guided, _guided(sequence_prior, reward, data, 2.0, seed=8))


class RareLetterA(nn.Module):
    """A fixed sequence denoiser: P(A) = e^-5 / (e^-5 + 3) ~ 0.002 everywhere, C/G/T equal."""

    vocab_size = SPACE.vocab_size

    def __init__(self) -> None:
        super().__init__()
        self.logit_a = nn.Parameter(torch.tensor(-5.0))

    def forward(self, x_t: Tensor) -> Tensor:
        others = torch.zeros(*x_t.shape, self.vocab_size - 1)
        return torch.cat([self.logit_a.expand(*x_t.shape, 1), others], -1)


def test_support_floor_keeps_guidance_off_letters_the_prior_excludes() -> None:
    prior = Prior(SPACE, PriorConfig(sampling_steps=8), RareLetterA())
    data, reward = count_data(), CountReward()

    def share_of_a(floor: float) -> float:
        config = GuidanceConfig(scale=20.0, batch_size=64, support_floor=floor)
        designs = run_guidance(prior, reward, data, 64, config=config,
                               generator=make_generator(3), device=CPU)
        return float((designs == 0).float().mean())

    # The tilt (+20 / std(y) ~ 16 nats) makes the excluded A the likeliest letter; the floor
    # 0.03 leaves it no probability at all.
    assert share_of_a(0.0) > 0.9
    assert share_of_a(0.03) == 0.0
    with pytest.raises(ValueError, match="support_floor"):
        GuidanceConfig(support_floor=1.0)


def test_vector_guidance_moves_along_the_reward_gradient(vector_prior) -> None:
    x = torch.randn(128, 2, generator=make_generator(4))
    data = OfflineData.from_tensors(VECTORS, x, x[:, 0])
    reward = LinearReward()
    plain = _guided(vector_prior, reward, data, 0.0, n=128)
    guided = _guided(vector_prior, reward, data, 2.0, n=128)
    assert guided.shape == (128, 2) and guided.dtype == torch.float32
    # The tilt exp(2 x_0 / std(y)) of N(0, I) has mean 2 along x_0; r_hat read at the noisy
    # x_t overshoots (measured: 3.1), the other coordinate is untouched.
    assert guided[:, 0].mean() > plain[:, 0].mean() + 1.5
    assert torch.allclose(guided[:, 1], plain[:, 1])
    assert torch.equal(guided, _guided(vector_prior, reward, data, 2.0, n=128))


def test_vector_guidance_reads_the_reward_in_the_data_units(vector_prior) -> None:
    # The same exact N(0, I) chain, standardised from columns ~ 3e6 +- 1e6 and 7 +- 0.5.
    scaling = ColumnScaling(torch.tensor([3e6, 7.0], dtype=torch.float64),
                            torch.tensor([1e6, 0.5], dtype=torch.float64))
    prior = dataclasses.replace(vector_prior, scaling=scaling)
    x = scaling.to_units(torch.randn(128, 2, generator=make_generator(4)))
    data = OfflineData.from_tensors(VECTORS, x, x[:, 0])
    plain = _guided(prior, LinearReward(), data, 0.0, n=128)
    guided = _guided(prior, LinearReward(), data, 2.0, n=128)
    assert abs(plain[:, 0].mean() - 3e6) < 3e5 and abs(plain[:, 1].mean() - 7.0) < 0.15
    # As in the unit test above, a shift of ~2 standard deviations along x_0 (here 2e6).
    assert guided[:, 0].mean() > plain[:, 0].mean() + 1.5e6
    assert torch.allclose(guided[:, 1], plain[:, 1])


def test_guidance_needs_labels_and_checks_config(sequence_prior) -> None:
    unlabeled = OfflineData.from_tensors(SPACE, count_data().x)
    with pytest.raises(ValueError, match="measured values"):
        _guided(sequence_prior, CountReward(), unlabeled, 1.0)
    with pytest.raises(ValueError, match="scale"):
        GuidanceConfig(scale=-1.0)
    with pytest.raises(ValueError, match="order"):
        SamplingConfig(order="left-to-right")
