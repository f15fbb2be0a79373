"""Reward models trained once per test session on the tiny tasks of reward_tasks.py."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from reward_tasks import SPACE, TINY, count_task

from braid_core.rewards import train_reward
from braid_core.runtime import make_generator


@pytest.fixture(scope="session")
def count_data() -> tuple[torch.Tensor, torch.Tensor]:
    return count_task(300, seed=0)


@pytest.fixture(scope="session")
def boot_model(count_data):
    x, y = count_data
    return train_reward((x, y, SPACE), TINY, device=torch.device("cpu"),
                        generator=make_generator(1))


@pytest.fixture(scope="session")
def bonus_model(count_data):
    x, y = count_data
    config = dataclasses.replace(TINY, kind="bonus")
    return train_reward((x, y, SPACE), config, device=torch.device("cpu"),
                        generator=make_generator(1))
