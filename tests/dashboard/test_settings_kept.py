"""Settings typed into a page's launch panels are still there after a visit to another page.

Streamlit drops the value of every widget a run does not draw, so without
`state.keep_across_pages` a page switch sent each panel back to its defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dashboard_runs import APP
from streamlit.testing.v1 import AppTest

from braid_core import jobs
from braid_core.runs import MAX_NAME_LENGTH
from dashboard import state, uploads

WIDGET_KINDS = ("selectbox", "number_input", "text_input", "radio", "checkbox", "multiselect",
                "select_slider")
ORACLE_PICKER = "ft_oracle:"  # + the prior's path: the Fine-tune page's oracle picker
# page -> settings a user might change there, none of them the default
SETTINGS: dict[str, dict[str, Any]] = {
    "app_pages/design.py": {
        "design_method": "strl", "design_minutes": 3.0, "design_num": 64, "design_seed": 7,
        "design_oracle": "none", "design_c": 2.0, "design_alpha": 0.25,
        "design_network": "wide", "design_device": "cpu", "design_value_tilt": 2.0,
        "design_count_weighting": "counts", "design_name": "my settings",
    },
    "app_pages/prior.py": {
        "pretrain_minutes": 3.0, "pretrain_seed": 5, "pretrain_device": "cpu",
        "pretrain_name": "my prior", "sample_num": 72,
    },
    "app_pages/reward.py": {
        "reward_kind": "bonus", "reward_seed": 3, "reward_device": "cpu",
        "reward_network": "wide", "reward_value_tilt": 4.0,
        "reward_count_weighting": "estimated", "reward_name": "my reward",
    },
    "app_pages/finetune.py": {
        "c": 2.0, "ft_steps": 7, "ft_batch_size": 8, "ft_seeds": 2, "ft_num_designs": 72,
        "ft_pool_factor": 3, "ft_sweep": True, "ft_c_values": [0.0, 1.0, 2.0],
        "ft_alpha_values": [0.05, 0.1], "baseline_methods": ["ddom"], "baseline_num": 72,
    },
    "app_pages/data.py": {
        "upload_sequence_column": "seq", "upload_value_column": "score",
        "upload_alphabet": "protein",
    },
}


def widget(at: AppTest, key: str):
    """The widget drawn with this key, of whatever kind."""
    for kind in WIDGET_KINDS:
        for found in getattr(at, kind):
            if found.key == key:
                return found
    raise AssertionError(f"no widget with key {key!r} on this page")


def visit_another_page_and_return(at: AppTest, page: str) -> AppTest:
    at.switch_page("app_pages/runs.py").run()
    assert not at.exception
    return at.switch_page(page).run()


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def sleeping_jobs(monkeypatch: pytest.MonkeyPatch):
    """pipeline.start launches `sleep 30` instead of the real job (no training here)."""
    monkeypatch.setattr(jobs, "cli_command", lambda *args: ["sleep", "30"])


@pytest.mark.parametrize("page", list(SETTINGS))
def test_settings_survive_a_visit_to_another_page(demo, workspace, page):
    at = open_page(page)
    settings = SETTINGS[page]
    for key, value in settings.items():
        widget(at, key).set_value(value)
    at.run()
    assert not at.exception, at.exception
    visit_another_page_and_return(at, page)
    assert not at.exception, at.exception
    shown = {key: widget(at, key).value for key in settings}
    assert shown == settings


def test_a_change_sent_with_the_click_that_leaves_the_page_is_kept(demo, workspace):
    # The page is not drawn again with the new value: only the widget's on_change sees it.
    at = open_page("app_pages/design.py")
    at.number_input(key="design_minutes").set_value(3.0)
    at.text_input(key="design_name").set_value("typed, then away")
    visit_another_page_and_return(at, "app_pages/design.py")
    assert at.number_input(key="design_minutes").value == 3.0
    assert at.text_input(key="design_name").value == "typed, then away"


def test_each_run_name_field_takes_what_the_command_line_s_name_takes(demo, workspace):
    for page, key in (("app_pages/design.py", "design_name"),
                      ("app_pages/prior.py", "pretrain_name"),
                      ("app_pages/reward.py", "reward_name"),
                      ("app_pages/finetune.py", "ft_name")):
        assert open_page(page).text_input(key=key).max_chars == MAX_NAME_LENGTH, page


def test_the_fine_tune_oracle_and_the_url_bound_sliders_survive_too(demo, workspace):
    # An oracle typed (not listed) is tested in the browser: AppTest cannot send one.
    at = open_page("app_pages/finetune.py")
    [picker] = [s for s in at.selectbox if s.key.startswith(ORACLE_PICKER)]
    picker.set_value("none")
    at.select_slider(key="alpha").set_value(0.5)
    at.run()
    visit_another_page_and_return(at, "app_pages/finetune.py")
    assert at.selectbox(key=picker.key).value == "none"
    assert at.select_slider(key="alpha").value == 0.5
    assert at.query_params["alpha"] == "0.5"  # the URL binding still works


def test_a_launch_after_the_visit_uses_the_settings_shown(demo, workspace, sleeping_jobs):
    page = "app_pages/design.py"
    at = open_page(page)
    for key, value in SETTINGS[page].items():
        widget(at, key).set_value(value)
    at.run()
    visit_another_page_and_return(at, page)
    next(b for b in at.button if b.label == "Launch the whole pipeline").click()
    at.run()
    try:
        assert not at.exception and not at.error
        [run] = workspace.list_runs(kind="design")
        config = run.config
        assert (config["method"], config["max_minutes"], config["num_designs"]) == ("strl", 3.0,
                                                                                    64)
        assert (config["seed"], config["c"], config["alpha"]) == (7, 2.0, 0.25)
        assert (config["value_tilt"], config["count_weighting"]) == (2.0, "counts")
        assert run.name == "my settings"
    finally:
        for record in workspace.list_runs():
            jobs.cancel(workspace, record.id)


def test_a_data_set_deleted_meanwhile_gives_way_to_the_default(demo, workspace):
    old = uploads.store_upload(workspace.root, b"sequence\nACDEF\nGHIKL\n", "old.csv")
    uploads.store_upload(workspace.root, b"sequence\nMNPQR\nSTVWY\n", "new.csv")
    at = open_page("app_pages/design.py")
    default = at.selectbox(key="design_unlabeled").value  # the newest upload
    assert default != old.path
    at.selectbox(key="design_unlabeled").set_value(old.path).run()
    at.switch_page("app_pages/runs.py").run()
    Path(old.path).unlink()  # e.g. cleared from the workspace by hand meanwhile
    at.switch_page("app_pages/design.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="design_unlabeled").value == default


def test_a_kept_value_no_longer_offered_gives_way_to_the_default():
    assert state._allowed("wide", "auto", ("auto", "wide")) == "wide"
    assert state._allowed("gone", "auto", ("auto", "wide")) == "auto"
    assert state._allowed(3.5, 1.0, None) == 3.5  # no list of options: any value stands
    # Lists keep the items still offered; one left empty by it gets the default.
    assert state._allowed([0.5, 7.0], [0.0], (0.0, 0.5)) == [0.5]
    assert state._allowed([7.0], [0.0], (0.0, 0.5)) == [0.0]
    assert state._allowed([], [0.0], (0.0, 0.5)) == []  # emptied by the user: stays empty


def model_run(workspace, demo: Path, what: str) -> str:
    """A finished prior or reward run whose model is a copy of the demo's: a second model to
    pick, newer than the shipped one."""
    import shutil

    data = demo / "demo" / ("unlabeled.csv" if what == "prior" else "offline.csv")
    run = workspace.create_run(what, {"data": {"path": str(data)}})
    shutil.copytree(demo / ("priors" if what == "prior" else "rewards"),
                    workspace.run_path(run.id) / what)
    workspace.set_status(run.id, "running")
    workspace.set_status(run.id, "done")
    return run.id


@pytest.mark.parametrize(("page", "keys"), [
    ("app_pages/finetune.py", ("ft_prior", "ft_reward")),
    ("app_pages/reward.py", ("reward_choice",)),
])
def test_a_model_picked_other_than_the_newest_survives_a_visit(demo, workspace, page, keys):
    # The model pickers went back to the newest run's model after a page visit, and a launch
    # then used that one: a tester's fine-tune was made from the wrong prior and reward model.
    newest = {"prior": model_run(workspace, demo, "prior"),
              "reward": model_run(workspace, demo, "reward")}
    at = open_page(page)
    shipped = {"ft_prior": str(demo / "priors"), "ft_reward": str(demo / "rewards"),
               "reward_choice": str(demo / "rewards")}
    for key in keys:
        run_id = newest["prior" if key == "ft_prior" else "reward"]
        assert run_id in at.selectbox(key=key).value  # the newest run's model, at first
        at.selectbox(key=key).set_value(shipped[key])
    at.run()
    visit_another_page_and_return(at, page)
    assert not at.exception
    assert {key: at.selectbox(key=key).value for key in keys} == {k: shipped[k] for k in keys}
