"""Choose one reward shape by validation error, or average both? (no fine-tuning)

`braid design` fits two network shapes (train.py's DILATED_NET and WIDE_NET) and keeps the
one of lower validation error. Sessions 15-16 found that the kept shape decides what the fit
extrapolates to, and that no rule fitted on D picks the right one per instance. This asks
whether averaging the two fits (mean of r_hat, mean of u) hedges that choice. For each task
and seed both shapes are fitted alone on D as `braid design` reads it (the same split: the
split is the generator's first draw), then four scorers are compared:

* dilated, wide: each fit alone; chosen: the one of lower validation RMSE (the product's
  rule); mean: the average of both fits' r_hat and of their u.

Ehrlich instances (fresh designs from the task's own chain, as bench/plateau_signal.py):
  val_s (Spearman on the held-out split), auc_next (fresh designs above D's best ranked over
  those at it, by r_c), pool_median / pool_above (true median / share above D's best of the
  best 128 by r_c of 512 fresh designs, mean of 8 draws).
tfbind8 (every 8-mer scored, as bench/tfbind8_reward_top.py): val_s, top_max / top_median
  (true max / median of the best 128 8-mers by r_c), hits512 (8-mers >= 0.986 among the best
  512 by r_c).

r_c = r_hat - c u at the product's default c. The oracle only scores.

--val-z prints instead whether validation could tell the two fits apart: the ratio of their
held-out MSEs (dilated over wide) and the paired z of their squared held-out errors.

    python bench/shape_ensemble.py --tasks tfbind8 --seeds 0,1,2
    python bench/shape_ensemble.py --tasks 48:2:20,44:2:176 --seeds 0,1,2
    python bench/shape_ensemble.py --tasks 60:4:13,48:2:20 --seeds 0,1,2 --val-z
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from braid_core.defaults import REWARD_KIND, C
from braid_core.rewards import RewardTrainConfig, train_reward
from braid_core.rewards.conservative import Prediction, conservative_reward, predict_in_chunks
from braid_core.rewards.metrics import spearman
from braid_core.rewards.train import DILATED_NET, WIDE_NET
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
SCORERS = ("dilated", "wide", "chosen", "mean")


def fit_both(task, seed: int, kind: str):
    """The two shapes fitted alone on D (as `braid design` reads it), same seed and split."""
    x, y, space = _as_design_reads(task)
    models = {}
    for name, shape in (("dilated", DILATED_NET), ("wide", WIDE_NET)):
        config = RewardTrainConfig(kind=kind, seed=seed, network=shape, alternatives=())
        models[name] = train_reward((x, y, space), config, device=torch.device("cpu"),
                                    generator=make_generator(seed))
    return models, float(y.max())


def kept(models) -> str:
    """The shape the product's rule keeps: the lower validation RMSE."""
    return "dilated" if models["dilated"].metrics["rmse"] <= models["wide"].metrics["rmse"] \
        else "wide"


def predictions(models, x: torch.Tensor) -> dict[str, Prediction]:
    with torch.no_grad():
        preds = {name: predict_in_chunks(model, x, 4096) for name, model in models.items()}
    dilated, wide = preds["dilated"], preds["wide"]
    preds["chosen"] = preds[kept(models)]
    preds["mean"] = Prediction((dilated.mean + wide.mean) / 2, (dilated.std + wide.std) / 2)
    return preds


def heldout_spearman(models) -> dict[str, float]:
    """Spearman on the held-out split (both fits share it) for each scorer."""
    held = {name: model.heldout for name, model in models.items()}
    measured = held["dilated"]["measured"]
    means = {name: h["predicted_mean"] for name, h in held.items()}
    means["chosen"] = means[kept(models)]
    means["mean"] = (means["dilated"] + means["wide"]) / 2
    return {name: spearman(mean, measured) for name, mean in means.items()}


def measure_tfbind8(task, seed: int, kind: str) -> dict[str, dict[str, float]]:
    models, _ = fit_both(task, seed, kind)
    everything = index_tokens(torch.arange(NUM_DESIGNS))
    truth = task.table
    val_s = heldout_spearman(models)
    rows = {}
    for name, pred in predictions(models, everything).items():
        order = conservative_reward(pred, C).cpu().argsort(descending=True)
        top = truth[order[:NUM]]
        rows[name] = {"val_s": val_s[name], "top_max": float(top.max()),
                      "top_median": float(top.median()),
                      "hits512": float((truth[order[:POOL]] >= TARGET).sum())}
    return rows


def measure_ehrlich(task, seed: int, kind: str) -> dict[str, dict[str, float]]:
    models, best = fit_both(task, seed, kind)
    fresh = task.sample_valid(POOL * DRAWS, make_generator(1000 + seed))
    truth = task.score(fresh).double()
    above, at_best = truth > best + TIE, (truth - best).abs() <= TIE
    val_s = heldout_spearman(models)
    rows = {}
    for name, pred in predictions(models, fresh).items():
        score = conservative_reward(pred, C).cpu()
        median, share = group_figures(pooled(truth, score), best)
        rows[name] = {"val_s": val_s[name], "auc_next": auc(score[above], score[at_best]),
                      "pool_median": median, "pool_above": share}
    return rows


def validation_contrast(task, seed: int, kind: str) -> tuple[float, float]:
    """(MSE ratio dilated / wide, paired z of their squared errors) on the shared split."""
    models, _ = fit_both(task, seed, kind)
    dilated, wide = models["dilated"].heldout, models["wide"].heldout
    measured = dilated["measured"]
    err_dilated = (dilated["predicted_mean"] - measured) ** 2
    err_wide = (wide["predicted_mean"] - measured) ** 2
    diff = err_dilated - err_wide
    z = diff.mean() / (diff.std() / len(diff) ** 0.5)
    return float(err_dilated.mean() / err_wide.mean()), float(z)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", default="tfbind8")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--kind", default=REWARD_KIND)
    parser.add_argument("--val-z", action="store_true",
                        help="only the held-out contrast of the two shapes")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.val_z:
        print("| task | seed | mse dilated / wide | paired z |\n|---|---|---|---|")
        for spec in args.tasks.split(","):
            for seed in (int(s) for s in args.seeds.split(",")):
                ratio, z = validation_contrast(task_from_spec(spec), seed, args.kind)
                print(f"| {spec} | {seed} | {ratio:.3f} | {z:+.2f} |", flush=True)
        return
    print(f"`python {' '.join(sys.argv)}` (c = {C}, {args.kind})\n", flush=True)
    for spec in args.tasks.split(","):
        task = task_from_spec(spec)
        tf8 = spec == "tfbind8"
        measure = measure_tfbind8 if tf8 else measure_ehrlich
        keys = (("val_s", "top_max", "top_median", "hits512") if tf8
                else ("val_s", "auc_next", "pool_median", "pool_above"))
        print("| task | seed | scorer | " + " | ".join(keys) + " |\n|"
              + "---|" * (len(keys) + 3), flush=True)
        for seed in (int(s) for s in args.seeds.split(",")):
            rows = measure(task, seed, args.kind)
            for name in SCORERS:
                print(f"| {spec} | {seed} | {name} | "
                      + " | ".join(f"{rows[name][k]:.3f}" for k in keys) + " |", flush=True)


if __name__ == "__main__":
    main()
