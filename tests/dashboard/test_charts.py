"""Pure chart and export functions (no Streamlit)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from braid_core.data import read_designs_bytes
from dashboard import charts, curves, exports


def designs(n: int = 50, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "sequence": ["ACDE"] * n,
            "predicted_mean": rng.random(n),
            "uncertainty": rng.random(n) * 0.5,
            "source": "run A",
        }
    )


@pytest.mark.parametrize("c", [0.0, 0.5, 3.0])
def test_iso_lines_are_r_equals_c_u_plus_k(c):
    lines = charts.iso_lines(c, [-1.0, 0.25, 2.0], u_max=4.0)
    assert len(lines) == 6
    for k, part in lines.groupby("level"):
        assert np.allclose(part["predicted_mean"], c * part["uncertainty"] + k)
        assert part["uncertainty"].tolist() == [0.0, 4.0]


def test_iso_levels_are_quantiles_of_the_conservative_reward():
    mean, u = np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([0.0, 1.0, 0.0, 1.0, 0.0])
    c = 2.0
    levels = charts.iso_levels(mean, u, c)
    expected = np.quantile(mean - c * u, charts.ISO_QUANTILES)
    assert np.allclose(levels, sorted(set(np.round(expected, 6))))
    assert charts.iso_levels(mean, u, 0.0) != levels  # the lines move with c
    assert charts.iso_levels(np.array([np.inf]), np.array([1.0]), 1.0) == []


def test_scatter_frame_stacks_offline_and_drops_infinite_scores():
    table = designs(4).assign(true_score=[1.0, -np.inf, 0.5, np.inf])
    offline = pd.DataFrame({"predicted_mean": [0.1], "uncertainty": [0.2], "value": [0.3],
                            "conservative_score": [0.1]})  # as saved: at c = 0
    frame = charts.scatter_frame(table.assign(conservative_score=0.0), offline)
    assert frame["row"].tolist() == [0, 1, 2, 3, 4]
    assert frame["conservative_score"].isna().tolist() == [False] * 4 + [True]
    assert frame["source"].iloc[-1] == "offline data"
    assert frame["score"].iloc[-1] == 0.3
    assert frame["score"].isna().tolist() == [False, True, False, True, False]


def test_scatter_frame_marks_offline_rows_under_their_label():
    offline = pd.DataFrame({"predicted_mean": [0.1], "uncertainty": [0.2], "measured": [0.3]})
    frame = charts.scatter_frame(designs(2), offline, "held-out offline data")
    assert frame["offline"].tolist() == [False, False, True]
    assert frame["source"].tolist() == ["run A", "run A", "held-out offline data"]


def offline_points(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"predicted_mean": rng.random(n), "uncertainty": rng.random(n) * 0.5,
                         "value": rng.random(n)})


def test_design_scatter_draws_offline_data_grey_behind_runs_in_colours_and_shapes():
    runs = pd.concat([designs(10), designs(10, seed=1).assign(source="run B")])
    frame = charts.scatter_frame(runs.assign(true_score=0.5), offline_points())
    spec = charts.design_scatter(frame, c=1.0).to_dict()
    # The plot keeps its height (legends below it), not what a fixed total leaves it.
    assert spec["height"] >= 400 and spec["autosize"]["type"] == "fit-x"
    lines, offline, runs_layer = spec["layer"]
    assert lines["mark"]["type"] == "line" and lines["mark"]["clip"]
    datasets = spec["datasets"]
    assert {row["source"] for row in datasets[offline["data"]["name"]]} == {charts.OFFLINE}
    assert {row["source"] for row in datasets[runs_layer["data"]["name"]]} == {"run A", "run B"}
    assert offline["mark"]["size"] < runs_layer["mark"]["size"]  # small, and drawn first
    colour = runs_layer["encoding"]["color"]
    assert colour["field"] == "source"
    (brush,) = spec["params"]
    assert brush["name"] == charts.BRUSH and brush["views"] == [runs_layer["name"]]
    scale = colour["scale"]
    assert scale["domain"] == ["run A", "run B", charts.OFFLINE]
    assert scale["range"][2] == charts.OFFLINE_COLOUR and len(set(scale["range"])) == 3
    shapes = runs_layer["encoding"]["shape"]["scale"]["range"]
    assert shapes[0] != shapes[1]
    assert offline["encoding"]["color"]["scale"] == scale  # one legend for both layers


def test_design_scatter_by_true_score_keeps_unscored_designs_in_grey():
    frame = charts.scatter_frame(designs(30).assign(true_score=-np.inf), offline_points())
    frame.loc[:9, "score"] = 1.0
    spec = charts.design_scatter(frame, c=1.0, colour_by="score").to_dict()
    json.dumps(spec, allow_nan=False)  # valid JSON: no Infinity or NaN literal left
    lines, offline, scored, unscored = spec["layer"]
    assert offline["encoding"]["color"] == {"value": charts.OFFLINE_COLOUR}
    assert scored["encoding"]["color"]["field"] == "score"
    # Designs without a score (invalid here; no oracle elsewhere) keep a grey layer of their
    # own: Vega-Lite would drop them from a layer coloured by score.
    assert scored["transform"] == [{"filter": "isValid(datum.score)"}]
    assert spec["params"][0]["views"] == [scored["name"]]
    assert unscored["transform"] == [{"filter": "!isValid(datum.score)"}]
    assert unscored["encoding"]["color"] == {"value": charts.NO_SCORE_COLOUR}
    assert unscored["encoding"]["shape"]["field"] == "source"  # still told apart by run
    without_offline = charts.design_scatter(charts.scatter_frame(designs(5), None), 1.0)
    assert len(without_offline.to_dict()["layer"]) == 2


def test_apply_selection_interval_and_points():
    frame = charts.scatter_frame(designs(40), None)
    assert len(charts.apply_selection(frame, None)) == 40
    assert len(charts.apply_selection(frame, {charts.BRUSH: {}})) == 40
    box = {charts.BRUSH: {"uncertainty": [0.1, 0.3], "predicted_mean": [0.8, 0.2]}}
    chosen = charts.apply_selection(frame, box)
    inside = frame["uncertainty"].between(0.1, 0.3) & frame["predicted_mean"].between(0.2, 0.8)
    assert chosen["row"].tolist() == frame.loc[inside, "row"].tolist()
    assert 0 < len(chosen) < 40
    picked = charts.apply_selection(frame, {"points": [{"row": 3}, {"row": 7}]})
    assert picked["row"].tolist() == [3, 7]


def test_curves_keep_a_runs_colour_in_every_chart_and_share_one_legend():
    frames = {"first": pd.DataFrame({"step": [1, 2], "kl": [0.1, 0.2]}),
              "second": pd.DataFrame({"step": [1, 2], "kl": [0.3, 0.4], "reward": [1.0, 2.0]})}
    long = curves.long_metrics(frames, ["kl", "reward"])
    grid = curves.metric_curves(long)
    colours = {"domain": ["first", "second"], "range": list(charts.RUN_COLOURS[:2])}
    for chart in grid.charts:  # the reward chart has the second run alone: still orange
        for layer in chart.to_dict()["layer"]:
            assert layer["encoding"]["color"]["scale"] == colours
            assert layer["encoding"]["color"]["legend"] is None
    legend = grid.legend.to_dict()
    assert legend["encoding"]["color"]["scale"] == colours
    assert legend["encoding"]["color"]["legend"]["labelLimit"] == 0
    assert [row["run"] for row in legend["datasets"][legend["data"]["name"]]] == [
        "first", "second"]
    bands = curves.band_curves(curves.seed_bands(long, {"first": "g", "second": "h"}))
    assert bands.legend.to_dict()["encoding"]["color"]["field"] == "group"


def test_letter_heat_map_labels_every_letter():
    letters = "ACDEFGHIKLMNPQRSTVWY"
    frame = pd.DataFrame([{"position": p, "letter": a, "frequency": 0.05}
                          for p in range(1, 33) for a in letters])  # fmt: skip
    spec = charts.letter_frequencies(frame).to_dict()
    y = spec["encoding"]["y"]
    assert y["axis"]["labelOverlap"] is False and y["sort"] == list(letters)
    # Each letter gets a row tall enough for its label, in a plot that keeps its height.
    assert spec["height"] >= charts.LETTER_ROW * len(letters)
    assert spec["autosize"]["type"] == "fit-x"


def test_calibration_table_bins_by_uncertainty():
    heldout = pd.DataFrame(
        {"measured": np.zeros(8), "predicted_mean": np.arange(8.0), "uncertainty": np.arange(8.0)}
    )
    table = charts.calibration_table(heldout, bins=4)
    assert table["n"].tolist() == [2, 2, 2, 2]
    assert table["abs_error"].tolist() == [0.5, 2.5, 4.5, 6.5]


def test_fasta_download_reads_back_with_all_columns():
    table = pd.DataFrame(
        {
            "sequence": ["ACDE", "FGHI"],
            "value": [0.5, 1.5],
            "uncertainty": [0.1, float("nan")],
            "run": ["r 1", "r2"],
        }
    )
    fasta = exports.designs_fasta(table)
    assert b"run=r_1" in fasta and b"uncertainty=0.1" in fasta
    assert b"uncertainty=nan" not in fasta  # an empty cell in the CSV: no field
    back = read_designs_bytes(fasta, "designs.fasta", alphabet="protein")
    assert back.sequences() == ["ACDE", "FGHI"]
    assert back.y.tolist() == [0.5, 1.5]
    csv = pd.read_csv(pd.io.common.BytesIO(exports.designs_csv(table)))
    assert list(csv.columns) == list(table.columns)
    with pytest.raises(ValueError, match="sequence"):
        exports.designs_fasta(pd.DataFrame({"x0": [1.0]}))


def test_downloads_leave_an_invalid_designs_true_score_empty():
    table = pd.DataFrame({"sequence": ["ACDE", "FGHI"], "true_score": [0.5, -np.inf],
                          "valid": [True, False]})
    text = exports.designs_csv(table).decode()
    assert "inf" not in text
    assert text.splitlines()[1:] == ["ACDE,0.5,True", "FGHI,,False"]  # `valid` says why
    back = pd.read_csv(pd.io.common.BytesIO(exports.designs_csv(table)))
    assert back["true_score"].isna().tolist() == [False, True]
    fasta = exports.designs_fasta(table).decode()
    assert ">design2 valid=False\n" in fasta and "inf" not in fasta  # no true_score=nan
    assert table["true_score"].tolist()[1] == -np.inf  # the caller's frame is left alone


def test_fasta_leaves_out_the_fields_of_a_design_no_oracle_scored():
    # A run scored by an oracle picked with one that was not: the latter's records read
    # "true_score=nan valid=nan", where the CSV leaves those cells empty.
    scored = pd.DataFrame({"sequence": ["ACDE"], "predicted_mean": [0.5],
                           "true_score": [0.25], "valid": [True], "run": ["a"]})
    unscored = pd.DataFrame({"sequence": ["FGHI"], "predicted_mean": [0.7], "run": ["b"]})
    table = pd.concat([scored, unscored], ignore_index=True)
    records = exports.designs_fasta(table).decode().splitlines()
    assert records[0] == ">design1 predicted_mean=0.5 true_score=0.25 valid=True run=a"
    assert records[2] == ">design2 predicted_mean=0.7 run=b"
    csv = exports.designs_csv(table).decode().splitlines()
    assert csv[2] == "FGHI,0.7,,,b"  # the same cells, empty


def test_downloads_hold_the_designs_best_first_as_the_table_lists_them():
    frame = pd.DataFrame({"source": ["baseline", "run", "offline data", "run"],
                          "sequence": ["AAAA", "CCCC", "DDDD", "EEEE"],
                          "conservative_at_c": [0.1, 0.9, 5.0, 0.5], "row": [0, 1, 2, 3],
                          "offline": [False, False, True, False], "value": [None] * 4})
    designs = exports.designs_to_download(frame, ["row", "offline"])
    # The CSV opened with a baseline's rows, in the order the runs were picked.
    assert designs["sequence"].tolist() == ["CCCC", "EEEE", "AAAA"]  # offline rows left out
    assert list(designs.columns) == ["source", "sequence", "conservative_at_c"]


def test_value_histogram_bins_the_values_and_names_its_axes():
    spec = charts.value_histogram(pd.Series([0.0, 0.0625, 0.0625, 0.125])).to_dict()
    assert spec["encoding"]["x"]["field"] == "measured value"
    assert spec["encoding"]["x"]["bin"] == {"maxbins": 40}
    assert spec["encoding"]["y"] == {"aggregate": "count", "type": "quantitative",
                                     "title": "designs"}
    assert [row["measured value"] for row in next(iter(spec["datasets"].values()))] == [
        0.0, 0.0625, 0.0625, 0.125]


def test_run_legends_list_whole_names_one_per_line():
    name = "finetune c=0.25 alpha=0.01 steps=400 batch_size=32 seed 3 (2026-12-07 04:18)"
    frames = {name: pd.DataFrame({"step": [1, 2], "reward": [1.0, 2.0]})}
    long = curves.long_metrics(frames, ["reward"])
    scatter = charts.design_scatter(charts.scatter_frame(designs(5), None), 1.0).to_dict()
    legends = [
        curves.metric_curves(long).legend.to_dict()["encoding"]["color"]["legend"],
        curves.band_curves(curves.seed_bands(long, {name: name})).legend.to_dict()["encoding"]
        ["color"]["legend"],
        scatter["layer"][1]["encoding"]["shape"]["legend"],
        scatter["layer"][1]["encoding"]["color"]["legend"],
    ]
    for legend in legends:  # Vega-Lite's default clips labels at 160 px, mid-name
        assert legend["labelLimit"] == 0 and legend["columns"] == 1


def test_fasta_lists_a_repeated_design_once_and_csv_keeps_every_row():
    # A collapsed run filled 89 of 128 rows with one design: a synthesis order from the FASTA
    # held 89 copies of it. The CSV keeps the rows (its `repeat` column says which).
    table = pd.DataFrame({"sequence": ["ACDE", "FGHI", "ACDE", "ACDE"],
                          "repeat": [False, False, True, True]})
    records = exports.designs_fasta(table).decode().splitlines()
    assert records[1::2] == ["ACDE", "FGHI"]
    assert len(pd.read_csv(pd.io.common.BytesIO(exports.designs_csv(table)))) == 4


def test_vector_columns_get_a_histogram_each_on_its_own_axis():
    # the Data page drew nothing beside the value histogram for vectors
    rng = np.random.default_rng(0)
    columns = {f"c{i}": rng.normal(10.0 ** i, 1.0, 30) for i in range(14)}
    spec = charts.coordinate_histograms(pd.DataFrame(columns)).to_dict()
    assert spec["facet"]["field"] == "column"
    assert spec["resolve"]["scale"]["x"] == "independent"  # a pH beside a pressure
    encoding = spec["spec"]["encoding"]  # bars up from 0, each axis over its own range
    assert encoding["y2"] == {"datum": 0} and encoding["x"]["scale"]["zero"] is False
    bars = pd.DataFrame(next(iter(spec["datasets"].values())))
    shown = list(dict.fromkeys(bars["column"]))
    assert shown == [f"c{i}" for i in range(charts.COORDINATES_SHOWN)] == spec["facet"]["sort"]
    # each column binned over its own range, not the widest column's
    for column in shown:
        own = bars[bars["column"] == column]
        assert own["from"].min() == columns[column].min() and own["to"].max() == pytest.approx(
            columns[column].max())
        assert own["designs"].sum() == 30 and len(own) == charts.COORDINATE_BINS
