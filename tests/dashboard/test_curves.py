"""Metric curves (dashboard.curves): one chart per metric, a shared legend (no Streamlit)."""

from __future__ import annotations

import pandas as pd

from dashboard import curves


def test_seed_bands_pool_runs_of_one_setting():
    frames = {
        "a": pd.DataFrame({"step": [1, 2], "reward": [1.0, 3.0]}),
        "b": pd.DataFrame({"step": [1, 2], "reward": [3.0, 5.0]}),
        "c": pd.DataFrame({"step": [1, 2], "reward": [10.0, 10.0]}),
    }
    long = curves.long_metrics(frames, ["reward", "kl"])
    bands = curves.seed_bands(long, {"a": "c=1", "b": "c=1", "c": "c=0"})
    one = bands[bands["group"] == "c=1"].sort_values("step")
    assert one["mean"].tolist() == [2.0, 4.0]
    assert one["low"].tolist() == [1.0, 3.0] and one["high"].tolist() == [3.0, 5.0]
    assert one["runs"].tolist() == [2, 2]
    assert set(bands["metric"]) == {curves.CURVE_TITLES["reward"]}


def test_curves_are_one_chart_per_metric_that_fits_its_column():
    frames = {"a": pd.DataFrame({"step": [1, 2], **{m: [1.0, 2.0] for m in curves.CURVE_TITLES}}),
              "b": pd.DataFrame({"step": [3, 4], "reward": [5.0, 6.0]})}
    long = curves.long_metrics(frames, ["kl", "reward", "uncertainty", "valid_fraction", "loss"])
    for grid in (curves.metric_curves(long), curves.band_curves(curves.seed_bands(
            long, {"a": "g", "b": "h"}))):  # fmt: skip
        specs = [chart.to_dict() for chart in grid.charts]
        # A concat of 200 px cells ran off a 1024 px window: one chart per metric now, each
        # fitted to the width of the column Streamlit draws it in.
        assert [spec["title"]["text"] for spec in specs] == [
            curves.CURVE_TITLES[m] for m in ("kl", "reward", "uncertainty", "valid_fraction",
                                             "loss")]  # fmt: skip
        for spec in specs:
            assert "concat" not in spec and "width" not in spec
            assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
            assert spec["title"]["limit"] == 0  # "conservative rewa…" at 1024 px
            # Each chart holds its own metric's rows, on the steps of all of them.
            rows = spec["datasets"][spec["data"]["name"]]
            assert {row["metric"] for row in rows} == {spec["title"]["text"]}
            assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"] == [1.0, 4.0]


def test_a_curve_of_one_step_gets_a_dot():
    frames = {"a": pd.DataFrame({"step": [1, 2, 3], "kl": [0.1, 0.2, 0.3],
                                 "true_score_median": [None, None, 0.5]})}
    long = curves.long_metrics(frames, ["kl", "true_score_median"])
    for grid, series in ((curves.metric_curves(long), "run"),
                         (curves.band_curves(curves.seed_bands(long, {"a": "g"})), "group")):
        cell = grid.charts[1].to_dict()  # the true score, probed once
        points = [layer for layer in cell["layer"] if layer["mark"]["type"] == "point"]
        # A line of one point draws nothing; the dot is kept to series of one step.
        assert len(points) == 1
        assert points[0]["transform"][0]["joinaggregate"][0]["op"] == "count"
        assert points[0]["transform"][0]["groupby"] == [series]
        assert points[0]["transform"][1] == {"filter": "(datum.points === 1)"}
        # A flat curve (valid fraction 1 throughout) had ticks "1.000000".
        lines = [layer for layer in cell["layer"] if layer["mark"]["type"] == "line"]
        assert lines[0]["encoding"]["y"]["axis"]["format"] == ".4~r"
