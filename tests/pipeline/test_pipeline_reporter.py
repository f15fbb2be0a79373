"""The reporter: notes for the user."""

from __future__ import annotations

from braid_core import pipeline


def test_a_reporter_says_each_note_once(capsys):
    report = pipeline.Reporter()
    for message in ("d.csv: 2 designs appear more than once", "alpha 0.1", "alpha 0.1"):
        report.note(message)
    report.note("d.csv: 2 designs appear more than once")
    assert capsys.readouterr().err.splitlines() == ["d.csv: 2 designs appear more than once",
                                                    "alpha 0.1"]


def test_a_count_reaches_the_bar_but_is_no_metric_row(tmp_path):
    # the designs drawn after fine-tuning advance the command line's bar; a metric row for
    # each would have put them among the fine-tuning's steps in metrics.jsonl
    from braid_core.runs import Workspace

    run = Workspace(tmp_path).create_run("finetune", {})
    seen, phases = [], []
    report = pipeline.Reporter(run, on_step=lambda step, metrics: seen.append((step, metrics)),
                               on_phase=lambda *phase: phases.append(phase))
    report.phase("fine-tuning", total=3)
    report.step(1, {"loss": 0.5})
    report.phase("drawing designs", total=512, unit="design")
    report.count(512)
    report.phase(None)
    assert seen == [(1, {"loss": 0.5}), (512, {})]
    assert phases == [("fine-tuning", 3, "step"), ("drawing designs", 512, "design"),
                      (None, None, "step")]
    assert [row["step"] for row in run.read_metrics()] == [1]
