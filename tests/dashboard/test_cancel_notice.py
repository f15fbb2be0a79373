"""A Cancel in a live panel says what it did where the run's card was, and on the Fine-tune
page the cancelled run's curves so far stay in sight under Compare runs."""

from __future__ import annotations

from pathlib import Path

from dashboard_runs import APP, finished_finetune
from streamlit.testing.v1 import AppTest

from braid_core import jobs, pipeline
from braid_core.runs import Workspace


def sleeping_run(ws: Workspace, demo: Path) -> str:
    """A fine-tuning run whose process is `sleep 60`, three metric rows written."""
    config = pipeline.finetune_config(demo / "priors", demo / "rewards", c=1.0, steps=10)
    run = ws.create_run("finetune", config, name="to-cancel")
    jobs.launch(ws, run.id, ["sleep", "60"])
    for step in (1, 2, 3):
        run.append_metrics({"step": step, "reward": 0.5 * step, "uncertainty": 0.1,
                            "kl": 0.02 * step, "loss": 1.0})  # fmt: skip
    return run.id


def test_a_cancelled_run_is_said_and_its_curves_stay_under_compare_runs(demo, workspace):
    done = finished_finetune(workspace, demo, c=1.0, alpha=0.1, seed=0)
    going = sleeping_run(workspace, demo)
    try:
        at = AppTest.from_file(str(APP), default_timeout=30).run()
        at.switch_page("app_pages/finetune.py").run()
        # The comparison as picked before the launch (or read from a link).
        at.multiselect(key="run").set_value([done]).run()
        at.button(key=f"cancel-{going}").click().run()
        assert not at.exception, at.exception
        assert workspace.record(going).status == "cancelled"
        # The run left "In progress" unsaid, and the comparison did not take it up.
        said = [i.value.replace("\\", "") for i in at.info]
        assert (f"to-cancel c=1 alpha=0.1 seed=0 [{going[-4:]}] was cancelled. Its curves so far "
                "stay under Compare runs below; its log is on the Runs page.") in said
        assert at.multiselect(key="run").value == [done, going]
        # Its own group, not pooled with the finished run of its setting as another seed;
        # with no summary, it is named under the table, not a row of blanks in it.
        table = at.dataframe[-1].value
        assert [g.endswith("(cancelled)") for g in table["group"]] == [False]
        assert any(c.value.startswith("No final numbers for c=1 alpha=0.1 steps=10")
                   and "(cancelled): it ended before writing a summary." in c.value
                   for c in at.caption)
        at.run()  # still said on the next rerun (a toast was gone at once) ...
        assert any("was cancelled" in i.value for i in at.info)
        at.switch_page("app_pages/runs.py").run()  # ... not on another page's panel
        assert not any("was cancelled" in i.value for i in at.info)
    finally:
        jobs.cancel(workspace, going)
