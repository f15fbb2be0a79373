"""The Design page's table of finished runs, and the Runs page's table of runs, at 1280 px in a
real browser: every column in sight.

A tester's four design runs (sequence runs with figures, vector runs with none of some) ran
the Finished table past a 1280 px window's: "cut short by time" was drawn cut, the columns
after it out of sight; a vector run's missing figures read a grey "None", and its r_hat
-124646868 unformatted. The Runs page's table was cut at "created". The data grid draws on a
canvas: its texts are read by wrapping fillText before the page loads (as
test_explore_table_width does).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from braid_core.runs import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dashboard"))
from browser_pages import RECORD_TEXTS, settle, table_in_sight  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTH = 1280  # px of the browser window, the sidebar open
SEQUENCE = {"num_designs": 128.0, "unique_fraction": 1.0, "predicted_mean_median": 0.90321,
            "uncertainty_median": 0.14129, "true_score_median": 0.5625, "true_score_max": 0.75,
            "validity": 0.9688, "fraction_above_offline_best": 0.125, "elapsed_minutes": 1.52,
            "prior_cut_by_time": True, "prior_steps": 30.0, "prior_warmup_steps": 100.0,
            "prior_max_minutes": 0.75}  # fmt: skip
VECTOR = {"num_designs": 128.0, "distinct_designs": 128.0, "predicted_mean_median": -124646868.0,
          "uncertainty_median": 5767021.3, "elapsed_minutes": 1.7}


def finished_design(ws: Workspace, name: str, data: str, summary: dict) -> str:
    config = {"method": "braid-bonus", "c": 0.5, "alpha": 0.1, "seed": 0, "num_designs": 128,
              "max_minutes": 1.5, "unlabeled": {"path": f"/data/{data}_unlabeled.csv"},
              "offline": {"path": f"/data/{data}.csv"}}
    run = ws.create_run("design", config, name=name)
    ws.set_status(run.id, "running")
    ws.set_summary(run.id, summary)
    ws.set_status(run.id, "done")
    return run.id


def test_the_finished_and_runs_tables_fit_1280_px(browser, server, workspace_root):
    ws = Workspace(workspace_root)
    finished_design(ws, "rna lower", "rna_lower_case_sequences", SEQUENCE)
    finished_design(ws, "protein 30mer", "protein_thirty_letters", SEQUENCE)
    finished_design(ws, "vec x first", "vec_x_labeled_measured", VECTOR)  # the newest
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, base_url=server)
    try:
        context.set_default_timeout(30_000)
        context.add_init_script(RECORD_TEXTS)
        page = context.new_page()
        for path, last, first in (("/design", "cut short", "designs"),
                                  ("/runs", "error", "run")):
            page.goto(path)
            page.get_by_test_id("stDataFrame").first.wait_for()
            settle(page)
            drawn = table_in_sight(page, f"{path} at {WIDTH} px")
            texts = {text["text"] for text in drawn}
            assert {first, last} <= texts, f"{path}: headers drawn: {sorted(texts)}"
            if path == "/design":
                assert "None" not in texts  # a figure a vector run lacks is blank
                assert "-124600000" in texts and "0.9032" in texts  # 4 significant digits
                assert "pre-training" in texts  # cut short, for the sequence runs
            page.evaluate("window.drawnTexts = []")
    finally:
        context.close()
