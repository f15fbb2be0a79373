"""A digest of the reward models `train_reward` fits under eight configs, to show that a
refactor of the fit changed nothing: run it at two commits and compare the output.

Covers BRAID-Boot and BRAID-Bonus, the "average" combine, vectors, and both count weightings
(small tasks, 60 optimizer steps a network, one CPU thread; about a minute). Each line gives a
SHA-256 prefix of the model's weights and held-out table, then its held-out metrics.

Usage:
    python bench/reward_fit_digest.py > after.txt
    git stash; python bench/reward_fit_digest.py > before.txt; git stash pop
    diff before.txt after.txt
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch

from braid_core.data import OfflineData
from braid_core.rewards.train import RewardTrainConfig, train_reward
from braid_core.spaces import SequenceSpace, VectorSpace


def digest(model) -> tuple[str, dict[str, float]]:
    """Hash of the weights (buffers included) and held-out table; the metrics, rounded."""
    h = hashlib.sha256()
    for key, value in sorted(model.state_dict().items()):
        h.update(key.encode())
        h.update(value.detach().cpu().double().numpy().tobytes())
    for _, value in sorted(model.heldout.items()):
        h.update(value.numpy().tobytes())
    return h.hexdigest()[:16], {k: round(v, 6) for k, v in sorted(model.metrics.items())}


def main() -> None:
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(1)
    dna = SequenceSpace("ACGT", 8)
    x = torch.randint(0, 4, (300, 8), generator=g)
    y = (x == 2).float().sum(1) + 0.3 * torch.randn(300, generator=g)
    vectors = VectorSpace(4)
    xv = torch.randn(200, 4, generator=g)
    yv = xv.sum(1) + 0.1 * torch.randn(200, generator=g)
    counts = np.random.default_rng(0).integers(1, 5, 300).astype(float)
    short = dict(max_steps=60, eval_every=10, patience=3)
    cases = {
        "boot": ((x, y, dna), RewardTrainConfig(kind="boot", **short)),
        "bonus": ((x, y, dna), RewardTrainConfig(kind="bonus", **short)),
        "boot-average": ((x, y, dna), RewardTrainConfig(kind="boot", combine="average", **short)),
        "bonus-average": ((x, y, dna), RewardTrainConfig(kind="bonus", combine="average",
                                                         **short)),
        "vector-bonus": ((xv, yv, vectors), RewardTrainConfig(kind="bonus", **short)),
        "vector-boot": ((xv, yv, vectors), RewardTrainConfig(kind="boot", **short)),
    }
    for weighting in ("counts", "estimated"):
        data = OfflineData(space=dna, x=x, y=y, source="digest", report=None, counts=counts)
        cases[f"bonus-{weighting}"] = (data, RewardTrainConfig(kind="bonus",
                                                               count_weighting=weighting, **short))
    for name, (data, config) in cases.items():
        model = train_reward(data, config, device=torch.device("cpu"),
                             generator=torch.Generator().manual_seed(3))
        print(name, *digest(model))


if __name__ == "__main__":
    main()
