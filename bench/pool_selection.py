"""The designs handed over: the first 128 a fine-tuned model draws against the best 128 by
conservative score of a larger pool (the choice behind defaults.POOL_FACTOR, issue 3).

Fine-tunes as `defaults_sweep.py` does (same work folder, prior and cached reward model; the
defaults unless --alpha), draws 1024 designs, scores them with the reward model (the choice)
and the oracle (the figures), and prints one SEL line (JSON) per way of choosing: the first
128, the top 128 by r_c of the first 256 / 512 / 1024, and the top 128 distinct of 1024.

    python bench/pool_selection.py ehrlich-20-64 0 --work scratch/s12/work
    python bench/pool_selection.py 56:3:23 1 --prior DIR --work scratch/s12/work
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import defaults_sweep
import torch

from braid_core.data import read_designs
from braid_core.defaults import POOL_FACTOR
from braid_core.evaluate import design_table, summarize
from braid_core.finetune import FinetuneConfig, finetune
from braid_core.runtime import make_generator, set_cpu_threads
from braid_core.selection import top_distinct

FIGURES = ("validity", "true_score_median", "true_score_max", "fraction_above_offline_best",
           "diversity", "unique_fraction")
NUM = 128


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", help="a task name or length:motifs:seed")
    parser.add_argument("seed", type=int)
    parser.add_argument("--prior", type=Path, default=None)
    parser.add_argument("--alpha", type=float, default=None)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--work", type=Path, default=Path("bench-work"))
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    set_cpu_threads(args.threads)
    setup = defaults_sweep.prepare(argparse.Namespace(
        task=args.task, kind="bonus", seed=args.seed, prior=args.prior, reward=None,
        work=args.work))
    overrides = {"steps": 5000, "max_minutes": args.minutes, "probe_every": 0}
    if args.alpha is not None:
        overrides["alpha"] = args.alpha
    cfg = FinetuneConfig(**overrides)
    tuned = finetune(setup.prior, setup.reward, cfg, generator=make_generator(args.seed))
    offline = read_designs(setup.offline_csv)
    start = time.time()
    pool = tuned.sample(8 * NUM, generator=make_generator(args.seed + 1))
    print(f"drew {len(pool)} designs in {time.time() - start:.1f} s", flush=True)
    table = design_table(pool, setup.prior.space, reward=setup.reward, c=cfg.c,
                         offline_x=offline.x, task=setup.task)
    score = torch.from_numpy(table["conservative_score"].to_numpy(copy=True))

    def report(index: torch.Tensor, name: str) -> None:
        chosen = table.iloc[index.numpy()].reset_index(drop=True)
        summary = summarize(chosen, pool[index], setup.prior.space, offline_y=offline.y)
        print("SEL", json.dumps({"inst": args.task, "seed": args.seed, "alpha": cfg.alpha,
                                 "pick": name, **{k: round(summary[k], 4) for k in FIGURES}}),
              flush=True)

    report(torch.arange(NUM), f"first {NUM}")
    for size in (2 * NUM, 4 * NUM, 8 * NUM):
        report(torch.argsort(score[:size], descending=True)[:NUM], f"top {NUM} of {size}")
    report(top_distinct(pool, score, NUM), f"top {NUM} distinct of {8 * NUM}")
    default_pool = POOL_FACTOR * NUM
    report(top_distinct(pool[:default_pool], score[:default_pool], NUM),
           f"top {NUM} distinct of {default_pool} (the default)")
    for as_drawn in (16, 32):
        report(_mixed(pool[:default_pool], score[:default_pool], NUM, as_drawn),
               f"top {NUM - as_drawn} distinct of {default_pool} + {as_drawn} distinct as drawn")
    valid = torch.from_numpy(table["valid"].to_numpy(copy=True)).float()
    top_quarter = torch.argsort(score, descending=True)[:len(pool) // 4]
    print(f"pool validity {valid.mean():.4f}, "
          f"its top quarter by r_c {valid[top_quarter].mean():.4f}")


def _mixed(pool: torch.Tensor, score: torch.Tensor, num: int, as_drawn: int) -> torch.Tensor:
    """The best `num - as_drawn` distinct designs by score, then the first `as_drawn`
    distinct designs in draw order that are not among them (the session-21 lead: a fit
    that misranks the best designs loses them to choosing by score)."""
    chosen = top_distinct(pool, score, num - as_drawn).tolist()
    taken = {pool[i].numpy().tobytes() for i in chosen}
    for index in range(len(pool)):
        key = pool[index].numpy().tobytes()
        if len(chosen) == num:
            break
        if key not in taken:
            chosen.append(index)
            taken.add(key)
    return torch.tensor(chosen)


if __name__ == "__main__":
    main()
