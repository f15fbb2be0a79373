"""How far past the measured data the designs handed over are predicted, in figures and words.

The reward model is fitted on the offline data D; a design predicted well above every value it
saw is its extrapolation, which only a measurement can confirm. A first user's protein run
handed over designs predicted at 10.9 against a measured best of 5.5, 16 of 20 positions from
any measured design, and nothing said so. `reach_figures` adds to a run's summary what a
reader needs to say it; `reach_note` says it where the reach is large.

Large means: the median design is predicted further past D's best than D's best stands above
D's median. On the benchmark tasks BRAID's designs stay well inside that (ehrlich-20-32:
median 0.25 against a best of 0.19 and a median of 0; tfbind8: below D's best), so the note
marks an unusual run, not every run.

Where rows repeat a design (a sampler that drew too few distinct ones), the figures are of the
distinct designs: one design filling most rows made the rows' median its prediction, the
maximum too, and a measurement would be of it once.

How far vector designs are from D is measured with each column divided by its standard
deviation over D (`standard_figures`): in the data's own units the column of largest numbers
decides alone, so designs 5 pH units (10 standard deviations) off went unremarked beside a
pressure column in units of 1e5. The designs table's `novelty` stays in the data's units.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from torch import Tensor

# Vector designs further from D than this many times the gap within which 95 % of D's designs
# have a neighbour are "far". On vector_uncertainty.md's D (1,000 draws of N(0, I)) that is
# beyond the radius-3 shell in 2-D, radius 4 in 4-D and radius 6 in 8-D (D is sparser in more
# dimensions, so a design must go further before its distance stands out); in 2-D, BRAID-Bonus
# understated a bending truth's error 2-15 times at radius 4.
FAR_FACTOR = 2.0

# The summary's figures (column, reduction) that `reach_note` quotes, which rows repeating one
# design would bend: where some rows repeat, they are also taken over the distinct designs.
DISTINCT = (("predicted_mean", "median"), ("uncertainty", "median"), ("novelty", "mean"))


def reach_figures(table: pd.DataFrame, measured: np.ndarray | None,
                  spacing: float | None = None) -> dict[str, float]:
    """The summary fields `reach_note` reads: `measured_best` and `measured_median` (D's
    values), `predicted_mean_max`, `uncertainty_min` and `uncertainty_max` (the designs'),
    `design_length` for sequences, and where rows repeat a design (column `repeat`), the
    count of distinct designs and their figures (`_distinct_figures`).

    Args:
        table: the designs table (`design_table`'s columns).
        measured: D's values (NaN where a row has none); None without D.
        spacing: for vectors, the gap within which 95 % of D's designs have a neighbour
            (`measured_spacing`; `measured_spacing` computes it), which `reach_note` measures
            the designs' distance to D against; None for sequences or without D.
    """
    figures: dict[str, float] = {}
    if "predicted_mean" in table and len(table):
        figures["predicted_mean_max"] = float(table["predicted_mean"].max())
    if "uncertainty" in table and len(table):
        figures["uncertainty_min"] = float(table["uncertainty"].min())
        figures["uncertainty_max"] = float(table["uncertainty"].max())
    if "sequence" in table and len(table):
        figures["design_length"] = float(table["sequence"].str.len().max())
    figures |= _distinct_figures(table)
    values = None if measured is None else np.asarray(measured, dtype=float)
    if values is not None and np.isfinite(values).any():
        figures["measured_best"] = float(np.nanmax(values))
        figures["measured_median"] = float(np.nanmedian(values))
    if spacing is not None and math.isfinite(spacing) and spacing > 0:
        figures["measured_spacing"] = float(spacing)
    return figures


def measured_spacing(offline_x: Tensor) -> float | None:
    """The 95th percentile of the distances from D's vector designs to their nearest other
    design of D (`evaluate.nearest_gaps`): how far apart measured designs stand, the unit in
    which `reach_note` says how far the designs are from them; None for fewer than 2 rows."""
    from braid_core.evaluate import nearest_gaps

    gaps = nearest_gaps(offline_x)
    return float(np.quantile(gaps.numpy(), 0.95)) if len(gaps) else None


def standard_figures(designs: Tensor, offline_x: Tensor, repeat: Tensor) -> dict[str, float]:
    """The vector designs' distance to D with each column divided by its standard deviation
    over D: `standard_novelty_mean`, the distinct designs' (`repeat` False) mean distance to
    their nearest design of D, and `standard_spacing`, `measured_spacing` of D in those units.
    Empty for fewer than 2 designs in D."""
    from braid_core.evaluate import min_euclidean
    from braid_core.standardise import column_scaling

    if len(offline_x) < 2:
        return {}
    scaling = column_scaling(offline_x, constant_scale=1.0)
    reference = scaling.to_standard(offline_x.double())
    spacing = measured_spacing(reference)
    distinct = scaling.to_standard(designs[~repeat.bool()].double().cpu())
    if spacing is None or not len(distinct):
        return {}
    return {"standard_novelty_mean": float(min_euclidean(distinct, reference).mean()),
            "standard_spacing": spacing}


def _distinct_figures(table: pd.DataFrame) -> dict[str, float]:
    """Where some rows repeat a design listed above them (`repeat` True): `distinct_designs`,
    and over the distinct designs alone the figures the note quotes (DISTINCT, each named
    `distinct_<figure>`). Nothing where no row repeats: the summary's own figures are those."""
    if "repeat" not in table or not table["repeat"].astype(bool).any():
        return {}
    distinct = table[~table["repeat"].astype(bool)]
    figures = {"distinct_designs": float(len(distinct))}
    for column, reduce in DISTINCT:
        if column in distinct:
            figures[f"distinct_{column}_{reduce}"] = float(distinct[column].agg(reduce))
    return figures


def reach_note(summary: Mapping[str, Any]) -> str | None:
    """The words for designs predicted far past the measured best, or vector designs far from
    every measured one (`reach_figures`' fields and the summary's medians); None where they
    are neither, or the figures are missing. Where rows repeat a design, the figures are the
    distinct designs' (`_distinct_figures`), which the note then says."""
    reach = _reach_words(summary)
    far = _far_words(summary, subject=not reach)
    return "; ".join(reach + [far] if far else reach) or None


def _far_words(summary: Mapping[str, Any], *, subject: bool) -> str | None:
    """Where vector designs lie on average more than FAR_FACTOR x `measured_spacing` from the
    nearest measured design: how far, and that u there understates the error (`subject`: the
    words begin with the designs, as the note's first words). Distances in standard
    deviations of D's columns (`standard_figures`), or, in summaries written before them, in
    the data's units."""
    distance, spacing = (summary.get("standard_novelty_mean"), summary.get("standard_spacing"))
    unit = "in standard deviations of each measured column"
    if distance is None or not spacing:
        distance, spacing = _figure(summary, "novelty_mean"), summary.get("measured_spacing")
        unit = "in the data's units"
    if distance is None or not spacing or summary.get("design_length"):
        return None
    if not math.isfinite(distance) or distance <= FAR_FACTOR * spacing:
        return None
    designs, alone = _designs_handed_over(summary)
    verb = "lies" if alone else "lie"
    # What to do first, in plain words; the figures and the evidence after it
    lead = (f"{designs} {verb} far outside the measured data, so {'its' if alone else 'their'} "
            "predicted values are guesses: measure a few of these designs before many. "
            f"{'It' if alone else 'They'} {verb}" if subject else
            f"{'it' if alone else 'they'} also {verb} far outside the measured data:")
    return (f"{lead} {distance:.3g} from the nearest measured design"
            f"{'' if alone else ' on average'} ({unit}), {distance / spacing:.0f} "
            f"times the spacing of the measured designs (95 % of them have a neighbour within "
            f"{spacing:.3g}). That far out a small u is no comfort: u grows more slowly than "
            "the error (BRAID-Bonus's u was 3-17 times too small 8 standard deviations out on "
            "vectors, bench/results/vector_uncertainty.md)")


def _reach_words(summary: Mapping[str, Any]) -> list[str]:
    """The note's words for designs whose median is predicted further past D's best than D's
    best stands above D's median; none where it is not, or the figures are missing."""
    try:
        median = float(_figure(summary, "predicted_mean_median"))
        best, middle = float(summary["measured_best"]), float(summary["measured_median"])
    except (KeyError, TypeError, ValueError):
        return []
    if not all(math.isfinite(v) for v in (median, best, middle)) or best <= middle:
        return []
    if median - best <= best - middle:
        return []
    top = summary.get("predicted_mean_max")
    upto = f" (up to {top:.3g})" if top is not None and top > median else ""
    designs, alone = _designs_handed_over(summary)
    words = [f"{designs} {'is predicted at' if alone else 'are predicted at a median of'} "
             f"{median:.3g}"
             f"{upto}, far past the best measured value ({best:.3g}; the measured median is "
             f"{middle:.3g})"]
    distance, length = _figure(summary, "novelty_mean"), summary.get("design_length")
    if distance is not None and length:
        words.append(f"{'it differs' if alone else 'they differ'} from the nearest measured "
                     f"design in {distance:.3g} of {length:.0f} positions"
                     f"{'' if alone else ' on average'}")
    spread = _figure(summary, "uncertainty_median")
    if alone:
        spread_words = "" if spread is None else f" (its uncertainty u is {spread:.3g})"
        words.append(f"the reward model saw no value above {best:.3g}, so this prediction is "
                     f"its extrapolation{spread_words}: measure the design first, or raise c "
                     "to keep the designs nearer the measured ones")
    else:
        spread_words = "" if spread is None else f" (their median uncertainty u is {spread:.3g})"
        words.append(f"the reward model saw no value above {best:.3g}, so these predictions "
                     f"are its extrapolation{spread_words}: measure a few of these designs "
                     "before many, or raise c to keep the designs nearer the measured ones")
    low, high = summary.get("uncertainty_min"), summary.get("uncertainty_max")
    if low is not None and high and _several_designs(summary) and high - low <= 1e-6 * high:
        # u is capped (BRAID-Bonus's b_max): designs alike in u are past what it tells apart
        words.append(f"every design's u is the same ({high:.3g}, the uncertainty's cap): they "
                     "are further from the measured designs than it tells apart, so c lowers "
                     "every score alike and does not choose among them")
    return words


def _figure(summary: Mapping[str, Any], name: str) -> Any:
    """A figure the note quotes: the distinct designs' where rows repeat one, else the rows'."""
    return summary.get(f"distinct_{name}", summary.get(name))


def _designs_handed_over(summary: Mapping[str, Any]) -> tuple[str, bool]:
    """The note's subject: the designs handed over, saying how many rows repeat one of them;
    and whether there is one design alone."""
    rows = float(summary.get("num_designs", 0) or 0)
    distinct = float(summary.get("distinct_designs", rows) or 0)
    repeats = rows - distinct
    if distinct == 1:
        repeat = f" ({repeats:.0f} of the {rows:.0f} rows repeat it)" if repeats > 0 else ""
        return f"the one {'distinct ' if repeats > 0 else ''}design handed over{repeat}", True
    if repeats > 0:
        return (f"the {distinct:.0f} distinct designs handed over ({repeats:.0f} of the "
                f"{rows:.0f} rows repeat one of them)", False)
    return "the designs handed over", False


def _several_designs(summary: Mapping[str, Any]) -> bool:
    """Whether the summary is of two distinct designs or more (one design's u is trivially
    alike)."""
    count = summary.get("distinct_designs", summary.get("num_designs", 0))
    return float(count or 0) >= 2
