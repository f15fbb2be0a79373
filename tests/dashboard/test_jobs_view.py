"""Live progress, cancel, several runs, runs started elsewhere, and launching from forms."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from dashboard_runs import ALPHABET, APP, finished_finetune
from streamlit.proto.SelectWidgetFilterMode_pb2 import SelectWidgetFilterMode
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Selectbox

from braid_core import jobs, pipeline
from dashboard import components


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    return at.switch_page(page).run()


def sleeping_run(ws, demo: Path, c: float) -> tuple[str, int]:
    """A fine-tuning run whose process is `sleep 60`, with a few metric rows written."""
    config = pipeline.finetune_config(demo / "priors", demo / "rewards", c=c, steps=10)
    run = ws.create_run("finetune", config)
    pid = jobs.launch(ws, run.id, ["sleep", "60"])
    for step in (1, 2, 3):
        run.append_metrics(
            {"step": step, "reward": 0.5 * step, "uncertainty": 0.1, "kl": 0.02 * step, "loss": 1.0}
        )
    run.write_progress({"fraction": 0.3, "message": "fine-tuning, step 3 of 10"})
    return run.id, pid


def test_live_progress_and_cancel_a_real_process(demo, workspace):
    first, pid = sleeping_run(workspace, demo, c=1.0)
    second, other = sleeping_run(workspace, demo, c=2.0)
    try:
        at = open_page("app_pages/finetune.py")
        assert not at.exception
        text = " ".join(m.value for m in at.markdown)
        assert first[-4:] in text and second[-4:] in text and "status: **running**" in text
        assert any("2 run(s) in progress" in c.value for c in at.caption)
        at.button(key=f"cancel-{first}").click().run()
        assert not at.exception
        assert workspace.record(first).status == "cancelled"
        assert not Path(f"/proc/{pid}").exists() or jobs.status(workspace, first) == "cancelled"
        assert jobs.status(workspace, second) == "running"  # the other run goes on
        text = " ".join(m.value for m in at.markdown)
        assert second[-4:] in text and first[-4:] not in text
    finally:
        for run_id in (first, second):
            jobs.cancel(workspace, run_id)


def test_status_survives_restart_and_dead_jobs_are_reconciled(demo, workspace):
    config = pipeline.finetune_config(demo / "priors", demo / "rewards")
    run = workspace.create_run("finetune", config)
    pid = jobs.launch(workspace, run.id, ["true"])
    os.waitpid(pid, 0)  # it ended without reporting; the index still says running
    assert workspace.record(run.id).status == "running"
    at = open_page("app_pages/runs.py")  # a fresh "server" on this workspace
    assert not at.exception
    assert workspace.record(run.id).status == "failed"
    table = at.dataframe[0].value
    assert table.set_index("run").loc[run.id, "status"] == "failed"


def test_runs_started_elsewhere_show_up(demo, workspace):
    run_id = finished_finetune(workspace, demo, c=1.0, alpha=0.01, seed=3)
    strl = finished_finetune(workspace, demo, c=0.0, alpha=0.01, seed=3)
    at = open_page("app_pages/runs.py")
    assert run_id in at.dataframe[0].value["run"].tolist()
    # The method as `braid runs list` names it (fine-tuning configs record none): the demo's
    # reward model is a Boot one; c = 0 is STRL.
    methods = at.dataframe[0].value.set_index("run")["method"]
    assert methods[run_id] == "braid-boot" and methods[strl] == "strl"
    at.selectbox(key="runs_detail").set_value(run_id).run()
    assert at.selectbox(key="runs_detail").value == run_id
    assert any('"c": 1.0' in code.value for code in at.code)
    # Its summary in words (the tab showed JSON with keys like "num_designs": 40.0).
    summary = next(d.value for d in at.dataframe if list(d.value.columns) == ["figure", "value"])
    assert summary.set_index("figure").loc["designs", "value"] == "40"


def test_the_log_wraps_its_long_lines(demo, workspace):
    run_id = finished_finetune(workspace, demo, c=1.0, alpha=0.01, seed=3)
    note = ("the reward fit reached its time limit (0.054 min): 2 network(s) stopped before "
            "their validation error stopped improving; more minutes would let them finish")
    (workspace.run_path(run_id) / "log.txt").write_text(f"step one\n{note}\n")
    at = open_page("app_pages/runs.py")
    (log,) = [code for code in at.code if note in code.value]
    assert log.proto.wrap_lines  # else the line runs off the box at 1280 px


def test_deleting_a_run_asks_first_and_names_the_runs_made_from_it(demo, workspace):
    parent = finished_finetune(workspace, demo, c=1.0, alpha=0.01, seed=3)
    child = workspace.create_run("finetune", {"c": 1.0}, parents=[parent, parent]).id
    workspace.set_status(child, "running")
    workspace.set_status(child, "failed")
    at = open_page("app_pages/runs.py")
    at.selectbox(key="runs_detail").set_value(parent).run()
    assert "Made from" not in " ".join(c.value for c in at.caption)
    at.button(key=f"delete-run-{parent}").click().run()
    (warning,) = at.warning
    assert warning.value == (f"Delete run {parent} and its files? Runs made from it keep their "
                             f"own files but no longer find it: {child}.")
    at.button(key=f"delete-no-{parent}").click().run()
    assert not at.warning and workspace.run_path(parent).is_dir()
    at.button(key=f"delete-run-{parent}").click().run()
    at.button(key=f"delete-yes-{parent}").click().run()
    assert not at.exception
    assert not workspace.run_path(parent).exists()
    assert [r.id for r in workspace.list_runs()] == [child]
    # The child's parents, said once each (a design run makes both prior and reward model),
    # and said to be gone (it read as if the parent were there).
    assert f"Made from: {parent} (deleted)" in [c.value for c in at.caption]


@pytest.fixture
def sleeping_jobs(monkeypatch: pytest.MonkeyPatch):
    """pipeline.start launches `sleep 30` instead of the real job (no training here)."""
    monkeypatch.setattr(jobs, "cli_command", lambda *args: ["sleep", "30"])


def test_sweep_launches_one_run_per_grid_point_and_seed(demo, workspace, sleeping_jobs):
    at = open_page("app_pages/finetune.py")
    at.number_input[2].set_value(2)  # seeds
    at.checkbox[0].check()
    at.multiselect[0].set_value([0.0, 1.0])  # c values
    at.multiselect[1].set_value([0.01, 0.1])  # alpha values
    at.text_input(key="ft_name").set_value("grid 1")  # the page had no name field
    at.button[0].click()  # form submit: "Launch fine-tuning"
    at.run()
    try:
        assert not at.exception and not at.error
        runs = workspace.list_runs(kind="finetune")
        assert len(runs) == 8
        grid = sorted(
            (r.config["finetune"]["c"], r.config["finetune"]["alpha"], r.config["seed"])
            for r in runs
        )
        assert grid == sorted((c, a, s) for c in (0.0, 1.0) for a in (0.01, 0.1) for s in (0, 1))
        assert all(r.config["task"] == "ehrlich-20-32" for r in runs)
        assert all(r.status == "running" for r in runs)
        assert {r.name for r in runs} == {"grid 1"}
    finally:
        for record in workspace.list_runs():
            jobs.cancel(workspace, record.id)


def test_the_launch_button_says_how_many_runs_it_starts(demo, workspace):
    def said(at: AppTest) -> str:
        (line,) = [c.value for c in at.caption if "start" in c.value or "Pick" in c.value]
        return line

    at = open_page("app_pages/finetune.py")
    launch = next(b for b in at.button if b.label == "Launch fine-tuning")
    assert said(at) == "This starts 1 run: the sliders' c and alpha × 1 seed."
    at.number_input[2].set_value(2).run()  # seeds: said before any click
    assert said(at) == "This starts 2 runs: the sliders' c and alpha × 2 seeds."
    at.checkbox[0].check()
    at.multiselect[0].set_value([0.0, 1.0, 2.0])
    at.multiselect[1].set_value([0.01, 0.1]).run()
    assert said(at) == "This starts 12 runs: 3 c values × 2 alpha values × 2 seeds."
    assert not next(b for b in at.button if b.label == launch.label).disabled
    at.number_input[2].set_value(5).run()
    assert said(at) == ("That is 30 runs; at most 24 start from one click: pick fewer values "
                        "or seeds.")
    assert next(b for b in at.button if b.label == launch.label).disabled
    at.multiselect[0].set_value([]).run()
    assert said(at) == "Pick at least one c value and one alpha value for the sweep."
    assert workspace.list_runs() == []


def test_a_typed_grid_value_matches_from_its_start(demo, workspace):
    # Fuzzy matching listed 0.05 first for a typed "0.5" (the browser's filter; AppTest sees
    # only the mode asked for).
    at = open_page("app_pages/finetune.py")
    modes = [SelectWidgetFilterMode.Name(m.proto.filter_mode) for m in at.multiselect[:2]]
    assert modes == ["FILTER_MODE_PREFIX", "FILTER_MODE_PREFIX"]


def test_the_oracle_picker_offers_the_tasks_of_the_priors_design_space(demo, workspace):
    # A prior of protein 32-mers, like the shipped one: of the named tasks only ehrlich-20-32
    # scores its designs (typing another instance is tested in the browser: AppTest cannot).
    config = demo / "priors" / "config.json"
    space = {"kind": "sequence", "alphabet": ALPHABET, "length": 32}
    config.write_text(json.dumps({**json.loads(config.read_text()), "space": space}))

    def oracle() -> Selectbox:
        at = open_page("app_pages/finetune.py")
        return next(s for s in at.selectbox if s.label == "Oracle for true scores")

    assert oracle().options == ["none", "ehrlich-20-32"] and oracle().value == "ehrlich-20-32"
    # A prior of DNA 8-mers (and a reward model for it): tfbind8 only; the demo data's own
    # task is not offered for it.
    for path in (config, demo / "rewards" / "config.json"):
        path.write_text(json.dumps({**json.loads(path.read_text()), "space": {
            "kind": "sequence", "alphabet": "ACGT", "length": 8}}))  # fmt: skip
    assert oracle().options == ["none", "tfbind8"] and oracle().value == "none"


def test_reward_form_launches_a_reward_job(demo, workspace, sleeping_jobs):
    at = open_page("app_pages/reward.py")
    assert any(m.label == "Pearson r" for m in at.metric)  # the shipped model's metrics
    at.radio[0].set_value("bonus")
    at.button[0].click()
    at.run()
    try:
        assert not at.exception and not at.error
        (record,) = workspace.list_runs(kind="reward")
        assert record.config["kind"] == "bonus"
        assert record.config["data"]["path"] == str(demo / "demo" / "offline.csv")
    finally:
        for record in workspace.list_runs():
            jobs.cancel(workspace, record.id)


def test_a_reward_fit_says_which_network_shape_it_is_on(demo, workspace):
    # The fit logs "shape" (0, then 1 for the second shape of "auto") and "head": words, not
    # a curve stepping from 0 to 1 that nothing explained.
    config = pipeline.reward_config(demo / "demo" / "offline.csv", kind="boot")
    run = workspace.create_run("reward", config)
    pid = jobs.launch(workspace, run.id, ["sleep", "60"])
    for step, shape in ((25, 0.0), (50, 0.0), (75, 1.0)):
        run.append_metrics({"step": step, "stage": "reward", "head": 0.0, "shape": shape,
                            "loss": 1.0 / step, "val_rmse": 0.1})
    try:
        at = open_page("app_pages/reward.py")
        assert not at.exception
        assert ("Fitting network shape 2 of 2 (wide), bootstrap head 1 of 4. Each shape is "
                "fitted in turn and the one of lower validation error is kept."
                in [c.value for c in at.caption])
        (live,) = [str(c.proto) for c in at.get("vega_lite_chart")
                   if "validation RMSE" in str(c.proto)]
        assert "shape" not in live
    finally:
        jobs.cancel(workspace, run.id)
        assert pid


def test_a_design_run_past_its_reward_fit_shows_fine_tuning_curves(demo, workspace):
    # A design run logs the reward fit's "shape" and then fine-tuning rows without it: the
    # card read the empty "shape" of a fine-tuning row as a reward fit's (int(NaN): a
    # traceback in place of the curves, on every design run).
    run = workspace.create_run("design", {"method": "braid-boot", "max_minutes": 5})
    pid = jobs.launch(workspace, run.id, ["sleep", "60"])
    run.append_metrics({"step": 25, "stage": "reward", "head": 0.0, "shape": 1.0,
                        "loss": 0.5, "val_rmse": 0.1})
    for step in (1, 2):
        run.append_metrics({"step": step, "stage": "finetune", "reward": 0.1 * step,
                            "uncertainty": 0.01, "kl": 0.5 * step})
    try:
        at = open_page("app_pages/design.py")
        assert not at.exception, at.exception
        assert not [c.value for c in at.caption if c.value.startswith("Fitting")]
        charts = [str(c.proto) for c in at.get("vega_lite_chart")]
        assert any("KL to the prior" in chart for chart in charts)
    finally:
        jobs.cancel(workspace, run.id)
        assert pid


def test_runs_that_finish_while_the_page_is_open_join_the_comparison(demo, workspace):
    first = finished_finetune(workspace, demo, c=0.5, alpha=0.01, seed=0)
    at = open_page("app_pages/finetune.py")
    (picker,) = [m for m in at.multiselect if m.label == "Runs to compare"]
    assert picker.value == [first]
    # A baseline ends within the live panel's refresh: launched here, never seen running. The
    # page noticed neither it nor a sweep's runs until reloaded.
    quick = finished_finetune(workspace, demo, c=1.0, alpha=0.01, seed=0)
    at.session_state[components.LAUNCHED] = [quick]
    at.run()
    assert not at.exception, at.exception
    (picker,) = [m for m in at.multiselect if m.label == "Runs to compare"]
    assert picker.value == [first, quick]
    assert at.session_state[components.LAUNCHED] == []


def test_a_failed_runs_error_reads_as_braid_runs_show_says_it(demo, workspace):
    config = pipeline.finetune_config(demo / "priors", demo / "rewards")
    refused = workspace.create_run("finetune", config)
    workspace.set_status(refused.id, "running")
    workspace.set_status(refused.id, "failed", error="ValueError: the prior could not be read")
    crashed = workspace.create_run("finetune", config)
    workspace.set_status(crashed.id, "running")
    workspace.set_status(crashed.id, "failed", error="TypeError: 'NoneType' is not iterable")
    at = open_page("app_pages/runs.py")
    table = at.dataframe[0].value.set_index("run")
    assert table.loc[refused.id, "error"] == "the prior could not be read"
    assert table.loc[crashed.id, "error"].startswith("the run crashed on an unexpected TypeError")
    at.selectbox(key="runs_detail").set_value(refused.id).run()
    assert [e.value for e in at.error] == ["the prior could not be read"]
