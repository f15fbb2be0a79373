"""Pass rate of `braid design` over the instances of one or more unseen_design.py runs.

Reads bench/results/<tag>.json of each tag (rows written by bench/unseen_design.py, which
gives each instance a verdict against issue 3's targets) and prints one row per instance and
the share that pass, with its 95 % Wilson interval.

    python bench/unseen_tally.py s23_draw_0 s23_draw_1
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
Z95 = 1.959964


def wilson(passed: int, total: int) -> tuple[float, float]:
    """95 % Wilson score interval of a binomial share (sound at 0 and at `total`)."""
    share = passed / total
    centre = (share + Z95**2 / (2 * total)) / (1 + Z95**2 / total)
    half = Z95 * math.sqrt(share * (1 - share) / total + Z95**2 / (4 * total**2))
    return centre - half / (1 + Z95**2 / total), centre + half / (1 + Z95**2 / total)


def instance_rows(tags: list[str]) -> list[dict]:
    """One row per instance: the command's figures, its prior's median, the verdict."""
    rows = []
    for tag in tags:
        records = json.loads((RESULTS / f"{tag}.json").read_text())["rows"]
        designs = [r for r in records if r["designs"] == "braid design"]
        priors = {r["instance"]: r for r in records if r["designs"] == "its prior's samples"}
        for row in designs:
            if "verdict" not in row:
                raise ValueError(f"{tag}.json was written before verdicts were recorded")
            rows.append({**row, "prior_median": priors[row["instance"]]["true_score_median"],
                         "tag": tag})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tags", nargs="+")
    args = parser.parse_args()
    rows = instance_rows(args.tags)
    print("| instance | valid | median | D's best | prior's median | above D's best | verdict |")
    print("|---|---|---|---|---|---|---|")
    for r in sorted(rows, key=lambda r: tuple(int(p) for p in r["instance"].split(":"))):
        print(f"| {r['instance']} | {r['validity']:.1%} | {r['true_score_median']:.3g} | "
              f"{r['offline_best']:.3g} | {r['prior_median']:.3g} | "
              f"{r['fraction_above_offline_best']:.1%} | {r['verdict']} |")
    passed = sum(r["verdict"] == "passes" for r in rows)
    low, high = wilson(passed, len(rows))
    print(f"\n{passed} of {len(rows)} instances pass ({passed / len(rows):.0%}; 95 % Wilson "
          f"interval {low:.0%}-{high:.0%}).")


if __name__ == "__main__":
    main()
