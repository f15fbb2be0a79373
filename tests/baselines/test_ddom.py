"""DDOM: reweighting, conditional training, classifier-free guided sampling."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from braid_core.baselines import DDOMConfig, run_ddom
from braid_core.baselines.ddom import _GuidedTokens, reweighting, train_conditional
from braid_core.data import OfflineData
from braid_core.diffusion import masked
from braid_core.diffusion.prior import Prior, PriorConfig, build_network, build_schedule
from braid_core.runtime import make_generator
from braid_core.spaces import SequenceSpace, VectorSpace
from braid_core.standardise import ColumnScaling

SPACE = SequenceSpace("ACGT", 8)
CPU = torch.device("cpu")
TINY = DDOMConfig(max_steps=200, batch_size=64, warmup_steps=10)


def _prior(space) -> Prior:
    """Only the prior's shape, loss weighting, sampler defaults and schedule matter to DDOM."""
    config = PriorConfig(width=16, depth=2, kernel_size=3, max_dilation=2, sampling_steps=8,
                         diffusion_steps=20)
    return Prior(space, config, build_network(space, config), build_schedule(space, config))


def _count_data() -> OfflineData:
    """Uniform random sequences, y = number of A's (mean 2)."""
    x = torch.randint(4, (512, SPACE.length), generator=make_generator(0))
    return OfflineData.from_tensors(SPACE, x, (x == 0).sum(1).float())


def test_reweighting_follows_the_ddom_formula() -> None:
    y = torch.linspace(0.0, 1.0, 1000)  # uniform: every one of 10 bins holds 100 examples
    config = DDOMConfig(num_bins=10, max_weight=1e9)
    weights = reweighting(y, config)
    assert weights.mean().item() == pytest.approx(1.0, rel=1e-5)  # unclipped weights average 1
    tau = 1.0 - torch.quantile(y.double(), 0.9).item()
    # Equal counts: bin mass ratio between neighbours is exp(bin width / tau).
    ratio = (weights[950] / weights[850]).item()
    assert ratio == pytest.approx(math.exp(0.1 / tau), rel=1e-4)
    clipped = reweighting(y, DDOMConfig(num_bins=10))
    assert clipped.max().item() == pytest.approx(5.0)
    assert torch.equal(reweighting(torch.full((5,), 3.0), config), torch.ones(5))


def test_conditioning_on_high_y_beats_unconditional_samples() -> None:
    data = _count_data()
    net = train_conditional(_prior(SPACE), data, TINY, generator=make_generator(1), device=CPU)
    y = data.y
    target = float((y.max() - y.mean()) / y.std())

    def mean_count(weight: float) -> float:  # weight -1 gives the null (unconditional) model
        with torch.no_grad():
            x = masked.sample(_GuidedTokens(net, target, weight), (256, SPACE.length), 8,
                              generator=make_generator(5)).x0
        return (x == 0).sum(1).float().mean().item()

    # Measured: unconditional ~3.3 (reweighted D), conditional ~5.5, guided (w = 2) ~7.7.
    unconditional, guided = mean_count(-1.0), mean_count(2.0)
    assert guided > unconditional + 2.0
    assert guided > y.mean().item() + 3.0


def test_run_ddom_shapes_determinism_and_progress() -> None:
    data = _count_data()
    history: list = []
    config = DDOMConfig(max_steps=20, batch_size=32, log_every=10)
    designs = run_ddom(_prior(SPACE), None, data, 24, config=config,
                       generator=make_generator(3), device=CPU,
                       on_step=lambda step, m: history.append((step, m["loss"])))
    assert designs.shape == (24, SPACE.length) and designs.dtype == torch.int64
    assert designs.min() >= 0 and designs.max() < SPACE.vocab_size
    assert [step for step, _ in history] == [10, 20]
    again = run_ddom(_prior(SPACE), None, data, 24, config=config,
                     generator=make_generator(3), device=CPU)
    assert torch.equal(designs, again)


def test_run_ddom_on_vectors() -> None:
    space = VectorSpace(2)
    x = torch.randn(128, 2, generator=make_generator(4))
    data = OfflineData.from_tensors(space, x, x[:, 0])
    designs = run_ddom(_prior(space), None, data, 16,
                       config=DDOMConfig(max_steps=20, batch_size=32),
                       generator=make_generator(5), device=CPU)
    assert designs.shape == (16, 2) and designs.dtype == torch.float32
    assert torch.isfinite(designs).all()


def test_ddom_on_vectors_trains_and_samples_in_the_prior_coordinates() -> None:
    # The prior's sampler takes its chain back to the data's units, so DDOM's conditional
    # net must learn D in the chain's (standardised) coordinates: D in units of 1e6 and 0.5
    # then gives the very designs of D in standard units, scaled back.
    space = VectorSpace(2)
    z = torch.randn(256, 2, generator=make_generator(4))
    scaling = ColumnScaling(torch.tensor([3e6, 7.0], dtype=torch.float64),
                            torch.tensor([1e6, 0.5], dtype=torch.float64))
    config = DDOMConfig(max_steps=50, batch_size=64, warmup_steps=10)

    def designs(prior: Prior, x: torch.Tensor) -> torch.Tensor:
        return run_ddom(prior, None, OfflineData.from_tensors(space, x, z[:, 0]), 64,
                        config=config, generator=make_generator(5), device=CPU)

    standard = designs(_prior(space), z)
    scaled = designs(dataclasses.replace(_prior(space), scaling=scaling), scaling.to_units(z))
    assert torch.allclose(scaling.to_standard(scaled), standard, rtol=1e-4, atol=1e-2)


def test_ddom_config_checks_ranges() -> None:
    with pytest.raises(ValueError, match="cfg_dropout"):
        DDOMConfig(cfg_dropout=1.0)
    with pytest.raises(ValueError, match="temperature_quantile"):
        DDOMConfig(temperature_quantile=1.0)
    with pytest.raises(ValueError, match="needs at least 2 labelled"):
        run_ddom(_prior(SPACE), None, OfflineData.from_tensors(SPACE, _count_data().x), 4,
                 config=DDOMConfig(), generator=make_generator(0), device=CPU)
