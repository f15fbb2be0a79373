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
