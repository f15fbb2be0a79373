"""Every page renders through st.navigation without an exception, on the demo alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from dashboard_runs import APP, finished_finetune
from streamlit.testing.v1 import AppTest

PAGES = [
    "app_pages/data.py",
    "app_pages/prior.py",
    "app_pages/reward.py",
    "app_pages/finetune.py",
    "app_pages/explore.py",
    "app_pages/runs.py",
]


def app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=30)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_first_start(demo, workspace, page):
    at = app().run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title[0].value in {"Data", "Prior", "Reward model", "Fine-tune", "Explore", "Runs"}


def test_fine_tune_steps_and_batch_go_up_to_the_limits_every_run_has(demo, workspace,
                                                                      monkeypatch):
    from braid_core import defaults

    # other limits than the shipped ones: the page follows the constants, not a copy of them
    monkeypatch.setattr(defaults, "MAX_STEPS", 500)
    monkeypatch.setattr(defaults, "MAX_BATCH", 64)
    at = app().run()
    at.switch_page("app_pages/finetune.py").run()
    assert not at.exception, at.exception
    steps, batch = at.number_input(key="ft_steps"), at.number_input(key="ft_batch_size")
    assert (steps.label, steps.max) == ("Steps", 500)
    assert (batch.label, batch.max) == ("Batch size", 64)


def test_every_page_has_its_own_url_and_the_root_opens_the_data_page(demo, workspace):
    at = app().run()
    assert not at.exception and at.title[0].value == "Data"
    # What a browser's /<path> is matched against (AppTest keeps no public view of it):
    # a default page is served at "" alone, so Data as the default made /data "not found".
    urls = {Path(info["script_path"]).name: info["url_pathname"]
            for info in at._registered_pages.values() if info.get("script_path")}
    assert urls == {"data.py": "data", "design.py": "design", "prior.py": "prior",
                    "reward.py": "reward", "finetune.py": "finetune",
                    "explore.py": "explore", "runs.py": "runs"}


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_runs(demo, workspace, page):
    for seed in (0, 1):
        finished_finetune(workspace, demo, c=1.0, alpha=0.01, seed=seed)
    at = app().run()
    at.switch_page(page).run()
    assert not at.exception, at.exception


def test_prior_table_shows_the_calibrated_position_noise(demo, workspace):
    at = app().run()
    at.switch_page("app_pages/prior.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["position noise"]) == [3.0]  # read from the prior's config.json


def test_prior_samples_show_while_drawn_and_when_they_failed(demo, workspace):
    import pandas as pd

    from braid_core import jobs, pipeline

    samples = "prior samples"  # the name the page gives them (importing a page would run it)

    config = pipeline.baseline_config("pretrained", demo / "priors", demo / "rewards",
                                      num_designs=8, pool_size=8)  # fmt: skip
    failed = workspace.create_run("baseline", config, name=samples)
    workspace.set_status(failed.id, "running")
    workspace.set_status(failed.id, "failed", error="ValueError: the prior could not be read")
    done = workspace.create_run("baseline", config, name=samples)
    done.write_designs(pd.DataFrame({"sequence": ["ACDE" * 8] * 8, "predicted_mean": 0.0}))
    workspace.set_status(done.id, "running")
    workspace.set_status(done.id, "done")
    drawing = workspace.create_run("baseline", config, name=samples)
    jobs.launch(workspace, drawing.id, ["sleep", "30"])
    try:
        at = app().run()
        at.switch_page("app_pages/prior.py").run()
        assert not at.exception, at.exception
        assert any("1 run(s) in progress" in c.value for c in at.caption)
        assert drawing.id[-4:] in " ".join(m.value for m in at.markdown)
        table = at.dataframe[1].value.set_index("run")
        assert set(table.index) == {failed.id, done.id}
        assert (table["prior"] == "shipped prior ehrlich-20-32").all()
        assert table.loc[failed.id, "status"] == "failed"
        assert "could not be read" in table.loc[failed.id, "error"]
        assert table.loc[done.id, "designs"] == 8
        assert any(c.value.startswith("Validity needs an oracle") for c in at.caption)
    finally:
        jobs.cancel(workspace, drawing.id)
