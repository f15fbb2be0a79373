"""`braid data check|merge` and `braid task export|list`: exit codes, outputs, messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from cli_files import runner, write_sequences

from braid_core.cli import app


def test_data_check_reports_a_good_file(tmp_path):
    path = write_sequences(tmp_path / "good.csv", 20, 8, "ACGT")
    result = runner.invoke(app, ["data", "check", str(path), "--alphabet", "dna"])
    assert result.exit_code == 0, result.output
    assert "20" in result.output


def test_data_check_fails_on_a_bad_letter_and_names_the_row(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("sequence,value\nACGT,1.0\nACXT,2.0\nAGGT,0.5\n")
    result = runner.invoke(app, ["data", "check", str(path), "--alphabet", "dna"])
    assert result.exit_code == 1
    assert "bad.csv" in result.output
    assert "X" in result.output


def test_data_check_names_a_stray_letter_that_made_dna_protein_and_its_row(tmp_path):
    path = write_sequences(tmp_path / "dna.csv", 20, 8, "ACGT")
    frame = pd.read_csv(path)
    frame.loc[12, "sequence"] = "ACGTEACG"  # row 13: an E, no nucleotide code
    frame.to_csv(path, index=False)
    result = runner.invoke(app, ["data", "check", str(path)])
    assert result.exit_code == 0, result.output  # protein by the rule, with a warning
    assert (f"warning: {path}: read as protein because of 'E' (row 13), the only letter "
            "outside ACGT: if these are nucleic acids, mend the row with 'E' (no nucleotide "
            "code)") in result.output


def test_data_check_fails_on_a_missing_file(tmp_path):
    result = runner.invoke(app, ["data", "check", str(tmp_path / "nope.csv")])
    assert result.exit_code != 0
    assert "nope.csv" in result.output


def test_a_named_value_column_the_file_lacks_is_an_error_not_unlabeled_designs(tmp_path):
    path = write_sequences(tmp_path / "d.csv", 20, 8, "ACGT")  # columns sequence, value
    said = f"error: {path}: no column 'score' with the values; the columns are 'sequence', 'value'"
    for args in (["data", "check", str(path)],
                 ["data", "merge", str(path), "--out", str(tmp_path / "m.csv")]):
        result = runner.invoke(app, [*args, "--value-column", "score"])
        assert result.exit_code == 1, result.output
        assert said in " ".join(result.output.split()), result.output
    assert not (tmp_path / "m.csv").exists()
    # Not named, a file without a 'value' column still reads as unlabeled designs.
    unlabeled = tmp_path / "u.csv"
    unlabeled.write_text("sequence\nACGT\nACGA\nAGGT\n")
    result = runner.invoke(app, ["data", "check", str(unlabeled)])
    assert result.exit_code == 0 and "values: none (unlabeled designs)" in result.output


def test_data_check_says_a_utf16_file_is_utf16_and_to_save_it_as_utf8(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("sequence,value\nACGT,1\nACGA,2\n", encoding="utf-16")
    result = runner.invoke(app, ["data", "check", str(path)])
    assert result.exit_code == 1 and "Latin-1" not in result.output
    assert f"error: {path}: looks like UTF-16 text" in result.output
    assert "save the file as UTF-8" in result.output


def test_data_merge_combines_d_with_new_measurements(tmp_path):
    # D holds ACDEF twice (1.0, 1.5); the new round measures it again (3.0) and adds WWWWW,
    # whose letters alone would be inferred as another alphabet: read with D's instead.
    first = tmp_path / "offline.csv"
    first.write_text("sequence,value\nACDEF,1.0\nGHIKL,2.0\nMNPQR,0.1\nACDEF,1.5\n")
    second = tmp_path / "round2.csv"
    second.write_text("sequence,value\nACDEF,3.0\nWWWWW,2.5\n")
    out = tmp_path / "merged" / "d2.csv"
    result = runner.invoke(app, ["data", "merge", str(first), str(second), "--out", str(out)])
    assert result.exit_code == 0, result.output
    merged = pd.read_csv(out).set_index("sequence")
    assert sorted(merged.index) == ["ACDEF", "GHIKL", "MNPQR", "WWWWW"]
    assert merged.loc["ACDEF", "value"] == pytest.approx((1.0 + 1.5 + 3.0) / 3, rel=1e-6)
    assert merged["measurements"].to_dict() == {"ACDEF": 3, "GHIKL": 1, "MNPQR": 1, "WWWWW": 1}
    assert "MNPQR,0.1,1\n" in out.read_text()  # as the user wrote it, not 0.10000000149...
    assert f"combined from {first} (3 designs) and {second} (2 designs)" in result.output
    # ACDEF measured again is a note (a round is for that), with the values behind it
    assert (f"{second}: 1 design of {first} measured again, each kept once with the mean "
            "of all its measurements (the measurements column counts them): 'ACDEF' (1.25 "
            "(mean of 2), then 3)") in result.output
    assert "warning: offline.csv + round2.csv" not in result.output
    assert "standing for 6 measurements in all" in result.output
    # Merged again, the written file still counts ACDEF's three measurements: a fourth at 5.5
    # gives (1 + 1.5 + 3 + 5.5) / 4, not the mean of 11/6 and 5.5.
    third = tmp_path / "remeasured.csv"
    third.write_text("sequence,value\nACDEF,5.5\nYYYYY,0.5\n")
    again = tmp_path / "d3.csv"
    result = runner.invoke(app, ["data", "merge", str(out), str(third), "--out", str(again)])
    assert result.exit_code == 0, result.output
    assert f"1 design of {out} measured again" in result.output
    assert "'ACDEF' (1.833 (mean of 3), then 5.5)" in result.output
    merged = pd.read_csv(again).set_index("sequence")
    assert merged.loc["ACDEF", "value"] == pytest.approx(11.0 / 4, rel=1e-6)
    assert merged.loc["ACDEF", "measurements"] == 4
    # One new design, measured once, is a file worth adding.
    single = tmp_path / "single.csv"
    single.write_text("sequence,value\nKLMNP,4.0\n")
    result = runner.invoke(app, ["data", "merge", str(first), str(single),
                                 "--out", str(tmp_path / "d4.csv")])
    assert result.exit_code == 0, result.output
    assert f"and {single} (1 design)" in result.output
    assert pd.read_csv(tmp_path / "d4.csv").set_index("sequence").loc["KLMNP", "value"] == 4.0
    # A letter outside D's alphabet names the new file and its row; nothing is written.
    bad = tmp_path / "round3.csv"
    bad.write_text("sequence,value\nACDEZ,1.0\n")
    failed = runner.invoke(app, ["data", "merge", str(first), str(bad), "--out",
                                 str(tmp_path / "never.csv")])  # fmt: skip
    assert failed.exit_code == 1 and "round3.csv" in failed.output and "row 1" in failed.output
    assert not (tmp_path / "never.csv").exists()
    # Writing over an input would lose it: refused.
    refused = runner.invoke(app, ["data", "merge", str(first), str(second), "--out", str(first)])
    assert refused.exit_code == 1 and "one of the files to merge" in refused.output
    assert first.read_text().count("ACDEF") == 2


def test_task_export_writes_any_ehrlich_instance_and_lists_the_family(tmp_path):
    result = runner.invoke(app, ["task", "export", "36:3:7", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    unlabeled = pd.read_csv(tmp_path / "unlabeled.csv")
    offline = pd.read_csv(tmp_path / "offline.csv")
    assert unlabeled["sequence"].str.len().eq(36).all()
    assert offline["sequence"].str.len().eq(36).all() and offline["value"].between(0, 1).all()
    # The same instance as the benchmarks build: its oracle gives D's values back.
    from braid_core.tasks import task_from_spec

    task = task_from_spec("36:3:7")
    scores = task.score(task.space.encode(offline["sequence"].tolist()))
    assert scores.numpy() == pytest.approx(offline["value"].to_numpy(), abs=1e-4)
    unknown = runner.invoke(app, ["task", "export", "ehrlich", "--out", str(tmp_path / "x")])
    assert unknown.exit_code == 1 and "LENGTH:MOTIFS:SEED" in unknown.output
    listed = runner.invoke(app, ["task", "list"])
    assert "L:M:S" in listed.output and "56:3:23" in listed.output


def test_task_export_refuses_sequences_longer_than_it_makes_before_drawing(tmp_path):
    out = tmp_path / "big"
    result = runner.invoke(app, ["task", "export", "100000:2:1", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert " ".join(result.output.split()) == (
        "error: 100000:2:1: sequences of 100,000 letters are longer than `braid task export` "
        "makes (at most 4,096): its 25,000 designs would take 20 GB of memory as tokens and "
        "2.5 GB as CSV; give a LENGTH of at most 4,096")
    assert not out.exists()
    assert "Sequences of at most 4,096 letters." in " ".join(
        runner.invoke(app, ["task", "export", "--help"]).output.split())


def test_data_check_notes_labeled_designs_too_few_for_a_reward_model(tmp_path):
    few = write_sequences(tmp_path / "few.csv", 5, 6, "ACGT")
    result = runner.invoke(app, ["data", "check", str(few)])
    assert result.exit_code == 0, result.output  # a valid file all the same
    assert ("note: 5 labeled designs are too few to fit a reward model" in
            " ".join(result.output.split()))
    enough = runner.invoke(app, ["data", "check", str(write_sequences(tmp_path / "e.csv", 8, 6,
                                                                      "ACGT"))])
    assert enough.exit_code == 0 and "too few" not in enough.output


def test_data_check_names_every_bad_cell_of_a_vector_file_with_its_column(tmp_path):
    rows = ["0.5,1,2,1"] * 6
    rows[1], rows[4] = "0.5,,2,1", "0.5,1,inf,-Infinity"
    path = tmp_path / "v.csv"
    path.write_text("x0,x1,x2,value\n" + "\n".join(rows) + "\n")
    result = runner.invoke(app, ["data", "check", str(path)])
    text = " ".join(result.output.split())
    assert result.exit_code == 1
    assert ("3 bad cells in 3 columns ('x1', 'x2', 'value'): row 2, column 'x1': no value; "
            "row 5, column 'x2': infinite 'inf'; row 5, column 'value': infinite '-Infinity'"
            in text), text


def test_task_export_writes_vectors_in_the_shortest_digits_of_their_float32(tmp_path):
    result = runner.invoke(app, ["task", "export", "toy-2d", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(tmp_path / "offline.csv", dtype=str)
    for column in ("x0", "x1", "value"):  # 17 digits of float64 noise each, before
        assert all(text == str(np.float32(text)) for text in written[column]), written.head()
    from braid_core.data import read_designs
    from braid_core.tasks import get_task

    task = get_task("toy-2d")
    data = read_designs(tmp_path / "offline.csv")
    assert torch.equal(task.score(data.x), data.y)  # the values read back exactly


def test_data_merge_keeps_every_digit_of_vectors_and_designs_float32_cannot_tell_apart(
        tmp_path):
    # Written as float32, 1013250.5 and 1013250.53 became one design measured 1 and 5, and
    # 25.123456 became 25.123455.
    first = tmp_path / "prec3.csv"
    first.write_text("conc,pressure,value\n0.1,1013250.50,1\n0.1,1013250.53,5\n"
                     "25.123456,2000000.25,3\n")
    out = tmp_path / "m.csv"
    result = runner.invoke(app, ["data", "merge", str(first), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text() == ("conc,pressure,value\n0.1,1013250.5,1.0\n0.1,1013250.53,5.0\n"
                               "25.123456,2000000.25,3.0\n")
    assert "measured again" not in result.output
    assert "2 designs differ only beyond float32's 7 significant digits" in result.output
    assert f"{first} design 1 (0.1, 1013250.5) and {first} design 2 (0.1, 1013250.53)" in (
        result.output.replace("\n", ""))


def _yields(path, rows: int, blank: int, seed: int):
    """A vector table a, b, c, d with `yield` measured for all but `blank` rows."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.random((rows, 4)).round(6), columns=list("abcd"))
    frame["yield"] = (2 * frame["a"] - frame["b"]).round(4)
    frame.loc[rng.choice(rows, blank, replace=False), "yield"] = np.nan
    frame.to_csv(path, index=False)
    return frame


def test_data_merge_leaves_out_rows_not_measured_and_keeps_the_value_columns_name(tmp_path):
    # Refused before ("60 rows without a value ... Fill them in"), though a blank value means
    # "not measured" to every other command; and written as `value`, which
    # `braid data check D2.csv --value-column yield` then could not find.
    base = _yields(tmp_path / "vec.csv", 300, 60, seed=0)
    _yields(tmp_path / "round2.csv", 20, 0, seed=1)
    out = tmp_path / "D2.csv"
    result = runner.invoke(app, ["data", "merge", str(tmp_path / "vec.csv"),
                                 str(tmp_path / "round2.csv"), "--out", str(out),
                                 "--value-column", "yield"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (f"{tmp_path / 'vec.csv'}: 60 rows without a value in column 'yield' left out of "
            "the labeled designs (read as designs not measured)") in result.output
    assert "320 rows, 260 measured -> 260 designs" in result.output
    merged = pd.read_csv(out)
    assert merged.columns.tolist() == ["a", "b", "c", "d", "yield"]
    assert len(merged) == 260 and merged["yield"].notna().all()
    assert sorted(merged["yield"]) == sorted([*base["yield"].dropna(), *pd.read_csv(
        tmp_path / "round2.csv")["yield"]])
    checked = runner.invoke(app, ["data", "check", str(out), "--value-column", "yield"])
    assert checked.exit_code == 0 and "260 rows -> 260 designs" in checked.output


def test_data_merge_refuses_a_file_given_twice_or_a_copy_of_one(tmp_path):
    # Accepted silently before: every design measured "twice", every count doubled.
    first = tmp_path / "a.csv"
    first.write_text("sequence,value\nACDEF,1.0\nGHIKL,2.0\n")
    out = tmp_path / "m.csv"
    again = runner.invoke(app, ["data", "merge", str(first), str(tmp_path / "." / "a.csv"),
                                "--out", str(out)])  # fmt: skip
    assert again.exit_code == 1 and f"{first} is given twice" in again.output
    copy = tmp_path / "copy.csv"
    copy.write_bytes(first.read_bytes())
    copied = runner.invoke(app, ["data", "merge", str(first), str(copy), "--out", str(out)])
    assert copied.exit_code == 1
    assert f"{copy} holds the same bytes as {first}" in copied.output.replace("\n", "")
    assert not out.exists()
