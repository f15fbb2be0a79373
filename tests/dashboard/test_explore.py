"""The Explore page: its table, labels and messages (AppTest), and the labels it takes from
catalog."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from dashboard_runs import APP, finished_finetune
from streamlit.testing.v1 import AppTest

from braid_core import pipeline
from braid_core.runs import Workspace
from dashboard import run_names


def open_explore(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    at.switch_page("app_pages/explore.py")
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, at.exception
    return at


def offline_table(demo: Path, n: int = 25) -> None:
    """The reward model's predictions on the offline data, as a reward run writes them."""
    rng = np.random.default_rng(3)
    pd.DataFrame({"sequence": ["ACDE" * 8] * n, "predicted_mean": rng.random(n),
                  "uncertainty": rng.random(n) * 0.2, "conservative_score": rng.random(n),
                  "value": rng.random(n)}).to_csv(demo / "rewards" / "offline.csv", index=False)


def finetune_of(workspace: Workspace, reward: Path, demo: Path) -> str:
    """A finished fine-tuning run scored by `reward`, with three designs."""
    run = workspace.create_run("finetune", pipeline.finetune_config(demo / "priors", reward))
    run.write_designs(pd.DataFrame({"sequence": ["ACDE" * 8] * 3, "predicted_mean": 1.0,
                                    "uncertainty": 0.1, "conservative_score": 0.95}))
    workspace.set_status(run.id, "running")
    workspace.set_status(run.id, "done")
    return run.id


def downloadable(at: AppTest) -> int:
    (caption,) = [c.value for c in at.caption if "to download" in c.value]
    return int(caption.split()[0].replace(",", ""))


def test_table_lists_the_designs_and_the_offline_data_only_on_request(demo, workspace):
    offline_table(demo)
    run = finished_finetune(workspace, demo, c=0.5, alpha=0.01, seed=0, num_designs=12)
    at = open_explore({"run": run})
    table = at.dataframe[0].value
    assert len(table) == 12 and "offline data" not in set(table["source"])
    assert "value" not in table  # measured values are the offline rows' alone
    # The rank before the design: after a 32-letter sequence it was out of sight at 1024 px.
    assert list(table.columns[:3]) == ["source", "conservative_at_c", "sequence"]
    scores = table["conservative_at_c"].tolist()
    assert scores == sorted(scores, reverse=True)  # the best first
    # Headed in the page's words, not the files' column names (predicted_mean, ...).
    headers = json.loads(at.dataframe[0].proto.columns)
    assert headers["predicted_mean"] == {"label": "r_hat"}
    assert headers["conservative_at_c"]["label"] == "r_c at c = 0.5"  # short, for 1024 px
    assert "r_hat - c u at the slider's c" in headers["conservative_at_c"]["help"]
    # What other columns say is left out of the table (a 1280 px window cut its last columns
    # short), kept in the downloads: the run id (the source names the run), r_c at the run's
    # c (the slider starts there), valid (an invalid design's true score is blank).
    assert not {"run", "conservative_score", "valid"} & set(table.columns)
    assert {"predicted_mean", "uncertainty", "true_score"} <= set(table.columns)
    assert table["true_score"].isna().any()  # the invalid designs'
    # shown blank, as the column's help says (Streamlit's own placeholder read "None")
    proto = at.dataframe[0].proto
    assert proto.HasField("placeholder") and proto.placeholder == ""
    at.toggle(key="explore_offline_rows").set_value(True).run()
    table = at.dataframe[0].value
    assert len(table) == 12 + 25
    assert table["value"].iloc[:12].isna().all() and table["value"].iloc[12:].notna().all()
    assert (table["source"].iloc[:12] != "offline data").all()  # the designs come first
    assert (table["source"].iloc[12:] == "offline data").all()
    assert downloadable(at) == 12


def test_held_out_points_are_not_downloaded_as_designs(demo, workspace):
    """The demo reward model has only its held-out table: those points, renamed on the chart,
    were once counted (and downloaded) among the designs."""
    run = finished_finetune(workspace, demo, c=0.5, alpha=0.01, seed=0, num_designs=12)
    at = open_explore({"run": run})
    assert downloadable(at) == 12
    at.toggle(key="explore_offline_rows").set_value(True).run()
    assert "held-out offline data" in set(at.dataframe[0].value["source"])
    assert downloadable(at) == 12


def test_runs_of_two_reward_models_are_labelled_by_their_reward_model(demo, workspace):
    shutil.copytree(demo / "rewards", demo / "rewards2")
    first = finished_finetune(workspace, demo, c=0.5, alpha=0.01, seed=0)
    other = finetune_of(workspace, demo / "rewards2", demo)
    at = open_explore({"run": f"{first},{other}"})
    sources = set(at.dataframe[0].value["source"])
    assert {source.split(" · ")[-1] for source in sources} == {"reward: shipped rewards",
                                                               "reward: rewards2"}
    # The offline points come from whichever run's reward model still has its table: the
    # warning said "the first one's", wrong when the first run's model was deleted.
    (warning,) = at.warning
    assert "the offline data shown are scored by one of them alone" in warning.value
    labels = run_names.run_labels(workspace.list_runs(), workspace)
    assert sources == {labels[first], labels[other]}  # as the picker names them
    # One reward model: nothing to tell apart, so no suffix.
    alone = run_names.run_labels([workspace.record(first)], workspace)
    assert alone[first] == run_names.run_label(workspace.record(first))


def reward_run(workspace: Workspace, demo: Path) -> str:
    """A finished reward run whose model is a copy of the demo's."""
    reward = workspace.create_run("reward", {"data": str(demo / "demo" / "offline.csv")})
    shutil.copytree(demo / "rewards", workspace.run_path(reward.id) / "reward")
    workspace.set_status(reward.id, "running")
    workspace.set_status(reward.id, "done")
    return reward.id


def test_a_reward_run_is_named_as_its_run_label_ends(demo, workspace):
    reward = reward_run(workspace, demo)
    first = finished_finetune(workspace, demo, c=0.5, alpha=0.01, seed=0)
    other = finetune_of(workspace, workspace.run_path(reward) / "reward", demo)
    records = [workspace.record(first), workspace.record(other)]
    suffix = run_names.model_suffixes(records, workspace)[other]
    assert suffix == f" · reward: reward [{reward[-4:]}]"
    workspace.delete_run(reward)
    suffix = run_names.model_suffixes(records, workspace)[other]
    assert suffix == f" · reward: deleted run [{reward[-4:]}]"


def test_offline_data_of_a_deleted_reward_run_is_missing_for_that_reason(demo, workspace):
    reward = reward_run(workspace, demo)
    run = finetune_of(workspace, workspace.run_path(reward) / "reward", demo)
    workspace.delete_run(reward)
    at = open_explore({"run": run})
    (caption,) = [c.value for c in at.caption if c.value.startswith("Offline data not shown")]
    assert "has been deleted" in caption and reward in caption


def test_compare_names_runs_of_two_reward_models_as_explore_does(demo, workspace):
    shutil.copytree(demo / "rewards", demo / "rewards2")
    first = finished_finetune(workspace, demo, c=0.5, alpha=0.01, seed=0)
    other = finetune_of(workspace, demo / "rewards2", demo)
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    at.switch_page("app_pages/finetune.py").run()
    assert not at.exception, at.exception
    (picker,) = [m for m in at.multiselect if m.label == "Runs to compare"]
    labels = run_names.run_labels(workspace.list_runs(), workspace)
    # The picker said only "c=0.5 ..." for both: which reward model scored each was unsaid.
    assert sorted(picker.options) == sorted([labels[first], labels[other]])
    assert {label.split(" · ")[-1] for label in picker.options} == {"reward: shipped rewards",
                                                                     "reward: rewards2"}


def test_a_table_cut_at_its_row_limit_says_so(demo, workspace):
    offline_table(demo, n=1100)
    run = finished_finetune(workspace, demo, c=0.5, alpha=0.01, seed=0, num_designs=12)
    at = open_explore({"run": run})
    assert not [c for c in at.caption if "The table lists the first" in c.value]
    at.toggle(key="explore_offline_rows").set_value(True).run()
    # 1,112 rows, 1,000 listed: it was cut without a word.
    assert len(at.dataframe[0].value) == 1000
    assert [c.value for c in at.caption if "The table lists the first" in c.value] == [
        "The table lists the first 1,000 of 1,112 rows; the downloads below hold every design."]


def test_compare_draws_a_chart_per_metric_in_columns_and_one_legend(demo, workspace):
    runs = [finished_finetune(workspace, demo, c=0.5, alpha=0.01, seed=seed) for seed in (0, 1)]
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    at.switch_page("app_pages/finetune.py")
    at.query_params["run"] = ",".join(runs)
    at.run()
    assert not at.exception, at.exception
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    # One concat of fixed-width cells ran off the page in a 1024 px window: now a chart per
    # metric (reward, u, KL logged here) that fits its column, and a legend of its own.
    *curves, legend = specs
    assert [spec["title"]["text"] for spec in curves] == [
        "conservative reward r_c", "uncertainty u", "KL to the prior"]
    assert all("concat" not in spec and spec["autosize"]["type"] == "fit-x" for spec in specs)
    assert legend["encoding"]["color"]["legend"]["labelLimit"] == 0
    assert len(at.columns) >= 3
    # The final numbers keep the setting in view when a narrow window scrolls them sideways.
    table = at.dataframe[-1]
    assert table.value["runs"].tolist() == [2]
    group = json.loads(table.proto.columns)["group"]
    assert group["pinned"] is True and group["width"] == "medium"


def test_the_table_marks_repeats_only_where_a_design_repeats(demo, workspace):
    rows = pd.DataFrame({"sequence": ["ACDE" * 8, "ACDF" * 8, "ACDE" * 8],
                         "predicted_mean": [1.0, 0.9, 1.0], "uncertainty": 0.1,
                         "conservative_score": [0.95, 0.85, 0.95], "novelty": [3, 4, 3],
                         "repeat": [False, False, True]})
    runs = []
    for table in (rows, rows.assign(repeat=False).head(2)):
        run = workspace.create_run("finetune", pipeline.finetune_config(demo / "priors",
                                                                        demo / "rewards"))
        run.write_designs(table)
        workspace.set_status(run.id, "running")
        workspace.set_status(run.id, "done")
        runs.append(run.id)
    at = open_explore({"run": runs[0]})
    assert sorted(at.dataframe[0].value["repeat"]) == [False, False, True]
    assert "novelty" in at.dataframe[0].value
    at = open_explore({"run": runs[1]})  # a column of unticked boxes says nothing
    assert "repeat" not in at.dataframe[0].value and "novelty" in at.dataframe[0].value
    # Nor does a column blank on every row: the held-out points' measured values, without them
    assert "measured" not in at.dataframe[0].value


def test_the_tables_u_keeps_three_significant_digits(demo, workspace):
    # A tester's vector designs all read u = 0.0005 (0.00036 to 0.00055, rounded to 4 places).
    rows = pd.DataFrame({"sequence": ["ACDE" * 8, "ACDF" * 8],
                         "predicted_mean": [1.0, 0.9], "uncertainty": [0.00036, 0.00055],
                         "conservative_score": [0.95, 0.85], "novelty": [3, 4]})
    run = workspace.create_run("finetune", pipeline.finetune_config(demo / "priors",
                                                                    demo / "rewards"))
    run.write_designs(rows)
    workspace.set_status(run.id, "running")
    workspace.set_status(run.id, "done")
    at = open_explore({"run": run.id})
    table = at.dataframe[0]
    assert table.value["uncertainty"].tolist() == [0.00036, 0.00055]  # the values, unrounded
    column = json.loads(table.proto.columns)["uncertainty"]
    assert column["label"] == "u" and column["type_config"]["format"] == "%.3g"
