"""Would a design-bench-style MLP on one-hot 8-mers rank TFBind8's best 8-mers higher?

design-bench's gradient-ascent baselines (the best of them scored 0.986 on the 100th
percentile) optimise fully connected nets on one-hot inputs, not convolutions. This fits such a
net (two hidden ReLU layers, Adam 1e-3, batch 128, the epoch of least error on a tenth of D held
out) on D as `braid task export tfbind8` builds it, ranks all 65,536 8-mers by its prediction,
and prints, per seed and for the mean of the seeds' fits: the true max and median of its best
128, how many of the 33 8-mers >= 0.986 are in its best 128 and 512, and where the first of
them rank (compare bench/results/reward_bench.md, sessions 14-31, for the conv nets).

Usage:
    python bench/tfbind8_mlp_fit.py --hidden 2048 --epochs 30 --seeds 0,1,2,3,4,5
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch import Tensor, nn

from braid_core.tasks import TFBind8Task
from braid_core.tasks.tfbind8 import NUM_DESIGNS, index_tokens

sys.path.insert(0, str(Path(__file__).parent))  # reward_bench sits beside this script
from reward_bench import build  # noqa: E402

TARGET = 0.986  # best published design-bench baseline on TFBind8


def one_hot(tokens: Tensor) -> Tensor:
    """(n, 8) tokens -> (n, 32) flat one-hot."""
    return nn.functional.one_hot(tokens, 4).float().flatten(1)


def fit_mlp(x: Tensor, y: Tensor, hidden: int, epochs: int, seed: int) -> tuple[nn.Module, float]:
    """The net of least held-out error over `epochs`, and that error (standardised y units)."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # the layers' initial weights
    perm = torch.randperm(len(x), generator=generator)
    held_out, fit = perm[: len(x) // 10], perm[len(x) // 10:]
    net = nn.Sequential(nn.Linear(x.shape[1], hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                        nn.ReLU(), nn.Linear(hidden, 1))
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    best, kept = float("inf"), None
    for _ in range(epochs):
        order = fit[torch.randperm(len(fit), generator=generator)]
        for start in range(0, len(order), 128):
            batch = order[start:start + 128]
            loss = ((net(x[batch]).squeeze(1) - y[batch]) ** 2).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            error = ((net(x[held_out]).squeeze(1) - y[held_out]) ** 2).mean().item()
        if error < best:
            best, kept = error, {k: t.clone() for k, t in net.state_dict().items()}
    net.load_state_dict(kept)
    return net, best


def describe(prediction: Tensor, truth: Tensor) -> str:
    order = prediction.argsort(descending=True)
    rank = torch.empty_like(order)
    rank[order] = torch.arange(len(order))
    hits = truth >= TARGET
    top = truth[order[:128]]
    first = ", ".join(str(r) for r in sorted(rank[hits].tolist())[:5])
    return (f"{top.max():.4f} | {top.median():.4f} | {int(hits[order[:128]].sum())} | "
            f"{int(hits[order[:512]].sum())} | {first}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hidden", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", default="0,1,2,3,4,5")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    task = TFBind8Task()
    x, y, _, _ = build(task)
    inputs, targets = one_hot(x), ((y - y.mean()) / y.std()).float()
    every = one_hot(index_tokens(torch.arange(NUM_DESIGNS)))
    print(f"`python {' '.join(sys.argv)}`\n")
    print("| fit | held-out MSE | max of best 128 | median | >= 0.986 in best 128 | in best 512 "
          "| first ranks | sec |\n|---|---|---|---|---|---|---|---|")
    predictions = []
    for seed in (int(s) for s in args.seeds.split(",")):
        start = time.perf_counter()
        net, error = fit_mlp(inputs, targets, args.hidden, args.epochs, seed)
        with torch.no_grad():
            predictions.append(net(every).squeeze(1))
        print(f"| seed {seed} | {error:.3f} | {describe(predictions[-1], task.table)} | "
              f"{time.perf_counter() - start:.0f} |", flush=True)
    print(f"| mean of the seeds' fits | | {describe(torch.stack(predictions).mean(0), task.table)}"
          " | |")


if __name__ == "__main__":
    main()
