"""Small helpers of dashboard/components.py that need no running app."""

from __future__ import annotations

import re

from dashboard.components import plain


def test_plain_escapes_every_markdown_mark_a_users_file_can_hold():
    message = "bad.csv: row 8 holds 'AC**GT' and '_x_'; letters found: *, #, |, ~, $1, [a](b), <i>"
    shown = plain(message)
    assert "**" not in shown and "\\*\\*" in shown and "\\_x\\_" in shown
    assert re.sub(r"\\(.)", r"\1", shown) == message  # nothing but the escapes is added
    assert plain("row 3, value 1.5 (measured twice)") == "row 3, value 1.5 (measured twice)"


def test_reward_fit_words_follow_the_network_choice_and_the_data(tmp_path):
    from dashboard.components import reward_fit_words

    vectors = tmp_path / "vectors.csv"
    vectors.write_text("x0,x1,value\n0.1,0.2,1.0\n0.3,0.1,2.0\n0.5,0.5,0.5\n")
    sequences = tmp_path / "sequences.csv"
    sequences.write_text("sequence,value\nACDEF,1.0\nGHIKL,2.0\nMNPQR,0.5\n")

    def words(path, **config) -> str:
        return reward_fit_words({"shape": 0.0, "head": 1.0},
                                {"data": {"path": str(path)}, **config})

    assert words(sequences, kind="boot", network="average").startswith(
        "Fitting network shape 1 of 2 (dilated), bootstrap head 2 of 4. Each shape is fitted "
        "in turn and both are kept, averaged")
    assert words(sequences, kind="bonus", network="wide") == "Fitting the network (wide)."
    # Vectors fit one network whatever the choice: no "shape 1 of 2" that never comes.
    assert words(vectors, kind="bonus", network="auto") == "Fitting the network."


def test_a_run_recorded_as_vectors_fits_no_sequence_network_unread(tmp_path):
    from dashboard.components import fits_sequences

    # A table measured in part, recorded by `braid design`: read as the run read it, its blank
    # values would fail a plain read; its spec says vectors already.
    table = tmp_path / "partly.csv"
    table.write_text("temperature,pH,yield\n0.1,7.0,1.0\n0.3,7.1,\n0.5,6.9,0.5\n")
    spec = {"path": str(table), "sequence_column": None, "value_column": "yield",
            "alphabet": None, "feature_columns": ["temperature", "pH"], "labeled_rows": True}
    assert not fits_sequences({"offline": spec})
    sequences = tmp_path / "sequences.csv"
    sequences.write_text("sequence,value\nACDEF,1.0\nGHIKL,2.0\nMNPQR,0.5\n")
    assert fits_sequences({"data": {"path": str(sequences), "sequence_column": "sequence"}})
