"""Does the reward fit's split of held-out errors read the measurement noise right?

Simulated replicates with a known noise: designs of tests/rewards' count task (value = the
number of A's), each value the mean of 1 or 4 measurements of sd 2 (one measurement's noise
variance 4; --noise-sd sets another). With --misfit-sd, each design's true value also carries
an effect of its own that no net can learn from its letters (a misfit every replicate
shares), as where a net fits the values only in part. A default-shaped small reward fit
(the tests' TINY config, Bonus, no count weighting) on each seed; printed: the noise variance
and misfit it reads off its held-out errors (RewardModel.metrics), against the truth.

Usage:
    python bench/noise_estimate_check.py --seeds 0,1,2,3,4,5 --designs 1500 \
        [--noise-sd 0.3] [--misfit-sd 0.3]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np
import torch

from braid_core.data import OfflineData
from braid_core.rewards import train_reward
from braid_core.runtime import make_generator

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "rewards"))
from reward_tasks import SPACE, TINY, count_task  # noqa: E402

NOISE_SD = 2.0  # one measurement's, unless --noise-sd


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="0,1,2,3,4,5")
    parser.add_argument("--designs", type=int, default=1500)
    parser.add_argument("--noise-sd", type=float, default=NOISE_SD)
    parser.add_argument("--misfit-sd", type=float, default=0.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"`python {' '.join(sys.argv)}`; one measurement's noise variance "
          f"{args.noise_sd ** 2:g}, unlearnable misfit variance {args.misfit_sd ** 2:g}\n")
    print("| seed | held-out designs | noise variance read | its standard error | misfit read |\n"
          "|---|---|---|---|---|")
    read = []
    for seed in (int(s) for s in args.seeds.split(",")):
        x, _ = count_task(args.designs, seed)
        truth = (x == 0).sum(dim=1).double().numpy()
        rng = np.random.default_rng(seed)
        counts = rng.choice([1.0, 4.0], size=args.designs)
        draws = rng.standard_normal(args.designs)  # drawn first: Session 31's figures stand
        if args.misfit_sd:
            truth = truth + args.misfit_sd * rng.standard_normal(args.designs)
        noisy = truth + args.noise_sd * draws / np.sqrt(counts)
        data = dataclasses.replace(OfflineData.from_tensors(SPACE, x, torch.as_tensor(noisy)),
                                   counts=counts)
        model = train_reward(data, dataclasses.replace(TINY, kind="bonus"),
                             device=torch.device("cpu"), generator=make_generator(seed))
        noise = model.metrics.get("noise_variance", float("nan"))
        read.append(noise)
        print(f"| {seed} | {model.metrics['n_val']:.0f} | {noise:.3f} | "
              f"{model.metrics.get('noise_variance_se', float('nan')):.3f} | "
              f"{model.metrics.get('misfit_variance', float('nan')):.3f} |", flush=True)
    print(f"\nmean noise variance read {np.nanmean(read):.3f} (truth {args.noise_sd ** 2:g})")


if __name__ == "__main__":
    main()
