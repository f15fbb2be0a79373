"""Shell-bumps task: samples on the shell, bumps as the reward, -inf off it, D below the
median, export."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from braid_core.data import read_designs
from braid_core.runtime import make_generator
from braid_core.tasks.shell import AMPLITUDES, NOISE, RADIUS, TOLERANCE, ShellBumpsTask


def test_samples_cover_the_shell(device: torch.device) -> None:
    task = ShellBumpsTask(dim=6)
    x = task.sample_valid(4000, make_generator(0, device))
    assert x.shape == (4000, 6) and x.device.type == device.type
    assert (x.norm(dim=1) - RADIUS).abs().max() <= 2 * NOISE + 1e-6
    assert task.is_valid(x).all()
    # Every axis is visited both ways: uniform directions, not one patch of the sphere.
    assert (x.max(dim=0).values > 0.8).all() and (x.min(dim=0).values < -0.8).all()


def test_reward_peaks_at_the_bumps_and_fades_away_from_the_shell() -> None:
    task = ShellBumpsTask(dim=6)
    at_centres = task.reward(task.centres.float())
    # Each peak (or the dip) is at least its amplitude's share near its own centre.
    for value, amplitude in zip(at_centres.tolist(), AMPLITUDES, strict=True):
        assert math.copysign(1, value) == math.copysign(1, amplitude)
        assert abs(value) >= 0.6 * abs(amplitude)
    far = 10 * task.centres[:1].float()
    assert abs(task.reward(far).item()) < 1e-6  # what a ReLU fit need not reproduce
    assert task.score(far).item() == -math.inf
    off = task.centres[:1].float() * (RADIUS + TOLERANCE + 0.01)
    assert task.score(off).item() == -math.inf and task.is_valid(off * 0.98).item()


def test_bumps_are_fixed_by_the_dimension_not_by_a_seed() -> None:
    assert torch.equal(ShellBumpsTask(dim=6).centres, ShellBumpsTask(dim=6).centres)
    assert ShellBumpsTask(dim=4).centres.shape == (len(AMPLITUDES), 4)
    assert ShellBumpsTask(dim=4).name == "shell-bumps-4"
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        ShellBumpsTask(dim=1)
    with pytest.raises(ValueError, match=r"expected points \(n, 6\)"):
        ShellBumpsTask(dim=6).score(torch.zeros(3, 2))


def test_offline_is_the_lower_half_and_exports(tmp_path: Path) -> None:
    task = ShellBumpsTask(dim=6)
    offline = task.make_offline(make_generator(1))
    fresh = task.score(task.sample_valid(20_000, make_generator(2)))
    assert len(offline.x) == 500 and torch.equal(offline.y, task.score(offline.x))
    # D leaves room above it: about half of fresh shell points beat its best.
    assert 0.4 < (fresh > offline.y.max()).double().mean() < 0.6
    paths = task.export(tmp_path, seed=1)
    unlabeled, labeled = read_designs(paths[0]), read_designs(paths[1])
    assert unlabeled.x.shape == (5000, 6) and unlabeled.y is None
    assert labeled.x.shape == offline.x.shape and labeled.y.max() < fresh.quantile(0.6)
    assert torch.allclose(labeled.y, task.score(labeled.x), atol=1e-6)
    assert paths[1].read_bytes() == task.export(tmp_path / "again", seed=1)[1].read_bytes()
