"""Reward-model quality on Ehrlich instances and TFBind8: candidates side by side.

For each task, D is built as `braid task export` does (generator seed 0: unlabeled first,
then the offline set), and a reward model is fitted with each candidate config. Reported:

* val_p / val_s: Pearson / Spearman on train_reward's own held-out split of D;
* test_p / test_s: the same on fresh valid designs scored by the oracle (Ehrlich: new chain
  samples, not filtered, so the top 10 % that D lacks are in; TFBind8: uniform 8-mers, half
  of them above max(D)). The oracle is used for evaluation only;
* u_err_s: Spearman of u with |error| on that test set (> 0: u ranks errors);
* u_hi/lo: mean u on test designs above max(D) over mean u on those within D's range;
* sec: wall time of one fit (1 thread), steps: optimizer steps over all heads.

Usage:
    python bench/reward_bench.py [--tasks e32,e64,e48] [--candidates base,dil] [--seeds 0]
Writes bench/results/reward_bench.md with the command line.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import torch

from braid_core.rewards import RewardNetConfig, RewardTrainConfig, train_reward
from braid_core.rewards.metrics import pearson, spearman
from braid_core.runtime import make_generator
from braid_core.tasks import TFBind8Task, ehrlich_instance

NUM_TEST = 2000
LEGACY_NET = RewardNetConfig(width=64, conv_layers=2, kernel_size=5, feature_dim=32)
LEGACY = RewardTrainConfig(network=LEGACY_NET, alternatives=())  # one shape per candidate


def _net(**changes) -> RewardNetConfig:
    return dataclasses.replace(LEGACY_NET, **changes)


def _cfg(net: RewardNetConfig | None = None, **changes) -> RewardTrainConfig:
    return dataclasses.replace(LEGACY, network=net or LEGACY_NET, **changes)


DIL = dict(conv_layers=3, dilation_growth=2)
CANDIDATES = {
    "legacy": LEGACY,
    "default": RewardTrainConfig(),  # whatever train.py ships now (shape chosen by validation)
    # Session 14: the shipped pair of shapes trained longer, or with the position branch.
    "default_long": RewardTrainConfig(max_steps=8000, patience=20),
    "default_pos": RewardTrainConfig(
        network=dataclasses.replace(RewardTrainConfig().network, position_branch=True),
        alternatives=tuple(dataclasses.replace(shape, position_branch=True)
                           for shape in RewardTrainConfig().alternatives)),
    "lr3e-4": _cfg(lr=3e-4),
    "wd1e-2": _cfg(weight_decay=1e-2),
    "drop0.2": _cfg(_net(dropout=0.2)),
    "nopos": _cfg(_net(position_branch=False)),
    "maxpool": _cfg(_net(position_branch=False, pooling="max")),
    "k9": _cfg(_net(kernel_size=9)),
    "dil3": _cfg(_net(**DIL)),
    "dil3_nopos": _cfg(_net(**DIL, position_branch=False)),
    "dil3_w128": _cfg(_net(**DIL, width=128)),
    "dil4_nopos": _cfg(_net(conv_layers=4, dilation_growth=2, position_branch=False)),
    "dil3_nopos_lr3e-4": _cfg(_net(**DIL, position_branch=False), lr=3e-4),
    "dil3_drop": _cfg(_net(**DIL, dropout=0.2)),
    "dil3_k3": _cfg(_net(conv_layers=4, dilation_growth=2, kernel_size=3)),
    "dil3_bs256": _cfg(_net(**DIL), batch_size=256),
    "dil3_pat20": _cfg(_net(**DIL), patience=20),
    "dil3_nopos_max": _cfg(_net(**DIL, position_branch=False, pooling="max")),
    "dil3_nopos_drop": _cfg(_net(**DIL, position_branch=False, dropout=0.1)),
    "dil3_nopos_wd": _cfg(_net(**DIL, position_branch=False), weight_decay=1e-2),
    # Session 11: one wide conv layer spans a whole spaced motif (Ehrlich: up to ~16 letters),
    # so a feature can count a motif's letters at its offsets before the max over positions.
    "k17_max": _cfg(_net(conv_layers=1, kernel_size=17, position_branch=False, pooling="max")),
    "k17x2_max": _cfg(_net(conv_layers=2, kernel_size=17, position_branch=False,
                           pooling="max")),
    "k9d2_max": _cfg(_net(conv_layers=2, kernel_size=9, dilation_growth=2,
                          position_branch=False, pooling="max")),
    "dil3_max_w128": _cfg(_net(**DIL, width=128, position_branch=False, pooling="max")),
    "k17x2_max_pat40": _cfg(_net(conv_layers=2, kernel_size=17, position_branch=False,
                                 pooling="max"), patience=40),
    "k9x3_max": _cfg(_net(conv_layers=3, kernel_size=9, position_branch=False, pooling="max")),
    "k17x3_max": _cfg(_net(conv_layers=3, kernel_size=17, position_branch=False,
                           pooling="max")),
    "dil3_max_pat40": _cfg(_net(**DIL, position_branch=False, pooling="max"), patience=40),
    "k17x2_mm": _cfg(_net(conv_layers=2, kernel_size=17, position_branch=False)),
    "k17x2_max_drop": _cfg(_net(conv_layers=2, kernel_size=17, position_branch=False,
                                pooling="max", dropout=0.2)),
    "k17x2_max_wd": _cfg(_net(conv_layers=2, kernel_size=17, position_branch=False,
                              pooling="max"), weight_decay=1e-2),
    "k17x2_max_w32": _cfg(_net(conv_layers=2, kernel_size=17, width=32, position_branch=False,
                               pooling="max")),
    "k17_max_w128": _cfg(_net(conv_layers=1, kernel_size=17, width=128, position_branch=False,
                              pooling="max")),
}


def ehrlich_tasks() -> dict:
    return {
        "e32": lambda: ehrlich_instance(32, 2, seed=0),
        "e64": lambda: ehrlich_instance(64, 4, seed=0),
        "e48": lambda: ehrlich_instance(48, 3, seed=5),
        "e40": lambda: ehrlich_instance(40, 2, seed=3),
        "e56": lambda: ehrlich_instance(56, 4, seed=11),
        "tf8": TFBind8Task,
    }


def build(task) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(x_D, y_D, x_test, y_test) as `braid task export` (seed 0) and fresh oracle draws."""
    g = make_generator(0)
    task.make_unlabeled(g)
    offline = task.make_offline(g)
    x_test = task.sample_valid(NUM_TEST, make_generator(12345))
    return offline.x, offline.y.float(), x_test, task.score(x_test).float()


def evaluate(name: str, config: RewardTrainConfig, data, space, seed: int) -> dict:
    x, y, x_test, y_test = data
    start = time.perf_counter()
    model = train_reward((x, y, space), dataclasses.replace(config, seed=seed),
                         device=torch.device("cpu"), generator=make_generator(seed))
    seconds = time.perf_counter() - start
    with torch.no_grad():
        pred = model.predict(x_test)
    error = (pred.mean.double() - y_test.double()).abs()
    high = y_test > y.max()
    ratio = float(pred.std[high].mean() / pred.std[~high].mean()) if high.any() else float("nan")
    m = model.metrics
    return {"cand": name, "val_p": m["pearson"], "val_s": m["spearman"],
            "test_p": pearson(pred.mean, y_test), "test_s": spearman(pred.mean, y_test),
            "u_err_s": spearman(error, pred.std.double()), "u_hi/lo": ratio,
            "sec": seconds, "steps": m["steps"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", default="e32,e64,e48,tf8")
    parser.add_argument("--candidates", default="legacy,default")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--kind", default=None, help="override kind (boot/bonus)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results/reward_bench.md"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    tasks = ehrlich_tasks()
    seeds = [int(s) for s in args.seeds.split(",")]
    lines = [f"`python {' '.join(sys.argv)}`", "",
             "| task | cand | kind | val_p | val_s | test_p | test_s | u_err_s | u_hi/lo | sec "
             "| steps |", "|" + "---|" * 11]
    for task_name in args.tasks.split(","):
        task = tasks[task_name]()
        data = build(task)
        for cand in args.candidates.split(","):
            config = CANDIDATES[cand]
            if args.kind:
                config = dataclasses.replace(config, kind=args.kind)
            rows = [evaluate(cand, config, data, task.space, s) for s in seeds]
            avg = {k: sum(r[k] for r in rows) / len(rows) for k in rows[0] if k != "cand"}
            scores = " | ".join(f"{avg[k]:.3f}" for k in (
                "val_p", "val_s", "test_p", "test_s", "u_err_s", "u_hi/lo"))
            line = (f"| {task_name} | {cand} | {config.kind} | {scores} | {avg['sec']:.1f} "
                    f"| {avg['steps']:.0f} |")
            print(line, flush=True)
            lines.append(line)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
