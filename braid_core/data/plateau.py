"""Values piled at (or next to) the best of D: `find_plateau` and the warning it raises."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# D "sits on a plateau" when at least this share of its labeled designs (and PLATEAU_ROWS of
# them) have exactly its best value (a saturated assay, or a coarse score). On Ehrlich
# instances, `braid design` raised the median above the best of D wherever 2-25 % of D had
# that value, and on three of ten plateau instances (two of two with three motifs, one of
# seven with two; bench/results/unseen_design.md, unseen_draw.md; 15 % of the family has such
# a pile, family_survey.md).
PLATEAU_SHARE = 1 / 3
PLATEAU_ROWS = 10
# ...or at one value with fewer than this share of D above it: 46:4:7054 held 41 % of D at
# 0.0938 and 2 designs at 0.125, and `braid design` matched the plateau as on the others
# (bench/results/unseen_draw.md). Among 30 instances this flags no other.
PLATEAU_ABOVE = 0.01


@dataclass(frozen=True)
class Plateau:
    """A pile of labeled designs at one value, with (next to) nothing above it."""

    value: float
    count: int  # designs at `value`
    above: int  # designs strictly above it
    total: int  # labeled designs
    values_below: tuple[float, ...] = ()  # the distinct values under the pile, lowest first


def find_plateau(values: np.ndarray) -> Plateau | None:
    """The highest pile of at least PLATEAU_SHARE of `values` (and PLATEAU_ROWS of them) with
    under PLATEAU_ABOVE of them above it, or None. `values` holds one value per distinct design."""
    values = np.asarray(values)
    levels, counts = np.unique(values, return_counts=True)
    above = len(values) - np.cumsum(counts)  # designs strictly above each level
    piled = ((counts >= PLATEAU_ROWS) & (counts >= PLATEAU_SHARE * len(values))
             & (above < PLATEAU_ABOVE * len(values)))
    if not piled.any():
        return None
    level = np.flatnonzero(piled)[-1]
    return Plateau(float(levels[level]), int(counts[level]), int(above[level]), len(values),
                   tuple(float(v) for v in levels[:level]))


def plateau_warning(values: np.ndarray, source: str) -> str | None:
    """A warning when many designs share the best value, or one with next to nothing above it
    (a saturated assay, a plateau); sharper when the rest of the data hold a single value."""
    plateau = find_plateau(values)
    if plateau is None:
        return None
    where = (f"share the best value {plateau.value:.4g}" if plateau.above == 0 else
             f"share the value {plateau.value:.4g} and only {plateau.above} lie above it "
             f"(best {values.max():.4g})")
    if plateau.count == plateau.total:
        return (f"{source}: all {plateau.total} labeled designs have the value "
                f"{plateau.value:.4g}, so the data rank no design over another and no reward "
                "can be learned from them: check the value column, or measure designs that "
                "differ.")
    head = (f"{source}: {plateau.count} of {plateau.total} labeled designs "
            f"({plateau.count / plateau.total:.0%}) {where} (a saturated assay, or a plateau)")
    # What helped on such instances: bench/results/unseen_draw.md (fitting each network shape),
    # reward_tilt.md (the tilt, which lost a pass on graded plateaus), second_round.md
    # (measuring the new designs and running again).
    again = "measure the new designs, add them (`braid data merge`) and run again"
    if len(plateau.values_below) > 1:
        return (f"{head}: what beats them is extrapolated from how lower values differ, so new "
                f"designs may only match the best. To do: fit each (dilated, wide, average) "
                f"network shape, {again}.")
    if plateau.values_below:
        below = (f"the rest all have the value {plateau.values_below[0]:.4g}, so nothing in the "
                 "data says what lifts a design above them")
    else:  # a few above the pile, none below
        below = "none lies below them, so the data say little of what makes a design better"
    return (f"{head}, and {below}: new designs will likely only match the best. To do: "
            f"`--value-tilt 2` (Reward page: \"Weight on the top of the data\"), fit each "
            f"(dilated, wide, average) network shape, {again}.")
