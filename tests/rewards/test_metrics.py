"""Held-out figures (rewards/metrics.py): ranks with ties, Spearman."""

from __future__ import annotations

import math

import torch

from braid_core.rewards.metrics import rank, spearman


def test_ranks_average_ties() -> None:
    values = torch.tensor([3.0, 1.0, 3.0, 2.0, 3.0])
    torch.testing.assert_close(rank(values), torch.tensor([4.0, 1.0, 4.0, 2.0, 4.0],
                                                          dtype=torch.float64))
    monotone = spearman(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([10.0, 20.0, 90.0]))
    assert math.isclose(monotone, 1.0)
    assert math.isclose(spearman(torch.arange(5.0), -torch.arange(5.0) ** 3), -1.0)
    assert math.isnan(spearman(torch.ones(4), torch.arange(4.0)))
