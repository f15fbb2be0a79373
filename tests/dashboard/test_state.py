"""URL binding of sliders and chosen runs (Fine-tune and Explore pages)."""

from __future__ import annotations

import numpy as np
from dashboard_runs import APP, finished_finetune
from streamlit.testing.v1 import AppTest

from dashboard import state


def test_nearest_snaps_on_a_log_scale():
    grid = state.C_GRID
    assert state.nearest(grid, 0.9) == 1.0
    assert state.nearest(grid, 3.5) == 5.0  # log(3.5) is nearer log(5) than log(2)
    assert state.nearest(grid, 0.0) == 0.0
    assert state.nearest(grid, 1e9) == grid[-1]
    assert state.with_value(grid, 0.3) == tuple(sorted({*grid, 0.3}))


def open_page(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    at.switch_page(page)
    at.query_params.update(query or {})
    return at.run()


def slider(at: AppTest, key: str):
    return next(s for s in at.select_slider if s.key == key)


def test_finetune_sliders_follow_and_write_the_url(demo, workspace):
    at = open_page("app_pages/finetune.py", {"c": "5", "alpha": "0.1"})
    assert not at.exception
    assert slider(at, "c").value == 5.0 and slider(at, "alpha").value == 0.1
    slider(at, "c").set_value(0.2).run()
    assert at.query_params["c"] == "0.2"
    assert at.query_params["alpha"] == "0.1"


def test_a_url_value_between_grid_values_is_kept_and_one_outside_the_grid_is_fitted(
        demo, workspace):
    # ?alpha=0.07 opened on alpha 0.05, unsaid: the run launched was not the one linked
    at = open_page("app_pages/finetune.py", {"c": "0.3", "alpha": "0.07"})
    assert not at.exception
    assert slider(at, "c").value == 0.3 and slider(at, "alpha").value == 0.07
    assert "0.07" in slider(at, "alpha").options  # offered beside the grid's own values
    assert at.query_params["alpha"] == "0.07"
    at = open_page("app_pages/finetune.py", {"alpha": "500", "c": "-1"})
    assert slider(at, "alpha").value == state.ALPHA_GRID[-1] and slider(at, "c").value == 0.0


def test_finetune_defaults_come_from_the_pipeline(demo, workspace):
    from braid_core import pipeline

    at = open_page("app_pages/finetune.py")
    assert slider(at, "c").value == pipeline.defaults()["c"]
    assert slider(at, "alpha").value == pipeline.defaults()["alpha"]
    assert at.query_params["c"] == f"{pipeline.defaults()['c']:g}"


def test_chosen_runs_reopen_from_the_url(demo, workspace):
    first = finished_finetune(workspace, demo, c=0.5, alpha=0.01, seed=0)
    second = finished_finetune(workspace, demo, c=2.0, alpha=0.01, seed=0)
    # ?run= on both pages, each page's runs under a key of its own
    for page, key in (("app_pages/explore.py", "explore_run"), ("app_pages/finetune.py", "run")):
        at = open_page(page, {"run": f"{second},not-a-run"})
        assert not at.exception
        chosen = next(m for m in at.multiselect if m.key == key)
        assert chosen.value == [second]
        chosen.set_value([first, second]).run()
        assert at.query_params["run"] == f"{first},{second}"


def test_explore_c_slider_defaults_to_the_runs_c_and_binds(demo, workspace):
    run = finished_finetune(workspace, demo, c=2.0, alpha=0.01, seed=0)
    at = open_page("app_pages/explore.py", {"run": run})
    assert slider(at, "explore_c").value == 2.0
    assert at.query_params["c"] == "2"
    at = open_page("app_pages/explore.py", {"run": run, "c": "0.05"})
    assert slider(at, "explore_c").value == 0.05
    assert any("Selection" in h.value or "All designs" in h.value for h in at.subheader)
    # Invalid designs (true score -inf in the run's table) show a blank score, not -Infinity
    # (the table's only mark of them: it leaves `valid` to the downloads).
    table = at.dataframe[0].value
    assert not np.isinf(table["true_score"].astype(float)).any()
    assert table["true_score"].isna().any()


def test_explore_starts_on_runs_of_one_reward_model_and_warns_on_a_mix(demo, workspace):
    import shutil

    import pandas as pd

    from braid_core import pipeline

    older = finished_finetune(workspace, demo, c=0.5, alpha=0.01, seed=0)
    same = finished_finetune(workspace, demo, c=1.0, alpha=0.01, seed=0)
    shutil.copytree(demo / "rewards", demo / "rewards2")  # another reward model
    run = workspace.create_run("finetune", pipeline.finetune_config(demo / "priors",
                                                                    demo / "rewards2"))
    run.write_designs(pd.DataFrame({"sequence": ["ACDE" * 8], "predicted_mean": [1.0],
                                    "uncertainty": [0.1], "conservative_score": [0.95]}))
    workspace.set_status(run.id, "running")
    workspace.set_status(run.id, "done")
    other = run.id
    assert workspace.list_runs()[0].id == other  # the newest
    at = open_page("app_pages/explore.py")
    chosen = next(m for m in at.multiselect if m.key == "explore_run")
    assert chosen.value == [other] and not at.warning
    chosen.set_value([other, same, older]).run()
    (warning,) = at.warning
    assert warning.value.startswith("These runs were scored by 2 different reward models")
    chosen.set_value([same, older]).run()
    assert not at.warning


def test_compare_starts_on_settings_and_baselines_of_one_reward_model(demo, workspace):
    import shutil

    from braid_core import pipeline

    def baseline(reward: str) -> str:
        config = pipeline.baseline_config("pretrained", demo / "priors", demo / reward,
                                          num_designs=8, pool_size=8)  # fmt: skip
        run = workspace.create_run("baseline", config, name=f"baseline pretrained {reward}")
        workspace.set_status(run.id, "running")
        workspace.set_summary(run.id, {"true_score_median": 0.1, "designs": 8})
        workspace.set_status(run.id, "done")
        return run.id

    shutil.copytree(demo / "rewards", demo / "rewards2")  # another reward model
    same_baseline = baseline("rewards")
    first = finished_finetune(workspace, demo, c=0.5, alpha=0.01, seed=0)
    second = finished_finetune(workspace, demo, c=1.0, alpha=0.01, seed=0)
    other_baseline = baseline("rewards2")  # the newest run, but of another reward model
    cancelled = finished_finetune(workspace, demo, c=2.0, alpha=0.01, seed=0)
    workspace.set_status(cancelled, "cancelled")  # newer, but nothing final to compare
    at = open_page("app_pages/finetune.py")
    chosen = next(m for m in at.multiselect if m.key == "run")
    assert chosen.value == [second, first, same_baseline]
    assert not at.warning and not at.exception
    chosen.set_value([same_baseline, other_baseline]).run()
    (warning,) = at.warning
    assert warning.value.startswith("These runs were scored by 2 different reward models")
    # Two reward models' baselines are two settings, not two seeds of one.
    groups = at.dataframe[-1].value["group"].tolist()
    assert len(groups) == 2 and all(g.startswith("baseline pretrained · reward: ") for g in groups)
    assert any(g.endswith("rewards2") for g in groups), groups
