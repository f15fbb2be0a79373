"""Does weighing replicated measurements help the reward fit? (RewardTrainConfig.count_weighting)

D is built as `braid task export` builds it (reward_bench.build). Each design gets a number of
measurements n (1 with probability 0.6, 2: 0.2, 4: 0.1, 8: 0.1) and the mean of n noisy ones:
y = f(x) + noise_sd * e / sqrt(n), noise_sd = NOISE x the standard deviation of f over D. The
reward model (the shipped kind and shapes) is fitted on (x, y, n) with each weighting, and
scored on fresh designs against their true values f (reward_bench's test set):

* test_s / test_p: Spearman / Pearson of the predicted mean with f on the test designs;
* top_s: Spearman among the test designs above D's median f (where the optimiser goes);
* tau2 / sigma2: the final model's held-out errors split into misfit and one measurement's
  noise (metrics misfit_variance, noise_variance), over the true noise_sd^2 (sigma2 should
  read near 1);
* shape: the sequence net kept by validation error (0 dilated, 1 wide; rows only);
* sec: wall time of the fit (one thread).

Usage:
    python bench/count_weights.py --tasks e32,tf8 --noise 0,0.5,1,2 --seeds 0,1,2 --tag T
Writes bench/results/<tag>.md and .json; prints one row per fit as it goes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch
from reward_bench import build, ehrlich_tasks  # bench/ is on the path when run as a script

from braid_core.data import OfflineData
from braid_core.defaults import REWARD_KIND, REWARD_NETWORK
from braid_core.rewards import RewardTrainConfig, train_reward
from braid_core.rewards.metrics import pearson, spearman
from braid_core.rewards.replicates import COUNT_WEIGHTINGS
from braid_core.rewards.train import network_settings
from braid_core.runtime import make_generator, set_cpu_threads

RESULTS = Path(__file__).resolve().parent / "results"
COUNTS = np.array([1, 2, 4, 8])
COUNT_SHARES = np.array([0.6, 0.2, 0.1, 0.1])


def noisy_data(x: torch.Tensor, f: torch.Tensor, space, noise: float, seed: int) -> OfflineData:
    """D with n measurements per design and their noisy mean (numpy generator from `seed`)."""
    rng = np.random.default_rng(seed)
    counts = rng.choice(COUNTS, size=len(f), p=COUNT_SHARES).astype(np.float64)
    sd = noise * float(f.double().std())
    y = f.double().numpy() + sd * rng.standard_normal(len(f)) / np.sqrt(counts)
    data = OfflineData.from_tensors(space, x, torch.as_tensor(y), source=f"noise {noise:g}")
    return dataclasses.replace(data, counts=counts)


def fit_row(task_name: str, data: OfflineData, test, noise: float, noise_sd: float,
            weighting: str, seed: int) -> dict:
    x_test, f_test = test
    config = RewardTrainConfig(**network_settings(REWARD_NETWORK), count_weighting=weighting,
                               seed=seed, kind=REWARD_KIND)
    start = time.perf_counter()
    model = train_reward(data, config, device=torch.device("cpu"), generator=make_generator(seed))
    seconds = time.perf_counter() - start
    with torch.no_grad():
        mean = model.predict(x_test).mean.double()
    top = f_test > f_test.median()
    metrics = model.metrics
    scale = noise_sd ** 2 if noise_sd > 0 else float("nan")
    return {"task": task_name, "noise": noise, "weighting": weighting, "seed": seed,
            "test_s": spearman(mean, f_test), "test_p": pearson(mean, f_test),
            "top_s": spearman(mean[top], f_test[top]),
            "tau2": metrics.get("misfit_variance", float("nan")) / scale,
            "sigma2": metrics.get("noise_variance", float("nan")) / scale,
            "shape": metrics["network_choice"], "sec": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", default="e32,tf8")
    parser.add_argument("--noise", default="0,0.5,1,2")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--weightings", default=",".join(COUNT_WEIGHTINGS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tag", default="count_weights")
    args = parser.parse_args()
    set_cpu_threads(args.threads)
    rows = []
    for task_name in args.tasks.split(","):
        task = ehrlich_tasks()[task_name]()
        x, f, x_test, f_test = build(task)
        test = (x_test, f_test.double())
        for noise in (float(v) for v in args.noise.split(",")):
            noise_sd = noise * float(f.double().std())
            for seed in (int(s) for s in args.seeds.split(",")):
                data = noisy_data(x, f, task.space, noise, seed)
                for weighting in args.weightings.split(","):
                    row = fit_row(task_name, data, test, noise, noise_sd, weighting, seed)
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    write(rows, args)


def write(rows: list[dict], args) -> None:
    command = "python " + shlex.join(["bench/count_weights.py", *sys.argv[1:]])
    keys = ("test_s", "test_p", "top_s", "tau2", "sigma2", "sec")
    lines = [f"Command: `{command}`", "",
             "Means over seeds; each seed draws its own counts and noise, shared by the "
             "weightings.", "",
             "| task | noise | weighting | " + " | ".join(keys) + " |",
             "|" + "---|" * (3 + len(keys))]
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["task"], row["noise"], row["weighting"]), []).append(row)
    for (task, noise, weighting), members in groups.items():
        means = [float(np.mean([m[k] for m in members])) for k in keys]
        lines.append(f"| {task} | {noise:g} | {weighting} | "
                     + " | ".join(f"{v:.3f}" for v in means) + " |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.tag}.md").write_text("\n".join(lines) + "\n")
    (RESULTS / f"{args.tag}.json").write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
