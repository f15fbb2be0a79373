"""How far can a reward model's own optimum go on TFBind8? (every 8-mer can be scored)

For each candidate reward config (bench/reward_bench.py's CANDIDATES) and seed, a model is
fitted on D as `braid task export` builds it, all 65,536 8-mers are ranked by the conservative
reward r_c = r_hat - c u, and the oracle scores the top of that ranking. A sampler that
optimised r_c perfectly and handed over its top 128 would score this; it bounds what
fine-tuning plus pool selection can reach with that model. Reported per candidate and seed,
then their mean:

* c0_max / c0_median (c1_...): true score of the 128 best 8-mers by r_c, c = 0 (c = 1);
* c0_hits512 (c1_...): how many of the 33 8-mers scoring >= 0.986 are among the best 512;
* val_s: Spearman on train_reward's held-out split of D;
* test_s: Spearman of r_hat with the true score over all 8-mers above max(D);
* sec: wall time of the fit (1 thread).

With --ranks, also where each fit ranks the 8-mers >= TARGET (by r_c at c = 0.5, the default)
and what its own top 8-mers are, to see how far the fit is from the target, not only whether.

Usage:
    python bench/tfbind8_reward_top.py --candidates default,default_long --seeds 0,1,2
    python bench/tfbind8_reward_top.py --seeds 0,1,2 --ranks
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import torch

from braid_core.rewards import train_reward
from braid_core.rewards.conservative import conservative_reward, predict_in_chunks
from braid_core.rewards.metrics import spearman
from braid_core.runtime import make_generator
from braid_core.tasks import TFBind8Task
from braid_core.tasks.tfbind8 import NUM_DESIGNS, index_tokens

sys.path.insert(0, str(Path(__file__).parent))  # reward_bench sits beside this script
from reward_bench import CANDIDATES, build  # noqa: E402

TARGET = 0.986  # best published design-bench baseline on TFBind8


def show_ranks(pred, truth, seed: int) -> None:
    """Ranks (from 0) of the 8-mers >= TARGET by r_c at the default c, and the fit's top 8."""
    from braid_core import defaults

    order = conservative_reward(pred, defaults.C).argsort(descending=True)
    rank = torch.empty_like(order)
    rank[order] = torch.arange(len(order))
    hits = (truth >= TARGET).nonzero().squeeze(1)
    letters = "ACGT"

    def word(i: int) -> str:
        return "".join(letters[t] for t in index_tokens(torch.tensor([i]))[0].tolist())

    ranks = sorted(rank[hits].tolist())
    print(f"seed {seed}: the {len(ranks)} 8-mers >= {TARGET} rank {ranks} by r_c "
          f"(c = {defaults.C:g}); median rank {ranks[len(ranks) // 2]}")
    print(f"seed {seed}: the fit's top 8 (true score): "
          + ", ".join(f"{word(i)} ({truth[i]:.3f})" for i in order[:8].tolist()), flush=True)


def measure(config, data, task: TFBind8Task, seed: int, ranks: bool = False
            ) -> dict[str, float]:  # fmt: skip
    x, y, _, _ = data
    start = time.perf_counter()
    model = train_reward((x, y, task.space), dataclasses.replace(config, seed=seed),
                         device=torch.device("cpu"), generator=make_generator(seed))
    seconds = time.perf_counter() - start
    everything = index_tokens(torch.arange(NUM_DESIGNS))
    truth = task.table
    with torch.no_grad():
        pred = predict_in_chunks(model, everything, 4096)
    if ranks:
        show_ranks(pred, truth, seed)
    row = {"sec": seconds, "val_s": model.metrics["spearman"]}
    above = truth > y.max()
    row["test_s"] = spearman(pred.mean[above], truth[above])
    for c in (0.0, 1.0):
        order = conservative_reward(pred, c).argsort(descending=True)
        top = truth[order[:128]]
        row[f"c{c:g}_max"] = float(top.max())
        row[f"c{c:g}_median"] = float(top.median())
        row[f"c{c:g}_hits512"] = float((truth[order[:512]] >= TARGET).sum())
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", default="default")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--kind", default="bonus")
    parser.add_argument("--ranks", action="store_true",
                        help="also print where the 8-mers >= TARGET rank, per fit")
    args = parser.parse_args()
    torch.set_num_threads(1)
    task = TFBind8Task()
    data = build(task)
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"`python {' '.join(sys.argv)}`; {int((task.table >= TARGET).sum())} 8-mers score "
          f">= {TARGET}\n")
    keys = ("val_s", "test_s", "c0_max", "c0_median", "c0_hits512", "c1_max", "c1_median",
            "c1_hits512", "sec")
    print("| cand | seed | " + " | ".join(keys) + " |\n|" + "---|" * (len(keys) + 2))
    for cand in args.candidates.split(","):
        config = dataclasses.replace(CANDIDATES[cand], kind=args.kind)
        rows = []
        for seed in seeds:
            rows.append(measure(config, data, task, seed, args.ranks))
            print(f"| {cand} | {seed} | " + " | ".join(f"{rows[-1][k]:.3f}" for k in keys)
                  + " |", flush=True)
        print(f"| {cand} | mean | " + " | ".join(
            f"{sum(r[k] for r in rows) / len(rows):.3f}" for k in keys) + " |", flush=True)


if __name__ == "__main__":
    main()
