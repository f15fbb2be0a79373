"""The noise of values that are means of several measurements (rewards/replicates.py); the fit
that weighs them by it is tested in test_weighting.py."""

from __future__ import annotations

import math

import pytest
import torch

from braid_core.rewards import RewardTrainConfig
from braid_core.rewards.replicates import estimate_noise
from braid_core.runtime import make_generator


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


def test_an_unknown_count_weighting_is_refused() -> None:
    with pytest.raises(ValueError, match="count_weighting"):
        RewardTrainConfig(count_weighting="sqrt")


def test_the_noise_estimate_s_standard_error_matches_its_spread_over_repeats() -> None:
    g = make_generator(2)
    readings, errors_said = [], []
    for _ in range(400):  # 80 held-out designs, as a small data set gives: a loose reading
        counts = torch.tensor([1.0, 4.0])[torch.randint(2, (80,), generator=g)]
        errors = torch.randn(80, generator=g, dtype=torch.float64)
        estimate = estimate_noise((errors ** 2) * (0.09 + 0.3 / counts.double()), counts)
        if estimate is not None:
            readings.append(estimate.noise)
            errors_said.append(estimate.noise_se)
    spread = float(torch.tensor(readings).std())
    assert 0.8 < float(torch.tensor(errors_said).mean()) / spread < 1.25, spread
