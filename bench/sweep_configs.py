"""How long the Fine-tune page takes to check a sweep before launching it.

A sweep of c x alpha x seeds used to build each run's config alone (`finetune_config`, which
reads the prior, the reward model and the offline file every time); `finetune_sweep` checks
them once. Prints both times for a random protein offline file of --rows rows, against the
shipped demo prior and reward model.

Usage:
    python bench/sweep_configs.py --rows 50000
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from braid_core import pipeline

ASSETS = Path(__file__).resolve().parents[1] / "assets"
PRIOR = ASSETS / "priors" / "ehrlich-20-32"  # the dashboard demo's prior and reward model
REWARD = ASSETS / "rewards" / "ehrlich-20-32"
PROTEIN = "ACDEFGHIKLMNPQRSTVWY"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    rng = random.Random(0)
    settings = [(c, alpha, seed) for c in (0.0, 0.5, 1.0, 2.0) for alpha in (0.01, 0.1, 1.0)
                for seed in (0, 1)]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        offline = Path(folder) / "offline.csv"
        pd.DataFrame({"sequence": ["".join(rng.choice(PROTEIN) for _ in range(32))
                                   for _ in range(args.rows)],
                      "value": [rng.random() for _ in range(args.rows)]}).to_csv(offline,
                                                                                  index=False)
        start = time.perf_counter()
        for c, alpha, seed in settings:
            pipeline.finetune_config(PRIOR, REWARD, c=c, alpha=alpha,
                                     seed=seed, offline=offline)
        one_by_one = time.perf_counter() - start
        start = time.perf_counter()
        pipeline.finetune_sweep(PRIOR, REWARD, settings, offline=offline)
        swept = time.perf_counter() - start
    print(f"`python {' '.join(sys.argv)}`: {len(settings)} configs, {args.rows}-row offline "
          f"file: one by one {one_by_one:.2f} s, finetune_sweep {swept:.2f} s "
          f"({one_by_one / swept:.0f}x)")


if __name__ == "__main__":
    main()
