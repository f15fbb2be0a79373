"""Every page renders through st.navigation without an exception, on the demo alone."""

from __future__ import annotations

import pytest
from conftest import APP, finished_finetune
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
