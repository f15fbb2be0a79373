"""Tiny learnable reward tasks for the reward-model tests (and bench/noise_estimate_check.py).

Not a conftest: `from conftest import` finds whichever test folder's conftest came first.
"""

from __future__ import annotations

import torch

from braid_core.rewards import RewardNetConfig, RewardTrainConfig
from braid_core.runtime import make_generator
from braid_core.spaces import SequenceSpace, VectorSpace

SPACE = SequenceSpace("ACGT", 8)
VECTORS = VectorSpace(2)
# Small enough for a 2-core machine: a few hundred steps of a width-32 net.
TINY = RewardTrainConfig(
    network=RewardNetConfig(width=32, feature_dim=16),
    alternatives=(),  # one shape: test_reward_train covers the choice between shapes
    max_steps=200,
    batch_size=64,
    lr=3e-3,
    eval_every=20,
    patience=5,
)


def count_task(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Sequences where A is rare (P = 0.1), y = number of A's + N(0, 0.3^2) noise."""
    g = make_generator(seed)
    probs = torch.tensor([0.1, 0.3, 0.3, 0.3])
    x = torch.multinomial(probs, n * SPACE.length, replacement=True, generator=g)
    x = x.view(n, SPACE.length)
    y = (x == 0).sum(dim=1).float() + 0.3 * torch.randn(n, generator=g)
    return x, y


def a_rich(n: int, seed: int) -> torch.Tensor:
    """Out-of-distribution designs: six or more A's (the training set has at most 4)."""
    x = torch.zeros(n, SPACE.length, dtype=torch.long)
    x[:, 6:] = torch.randint(4, (n, 2), generator=make_generator(seed))
    return x


def vector_task(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """x ~ N(0, I_2), y = x0 + 0.5 x1^2 + N(0, 0.1^2)."""
    g = make_generator(seed)
    x = torch.randn(n, 2, generator=g)
    return x, x[:, 0] + 0.5 * x[:, 1] ** 2 + 0.1 * torch.randn(n, generator=g)
