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
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd


def reach_figures(table: pd.DataFrame, measured: np.ndarray | None) -> dict[str, float]:
    """The summary fields `reach_note` reads: `measured_best` and `measured_median` (D's
    values), `predicted_mean_max`, `uncertainty_min` and `uncertainty_max` (the designs'),
    and `design_length` for sequences.

    Args:
        table: the designs table (`design_table`'s columns).
        measured: D's values (NaN where a row has none); None without D.
    """
    figures: dict[str, float] = {}
    if "predicted_mean" in table and len(table):
        figures["predicted_mean_max"] = float(table["predicted_mean"].max())
    if "uncertainty" in table and len(table):
        figures["uncertainty_min"] = float(table["uncertainty"].min())
        figures["uncertainty_max"] = float(table["uncertainty"].max())
    if "sequence" in table and len(table):
        figures["design_length"] = float(table["sequence"].str.len().max())
    values = None if measured is None else np.asarray(measured, dtype=float)
    if values is not None and np.isfinite(values).any():
        figures["measured_best"] = float(np.nanmax(values))
        figures["measured_median"] = float(np.nanmedian(values))
    return figures


def reach_note(summary: Mapping[str, Any]) -> str | None:
    """The words for designs predicted far past the measured best (`reach_figures`' fields and
    the summary's medians); None where they are not, or the figures are missing."""
    try:
        median = float(summary["predicted_mean_median"])
        best, middle = float(summary["measured_best"]), float(summary["measured_median"])
    except (KeyError, TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (median, best, middle)) or best <= middle:
        return None
    if median - best <= best - middle:
        return None
    top = summary.get("predicted_mean_max")
    upto = f" (up to {top:.3g})" if top is not None and top > median else ""
    words = [f"the designs handed over are predicted at a median of {median:.3g}{upto}, far "
             f"past the best measured value ({best:.3g}; the measured median is "
             f"{middle:.3g})"]
    distance, length = summary.get("novelty_mean"), summary.get("design_length")
    if distance is not None and length:
        words.append(f"they differ from the nearest measured design in {distance:.3g} of "
                     f"{length:.0f} positions on average")
    spread = summary.get("uncertainty_median")
    spread_words = (f" (their median uncertainty u is {spread:.3g})"
                    if spread is not None else "")
    words.append(f"the reward model saw no value above {best:.3g}, so these predictions are "
                 f"its extrapolation{spread_words}: measure a few of these designs before "
                 "many, or raise c to keep the designs nearer the measured ones")
    low, high = summary.get("uncertainty_min"), summary.get("uncertainty_max")
    if low is not None and high and _several_designs(summary) and high - low <= 1e-6 * high:
        # u is capped (BRAID-Bonus's b_max): designs alike in u are past what it tells apart
        words.append(f"every design's u is the same ({high:.3g}, the uncertainty's cap): they "
                     "are further from the measured designs than it tells apart, so c lowers "
                     "every score alike and does not choose among them")
    return "; ".join(words)


def _several_designs(summary: Mapping[str, Any]) -> bool:
    """Whether the summary is of two designs or more (one design's u is trivially alike)."""
    return float(summary.get("num_designs", 0) or 0) >= 2
