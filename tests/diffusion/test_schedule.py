"""Noise schedules: ranges, monotonicity, float64, agreement with the published formulas."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from braid_core.diffusion.schedule import MAX_BETA, NoiseSchedule

CONSTRUCTORS = [NoiseSchedule.cosine, NoiseSchedule.linear]


@pytest.mark.parametrize("make", CONSTRUCTORS)
@pytest.mark.parametrize("num_steps", [2, 20, 100, 1000])
def test_ranges_monotone_float64(make, num_steps: int) -> None:
    s = make(num_steps)
    assert s.num_steps == num_steps
    for field in dataclasses.fields(s):
        value = getattr(s, field.name)
        assert value.dtype == torch.float64 and value.shape == (num_steps,), field.name
    assert ((s.betas > 0) & (s.betas <= MAX_BETA)).all()
    assert torch.allclose(s.alphas, 1 - s.betas, rtol=0, atol=0)
    assert ((s.alpha_bar > 0) & (s.alpha_bar < 1)).all()
    assert (s.alpha_bar[1:] < s.alpha_bar[:-1]).all()  # strictly more noise at every step
    assert s.alpha_bar_prev[0] == 1 and torch.equal(s.alpha_bar_prev[1:], s.alpha_bar[:-1])
    # beta tilde: 0 at t = 0 (deterministic last reverse step), in (0, beta_t] afterwards.
    assert s.posterior_variance[0] == 0
    assert (s.posterior_variance[1:] > 0).all()
    assert (s.posterior_variance[1:] <= s.betas[1:]).all()


@pytest.mark.parametrize("make", CONSTRUCTORS)
def test_ends_near_pure_noise(make) -> None:
    assert make(100).alpha_bar[-1] < 1e-3
    assert make(100).alpha_bar[0] > 0.99


def test_cosine_matches_nichol_dhariwal() -> None:
    num_steps, s = 50, 0.008
    schedule = NoiseSchedule.cosine(num_steps)

    def f(t: float) -> float:
        return math.cos((t / num_steps + s) / (1 + s) * math.pi / 2) ** 2

    expected = torch.tensor([f(t + 1) / f(0) for t in range(num_steps - 1)], dtype=torch.float64)
    assert torch.allclose(schedule.alpha_bar[:-1], expected, rtol=1e-12, atol=0)
    assert schedule.betas[-1] == MAX_BETA  # f(T) = 0, so the last beta is the clipped one


def test_linear_matches_ddpm_at_1000_steps() -> None:
    schedule = NoiseSchedule.linear(1000)
    expected = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64)
    assert torch.allclose(schedule.betas, expected, rtol=1e-12, atol=0)


def test_posterior_variance_formula() -> None:
    s = NoiseSchedule.cosine(30)
    t = 7
    expected = s.betas[t] * (1 - s.alpha_bar[t - 1]) / (1 - s.alpha_bar[t])
    assert torch.allclose(s.posterior_variance[t], expected, rtol=1e-14, atol=0)


def test_to_device_keeps_float64(device: torch.device) -> None:
    s = NoiseSchedule.cosine(10).to(device)
    assert s.betas.device.type == device.type and s.alpha_bar.dtype == torch.float64
    assert torch.equal(s.alpha_bar.cpu(), NoiseSchedule.cosine(10).alpha_bar)


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="num_steps"):
        NoiseSchedule.cosine(1)
    with pytest.raises(ValueError, match="betas"):
        NoiseSchedule.from_betas(torch.tensor([0.1, 1.0]))
    with pytest.raises(ValueError, match="alphas"):
        good = NoiseSchedule.linear(5)
        dataclasses.replace(good, alphas=good.alphas.float())
