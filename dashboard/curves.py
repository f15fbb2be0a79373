"""Metric curves over fine-tuning (or training) steps: one small chart per metric, each as
wide as its column, and one legend they share (pure builders, testable without Streamlit).

A row of fixed-width charts (a concat) ran off the page in a 1024 px window; charts fitted to
their columns (`components.draw_curves` lays them out) do not, and a fixed colour per series
keeps a run's colour alike in every chart, even one where some runs logged nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import altair as alt
import numpy as np
import pandas as pd

from dashboard.charts import FIT_WIDTH, RUN_COLOURS, run_legend

# 4 significant digits, trailing zeros trimmed, never exponents: a flat curve's ticks read
# "1", not "1.000000" (Vega's format for a tiny domain), and 10 is not "1e+1" ("~g")
CURVE_AXIS = alt.Axis(format=".4~r")

CURVE_TITLES = {
    "reward": "conservative reward r_c",
    "predicted_mean": "predicted mean r_hat",
    "uncertainty": "uncertainty u",
    "kl": "KL to the prior",
    "true_score_median": "true score (median)",
    "valid_fraction": "valid fraction",
    "loss": "training loss",
    "val_rmse": "validation RMSE",
}


def long_metrics(frames: Mapping[str, pd.DataFrame], metrics: Sequence[str]) -> pd.DataFrame:
    """Metric rows of several runs as long format: columns run, step, metric, value.

    Args:
        frames: run label -> metrics frame (one row per logged step, column `step`).
        metrics: metric columns to keep; missing ones are skipped.
    """
    parts = []
    for label, frame in frames.items():
        present = [m for m in metrics if m in frame.columns]
        if "step" not in frame.columns or not present:
            continue
        part = frame[["step", *present]].melt("step", var_name="metric", value_name="value")
        part.insert(0, "run", label)
        parts.append(part.dropna(subset=["value"]))
    if not parts:
        return pd.DataFrame(columns=["run", "step", "metric", "value"])
    long = pd.concat(parts, ignore_index=True)
    long["value"] = long["value"].astype(float).replace([np.inf, -np.inf], np.nan)
    long["metric"] = long["metric"].map(lambda m: CURVE_TITLES.get(m, m))
    return long.dropna(subset=["value"])


class CurveGrid(NamedTuple):
    """Small charts of metric curves, one per metric, and the one legend they share."""

    charts: list[alt.LayerChart]  # in the order of the metrics; each without a legend
    legend: alt.Chart  # a swatch and the whole name of each series, drawn alone


def series_colours(names: Sequence[str]) -> alt.Scale:
    """Series i (a run or a group of seeds) in RUN_COLOURS[i], in every chart drawn with this
    scale: each small chart holds only the series that logged its metric, and would otherwise
    colour them by its own count."""
    return alt.Scale(domain=list(names),
                     range=[RUN_COLOURS[i % len(RUN_COLOURS)] for i in range(len(names))])


def series_legend(names: Sequence[str], field: str, colours: alt.Scale) -> alt.Chart:
    """A legend alone (no plot): the swatch and whole name of each of `names`, one a line."""
    frame = pd.DataFrame({field: list(names)})
    return (
        alt.Chart(frame)
        .mark_point(filled=True, opacity=0)
        # Above a plot of no height: under it, Vega-Lite left a gap above the legend
        .encode(alt.Color(f"{field}:N", scale=colours,
                          legend=run_legend(orient="top", offset=0)))
        .properties(height=0, autosize=FIT_WIDTH)
        .configure_view(strokeWidth=0)
    )


def curve_grid(chart: alt.LayerChart, data: pd.DataFrame, series: str,
               colours: alt.Scale, height: int) -> CurveGrid:  # fmt: skip
    """One copy of `chart` per metric of `data` (column metric, in order of appearance), on
    that metric's rows alone, each with its own y scale and all on one step axis.

    Separate charts, each as wide as the column it is drawn in, rather than one concat:
    Vega-Lite cannot fit a concat to its container, and cells of a fixed width that suit a
    1280 px window run off the page at 1024 px."""
    charts = [chart.properties(data=data[data["metric"] == metric], height=height,
                               # From the y axis's left: a title centred on a narrow plot
                               # was cut short ("conservative rewa…")
                               title=alt.TitleParams(metric, fontWeight="normal", limit=0,
                                                     anchor="start", frame="bounds"),
                               autosize=FIT_WIDTH)
              for metric in dict.fromkeys(data["metric"])]  # fmt: skip
    names = list(dict.fromkeys(data[series]))
    return CurveGrid(charts, series_legend(names, series, colours))


def step_axis(data: pd.DataFrame) -> alt.X:
    """The steps of all of `data` on every small chart: a metric logged late or once starts
    where the others do."""
    axis = alt.Axis(tickMinStep=1)  # steps are whole: no tick at 1.5 on a narrow chart
    if not len(data):
        return alt.X("step:Q", axis=axis)
    domain = [float(data["step"].min()), float(data["step"].max())]
    return alt.X("step:Q", scale=alt.Scale(domain=domain), axis=axis)


def metric_curves(long: pd.DataFrame, height: int = 160) -> CurveGrid:
    """One small chart per metric, one line per run (long format from `long_metrics`)."""
    colours = series_colours(list(dict.fromkeys(long["run"])))
    lines = alt.Chart().mark_line().encode(
        step_axis(long),
        alt.Y("value:Q", title=None, scale=alt.Scale(zero=False), axis=CURVE_AXIS),
        alt.Color("run:N", scale=colours, legend=None),
        tooltip=["run", "metric", "step", alt.Tooltip("value:Q", format=".4g")],
    )
    return curve_grid(alt.layer(lines, lone_points(lines, "run")), long, "run", colours, height)


def lone_points(lines: alt.Chart, series: str) -> alt.Chart:
    """A dot for each series (`series` column) that has one step only: a line needs two
    points, so e.g. a true score probed once would show nothing."""
    return (lines.mark_point(filled=True, size=40, opacity=1)
            .transform_joinaggregate(points="count()", groupby=[series])
            .transform_filter(alt.datum.points == 1))


def seed_bands(long: pd.DataFrame, groups: Mapping[str, str]) -> pd.DataFrame:
    """Pool runs that differ only in the seed: mean, min and max per group, metric and step.

    Args:
        long: columns run, step, metric, value (from `long_metrics`).
        groups: run label -> group label (e.g. "c=1 alpha=0.01").
    Returns:
        Columns group, metric, step, mean, low, high, runs.
    """
    frame = long.assign(group=long["run"].map(groups))
    # sort=False: the metrics keep the order they were asked for in (the small charts' order)
    stats = frame.groupby(["group", "metric", "step"], sort=False)["value"].agg(
        mean="mean", low="min", high="max", runs="count"
    )
    return stats.reset_index()


def band_curves(bands: pd.DataFrame, height: int = 160) -> CurveGrid:
    """Mean line and min-max band over a group's runs (its seeds), one small chart per metric."""
    colours = series_colours(list(dict.fromkeys(bands["group"])))
    base = alt.Chart().encode(step_axis(bands),
                              alt.Color("group:N", scale=colours, legend=None))
    band = base.mark_area(opacity=0.2).encode(alt.Y("low:Q", title=None), alt.Y2("high:Q"))
    line = base.mark_line().encode(
        alt.Y("mean:Q", title=None, scale=alt.Scale(zero=False), axis=CURVE_AXIS),
        tooltip=["group", "step", alt.Tooltip("mean:Q", format=".4g"), "runs"],
    )
    return curve_grid(alt.layer(band, line, lone_points(line, "group")), bands, "group",
                      colours, height)
