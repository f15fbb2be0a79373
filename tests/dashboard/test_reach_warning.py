"""Designs predicted far past the measured best are named on the Design and Explore pages,
in the pipeline's words (AppTest)."""

from __future__ import annotations

from dashboard_runs import APP, finished_finetune
from streamlit.testing.v1 import AppTest

from braid_core import pipeline

# As a protein run left it: predicted at 10.9 against a measured best of 5.5.
FAR = {"predicted_mean_median": 10.9, "predicted_mean_max": 12.3, "uncertainty_median": 2.0,
       "measured_best": 5.5, "measured_median": 3.1, "novelty_mean": 16.0,
       "design_length": 20.0}
NEAR = {**FAR, "predicted_mean_median": 6.0, "predicted_mean_max": 6.5}


def open_page(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page(page)
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, at.exception
    return at


def finished_design(workspace, demo, summary: dict) -> str:
    config = pipeline.design_config(demo / "demo" / "unlabeled.csv",
                                    demo / "demo" / "offline.csv", num_designs=16)
    run = workspace.create_run("design", config)
    workspace.set_status(run.id, "running")
    workspace.set_summary(run.id, {"num_designs": 16.0, **summary})
    workspace.set_status(run.id, "done")
    return run.id


def test_the_design_page_names_designs_predicted_far_past_the_measured_best(demo, workspace):
    near = finished_design(workspace, demo, NEAR)
    far = finished_design(workspace, demo, FAR)
    at = open_page("app_pages/design.py")
    assert at.selectbox(key="design_download_run").value == far  # the newest
    (warning,) = at.warning
    assert ("The designs handed over are predicted at a median of 10.9 (up to 12.3), far past "
            "the best measured value (5.5; the measured median is 3.1); they differ from the "
            "nearest measured design in 16 of 20 positions on average" in warning.value)
    assert "raise c to keep the designs nearer the measured ones." in warning.value
    at.selectbox(key="design_download_run").set_value(near).run()
    assert not at.warning


def test_explore_names_each_run_whose_designs_are_predicted_far_past_it(demo, workspace):
    plain = finished_finetune(workspace, demo, c=0.5, alpha=0.01, seed=0, num_designs=12)
    far = finished_finetune(workspace, demo, c=0.5, alpha=0.01, seed=1, num_designs=12)
    workspace.set_summary(far, FAR)
    at = open_page("app_pages/explore.py", {"run": f"{plain},{far}"})
    warnings = [w.value for w in at.warning if "far past the best measured" in w.value]
    assert len(warnings) == 1 and warnings[0].count("far past the best measured") == 1
    assert "seed=1" in warnings[0].split(":")[0]  # the run is named by its label
    at = open_page("app_pages/explore.py", {"run": plain})
    assert not [w for w in at.warning if "far past" in w.value]


def test_the_design_page_flags_a_run_whose_reward_model_barely_ranks(demo, workspace):
    import json

    run_id = finished_design(workspace, demo, NEAR)
    reward = workspace.run_path(run_id) / "reward"
    reward.mkdir(parents=True)
    meta = {"format": "braid-reward", "kind": "bonus", "metrics": {"spearman": 0.6}}
    (reward / "config.json").write_text(json.dumps(meta))
    assert not open_page("app_pages/design.py").warning
    meta["metrics"] = {"pearson": -0.139, "spearman": -0.033}
    (reward / "config.json").write_text(json.dumps(meta))
    (warning,) = open_page("app_pages/design.py").warning
    assert "The reward model barely ranks held-out designs (Spearman -0.03" in warning.value
    assert warning.value.startswith("design braid-bonus")  # the run named
