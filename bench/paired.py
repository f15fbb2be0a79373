"""Paired difference of two methods over the seeds both ran (design-benchmark results).

Methods that are compared on one reward model per seed (braid-bonus and strl-bonus read the
same fit for the same seed) differ per seed far less than their spreads over seeds, so the
question "is A at least as good as B" is answered by the per-seed differences, their mean and
its standard error, not by the two means and standard deviations of the table.

Rows are read from one or more results files (bench/results/<tag>.json); a method matches a
row whose label is the method itself or the method plus a seed range, " (seeds 6-9)", which
is how merge_bench keeps extra seeds of a setting. Labels with any other note are other
settings and are not matched (name them in full to compare them). `TAG:METHOD` takes the
method from that file alone, so two runs of one method (say at two values of c) compare.

    python bench/paired.py design_bench_e64 s20_e64_more_a s20_e64_more_b \
        --task ehrlich-20-64 --a braid-bonus --b strl-bonus
    python bench/paired.py s21_e64_c05 s21_e64_c1 --task ehrlich-20-64 \
        --a s21_e64_c05:braid-bonus --b s21_e64_c1:braid-bonus
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
FIGURES = ("true_score_median", "true_score_mean", "true_score_max", "validity")
SEED_RANGE = re.compile(r" \(seeds [0-9, -]+\)$")


def matches(label: str, method: str) -> bool:
    """Whether a row labelled `label` is `method`, counting extra-seed labels as the same."""
    return label == method or SEED_RANGE.sub("", label) == method


def per_seed(rows: list[dict], task: str, method: str) -> dict[int, dict]:
    """{seed: row} of `method` (or "TAG:method", from that file alone) on `task`; a seed
    found twice is an error (which one to take is the caller's choice, made by the files
    given). Rows from `read` carry their file's tag."""
    tag, _, method = method.rpartition(":")
    found: dict[int, dict] = {}
    for row in rows:
        if tag and row.get("tag") != tag:
            continue
        if row["task"] == task and matches(row["method"], method):
            if row["seed"] in found:
                raise SystemExit(f"{method} seed {row['seed']} on {task} appears twice "
                                 f"(labels {found[row['seed']]['method']!r} and "
                                 f"{row['method']!r}): give files that hold it once")
            found[row["seed"]] = row
    return found


def summary(a: dict[int, dict], b: dict[int, dict], figure: str) -> dict[str, float]:
    """Mean of each, mean paired difference a - b, its standard error, and sign counts."""
    seeds = sorted(set(a) & set(b))
    diffs = [a[s][figure] - b[s][figure] for s in seeds]
    se = statistics.stdev(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else math.nan
    return {"seeds": len(seeds), "a": statistics.mean(a[s][figure] for s in seeds),
            "b": statistics.mean(b[s][figure] for s in seeds),
            "difference": statistics.mean(diffs), "standard_error": se,
            "higher": sum(d > 0 for d in diffs), "level": sum(d == 0 for d in diffs),
            "lower": sum(d < 0 for d in diffs)}


def read(tags: list[str]) -> list[dict]:
    """The rows of bench/results/<tag>.json for each tag, each with its tag added."""
    return [{**row, "tag": tag} for tag in tags
            for row in json.loads((RESULTS / f"{tag}.json").read_text())["rows"]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tags", nargs="+", help="results files, bench/results/<tag>.json")
    parser.add_argument("--task", required=True)
    parser.add_argument("--a", required=True, help="method (label) A")
    parser.add_argument("--b", required=True, help="method (label) B")
    args = parser.parse_args(argv)
    rows = read(args.tags)
    a, b = per_seed(rows, args.task, args.a), per_seed(rows, args.task, args.b)
    seeds = sorted(set(a) & set(b))
    if not seeds:
        raise SystemExit(f"no seed has both {args.a!r} and {args.b!r} on {args.task}")
    print(f"{args.task}: {args.a} (A) against {args.b} (B), seeds {seeds}")
    print("per seed, true_score_median A / B: "
          + ", ".join(f"{s}: {a[s]['true_score_median']:.3f} / {b[s]['true_score_median']:.3f}"
                      for s in seeds))
    print("| figure | seeds | A | B | A - B | standard error | A higher / level / lower |")
    print("|---|---|---|---|---|---|---|")
    for figure in FIGURES:
        s = summary(a, b, figure)
        print(f"| {figure} | {s['seeds']} | {s['a']:.4f} | {s['b']:.4f} | "
              f"{s['difference']:+.4f} | {s['standard_error']:.4f} | "
              f"{s['higher']} / {s['level']} / {s['lower']} |")


if __name__ == "__main__":
    main()
