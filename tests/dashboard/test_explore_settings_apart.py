"""The Explore page's c and chosen runs are its own, not the Fine-tune page's: both pages
name them `c` and `run` in the URL, under session keys of their own (AppTest)."""

from __future__ import annotations

from dashboard_runs import APP, finished_finetune
from streamlit.testing.v1 import AppTest

from braid_core import pipeline

FINETUNE, EXPLORE = "app_pages/finetune.py", "app_pages/explore.py"
C_LABELS = {FINETUNE: "Conservatism c (weight on uncertainty)",
            EXPLORE: "Conservatism c for the iso-lines"}
RUN_LABELS = {FINETUNE: "Runs to compare", EXPLORE: "Runs and baselines"}


def c_slider(at: AppTest, page: str):
    return next(s for s in at.select_slider if s.label == C_LABELS[page])


def runs_picker(at: AppTest, page: str):
    return next(m for m in at.multiselect if m.label == RUN_LABELS[page])


def show(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_each_page_keeps_its_own_c_and_runs_across_visits_to_the_other(demo, workspace):
    # A tester's launch used the c set on Explore for its iso-lines, and Explore came back
    # from Fine-tune with no runs and c = 0.
    first = finished_finetune(workspace, demo, c=2.0, alpha=0.1, seed=0)
    second = finished_finetune(workspace, demo, c=1.0, alpha=0.1, seed=1)
    at = show(AppTest.from_file(str(APP), default_timeout=60).run(), FINETUNE)
    c_slider(at, FINETUNE).set_value(0.1)
    runs_picker(at, FINETUNE).set_value([second])
    at.run()
    show(at, EXPLORE)
    runs_picker(at, EXPLORE).set_value([first]).run()
    c_slider(at, EXPLORE).set_value(0.5).run()
    assert at.query_params["c"] == "0.5" and at.query_params["run"] == first
    show(at, FINETUNE)
    assert c_slider(at, FINETUNE).value == 0.1
    assert runs_picker(at, FINETUNE).value == [second]
    assert at.query_params["c"] == "0.1" and at.query_params["run"] == second
    show(at, EXPLORE)
    assert runs_picker(at, EXPLORE).value == [first]
    assert c_slider(at, EXPLORE).value == 0.5
    assert at.query_params["c"] == "0.5" and at.query_params["run"] == first


def test_a_link_s_c_and_runs_are_for_the_page_it_opens(demo, workspace):
    first = finished_finetune(workspace, demo, c=2.0, alpha=0.1, seed=0)
    second = finished_finetune(workspace, demo, c=1.0, alpha=0.1, seed=1)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page(EXPLORE)
    at.query_params.update({"c": "0.05", "run": first})
    at.run()
    assert c_slider(at, EXPLORE).value == 0.05 and runs_picker(at, EXPLORE).value == [first]
    show(at, FINETUNE)  # Explore's ?c=0.05&run=.. may still be in the URL
    assert c_slider(at, FINETUNE).value == pipeline.defaults()["c"]
    assert runs_picker(at, FINETUNE).value == [second, first]  # its own default: the newest
    show(at, EXPLORE)
    assert c_slider(at, EXPLORE).value == 0.05 and runs_picker(at, EXPLORE).value == [first]
