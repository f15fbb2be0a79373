"""`braid design` (pipeline/design.py): all steps under one budget, in a real tiny run."""

from __future__ import annotations

from pipeline_files import KeptNotes, write_sequences

from braid_core import pipeline


def test_a_tiny_budget_says_the_prior_was_barely_trained_and_records_it(tmp_path):
    # --max-minutes 0.01 leaves pre-training 0.3 s: far from its 100 warm-up steps. The run
    # says so, and its summary keeps the fact for the Design page.
    unlabeled = write_sequences(tmp_path / "u.csv", num=200)
    offline = write_sequences(tmp_path / "o.csv", num=60, seed=1, values=True)
    config = pipeline.design_config(unlabeled, offline, max_minutes=0.01, num_designs=8,
                                    device="cpu")  # fmt: skip
    report = KeptNotes()
    summary = pipeline.run_design(config, tmp_path / "out", report)
    assert summary["prior_cut_by_time"] is True
    assert summary["prior_steps"] < summary["prior_warmup_steps"] == 100
    assert summary["prior_max_minutes"] == pipeline.PRIOR_SHARE * 0.01
    assert pipeline.prior_time_note(summary) in report.notes
