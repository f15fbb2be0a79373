"""Figure: STRL versus BRAID across fine-tuning steps (proxy reward, true score, validity).

Reads the per-step curves that bench/design_bench.py wrote (its probe batches: designs
sampled during fine-tuning and scored by the oracle, which training never sees) and draws,
per task, the mean over seeds of each method's proxy reward (under its own reward model),
path KL, true-score median and validity. Over-optimisation shows as a proxy reward that
keeps rising while the true score or the validity falls.

    pip install -r bench/requirements.txt
    python bench/plot_curves.py                      # bench/results/design_curves.png
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
PANELS = (("predicted_mean", "proxy reward r_hat"), ("kl", "path KL to the prior (nats)"),
          ("true_score_median", "true score (median)"), ("valid_fraction", "validity"))
METHODS = ("strl", "braid-boot", "braid-bonus", "strl-bonus")


def mean_curve(runs: list[list[dict]], key: str) -> tuple[list[int], list[float]]:
    """Mean over seeds at each step where every seed reported `key`."""
    by_step = defaultdict(list)
    for rows in runs:
        for row in rows:
            if key in row:
                by_step[row["step"]].append(row[key])
    steps = sorted(s for s, v in by_step.items() if len(v) == len(runs))
    return steps, [sum(by_step[s]) / len(by_step[s]) for s in steps]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curves", type=Path, nargs="+",
                        default=sorted(RESULTS.glob("design_bench*_curves.json")))
    parser.add_argument("--out", type=Path, default=RESULTS / "design_curves.png")
    args = parser.parse_args()
    curves = {}
    for path in args.curves:
        curves |= json.loads(path.read_text())
    grouped = defaultdict(list)  # (task, method) -> list of runs (seeds)
    for key, rows in curves.items():
        task, method, _seed = key.split("/")
        if method in METHODS and rows:
            grouped[(task, method)].append(rows)
    tasks = sorted({task for task, _ in grouped})
    fig, axes = plt.subplots(len(tasks), len(PANELS), figsize=(16, 3.2 * len(tasks)),
                             squeeze=False)
    for row, task in enumerate(tasks):
        for col, (key, label) in enumerate(PANELS):
            ax = axes[row][col]
            for method in METHODS:
                if (task, method) in grouped:
                    steps, values = mean_curve(grouped[(task, method)], key)
                    # One colour per method in every panel, also where a method is missing.
                    ax.plot(steps, values, color=f"C{METHODS.index(method)}",
                            label=f"{method} ({len(grouped[(task, method)])} seeds)")
            ax.set_title(f"{task}: {label}", fontsize=10)
            ax.set_xlabel("fine-tuning step")
            if col == 0:
                ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
