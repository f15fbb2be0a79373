"""Explore's designs table at 1280 px, in a real browser: every column in sight, whole.

With the run id, r_c at the run's c and `valid` beside the novelty and the true score, a
32-letter design's table ran past a 1280 px window's: the novelty's values, right-aligned,
were drawn past the table's right edge (out of sight) and the columns after it needed a
sideways scroll. The data grid draws on a canvas: its texts are read by wrapping fillText
before the page loads (as test_narrow_window does).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from braid_core import pipeline
from braid_core.runs import Workspace
from dashboard import demo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dashboard"))
from browser_pages import (  # noqa: E402
    RECORD_TEXTS,
    needs_demo_models,
    settle,
    table_in_sight,
)
from dashboard_runs import random_sequences  # noqa: E402 (a helper module, not a package)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    needs_demo_models,
]

WIDTH = 1280  # px of the browser window, the sidebar open
NOVELTIES = [17, 18, 19, 20, 21, 22, 23]  # the designs' distances to D, as a demo run has them


def finished_run(ws: Workspace, seed: int, num_designs: int = 24) -> str:
    """A fine-tuning run of the shipped models with a designs table as a demo run writes it:
    32-letter designs, their predictions, novelty, true score, validity and repeats."""
    config = pipeline.finetune_config(demo.DEMO_PRIOR, demo.DEMO_REWARD, c=1.0, alpha=0.01,
                                      seed=seed, task="ehrlich-20-32")  # fmt: skip
    run = ws.create_run("finetune", config)
    rng = np.random.default_rng(seed)
    mean, spread = 0.13 + 0.03 * rng.random(num_designs), 0.03 * rng.random(num_designs)
    valid = rng.random(num_designs) > 0.2
    run.write_designs(pd.DataFrame({
        "sequence": random_sequences(rng, num_designs), "predicted_mean": mean,
        "uncertainty": spread, "conservative_score": mean - spread,
        "novelty": rng.choice(NOVELTIES, num_designs),
        "true_score": np.where(valid, rng.choice([0.25, 0.375, 0.5625], num_designs), -np.inf),
        "valid": valid, "repeat": False}))  # fmt: skip
    ws.set_status(run.id, "running")
    ws.set_status(run.id, "done")
    return run.id


def test_explores_table_shows_every_column_whole_at_1280_px(browser, server, workspace_root):
    ws = Workspace(workspace_root)
    runs = [finished_run(ws, seed) for seed in (0, 1)]
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, base_url=server)
    try:
        context.set_default_timeout(30_000)
        context.add_init_script(RECORD_TEXTS)
        page = context.new_page()
        page.goto("/explore?run=" + ",".join(runs))
        page.get_by_text("designs to download").wait_for()
        settle(page)
        drawn = table_in_sight(page, f"Explore at {WIDTH} px")
        headers = [text for text in drawn if text["text"].startswith("novelty")]
        values = [text for text in drawn if text["text"] in {str(n) for n in NOVELTIES}]
        assert headers and values, "no novelty column drawn"
    finally:
        context.close()
