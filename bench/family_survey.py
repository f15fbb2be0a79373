"""How common is the plateau `braid design` misses on? A survey of the Ehrlich family's D.

The instances where `braid design` matched D's best without beating it (48:2:20, 44:2:176;
bench/results/unseen_design.md) share one trait: a third or more of D sits at one value with
(next to) nothing above it, which is when `braid data check` and `braid design` warn
(data.find_plateau, the warning's own rule). This draws N
instances the way `bench/unseen_design.py --draw` does (the first ones are the same
instances), builds each one's D exactly as `braid task export` does, and counts how many
carry that trait, by number of motifs. No model is fitted; a few seconds per instance.

    python bench/family_survey.py --draw 400
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import torch

from braid_core.data import Plateau, find_plateau
from braid_core.runtime import make_generator, set_cpu_threads
from braid_core.tasks import task_from_spec

sys.path.insert(0, str(Path(__file__).parent))  # unseen_design sits beside this script
from unseen_design import draw_instances  # noqa: E402


def survey(spec: str) -> tuple[float, float, Plateau | None]:
    """D's best value, the share of D's distinct designs at it, and D's plateau if it has one."""
    task = task_from_spec(spec)
    generator = make_generator(0, "cpu")  # as export_task: unlabeled first, then D
    task.make_unlabeled(generator)
    offline = task.make_offline(generator)
    _, first = torch.unique(offline.x, dim=0, return_inverse=True)
    y = torch.zeros(int(first.max()) + 1, dtype=offline.y.dtype).scatter_(0, first, offline.y)
    best = float(y.max())
    at_best = int((y == best).sum())  # repeated designs merged, as `braid design` reads D
    return best, at_best / len(y), find_plateau(y.numpy())


def single_below(plateau: Plateau | None) -> bool:
    """D is the pile and at most one other value: the warning's sharper case."""
    return plateau is not None and len(plateau.values_below) <= 1


def row(spec: str, best: float, share: float, plateau: Plateau | None) -> str:
    """One table row; the plateau column gives the pile's value, share, and designs above it."""
    pile = ("" if plateau is None else f"{plateau.value:.3g}: {plateau.count / plateau.total:.1%}"
            f"{f', {plateau.above} above' if plateau.above else ''}"
            f"{'; below it one value' if single_below(plateau) else ''}")
    return f"| {spec} | {best:.3g} | {share:.1%} | {pile} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draw", type=int, default=400)
    parser.add_argument("--draw-seed", type=int, default=2026)
    parser.add_argument("--show", type=int, default=16, help="print the first SHOW instances")
    parser.add_argument("--instances", nargs="*", default=(),
                        help="also print these named instances (LENGTH:MOTIFS:SEED)")
    args = parser.parse_args()
    set_cpu_threads(1)
    flagged, single, drawn = Counter(), Counter(), Counter()
    print(f"`python {' '.join(sys.argv)}`\n")
    print("| instance | D's best | share of D at it "
          "| plateau (value: share of D; one value below) |")
    print("|---|---|---|---|")
    for index, spec in enumerate(draw_instances(args.draw, args.draw_seed)):
        best, share, plateau = survey(spec)
        motifs = int(spec.split(":")[1])
        drawn[motifs] += 1
        flagged[motifs] += plateau is not None
        single[motifs] += single_below(plateau)
        if index < args.show:
            print(row(spec, best, share, plateau))
    for spec in args.instances:
        print(row(f"{spec} (named)", *survey(spec)))
    print("\n| motifs | instances | plateau (data.find_plateau) | of them, one value below |")
    print("|---|---|---|---|")
    for motifs in [*sorted(drawn), "all"]:
        count = sum(drawn.values()) if motifs == "all" else drawn[motifs]
        hits = sum(flagged.values()) if motifs == "all" else flagged[motifs]
        ones = sum(single.values()) if motifs == "all" else single[motifs]
        print(f"| {motifs} | {count} | {hits} ({hits / count:.1%}) | {ones} |")


if __name__ == "__main__":
    main()
