"""Is BRAID's shortfall on TFBind8 the fine-tuner's or the objective's? (the optimum, exactly)

BRAID's objective has a closed-form optimum (finetune.py, "Units"):
p*(x) proportional to p_pre(x) exp(r_c(x) / (alpha s_y)). On TFBind8 every one of the 65,536
8-mers can be scored by the reward model, and the prior was pre-trained on a uniform sample of
them (tfbind8.NUM_UNLABELED), so with p_pre taken as uniform p* can be written down exactly.
For each seed this script fits the reward model as the benchmark does (reward_bench.build, the
shipped config, Bonus by default), then for each (c, alpha):

* draws the product's pool (4 x 128 = 512 designs) from p* itself and hands over the best 128
  distinct by r_c (selection.top_distinct), as `braid design` would from a perfect fine-tune;
* reports the oracle's median and max of those 128 (``pool_median``, ``pool_max``) and of
  p*'s own draws before selection (``draw_median``);
* and p*'s exact KL to the uniform prior (``kl_nats``) and mean r_c (``mean_r_c``), to set
  beside the fine-tuning rows' ``kl`` (a path KL, an upper bound on the designs' KL) and
  ``reward`` (the training batch's mean r_c).

``alpha 0`` is the limit: the 128 best 8-mers by r_c (what an exact maximiser of r_c would hand
over; tfbind8_reward_top.py's figure). ``prior`` rows draw the pool from p_pre alone (uniform),
to check the uniform stand-in against the benchmark's Pretrained row, which drew from the real
prior. Compare ``pool_median`` at the product's defaults (c 1, alpha 0.1) with BRAID-Bonus's
fine-tuned designs in design_bench_tf8.md: if they agree, the fine-tuning reaches the
objective's optimum and any gap to proxy optimisation is the objective's.

Usage:
    python bench/tfbind8_braid_optimum.py --seeds 0,1,2,3,4,5 \
        --out bench/results/tfbind8_braid_optimum.md
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import torch

from braid_core.defaults import ALPHA, POOL_FACTOR, C
from braid_core.rewards import train_reward
from braid_core.rewards.conservative import conservative_reward, predict_in_chunks
from braid_core.runtime import make_generator
from braid_core.selection import top_distinct
from braid_core.tasks import TFBind8Task
from braid_core.tasks.tfbind8 import NUM_DESIGNS, index_tokens

sys.path.insert(0, str(Path(__file__).parent))  # reward_bench sits beside this script
from reward_bench import CANDIDATES, build  # noqa: E402

NUM = 128
KEYS = ("kl_nats", "mean_r_c", "draw_median", "pool_median", "pool_max", "distinct_in_pool")


def handed_over(pool: torch.Tensor, r_c: torch.Tensor, truth: torch.Tensor,
                probs: torch.Tensor | None) -> dict[str, float]:
    """Oracle figures of the best NUM distinct of a pool of 8-mer indices, by r_c; with p*'s
    probabilities, also its exact KL to the uniform prior and its mean r_c."""
    keep = pool[top_distinct(pool, r_c[pool], NUM)]
    if probs is None:  # the prior itself
        kl, mean_r_c = 0.0, float(r_c.double().mean())
    else:
        kl = float((probs * (probs * NUM_DESIGNS).clamp_min(1e-300).log()).sum())
        mean_r_c = float((probs * r_c.double()).sum())
    return {"kl_nats": kl, "mean_r_c": mean_r_c, "draw_median": float(truth[pool].median()),
            "pool_median": float(truth[keep].median()), "pool_max": float(truth[keep].max()),
            "distinct_in_pool": float(len(torch.unique(pool)))}


def optimum_rows(r_c: torch.Tensor, y_std: float, alphas: list[float], truth: torch.Tensor,
                 generator: torch.Generator) -> dict[str, dict[str, float]]:
    """Per alpha (and 'prior', alpha = inf): figures of a pool drawn from p* and selected."""
    rows = {}
    pool_size = POOL_FACTOR * NUM
    uniform = torch.randint(NUM_DESIGNS, (pool_size,), generator=generator)
    rows["prior"] = handed_over(uniform, r_c, truth, None)
    for alpha in alphas:
        if alpha == 0:
            best = r_c.argsort(descending=True)[:NUM]
            rows["0"] = {"kl_nats": float("nan"), "mean_r_c": float(r_c[best].mean()),
                         "draw_median": float("nan"), "pool_median": float(truth[best].median()),
                         "pool_max": float(truth[best].max()), "distinct_in_pool": float(NUM)}
            continue
        logits = r_c.double() / (alpha * y_std)  # uniform p_pre: a constant, dropped
        probs = torch.softmax(logits, dim=0)
        pool = torch.multinomial(probs, pool_size, replacement=True, generator=generator)
        rows[f"{alpha:g}"] = handed_over(pool, r_c, truth, probs)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--kind", default="bonus", choices=("bonus", "boot"))
    parser.add_argument("--cs", default=f"0,{C:g}")
    parser.add_argument("--alphas", default=f"0.4,0.2,{ALPHA:g},0.05,0.02,0.01,0")
    parser.add_argument("--out", type=Path, help="also write the table (markdown) here")
    args = parser.parse_args()
    torch.set_num_threads(1)
    task = TFBind8Task()
    x, y, _, _ = build(task)
    truth = task.table.float()
    everything = index_tokens(torch.arange(NUM_DESIGNS))
    config = dataclasses.replace(CANDIDATES["default"], kind=args.kind)
    seeds = [int(s) for s in args.seeds.split(",")]
    cs = [float(c) for c in args.cs.split(",")]
    alphas = [float(a) for a in args.alphas.split(",")]
    lines = [f"`python {' '.join(sys.argv)}`", "",
             f"Reward model: {args.kind}, the shipped config, fitted on D (seed 0 export, "
             f"max y {float(y.max()):.3f}); p_pre uniform; pool {POOL_FACTOR * NUM}, best {NUM} "
             "distinct by r_c. Mean over seeds (per-seed values in brackets).", "",
             "| c | alpha | " + " | ".join(KEYS) + " |", "|" + "---|" * (len(KEYS) + 2)]
    per_seed: dict[tuple[float, str], list[dict[str, float]]] = {}
    for seed in seeds:
        model = train_reward((x, y, task.space), dataclasses.replace(config, seed=seed),
                             device=torch.device("cpu"), generator=make_generator(seed))
        with torch.no_grad():
            pred = predict_in_chunks(model, everything, 4096)
        y_std = float(getattr(model, "y_std", 1.0))
        for c in cs:
            rows = optimum_rows(conservative_reward(pred, c), y_std, alphas, truth,
                                make_generator(1000 + seed))
            for alpha, row in rows.items():
                per_seed.setdefault((c, alpha), []).append(row)
        print(f"seed {seed} done (s_y {y_std:.3f})", file=sys.stderr, flush=True)
    for (c, alpha), rows in per_seed.items():
        cells = []
        for key in KEYS:
            values = [r[key] for r in rows]
            mean = sum(values) / len(values)
            detail = " / ".join(f"{v:.3f}" for v in values) if key == "pool_median" else ""
            cells.append(f"{mean:.3f}" + (f" ({detail})" if detail else ""))
        lines.append(f"| {c:g} | {alpha} | " + " | ".join(cells) + " |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text("# The BRAID objective's exact optimum on TFBind8\n\n" + text + "\n")


if __name__ == "__main__":
    main()
