"""The Reward model page's held-out figures (AppTest)."""

from __future__ import annotations

import json
import math

from dashboard_runs import APP
from streamlit.testing.v1 import AppTest


def test_a_correlation_that_is_nan_says_why_instead(demo, workspace):
    # Held-out values all alike (e.g. all but one design at one level): Spearman is NaN, and
    # the page showed "nan".
    config = demo / "rewards" / "config.json"
    meta = json.loads(config.read_text())
    meta["metrics"] = {**meta["metrics"], "spearman": math.nan}
    config.write_text(json.dumps(meta))
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at = at.switch_page("app_pages/reward.py").run()
    assert not at.exception
    shown = {m.label: m for m in at.metric}
    assert shown["Spearman rho"].value == "n/a"
    assert shown["Spearman rho"].proto.help == (
        "Not defined: the held-out values or the predictions are all alike.")
    assert shown["Pearson r"].value == "0.800" and not shown["Pearson r"].proto.help


def test_a_model_that_barely_ranks_its_held_out_designs_is_flagged(demo, workspace):
    # The page showed Pearson -0.139 / Spearman -0.033 with only its generic text.
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at = at.switch_page("app_pages/reward.py").run()
    assert not [w for w in at.warning if "barely ranks" in w.value]  # Spearman 0.75
    config = demo / "rewards" / "config.json"
    meta = json.loads(config.read_text())
    meta["metrics"] = {**meta["metrics"], "pearson": -0.139, "spearman": -0.033}
    config.write_text(json.dumps(meta))
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at = at.switch_page("app_pages/reward.py").run()
    assert not at.exception
    (weak,) = [w.value for w in at.warning if "barely ranks" in w.value]
    assert weak.startswith("The reward model barely ranks held-out designs (Spearman -0.03, "
                           "below 0.2)")
