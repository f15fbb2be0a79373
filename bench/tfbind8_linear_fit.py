"""Does TFBind8 extrapolate additively? Ridge fits on one-hot (and neighbour-pair) features.

The 0.986 max target turns on the reward fit ranking the 33 8-mers >= 0.986 near its top
(reward_bench.md, "Session 14"); binding energies are often close to additive over positions,
which would extrapolate from D (the lower half) better than a conv net. This fits ridge
regressions on D as `braid task export tfbind8` builds it, ranks all 65,536 8-mers and prints
what reward_bench.md's tfbind8_reward_top.py prints for the nets: test_s (Spearman over the
8-mers above max(D)), the true max and median of the top 128, and hits512.

    python bench/tfbind8_linear_fit.py
"""

from __future__ import annotations

import torch
from torch.nn.functional import one_hot

from braid_core.runtime import make_generator, set_cpu_threads
from braid_core.tasks import get_task

LETTERS, LENGTH, BAR = 4, 8, 0.986


def additive(tokens: torch.Tensor) -> torch.Tensor:
    return one_hot(tokens, LETTERS).flatten(1).double()


def neighbour_pairs(tokens: torch.Tensor) -> torch.Tensor:
    hot = one_hot(tokens, LETTERS).double()
    pairs = [(hot[:, i, :, None] * hot[:, i + 1, None, :]).flatten(1) for i in range(LENGTH - 1)]
    return torch.cat([hot.flatten(1), *pairs], dim=1)


def ranks(values: torch.Tensor) -> torch.Tensor:
    return values.argsort().argsort().double()


def main() -> None:
    set_cpu_threads(1)
    task = get_task("tfbind8")
    truth = task.table.double()
    index = torch.arange(len(truth))
    every = torch.stack([(index // LETTERS ** (LENGTH - 1 - i)) % LETTERS
                         for i in range(LENGTH)], dim=1)  # fmt: skip
    generator = make_generator(0, "cpu")  # as export_task: unlabeled first, then D
    task.make_unlabeled(generator)
    offline = task.make_offline(generator)
    codes = (offline.x.long() * LETTERS ** torch.arange(LENGTH - 1, -1, -1)).sum(1)
    assert torch.allclose(truth[codes], offline.y.double(), atol=1e-6), "token order differs"
    best = set(torch.nonzero(truth >= BAR).flatten().tolist())
    above = truth > offline.y.max()
    print(f"D: {len(offline.x)} 8-mers, max {offline.y.max():.3f}; {len(best)} 8-mers >= {BAR}\n")
    print("| features | ridge | test_s | top 128: max / median | hits512 |\n|---|---|---|---|---|")
    for name, features in (("additive", additive), ("neighbour pairs", neighbour_pairs)):
        design = torch.cat([features(offline.x.long()), torch.ones(len(codes), 1)], dim=1)
        for ridge in (1e-3, 10.0):
            gram = design.T @ design + ridge * torch.eye(design.shape[1], dtype=torch.double)
            weights = torch.linalg.solve(gram, design.T @ offline.y.double())
            predicted = torch.cat([features(every), torch.ones(len(every), 1)], dim=1) @ weights
            order = predicted.argsort(descending=True)
            top = truth[order[:128]]
            spearman = torch.corrcoef(torch.stack([ranks(predicted[above]),
                                                   ranks(truth[above])]))[0, 1]  # fmt: skip
            hits = len(best & set(order[:512].tolist()))
            print(f"| {name} | {ridge:g} | {spearman:.3f} | {top.max():.4f} / "
                  f"{top.median():.4f} | {hits} |")


if __name__ == "__main__":
    main()
