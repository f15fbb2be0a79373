"""Does weighting the top of D in the reward fit help the optimiser? (no fine-tuning)

`braid design` fits its reward model by plain squared error: every design in D counts alike,
although the optimiser only ever uses the fit where it leaves the top of D. RewardTrainConfig's
value_tilt weighs each design's squared error by exp(tilt * q), q its value's rank quantile in
D (mean weight 1; tilt 0 is the shipped fit). This measures, for each tilt, the product's
default reward model (both shapes, the one of lower validation error kept; weighted validation
error when tilted) fitted on D as `braid design` reads it:

tfbind8 (every 8-mer scored, as bench/tfbind8_reward_top.py): val_s (Spearman on the held-out
  split), test_s (Spearman with the truth over all 8-mers above D's best), top_max /
  top_median (true max / median of the best 128 8-mers by r_c), hits512 (8-mers >= 0.986
  among the best 512 by r_c).
Ehrlich instances (fresh designs from the task's own chain, as bench/plateau_signal.py):
  val_s, auc_next (fresh designs above D's best ranked over those at it, by r_c),
  pool_median / pool_above (true median / share above D's best of the best 128 by r_c of 512
  fresh designs, mean of 8 draws).

r_c = r_hat - c u at the product's default c and reward kind. The oracle only scores.

    python bench/reward_tilt.py --tasks tfbind8 --tilts 0,1,2,4 --seeds 0,1,2
    python bench/reward_tilt.py --tasks 48:2:20,44:2:176,ehrlich-20-32 --tilts 0,2,4 --seeds 0,1
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from braid_core.defaults import REWARD_KIND, C
from braid_core.rewards import RewardTrainConfig, train_reward
from braid_core.rewards.conservative import conservative_reward, predict_in_chunks
from braid_core.rewards.metrics import spearman
from braid_core.runtime import make_generator
from braid_core.tasks import task_from_spec
from braid_core.tasks.tfbind8 import NUM_DESIGNS, index_tokens

sys.path.insert(0, str(Path(__file__).parent))  # plateau_signal sits beside this script
from plateau_signal import (  # noqa: E402
    DRAWS,
    NUM,
    POOL,
    TIE,
    _as_design_reads,
    auc,
    group_figures,
    pooled,
)

TARGET = 0.986  # tfbind8: the best published design-bench baseline
TFBIND8_KEYS = ("val_s", "test_s", "top_max", "top_median", "hits512")
EHRLICH_KEYS = ("val_s", "auc_next", "pool_median", "pool_above")


def fit(task, seed: int, kind: str, tilt: float):
    """The product's default reward model with `tilt`, fitted on D as `braid design` reads it."""
    x, y, space = _as_design_reads(task)
    config = RewardTrainConfig(kind=kind, seed=seed, value_tilt=tilt)
    model = train_reward((x, y, space), config, device=torch.device("cpu"),
                         generator=make_generator(seed))
    return model, float(y.max())


def heldout_spearman(model) -> float:
    return spearman(model.heldout["predicted_mean"], model.heldout["measured"])


def measure_tfbind8(task, seed: int, kind: str, tilt: float) -> dict[str, float]:
    model, best = fit(task, seed, kind, tilt)
    truth = task.table
    with torch.no_grad():
        pred = predict_in_chunks(model, index_tokens(torch.arange(NUM_DESIGNS)), 4096)
    order = conservative_reward(pred, C).cpu().argsort(descending=True)
    top, above = truth[order[:NUM]], truth > best
    return {"val_s": heldout_spearman(model),
            "test_s": spearman(pred.mean.cpu()[above], truth[above]),
            "top_max": float(top.max()), "top_median": float(top.median()),
            "hits512": float((truth[order[:POOL]] >= TARGET).sum())}


def measure_ehrlich(task, seed: int, kind: str, tilt: float) -> dict[str, float]:
    model, best = fit(task, seed, kind, tilt)
    fresh = task.sample_valid(POOL * DRAWS, make_generator(1000 + seed))
    truth = task.score(fresh).double()
    above, at_best = truth > best + TIE, (truth - best).abs() <= TIE
    with torch.no_grad():
        score = conservative_reward(predict_in_chunks(model, fresh, 4096), C).cpu()
    median, share = group_figures(pooled(truth, score), best)
    return {"val_s": heldout_spearman(model), "auc_next": auc(score[above], score[at_best]),
            "pool_median": median, "pool_above": share}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", default="tfbind8")
    parser.add_argument("--tilts", default="0,1,2,4")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--kind", default=REWARD_KIND)
    args = parser.parse_args()
    torch.set_num_threads(1)
    tilts = [float(t) for t in args.tilts.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"`python {' '.join(sys.argv)}` (c = {C}, {args.kind})\n", flush=True)
    for spec in args.tasks.split(","):
        task = task_from_spec(spec)
        tf8 = spec == "tfbind8"
        measure, keys = ((measure_tfbind8, TFBIND8_KEYS) if tf8
                         else (measure_ehrlich, EHRLICH_KEYS))
        print("| task | tilt | seed | " + " | ".join(keys) + " |\n|"
              + "---|" * (len(keys) + 3), flush=True)
        for tilt in tilts:
            rows = []
            for seed in seeds:
                rows.append(measure(task, seed, args.kind, tilt))
                print(f"| {spec} | {tilt:g} | {seed} | "
                      + " | ".join(f"{rows[-1][k]:.3f}" for k in keys) + " |", flush=True)
            print(f"| {spec} | {tilt:g} | mean | " + " | ".join(
                f"{sum(r[k] for r in rows) / len(rows):.3f}" for k in keys) + " |", flush=True)


if __name__ == "__main__":
    main()
