"""Pure chart builders: DataFrame in, Altair chart out (testable without Streamlit).

The Explore scatter puts every design at (u, r_hat) = (uncertainty, predicted_mean). The
conservative reward r_c = r_hat - c * u (braid_core.rewards.conservative) is constant along
the lines r_hat = c * u + k, so the iso-lines are straight with slope c; they are drawn from
the designs' own r_c quantiles, so they move with the c slider without any job rerun.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

BRUSH = "brush"  # name of the Explore scatter's interval selection
NO_SCORE_COLOUR = "#9e9e9e"  # Explore designs without a true score (no oracle, or invalid)
OFFLINE = "offline data"  # the Explore scatter's source of the offline points
OFFLINE_COLOUR = "#c8c8c8"  # the offline points: a muted backdrop to the designs
# Runs on the Explore scatter: Tableau 10 less its grey (the offline data's), and shapes.
RUN_COLOURS = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2",
               "#ff9da6", "#9d755d")
RUN_SHAPES = ("circle", "square", "triangle-up", "diamond", "cross", "triangle-down",
              "triangle-right", "triangle-left")
ISO_QUANTILES = (0.5, 0.9, 0.99)  # r_c quantiles the iso-lines pass through
LETTER_ROW = 16  # px per letter of the letter heat map: room for every label
# Fit the width to the page but keep the plot's own height, legends and axes added below it.
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")


def run_legend(**place: Any) -> alt.Legend:
    """A legend of run or group names under the chart (or at `place`), one per line and never
    cut short (Vega-Lite clips labels at 160 px, and run names are longer)."""
    return alt.Legend(**({"orient": "bottom"} | place), direction="vertical", columns=1,
                      labelLimit=0, symbolOpacity=1)  # the bands' 0.2 would make swatches pale


def value_histogram(values: pd.Series, title: str = "measured value") -> alt.Chart:
    """Histogram of measured values."""
    frame = pd.DataFrame({title: values.astype(float)})
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(alt.X(f"{title}:Q", bin=alt.Bin(maxbins=40)),
                alt.Y("count():Q", title="designs"))
        .properties(height=220)
    )


COORDINATES_SHOWN = 12  # vector columns drawn one histogram each (the rest: the table)
COORDINATE_BINS = 20


def coordinate_histograms(coordinates: pd.DataFrame) -> alt.FacetChart:
    """One small histogram per vector column (the first COORDINATES_SHOWN), each binned and
    drawn on its own axis: columns come in their own units (a pH of 7 beside a pressure of
    1e6), and Vega-Lite's own binning would cut every column at the widest one's bins."""
    shown = list(coordinates.columns[:COORDINATES_SHOWN])
    rows = []
    for column in shown:
        values = coordinates[column].to_numpy(float)
        counts, edges = np.histogram(values[np.isfinite(values)], bins=COORDINATE_BINS)
        rows += [{"column": column, "from": lo, "to": hi, "designs": int(n)}
                 for lo, hi, n in zip(edges[:-1], edges[1:], counts, strict=True)]
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar()
        # each axis over its column's own range (from 0, a pressure's bins were one sliver)
        .encode(alt.X("from:Q", title=None, scale=alt.Scale(zero=False, nice=False),
                      axis=alt.Axis(tickCount=3, format="~s")),
                # y2 0: bars up from 0 (with x2 alone, Vega-Lite drew each bin as a thin bar
                # across, at its count)
                alt.X2("to:Q"), alt.Y("designs:Q"), alt.Y2(datum=0),
                tooltip=[alt.Tooltip("from:Q", format=".4g"), alt.Tooltip("to:Q", format=".4g"),
                         "designs:Q"])
        .properties(height=60, width=120)
        .facet(alt.Facet("column:N", sort=shown, title=None), columns=2)
        .resolve_scale(x="independent", y="independent")
    )


def letter_frequencies(frame: pd.DataFrame) -> alt.Chart:
    """Heat map of letter frequency per position; frame has columns position, letter, frequency.

    Every letter is labelled: a row of at least LETTER_ROW px each, and no label dropped for
    overlap (Vega-Lite's default dropped every other one of 20 amino acids)."""
    letters = list(dict.fromkeys(frame["letter"]))  # the alphabet's own order
    return (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            alt.X("position:O"),
            alt.Y("letter:N", sort=letters, axis=alt.Axis(labelOverlap=False)),
            alt.Color("frequency:Q", scale=alt.Scale(scheme="blues")),
            tooltip=["position", "letter", alt.Tooltip("frequency:Q", format=".2f")],
        )
        # fit-x: the plot keeps this height; Streamlit's default "fit" would take the axes
        # and title out of it and squeeze the rows.
        .properties(height=max(LETTER_ROW * len(letters), 160), autosize=FIT_WIDTH)
    )


def iso_levels(predicted_mean: np.ndarray, uncertainty: np.ndarray, c: float) -> list[float]:
    """Levels k of r_c = r_hat - c * u at the ISO_QUANTILES of the given designs (finite only)."""
    scores = np.asarray(predicted_mean, float) - c * np.asarray(uncertainty, float)
    scores = scores[np.isfinite(scores)]
    if not scores.size:
        return []
    return sorted({round(float(k), 6) for k in np.quantile(scores, ISO_QUANTILES)})


def iso_lines(c: float, levels: Sequence[float], u_max: float) -> pd.DataFrame:
    """End points of the lines r_hat = c * u + k for u in [0, u_max], one pair per level k.

    Returns:
        Columns level (k), label, uncertainty, predicted_mean; two rows per level.
    """
    rows = []
    for k in levels:
        label = f"r_c = {k:.3g}"
        for u in (0.0, float(u_max)):
            rows.append({"level": k, "label": label, "uncertainty": u,
                         "predicted_mean": c * u + k})  # fmt: skip
    return pd.DataFrame(rows, columns=["level", "label", "uncertainty", "predicted_mean"])


def scatter_frame(designs: pd.DataFrame, offline: pd.DataFrame | None,
                  offline_label: str = OFFLINE) -> pd.DataFrame:  # fmt: skip
    """Designs (column source = run label) and offline points stacked for the scatter.

    Adds `score` (true_score of designs, measured value of offline data; non-finite, i.e.
    invalid designs, become NaN), `offline` (True for the offline points, whose source is
    `offline_label`) and a running `row` id that selections refer back to. The offline
    points' conservative_score (at c = 0) is left out.
    """
    parts = [designs.assign(score=designs.get("true_score", np.nan), offline=False)]
    if offline is not None and len(offline):
        measured = offline.get("value", offline.get("measured", np.nan))
        # The overlay was scored at c = 0; a design's conservative_score is at its run's c,
        # so beside them that column would mean another thing: left blank (the page adds
        # r_hat - c u at the slider's c for every row).
        parts.append(offline.drop(columns="conservative_score", errors="ignore")
                     .assign(source=offline_label, score=measured, offline=True))
    frame = pd.concat(parts, ignore_index=True)
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce").replace(
        [np.inf, -np.inf], np.nan
    )
    frame["row"] = np.arange(len(frame))
    return frame


def _source_scales(points: pd.DataFrame) -> tuple[alt.Scale, alt.Scale]:
    """Colour and shape per source: runs get their own of each, the offline data light grey
    circles, so the designs stand out from the many offline points."""
    runs = list(dict.fromkeys(points.loc[~points["offline"], "source"]))
    offline = list(dict.fromkeys(points.loc[points["offline"], "source"]))
    colours = [RUN_COLOURS[i % len(RUN_COLOURS)] for i in range(len(runs))]
    shapes = [RUN_SHAPES[i % len(RUN_SHAPES)] for i in range(len(runs))]
    domain = runs + offline
    return (alt.Scale(domain=domain, range=colours + [OFFLINE_COLOUR] * len(offline)),
            alt.Scale(domain=domain, range=shapes + ["circle"] * len(offline)))


def design_scatter(frame: pd.DataFrame, c: float, colour_by: str = "run", height: int = 420
                   ) -> alt.LayerChart:  # fmt: skip
    """Predicted mean vs uncertainty with iso-lines of r_c at this c and a brush selection.

    The offline points are drawn first, small and grey; the designs on top, told apart by
    shape and, with colour_by="run", by colour, or with colour_by="score", coloured by true
    score (grey where they have none: no oracle, or invalid).

    Args:
        frame: from `scatter_frame`; columns source, offline, predicted_mean, uncertainty,
            score, row.
        c: the conservatism weight whose iso-lines are drawn.
        height: of the plot itself, in px; the legends go below it.
    """
    points = frame[["row", "source", "offline", "predicted_mean", "uncertainty", "score"]].copy()
    for column in ("predicted_mean", "uncertainty"):
        points[column] = points[column].astype(float).replace([np.inf, -np.inf], np.nan)
    points = points.dropna(subset=["predicted_mean", "uncertainty"])
    points["offline"] = points["offline"].astype(bool)
    u_max = float(points["uncertainty"].max()) if len(points) else 1.0
    r_low = float(points["predicted_mean"].min()) if len(points) else 0.0
    r_high = float(points["predicted_mean"].max()) if len(points) else 1.0
    pad = 0.05 * (r_high - r_low or 1.0)
    x_scale = alt.Scale(domain=[0.0, u_max * 1.05 or 1.0])
    y_scale = alt.Scale(domain=[r_low - pad, r_high + pad])
    colours, shapes = _source_scales(points)
    def layer(data: pd.DataFrame, size: int, opacity: float) -> alt.Chart:
        return alt.Chart(data).mark_point(filled=True, size=size, opacity=opacity).encode(
            alt.X("uncertainty:Q", title="uncertainty u", scale=x_scale),
            alt.Y("predicted_mean:Q", title="predicted mean r_hat", scale=y_scale),
            alt.Shape("source:N", scale=shapes, legend=run_legend()),
            tooltip=["source", alt.Tooltip("predicted_mean:Q", format=".4g"),
                     alt.Tooltip("uncertainty:Q", format=".4g"),
                     alt.Tooltip("score:Q", format=".4g"), "row"],
        )  # fmt: skip

    by_source = alt.Color("source:N", scale=colours, legend=run_legend())
    offline = points[points["offline"]]
    background = [layer(offline, 12, 0.35).encode(by_source)] if len(offline) else []
    designs = layer(points[~points["offline"]], 45, 0.85)
    brush = alt.selection_interval(name=BRUSH, encodings=["x", "y"])
    if colour_by == "score":
        # Vega-Lite drops points whose colour field is empty, so designs without a score get
        # a layer of their own in grey instead of vanishing.
        scored = designs.transform_filter("isValid(datum.score)").encode(
            alt.Color("score:Q", title="true score", scale=alt.Scale(scheme="viridis"),
                      # Right of the plot: below, beside long run names, it ran off the page.
                      legend=alt.Legend(orient="right", titleLimit=0)))  # fmt: skip
        unscored = designs.transform_filter("!isValid(datum.score)").encode(
            color=alt.value(NO_SCORE_COLOUR))
        foreground = [scored.add_params(brush), unscored]
        background = [chart.encode(color=alt.value(OFFLINE_COLOUR)) for chart in background]
    else:
        foreground = [designs.encode(by_source).add_params(brush)]
    levels = iso_levels(points["predicted_mean"], points["uncertainty"], c)
    lines = (
        alt.Chart(iso_lines(c, levels, u_max * 1.05 or 1.0))
        .mark_line(clip=True, strokeDash=[6, 4], color="gray")
        .encode(
            alt.X("uncertainty:Q", scale=x_scale),
            alt.Y("predicted_mean:Q", scale=y_scale),
            alt.Detail("label:N"),
            tooltip=["label"],
        )
    )
    return alt.layer(lines, *background, *foreground).properties(height=height,
                                                                 autosize=FIT_WIDTH)


def apply_selection(frame: pd.DataFrame, selection: Mapping[str, Any] | None) -> pd.DataFrame:
    """Rows of `frame` inside a Streamlit chart selection (brush ranges or picked rows).

    Args:
        selection: `event.selection` of `st.altair_chart(on_select="rerun")`: {BRUSH: {field:
            [low, high], ...}} for an interval, or {name: [{"row": i, ...}, ...]} for points.
    Returns:
        The selected rows; all of `frame` when nothing is selected.
    """
    if not selection:
        return frame
    keep = pd.Series(True, index=frame.index)
    chosen = False
    for value in selection.values():
        if isinstance(value, Mapping) and value:
            for field, bounds in value.items():
                if field in frame.columns and isinstance(bounds, Sequence) and len(bounds) == 2:
                    low, high = sorted(float(b) for b in bounds)
                    keep &= frame[field].astype(float).between(low, high)
                    chosen = True
        elif isinstance(value, Sequence) and value and isinstance(value[0], Mapping):
            rows = {point.get("row") for point in value}
            keep &= frame["row"].isin(rows)
            chosen = True
    return frame[keep] if chosen else frame


def heldout_scatter(heldout: pd.DataFrame, height: int = 320) -> alt.LayerChart:
    """Predicted vs measured on held-out designs, with +-2u bars and the diagonal."""
    frame = heldout.assign(
        low=heldout["predicted_mean"] - 2 * heldout["uncertainty"],
        high=heldout["predicted_mean"] + 2 * heldout["uncertainty"],
    )
    lo = float(min(frame["measured"].min(), frame["low"].min()))
    hi = float(max(frame["measured"].max(), frame["high"].max()))
    diagonal = pd.DataFrame({"measured": [lo, hi], "predicted_mean": [lo, hi]})
    bars = (
        alt.Chart(frame)
        .mark_rule(opacity=0.3)
        .encode(alt.X("measured:Q"), alt.Y("low:Q", title="predicted mean r_hat"), alt.Y2("high:Q"))
    )
    points = alt.Chart(frame).mark_point(filled=True, size=25).encode(
        alt.X("measured:Q"),
        alt.Y("predicted_mean:Q"),
        tooltip=[alt.Tooltip(c, format=".4g") for c in ("measured", "predicted_mean",
                                                        "uncertainty")],
    )  # fmt: skip
    line = (
        alt.Chart(diagonal)
        .mark_line(color="gray", strokeDash=[4, 4])
        .encode(alt.X("measured:Q"), alt.Y("predicted_mean:Q"))
    )
    return alt.layer(bars, points, line).properties(height=height)


def calibration_table(heldout: pd.DataFrame, bins: int = 8) -> pd.DataFrame:
    """Mean |error| per uncertainty bin (equal-count bins): columns uncertainty, abs_error, n."""
    error = (heldout["predicted_mean"] - heldout["measured"]).abs()
    bins = max(1, min(bins, len(heldout)))
    codes = pd.qcut(heldout["uncertainty"].rank(method="first"), bins, labels=False)
    frame = pd.DataFrame({"bin": codes, "uncertainty": heldout["uncertainty"], "abs_error": error})
    table = frame.groupby("bin").agg(
        uncertainty=("uncertainty", "mean"),
        abs_error=("abs_error", "mean"),
        n=("abs_error", "size"),
    )
    return table.reset_index(drop=True)


def calibration_chart(table: pd.DataFrame, height: int = 320) -> alt.LayerChart:
    """Mean |error| against mean uncertainty per bin; a calibrated u lies near |error| = 0.8 u.

    The reference line spans the uncertainties only: were it to reach the largest error, a u
    much smaller than the errors would squeeze every bin against the y axis."""
    top = float(table["uncertainty"].max() or 1.0)
    ideal = pd.DataFrame({"uncertainty": [0.0, top], "abs_error": [0.0, 0.8 * top]})
    points = alt.Chart(table).mark_line(point=True).encode(
        alt.X("uncertainty:Q", title="mean uncertainty u (bin)"),
        alt.Y("abs_error:Q", title="mean |error|"),
        tooltip=["n", alt.Tooltip("uncertainty:Q", format=".3g"),
                 alt.Tooltip("abs_error:Q", format=".3g")],
    )  # fmt: skip
    reference = (
        alt.Chart(ideal)
        .mark_line(color="gray", strokeDash=[4, 4])
        .encode(alt.X("uncertainty:Q"), alt.Y("abs_error:Q"))
    )
    return alt.layer(reference, points).properties(height=height)
