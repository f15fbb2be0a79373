"""The Design page: the whole pipeline (`braid design`) as one job from the dashboard."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dashboard_runs import APP, random_sequences
from streamlit.testing.v1 import AppTest

from braid_core import jobs
from braid_core.runs import Workspace
from dashboard import catalog, components, run_names


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    return at.switch_page(page).run()


def submit(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Launch the whole pipeline").click()
    return at.run()


@pytest.fixture
def sleeping_jobs(monkeypatch: pytest.MonkeyPatch):
    """pipeline.start launches `sleep 30` instead of the real job (no training here)."""
    monkeypatch.setattr(jobs, "cli_command", lambda *args: ["sleep", "30"])


def test_the_form_starts_one_run_with_the_measured_defaults(demo, workspace, sleeping_jobs):
    at = open_page("app_pages/design.py")
    assert not at.exception
    assert at.selectbox(key="design_method").value == "braid-bonus"
    at.selectbox(key="design_oracle").set_value("none")
    at.text_input(key="design_name").set_value("first try")
    submit(at)
    try:
        assert not at.exception and not at.error
        [run] = workspace.list_runs(kind="design")
        config = run.config
        assert config["unlabeled"]["path"] == str(demo / "demo" / "unlabeled.csv")
        assert config["offline"]["path"] == str(demo / "demo" / "offline.csv")
        assert (config["method"], config["c"], config["alpha"]) == ("braid-bonus", 0.5, 0.1)
        assert (config["max_minutes"], config["num_designs"], config["task"]) == (10.0, 128,
                                                                                 None)
        assert run.name == "first try" and run.status == "running"
        assert (config["value_tilt"], config["count_weighting"]) == (0.0, "none")
    finally:
        for record in workspace.list_runs():
            jobs.cancel(workspace, record.id)


def test_the_reward_fit_options_of_braid_design_are_on_the_form(demo, workspace,
                                                                sleeping_jobs):
    at = open_page("app_pages/design.py")
    at.selectbox(key="design_oracle").set_value("none")
    at.selectbox(key="design_value_tilt").set_value(2.0)
    at.selectbox(key="design_count_weighting").set_value("estimated")
    submit(at)
    try:
        assert not at.exception and not at.error
        [run] = workspace.list_runs(kind="design")
        assert (run.config["value_tilt"], run.config["count_weighting"]) == (2.0, "estimated")
    finally:
        for record in workspace.list_runs():
            jobs.cancel(workspace, record.id)


def test_launching_reads_each_data_file_once(demo, workspace, sleeping_jobs, monkeypatch):
    at = open_page("app_pages/design.py")
    at.selectbox(key="design_oracle").set_value("none")
    reads: collections.Counter[str] = collections.Counter()
    read_bytes = Path.read_bytes

    def counted(path: Path) -> bytes:
        reads[str(path)] += 1
        return read_bytes(path)

    # every design file is read through Path.read_bytes (braid_core.data.loading.file_bytes)
    monkeypatch.setattr(Path, "read_bytes", counted)
    submit(at)
    try:
        assert not at.exception and not at.error
        [run] = workspace.list_runs(kind="design")
        files = [run.config[key]["path"] for key in ("unlabeled", "offline")]
        # once to pair the two files' alphabets and check them as `braid design` does, not
        # once for each
        assert {path: reads[path] for path in files} == {path: 1 for path in files}
    finally:
        for record in workspace.list_runs():
            jobs.cancel(workspace, record.id)


def test_an_oracle_that_does_not_fit_the_data_is_said_before_any_run(demo, workspace,
                                                                     sleeping_jobs):
    # Demo data of protein 12-mers: the demo's task scores 32-mers.
    rng = np.random.default_rng(1)
    for name in ("offline.csv", "unlabeled.csv"):
        frame = pd.DataFrame({"sequence": random_sequences(rng, 60, length=12)})
        frame.assign(value=rng.random(60)).to_csv(demo / "demo" / name, index=False)
    at = submit(open_page("app_pages/design.py"))
    assert not at.exception
    [error] = at.error
    assert "Not started" in error.value and "length 32" in error.value
    assert workspace.list_runs() == []


def test_the_step_under_way_gives_the_live_curves():
    frame = pd.DataFrame({"step": [1, 2, 1, 2], "stage": ["prior", "prior", "reward", "reward"],
                          "loss": [3.0, 2.0, 1.0, 0.5]})
    assert components.current_stage(frame)["loss"].tolist() == [1.0, 0.5]
    plain = pd.DataFrame({"step": [1, 2], "loss": [1.0, 0.5]})
    assert components.current_stage(plain).equals(plain)


@pytest.mark.slow
def test_a_design_run_from_the_page_ends_with_designs_a_prior_and_a_reward_model(
        demo, workspace: Workspace):
    at = open_page("app_pages/design.py")
    at.selectbox(key="design_oracle").set_value("none")
    at.number_input(key="design_minutes").set_value(0.2)
    at.number_input(key="design_num").set_value(8)
    at.selectbox(key="design_device").set_value("cpu")
    submit(at)
    assert not at.exception and not at.error
    [run] = workspace.list_runs(kind="design")
    assert jobs.wait(workspace, run.id, timeout=180) == "done", workspace.record(run.id).error

    at = open_page("app_pages/design.py")
    finished = at.dataframe[0].value
    distinct, handed = finished["designs"].iloc[0].split(" of ")
    assert handed == "8" and 0 < int(distinct) <= 8 and "r_hat" in finished.columns
    assert at.selectbox(key="design_download_run").value == run.id
    assert {"Download CSV", "Download FASTA"} <= {b.label for b in at.get("download_button")}
    # Its prior and reward model are offered for more work, newest first after the shipped
    priors, rewards = catalog.priors(workspace), catalog.rewards(workspace)
    assert priors[catalog.newest_model(priors)].path == str(workspace.run_path(run.id) / "prior")
    assert priors[1].label.startswith("prior of design run ")
    assert priors[1].data == str(demo / "demo" / "unlabeled.csv")
    assert rewards[1].path == str(workspace.run_path(run.id) / "reward")
    assert rewards[1].data == str(demo / "demo" / "offline.csv")
    at = open_page("app_pages/finetune.py")
    assert at.selectbox(key="ft_prior").value == str(workspace.run_path(run.id) / "prior")
    # Its reward model's held-out quality, from the model (the run's summary is its designs').
    at = open_page("app_pages/reward.py")
    assert at.selectbox(key="reward_choice").value == rewards[1].path
    saved = json.loads((workspace.run_path(run.id) / "reward" / "config.json").read_text())
    shown = {m.label: m.value for m in at.metric}
    assert shown["Pearson r"] == f"{saved['metrics']['pearson']:.3f}", shown

    at = open_page("app_pages/explore.py")
    assert not at.exception
    assert at.multiselect(key="explore_run").value == [run.id]
    table = at.dataframe[0].value
    assert (table["source"] != "offline data").all() and len(table) == 8  # designs only
    at.toggle(key="explore_offline_rows").set_value(True).run()
    table = at.dataframe[0].value
    assert (table["source"] != "offline data").sum() == 8
    assert "offline data" in set(table["source"])  # the run's reward step wrote the overlay
    assert table["source"].str.startswith("design braid-bonus c=0.5 alpha=0.1 seed=0").any()


def test_a_design_run_stopped_after_pre_training_still_offers_its_prior(demo, workspace):
    # Cancelled (or crashed) while fitting the reward model: the prior it saved stays usable.
    from braid_core import pipeline

    config = pipeline.design_config(demo / "demo" / "unlabeled.csv",
                                    demo / "demo" / "offline.csv")
    run = workspace.create_run("design", config)
    (run.path / "prior").mkdir()
    (run.path / "prior" / "config.json").write_text((demo / "priors" / "config.json").read_text())
    workspace.set_status(run.id, "running")
    workspace.set_status(run.id, "cancelled")
    priors, rewards = catalog.priors(workspace), catalog.rewards(workspace)
    assert [p.label for p in priors if p.run_id] == [
        f"prior of design run {run.id} · data: demo ehrlich-20-32 (cancelled)"]
    assert not [r for r in rewards if r.run_id]  # it stopped before saving one


def test_design_runs_are_labelled_with_the_settings_their_method_used(workspace):
    # design_config records c and alpha for every method; proxy never reads alpha and STRL
    # runs at c = 0, so a label showing them would describe settings that did nothing.
    def label(method: str) -> str:
        run = workspace.create_run("design", {"method": method, "c": 0.5, "alpha": 0.1,
                                              "seed": 2})
        return run_names.run_label(workspace.record(run.id))

    assert label("braid-bonus").startswith("design braid-bonus c=0.5 alpha=0.1 seed=2 [")
    assert label("strl").startswith("design strl alpha=0.1 seed=2 [")
    assert label("proxy").startswith("design proxy c=0.5 seed=2 [")
    # A baseline keeping every design it draws ranks none by r_c: its c did nothing either.
    kept = workspace.create_run("baseline", {"method": "pretrained", "c": 0.5, "seed": 0,
                                             "num_designs": 8, "pool_size": 8}, name="samples")
    ranked = workspace.create_run("baseline", {"method": "pretrained", "c": 0.5, "seed": 0,
                                               "num_designs": 8, "pool_size": 32})
    assert run_names.run_label(workspace.record(kept.id)).startswith("samples seed=0 [")
    assert run_names.run_label(workspace.record(ranked.id)).startswith("baseline pretrained c=0.5")


def test_the_designs_picker_moves_to_a_run_that_finishes_while_the_page_is_open(workspace):
    def finished() -> str:
        run = workspace.create_run("design", {"method": "braid-bonus", "c": 0.5, "alpha": 0.1,
                                              "seed": 0})
        run.write_designs(pd.DataFrame({"sequence": ["ACGT"], "predicted_mean": [1.0]}))
        workspace.set_status(run.id, "running")
        workspace.set_status(run.id, "done")
        return run.id

    older = finished()
    at = open_page("app_pages/design.py")
    assert at.selectbox(key="design_download_run").value == older
    newer = finished()
    at.run()
    assert at.selectbox(key="design_download_run").value == newer


def test_a_run_whose_time_budget_was_too_short_says_so(demo, workspace):
    # As `braid design --max-minutes 0.3 --num-designs 16` left it: the reward fit cut short
    # (its config.json) and 16 of the 64 pool designs drawn (summary against config).
    from braid_core import pipeline

    def finished(cut: float, drawn: int) -> str:
        config = pipeline.design_config(demo / "demo" / "unlabeled.csv",
                                        demo / "demo" / "offline.csv", max_minutes=0.3,
                                        num_designs=16)
        run = workspace.create_run("design", config)
        (run.path / "reward").mkdir()
        meta = {"config": {"max_minutes": 0.054}, "metrics": {"networks_cut_by_time": cut}}
        (run.path / "reward" / "config.json").write_text(json.dumps(meta))
        workspace.set_status(run.id, "running")
        workspace.set_summary(run.id, {"num_designs": 16.0, "pool_size": drawn})
        workspace.set_status(run.id, "done")
        return run.id

    enough = finished(cut=0.0, drawn=64)
    short = finished(cut=2.0, drawn=16)
    at = open_page("app_pages/design.py")
    assert not at.exception
    cut = at.dataframe[0].value.set_index("run")["cut short"].tolist()
    assert cut[0] == "reward fit, pool" and pd.isna(cut[1])  # newest first; blank
    formats = json.loads(at.dataframe[0].proto.columns)  # valid read 0.9688, minutes 1.9082
    assert formats["valid"]["type_config"]["format"] == "percent"
    assert formats["min"]["type_config"]["format"] == "%.1f"
    assert formats["r_hat"]["type_config"]["format"] == "%.4g"  # -124646868 read in full
    assert at.selectbox(key="design_download_run").value == short
    (warning,) = at.warning
    assert "time budget (0.3 min) was too short" in warning.value
    assert ("reward fit reached its time limit (0.054 min): 2 network(s) stopped"
            in warning.value)
    assert ("The time limit let the fine-tuned model draw 16 of the 64 pool designs: the 16 "
            "handed over are the best of those 16" in warning.value)
    at.selectbox(key="design_download_run").set_value(enough).run()
    assert not at.warning


def test_the_finished_table_keeps_its_columns_whichever_run_is_newest(demo, workspace):
    # A vector run newest (no true score, no share of distinct designs): the columns it
    # lacked moved to the end, out of sight, and its empty cells read "None".
    def finished(summary: dict) -> None:
        run = workspace.create_run("design", {"method": "braid-bonus", "c": 0.5})
        workspace.set_status(run.id, "running")
        workspace.set_summary(run.id, {"num_designs": 16.0, "predicted_mean_median": 0.5,
                                       "elapsed_minutes": 1.0, **summary})
        workspace.set_status(run.id, "done")

    finished({"unique_fraction": 0.75, "true_score_median": 0.25})  # a sequence run
    # a vector run, the newest; without an oracle, D's best is what r_hat is held against
    finished({"distinct_designs": 16.0, "measured_best": 0.7})
    table = open_page("app_pages/design.py").dataframe[0].value
    assert list(table.columns) == ["run", "designs", "r_hat", "D's best", "true", "min"]
    assert table["D's best"].tolist()[0] == 0.7
    assert table["designs"].tolist() == ["16 of 16", "12 of 16"]
    assert table["true"].isna().tolist() == [True, False]  # drawn blank (placeholder "")
