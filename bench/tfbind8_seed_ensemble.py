"""TFBind8: does averaging reward fits of several seeds rank the best 8-mers higher?

One default fit (BRAID-Bonus, `braid design`'s reward model) per seed, on D as `braid task
export tfbind8` builds it; then every 8-mer ranked by r_c = r_hat - c u (c: the default) under
each fit alone and under the mean of groups of fits (r_hat averaged; u the members' mean u,
or that plus the spread of their r_hat). Reported: the true max and median of the best 128,
where the 33 8-mers >= 0.986 rank (the first five and the median), and how many are in the
best 128 and 512. The oracle only scores.

Usage:
    python bench/tfbind8_seed_ensemble.py --seeds 0,1,2,3,4,5 --group 3
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import torch

from braid_core import defaults
from braid_core.rewards import RewardTrainConfig, train_reward
from braid_core.rewards.conservative import predict_in_chunks
from braid_core.runtime import make_generator
from braid_core.tasks import TFBind8Task
from braid_core.tasks.tfbind8 import NUM_DESIGNS, index_tokens

sys.path.insert(0, str(Path(__file__).parent))  # reward_bench sits beside this script
from reward_bench import build  # noqa: E402

TARGET = 0.986  # best published design-bench baseline on TFBind8


def ranking_row(name: str, mean: torch.Tensor, u: torch.Tensor, truth: torch.Tensor) -> str:
    order = (mean - defaults.C * u).argsort(descending=True)
    rank = torch.empty_like(order)
    rank[order] = torch.arange(len(order))
    ranks = sorted(rank[truth >= TARGET].tolist())
    top = truth[order[:128]]
    in_128 = sum(r < 128 for r in ranks)
    in_512 = sum(r < 512 for r in ranks)
    return (f"| {name} | {float(top.max()):.4f} | {float(top.median()):.4f} | "
            f"{', '.join(map(str, ranks[:5]))} | {ranks[len(ranks) // 2]} | {in_128} | {in_512} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="0,1,2,3,4,5")
    parser.add_argument("--group", type=int, default=3, help="fits averaged per group")
    args = parser.parse_args()
    torch.set_num_threads(1)
    task = TFBind8Task()
    x, y, _, _ = build(task)
    everything = index_tokens(torch.arange(NUM_DESIGNS))
    truth = task.table
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"`python {' '.join(sys.argv)}`; c = {defaults.C:g}\n")
    print("| reward model | max of best 128 | median | first ranks of the 8-mers >= "
          f"{TARGET} | their median rank | in best 128 | in best 512 |")
    print("|---|---|---|---|---|---|---|")
    fits = []
    for seed in seeds:
        config = dataclasses.replace(RewardTrainConfig(), kind="bonus", seed=seed)
        model = train_reward((x, y, task.space), config, device=torch.device("cpu"),
                             generator=make_generator(seed))
        with torch.no_grad():
            fits.append(predict_in_chunks(model, everything, 4096))
        print(ranking_row(f"seed {seed}", fits[-1].mean, fits[-1].std, truth), flush=True)
    groups = [seeds[i:i + args.group] for i in range(0, len(seeds) - args.group + 1, args.group)]
    for group in [*groups, seeds] if len(groups) > 1 else groups:
        members = [fits[seeds.index(s)] for s in group]
        means = torch.stack([p.mean for p in members])
        u = torch.stack([p.std for p in members]).mean(0)
        label = f"mean of seeds {','.join(map(str, group))}"
        print(ranking_row(f"{label}, u: mean u", means.mean(0), u, truth))
        print(ranking_row(f"{label}, u: mean u + spread", means.mean(0), u + means.std(0),
                          truth), flush=True)


if __name__ == "__main__":
    main()
