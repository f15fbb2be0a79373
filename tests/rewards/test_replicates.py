"""Weighing values that are means of several measurements (rewards/replicates.py)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from conftest import SPACE, TINY, count_task

from braid_core.data import OfflineData
from braid_core.rewards import RewardTrainConfig, train_reward
from braid_core.rewards import train as train_module
from braid_core.rewards.io import describe_network
from braid_core.rewards.replicates import estimate_noise
from braid_core.runtime import make_generator
from braid_core.spaces import space_to_dict


def test_the_noise_estimate_reads_both_variances_off_squared_errors() -> None:
    g = make_generator(0)
    counts = torch.tensor([1.0, 2.0, 4.0, 8.0]).repeat(5000)
    errors = torch.randn(len(counts), generator=g, dtype=torch.float64)
    errors = errors * torch.sqrt(0.3 + 2.0 / counts.double())  # tau^2 0.3, sigma^2 2
    estimate = estimate_noise(errors ** 2, counts)
    assert estimate is not None
    assert math.isclose(estimate.misfit, 0.3, abs_tol=0.1), estimate
    assert math.isclose(estimate.noise, 2.0, rel_tol=0.1), estimate
    weights = estimate.weights(torch.tensor([1.0, 8.0]))
    # 1 / (tau^2 + sigma^2 / n): replicates count more, bounded by 1 / tau^2
    assert 1.0 < float(weights[1] / weights[0]) < (0.3 + 2.0) / 0.3 * 1.2


def test_no_estimate_without_varying_counts_or_noise_they_reduce() -> None:
    g = make_generator(1)
    errors = torch.randn(400, generator=g, dtype=torch.float64) ** 2
    assert estimate_noise(errors, torch.full((400,), 3.0)) is None  # nothing to regress on
    counts = torch.tensor([1.0, 8.0]).repeat(200)
    assert estimate_noise(counts / 8.0, counts) is None  # errors grow with replicates
    # only noise: tau^2 stays above its floor, so no design gets an unbounded weight
    estimate = estimate_noise(1.0 / counts, counts)
    assert estimate is not None and estimate.misfit > 0 and estimate.noise == pytest.approx(1.0)


def _replicated(n: int, seed: int) -> OfflineData:
    """count_task's designs, each value the mean of 1 or 8 measurements of sd 2 around the
    number of A's."""
    x, y = count_task(n, seed)
    truth = (x == 0).sum(dim=1).double()
    rng = np.random.default_rng(seed)
    counts = rng.choice([1.0, 8.0], size=n)
    noisy = truth.numpy() + 2.0 * rng.standard_normal(n) / np.sqrt(counts)
    data = OfflineData.from_tensors(SPACE, x, torch.as_tensor(noisy))
    return dataclasses.replace(data, counts=counts)


def _fit(data, weighting: str, seed: int = 0, kind: str = "bonus"):
    config = dataclasses.replace(TINY, kind=kind, count_weighting=weighting)
    return train_reward(data, config, device=torch.device("cpu"), generator=make_generator(seed))


@pytest.mark.parametrize("kind", ["bonus", "boot"])
def test_estimated_weights_find_the_measurement_noise_and_fit_the_truth_better(kind) -> None:
    data = _replicated(1500, seed=0)
    test_x, _ = count_task(1000, seed=7)
    truth = (test_x == 0).sum(dim=1).double()
    errors = {}
    for weighting in ("none", "estimated"):
        model = _fit(data, weighting, kind=kind)
        with torch.no_grad():
            errors[weighting] = float(((model.predict(test_x).mean.double() - truth) ** 2).mean())
    assert model.train_config.count_weighting == "estimated"  # saved with the model
    assert model.metrics["count_weighted"] == 1.0  # it did weigh
    # one measurement's variance is 4; the count net's misfit is far below it
    assert 2.5 < model.metrics["noise_variance"] < 6.0, model.metrics
    assert model.metrics["misfit_variance"] < 1.0, model.metrics
    assert errors["estimated"] < 0.9 * errors["none"], errors


def test_data_without_varying_counts_fits_alike_under_every_weighting() -> None:
    x, y = count_task(200, seed=3)
    single = OfflineData.from_tensors(SPACE, x, y)
    same = dataclasses.replace(single, counts=np.full(200, 4.0))
    plain = _fit((x, y, SPACE), "none")
    probe, _ = count_task(50, seed=4)
    for data, weighting in ((single, "estimated"), (same, "estimated"), (same, "counts")):
        model = _fit(data, weighting)
        assert "noise_variance" not in model.metrics
        torch.testing.assert_close(model.predict(probe).mean, plain.predict(probe).mean)


def test_an_unknown_count_weighting_is_refused() -> None:
    with pytest.raises(ValueError, match="count_weighting"):
        RewardTrainConfig(count_weighting="sqrt")


def test_the_noise_probe_leaves_the_fit_s_randomness_alone(monkeypatch) -> None:
    """With no noise found, "estimated" gives the unweighted model itself: the probe fit
    draws from a copy of the generator."""
    data = _replicated(300, seed=2)
    probe, _ = count_task(50, seed=4)
    plain = _fit(data, "none")
    monkeypatch.setattr(train_module, "estimate_noise", lambda errors, counts: None)
    model = _fit(data, "estimated")
    assert "noise_variance" not in model.metrics
    # Asked for, not done: recorded, and the model's description says so.
    assert model.metrics["count_weighted"] == 0.0 and "count_weighted" not in plain.metrics
    meta = {"config": dataclasses.asdict(model.train_config), "metrics": model.metrics,
            "space": space_to_dict(SPACE)}
    assert describe_network(meta).endswith("; values weighed alike: the estimated weighting "
                                           "saw no measurement noise that replicates reduce")
    assert model.metrics["steps"] > plain.metrics["steps"]  # the probe's steps are counted
    torch.testing.assert_close(model.predict(probe).mean, plain.predict(probe).mean)


@pytest.mark.parametrize("weighting", ["none", "counts"])
def test_the_held_out_errors_are_split_whatever_the_weighting(weighting) -> None:
    model = _fit(_replicated(1500, seed=0), weighting)
    # one measurement's variance is 4 (y units); the count net's misfit is far below it
    assert 2.5 < model.metrics["noise_variance"] < 6.0, model.metrics
    assert model.metrics["misfit_variance"] < 1.0, model.metrics
