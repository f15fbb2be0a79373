"""Toy 2-D ring task: samples on the ring, -inf off it, reward rising off it, export."""

from __future__ import annotations

import math
from pathlib import Path

import torch

from braid_core.data import read_designs
from braid_core.runtime import make_generator
from braid_core.tasks.toy2d import NOISE, RADIUS, TOLERANCE, Toy2DTask


def test_samples_lie_on_the_ring(device: torch.device) -> None:
    task = Toy2DTask()
    x = task.sample_valid(2000, make_generator(0, device))
    assert x.shape == (2000, 2) and x.device.type == device.type
    distance = (x.norm(dim=1) - RADIUS).abs()
    assert distance.max() <= 2 * NOISE + 1e-6 and task.is_valid(x).all()
    angles = torch.atan2(x[:, 1], x[:, 0])
    assert angles.min() < -3 and angles.max() > 3  # the whole ring, not an arc


def test_score_is_reward_on_ring_and_minus_inf_off_it() -> None:
    task = Toy2DTask()
    x = torch.tensor([[1.0, 0.0], [1.0 + TOLERANCE, 0.0], [3.0, 0.0], [0.0, 0.0], [-1.0, 0.0]])
    expected = torch.tensor([1.0, 1.0 + TOLERANCE, -math.inf, -math.inf, -1.0])
    assert torch.equal(task.score(x), expected)
    # Off the ring the reward keeps rising: what an over-optimiser chases.
    assert task.reward(x)[2] > task.optimum
    assert task.score(x).max().item() == torch.tensor(task.optimum).item()


def test_offline_is_the_lower_half(tmp_path: Path) -> None:
    task = Toy2DTask()
    offline = task.make_offline(make_generator(1))
    median = torch.quantile(task.score(task.sample_valid(1000, make_generator(1))).double(), 0.5)
    assert len(offline.x) == 500 and offline.y.max() < median
    assert (offline.x[:, 0] < median).all() and torch.equal(offline.y, task.score(offline.x))
    paths = task.export(tmp_path, seed=1)
    unlabeled, labeled = read_designs(paths[0]), read_designs(paths[1])
    assert unlabeled.x.shape == (5000, 2) and unlabeled.y is None
    assert labeled.x.shape == offline.x.shape
    assert torch.equal(labeled.y, task.score(labeled.x))
    assert paths[1].read_bytes() == task.export(tmp_path / "again", seed=1)[1].read_bytes()
