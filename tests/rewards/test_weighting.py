"""How squared errors are weighed in the fit (rewards/weighting.py): a tilt towards the top of
the values, and values that are means of several measurements (with replicates.py's noise
estimate, also reported beside the model)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from reward_tasks import SPACE, TINY, count_task

from braid_core.data import OfflineData
from braid_core.rewards import train as train_module
from braid_core.rewards import train_reward
from braid_core.rewards import weighting as weighting_module
from braid_core.rewards.io import describe_network
from braid_core.rewards.weighting import value_weights
from braid_core.runtime import make_generator
from braid_core.spaces import space_to_dict


def test_value_weights_grow_with_the_value_rank_and_average_one() -> None:
    reference = torch.tensor([0.0, 1.0, 1.0, 1.0, 2.0, 5.0], dtype=torch.float64)
    torch.testing.assert_close(value_weights(reference, reference, 0.0), torch.ones(6))
    weights = value_weights(reference, reference, 2.0)
    assert math.isclose(float(weights.mean()), 1.0, rel_tol=1e-6)
    assert weights[1] == weights[2] == weights[3]  # ties share one weight
    assert bool((weights[[0, 1, 4, 5]].diff() > 0).all())
    # mid-rank quantiles: 1/12 for the lowest, 11/12 for the highest
    assert math.isclose(float(weights[5] / weights[0]), math.exp(2.0 * 10 / 12), rel_tol=1e-5)
    # held-out values are placed among the training values: past the top weighs like q = 1
    outside = value_weights(torch.tensor([-1.0, 9.0], dtype=torch.float64), reference, 2.0)
    assert float(outside[1]) > float(weights[5]) > float(weights[0]) > float(outside[0])


def test_a_value_tilt_spends_the_fit_on_the_top_of_the_data() -> None:
    """The held-out error of the top quarter, relative to the rest's, falls with a tilt."""
    x, y = count_task(400, seed=0)
    ratios = []
    for tilt in (0.0, 3.0):
        model = train_reward((x, y, SPACE), dataclasses.replace(TINY, value_tilt=tilt),
                             device=torch.device("cpu"), generator=make_generator(0))
        held = model.heldout
        error = (held["predicted_mean"] - held["measured"]) ** 2
        top = held["measured"] >= held["measured"].quantile(0.75)
        ratios.append(float(error[top].mean() / error[~top].mean()))
        assert model.train_config.value_tilt == tilt  # saved with the model
    assert ratios[1] < 0.7 * ratios[0], ratios


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


def test_the_noise_probe_leaves_the_fit_s_randomness_alone(monkeypatch) -> None:
    """With no noise found, "estimated" gives the unweighted model itself: the probe fit
    draws from a copy of the generator."""
    data = _replicated(300, seed=2)
    probe, _ = count_task(50, seed=4)
    plain = _fit(data, "none")
    # No noise seen anywhere: neither by the probe (weighting.py) nor in the held-out split
    # the model reports (train.py).
    monkeypatch.setattr(weighting_module, "estimate_noise", lambda errors, counts: None)
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
