"""Does D say how to beat its best design? The reward model's signal above D's best level.

`braid design` misses "median above the best of D" on Ehrlich instances whose D piles up at its
best value (issue 3). This asks whether any method driven by D could do better there, without
fine-tuning: for each instance, D is built as `braid task export` does (seed 0), a reward
model is fitted with the product's defaults, and fresh designs from the task's own chain (what
the pre-trained prior imitates) are scored by the oracle and by the model. Reported:

* shape: the network shape the fit kept (0: dilated, 1: wide; train.py's order; 0 with --shape);
* d_best / d_at_best: D's best value and the share of D's rows at exactly that value;
* fresh_above: share of fresh designs above D's best (what plain sampling gets);
* auc_next: P(r_c(a) > r_c(b)) for a fresh design a above D's best and one b at D's best
  (0.5: the model cannot tell the next level from the plateau; 1: it always can), c = 1;
* first_median / pool_median (and _above): true median (share above D's best) of the first 128
  fresh designs, and of the best 128 by r_c of 512, averaged over 8 draws: what pool
  selection by this model buys on top of the prior;
* with --leave-top-out, auc_top: the same question one level down, answerable on D itself. A
  second model (same settings) is fitted on D without its top (rows at or above D's 90th
  percentile), then P(r_hat(a) > r_hat(b)) for a in D's top and b in that fit's own held-out
  rows. Empty (nan) where the top holds over half of D: too little is left below it.

--shape fits one named network shape alone instead of the product's choice by validation
error (SHAPES: the two the product fits, and each with mean+max pooling).

The oracle only scores; it never feeds back.

    python bench/plateau_signal.py --instances 48:2:20,44:2:176,56:3:23 --seeds 0,1
    python bench/plateau_signal.py --instances 48:2:20 --seeds 0,1,2,3 --kind boot
    python bench/plateau_signal.py --instances 48:2:20 --seeds 0,1,2 --as-design
    python bench/plateau_signal.py --instances 48:2:20 --seeds 0,1,2 --as-design --device cuda
    python bench/plateau_signal.py --instances 48:2:20 --reward KEPT_RUN/reward
    python bench/plateau_signal.py --instances 44:2:176 --as-design --shape wide_mm --leave-top-out
    python bench/plateau_signal.py --instances 44:2:176 --as-design --select-c 0,-1,-3
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import warnings
from pathlib import Path

import torch

from braid_core.data import DataWarning, read_designs
from braid_core.defaults import REWARD_KIND, C
from braid_core.rewards import RewardTrainConfig, load_reward, train_reward
from braid_core.rewards.conservative import conservative_reward, predict_in_chunks
from braid_core.rewards.train import DILATED_NET, WIDE_NET
from braid_core.runtime import make_generator, resolve_device
from braid_core.spaces import Space
from braid_core.tasks import task_from_spec

NUM = 128
POOL = 512
DRAWS = 8
TOP_QUANTILE = 0.9  # --leave-top-out: D's top is its rows at or above this quantile
SHAPES = {"dilated": DILATED_NET, "wide": WIDE_NET,
          "dilated_mm": dataclasses.replace(DILATED_NET, pooling="mean_max"),
          "wide_mm": dataclasses.replace(WIDE_NET, pooling="mean_max")}
TIE = 1e-9  # Ehrlich scores are products of quarters; closer than this is the same level


def auc(positive: torch.Tensor, negative: torch.Tensor) -> float:
    """P(positive > negative) + 0.5 P(tie), over all pairs."""
    if len(positive) == 0 or len(negative) == 0:
        return float("nan")
    diff = positive[:, None] - negative[None, :]
    return float((diff > 0).double().mean() + 0.5 * (diff == 0).double().mean())


def pooled(truth: torch.Tensor, score: torch.Tensor) -> list[torch.Tensor]:
    """For each of the DRAWS draws of POOL designs: the true scores of its best NUM by score."""
    return [truth[d * POOL:(d + 1) * POOL][score[d * POOL:(d + 1) * POOL]
                                           .argsort(descending=True)[:NUM]]
            for d in range(DRAWS)]


def group_figures(groups: list[torch.Tensor], best: float) -> tuple[float, float]:
    """(median, share above D's best) of the true scores of each group, means over groups."""
    median = float(torch.stack([g.median() for g in groups]).mean())
    above = float(torch.stack([(g > best + TIE).double().mean() for g in groups]).mean())
    return median, above


def _as_design_reads(task) -> tuple[torch.Tensor, torch.Tensor, Space]:
    """D as `braid design` reads the exported file (repeated designs merged): (x, y, space)."""
    with tempfile.TemporaryDirectory() as folder:
        _, offline_csv = task.export(Path(folder), seed=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            data = read_designs(offline_csv)
    return data.x, data.y, data.space


def log_target(y: torch.Tensor) -> torch.Tensor:
    """log(y - min(y) + eps), eps half the smallest step above the minimum: products of
    per-motif factors become sums (a trial; the product fits y itself)."""
    shifted = (y - y.min()).double()
    eps = shifted[shifted > 0].min() / 2
    return torch.log(shifted + eps).to(y.dtype)


TARGETS = {"value": lambda y: y, "log": log_target}


def reward_config(kind: str, seed: int, shape: str | None) -> RewardTrainConfig:
    """The product's settings; with `shape`, that network alone instead of the choice."""
    if shape is None:
        return RewardTrainConfig(kind=kind, seed=seed)
    return RewardTrainConfig(kind=kind, seed=seed, network=SHAPES[shape], alternatives=())


def leave_top_out(x: torch.Tensor, y: torch.Tensor, space: Space, config: RewardTrainConfig,
                  device: torch.device) -> float:
    """auc_top: a fit on D below its top ranks D's top over the fit's held-out rows."""
    top = y >= torch.quantile(y.double(), TOP_QUANTILE).to(y.dtype)  # y as fitted (log is monotone)
    if top.double().mean() > 0.5:
        return float("nan")
    model = train_reward((x[~top], y[~top], space), config, device=device,
                         generator=make_generator(config.seed, device))
    with torch.no_grad():
        top_mean = predict_in_chunks(model, x[top].to(device)).mean.double().cpu()
    return auc(top_mean, model.heldout["predicted_mean"])


def measure(spec: str, seed: int, kind: str = REWARD_KIND, as_design: bool = False,
            device: torch.device | None = None, reward: str | None = None,
            shape: str | None = None, top_out: bool = False,
            target: str = "value", select_c: tuple[float, ...] = ()) -> dict[str, float]:
    device = device or torch.device("cpu")
    config = reward_config(kind, seed, shape)
    task = task_from_spec(spec)
    generator = make_generator(0)  # as `braid task export --seed 0`
    task.make_unlabeled(generator)
    offline = task.make_offline(generator)
    best = float(offline.y.max())
    fit_on = None
    if reward is not None:  # a saved model (a kept `braid design` run's reward folder)
        model = load_reward(reward, device)
    else:  # as `braid design` fits it: the generator on the fitting device
        x, y, space = (_as_design_reads(task) if as_design
                       else (offline.x, offline.y.float(), task.space))
        fit_on = (x, TARGETS[target](y), space)
        model = train_reward(fit_on, config, device=device,
                             generator=make_generator(seed, device))
    fresh = task.sample_valid(POOL * DRAWS, make_generator(1000 + seed))
    truth = task.score(fresh).double()
    with torch.no_grad():
        pred = predict_in_chunks(model, fresh)
    score = conservative_reward(pred, C).cpu()
    above, at_best = truth > best + TIE, (truth - best).abs() <= TIE
    row = {"shape": model.metrics["network_choice"], "d_best": best,
           "d_at_best": float(((offline.y - best).abs() <= TIE).double().mean()),
           "fresh_above": float(above.double().mean()),
           "auc_next": auc(score[above], score[at_best])}
    if top_out and fit_on is not None:
        row["auc_top"] = leave_top_out(*fit_on, config, device)
    first = [truth[d * POOL:d * POOL + NUM] for d in range(DRAWS)]
    for name, groups in (("first", first), ("pool", pooled(truth, score))):
        row[f"{name}_median"], row[f"{name}_above"] = group_figures(groups, best)
    for c in select_c:  # the pool chosen by r_hat - c u instead (c < 0: optimism)
        other = (pred.mean - c * pred.std).cpu()
        _, row[f"above_c{c:g}"] = group_figures(pooled(truth, other), best)
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", default="48:2:20,44:2:176,56:3:23")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--kind", default=REWARD_KIND, help="reward model: bonus or boot")
    parser.add_argument("--as-design", action="store_true",
                        help="fit on D as `braid design` reads the exported file (repeated "
                        "designs merged), not on the task's tensors")
    parser.add_argument("--device", default="cpu", help="where the reward models are fitted")
    parser.add_argument("--reward", default=None, metavar="DIR",
                        help="score with this saved reward model instead of fitting one "
                        "(one instance; --seeds then only picks the fresh samples)")
    parser.add_argument("--shape", default=None, choices=sorted(SHAPES),
                        help="fit this network shape alone (default: the product's choice)")
    parser.add_argument("--leave-top-out", action="store_true",
                        help="add auc_top: D's top ranked by a fit on the rest of D")
    parser.add_argument("--target", default="value", choices=sorted(TARGETS),
                        help="what the reward model fits: the values, or their shifted log")
    parser.add_argument("--select-c", default="",
                        help="comma list of c: also the share above D's best of the best 128 "
                        "by r_hat - c u (columns above_cC; c < 0 prefers uncertain designs)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    select_c = tuple(float(c) for c in args.select_c.split(",") if c)
    device = resolve_device(args.device)
    keys = ("shape", "d_best", "d_at_best", "fresh_above", "auc_next", "first_median",
            "first_above", "pool_median", "pool_above")
    if args.leave_top_out:
        keys += ("auc_top",)
    keys += tuple(f"above_c{c:g}" for c in select_c)
    print(f"`python {' '.join(sys.argv)}`\n")
    print("| instance | seed | " + " | ".join(keys) + " |\n|" + "---|" * (len(keys) + 2))
    for spec in args.instances.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            row = measure(spec, seed, args.kind, args.as_design, device, args.reward,
                          args.shape, args.leave_top_out, args.target, select_c)
            print(f"| {spec} | {seed} | " + " | ".join(f"{row[k]:.3f}" for k in keys) + " |",
                  flush=True)


if __name__ == "__main__":
    main()
