"""The steps' helpers: the designs kept from a drawn pool."""

from __future__ import annotations

import torch

from braid_core.pipeline.steps import _best_of_pool
from braid_core.rewards.conservative import Prediction


class _ScoreIsFirstToken:
    """A stand-in reward model: r_hat is the first token, u is 0."""

    device = torch.device("cpu")

    def predict(self, x):
        return Prediction(x[:, 0].float(), torch.zeros(len(x)))


def test_a_pool_cut_to_num_designs_by_the_time_limit_is_still_ranked():
    # `braid design` may stop drawing after one chunk of num designs; the order written must
    # not depend on that, so a pool that was asked for always comes back best first.
    pool = torch.tensor([[1, 0], [3, 0], [1, 0], [2, 0]])
    model = _ScoreIsFirstToken()
    chosen = _best_of_pool(pool, model, 1.0, "std", 4, choose=True)
    assert chosen[:, 0].tolist() == [3, 2, 1, 1]  # distinct first, the repeat fills in
    as_drawn = _best_of_pool(pool, model, 1.0, "std", 4, choose=False)
    assert as_drawn[:, 0].tolist() == [1, 3, 1, 2]
