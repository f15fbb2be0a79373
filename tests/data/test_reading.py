"""braid_core.data.reading: files and uploads read alike; value column, kind and fewest designs.

Every bad-input test checks that the message names the file, the offending rows and the problem.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import torch
from design_files import fails, write

from braid_core.data import DataError, DataWarning, read_designs, read_designs_bytes


def test_bytes_upload_reads_like_the_file(tmp_path: Path) -> None:
    text = "sequence,value\nacgt,1\nTTGA,2\n"
    from_file = read_designs(write(tmp_path / "d.csv", text))
    from_bytes = read_designs_bytes(text.encode(), "upload.csv")
    assert torch.equal(from_file.x, from_bytes.x) and torch.equal(from_file.y, from_bytes.y)
    assert from_bytes.source == "upload.csv"
    with pytest.raises(DataError, match=r"upload\.csv: .*row 2"):
        read_designs_bytes(b"sequence\nACGT\nACG\n", "upload.csv")


def test_missing_value_column_means_unlabeled_unless_required(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "sequence,score\nACGT,good\nTTTT,bad\n")
    data = read_designs(path)
    assert data.y is None and "unlabeled" in data.report.summary()
    assert "no value column 'value': the designs are unlabeled" in data.report.notes
    assert read_designs(path, value_column=None).y is None
    err = fails(path, problem="no column 'value' with the values", require_values=True)
    assert "'sequence', 'score'" in str(err) and "holds numbers" not in str(err)
    assert str(err).endswith("; if a column holds the values, set --value-column to its name")


SEQUENCES = ["".join(p) for p in itertools.islice(itertools.product("ACGT", repeat=4), 20)]
# 'fitness' is numbers but for one cell in twenty; 'id' counts the rows (an index).
FITNESS = "id,sequence,fitness\n" + "".join(
    f"{i},{s},{'n.d.' if i == 3 else i / 10}\n" for i, s in enumerate(SEQUENCES, 1))


def test_values_under_another_name_are_pointed_out_not_dropped_silently(tmp_path: Path) -> None:
    # 'fitness' is offered, the index 'id' is not.
    path = write(tmp_path / "d.csv", FITNESS)
    with pytest.warns(DataWarning, match="column 'fitness' holds numbers"):
        data = read_designs(path)
    assert data.y is None
    (warning,) = data.report.warnings
    assert warning == (f"{path}: no column 'value', so the designs are read as unlabeled; "
                       "column 'fitness' holds numbers: if these are the measured values, set "
                       "--value-column to 'fitness'")
    assert not any("unlabeled" in note for note in data.report.notes)  # said once, as a warning
    # Required (braid design, reward train), the error offers the column too.
    fails(path, problem="the columns are 'id', 'sequence', 'fitness'; column 'fitness' holds "
          "numbers: if these are the measured values", require_values=True)
    # Asked for no values, nothing is said.
    assert read_designs(path, value_column=None).report.warnings == ()


def test_vectors_with_values_under_another_name_offer_only_that_column(tmp_path: Path) -> None:
    path = write(tmp_path / "v.csv", "x0,x1,yield,run\n0.1,0.2,5,a\n0.3,0.1,6,b\n0.2,0.9,4,a\n")
    with pytest.warns(DataWarning, match=r"'yield' holds numbers: .*--value-column to 'yield'"):
        assert read_designs(path).y is None


def test_too_few_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "sequence\nACGT\n")
    fails(path, problem="only 1 design; at least 2 needed")
    assert len(read_designs(path, min_rows=1)) == 1
    twice = write(tmp_path / "t.csv", "sequence\nACGT\nacgt\n")
    fails(twice, problem="only 1 design (2 rows before merging duplicates)")


def test_fasta_empty_record_and_vector_kind(tmp_path: Path) -> None:
    path = write(tmp_path / "d.fa", ">s1\nACGT\n>s2\n>s3\nTTTT\n")
    fails(path, "record 2 (>s2, line 3)", problem="1 record without a sequence under its header")
    fails(path, problem="FASTA holds sequences", kind="vector")


def test_braids_own_design_files_are_not_offered_predictions_as_values(tmp_path: Path) -> None:
    # `braid design --out` writes predictions beside the designs: not measurements.
    path = write(tmp_path / "designs.csv", "sequence,predicted_mean,uncertainty,novelty\n"
                 "ACGT,1.5,0.2,1\nACGA,1.1,0.3,2\nACCA,0.9,0.1,4\n")
    assert read_designs(path).report.warnings == ()
    err = fails(path, problem="no column 'value' with the values", require_values=True)
    assert "holds numbers" not in str(err) and "hold numbers" not in str(err)


def test_labeled_rows_leaves_unmeasured_rows_out_with_a_note_and_keeps_their_labels(
        tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "sequence,value\nACGT,1\nTTGA,\nGGCA,NA\nCCAT,2\nAAAA,x\n")
    with pytest.raises(DataError, match=r"d\.csv: 2 rows without a value in column 'value'"):
        read_designs(path, require_values=True)
    # Only blank cells are left out: a cell that is no number is still named by its own row.
    with pytest.raises(DataError, match="not a number in column 'value': row 5 'x'"):
        read_designs(path, require_values=True, labeled_rows=True)
    path.write_text("sequence,value\nACGT,1\nTTGA,\nGGCA,NA\nCCAT,2\n")
    data = read_designs(path, require_values=True, labeled_rows=True)
    assert data.y.tolist() == [1.0, 2.0] and data.x.shape == (2, 4)
    assert ("2 rows without a value in column 'value' left out of the labeled designs "
            "(read as designs not measured)") in data.report.notes
    assert data.report.rows_without_value == 2
    # A table with no value at all is still refused: nothing to fit on.
    path.write_text("sequence,value\nACGT,\nTTGA,\n")
    with pytest.raises(DataError, match="2 rows without a value"):
        read_designs(path, require_values=True, labeled_rows=True)


def test_labeled_rows_check_the_design_cells_of_rows_not_measured_too(tmp_path: Path) -> None:
    # `braid data check` passed a bad letter or number in a row without a value, which the
    # Data page refused and `braid design` met later, when it read every row as unlabeled
    path = write(tmp_path / "d.csv", "sequence,value\nACGT,1\nTXGA,\nGGCA,2\nCCAZ,3\n")
    with pytest.raises(DataError, match=r"d\.csv: .*in 2 rows: row 2 'TXGA' .*; row 4 'CCAZ'"):
        read_designs(path, alphabet="dna", require_values=True, labeled_rows=True)
    path = write(tmp_path / "v.csv", "a,b,yield\n0.1,1,5\n0.2,abc,\n0.3,inf,\n0.4,2,6\n")
    with pytest.raises(DataError,
                       match=r"v\.csv: .*column 'b': row 2 'abc' .* column 'b': row 3 'inf'"):
        read_designs(path, value_column="yield", require_values=True, labeled_rows=True)
    path.write_text("a,b,yield\n0.1,1,5\n0.2,3,\n0.3,4,\n0.4,2,6\n")
    data = read_designs(path, value_column="yield", require_values=True, labeled_rows=True)
    assert data.y.tolist() == [5.0, 6.0] and data.report.rows_without_value == 2
    # `braid data check` said "2 rows -> 2 designs" of this 4-row file
    assert data.report.summary().startswith(f"{path}: 4 rows, 2 measured -> 2 designs, ")


def test_labeled_rows_in_fasta_name_the_header_field(tmp_path: Path) -> None:
    path = write(tmp_path / "d.fa", ">a value=1\nACGT\n>b\nTTGA\n>c value=3\nGGCA\n")
    data = read_designs(path, require_values=True, labeled_rows=True)
    assert data.y.tolist() == [1.0, 3.0]
    assert any(note.startswith("1 record without value= left out") for note in data.report.notes)


def test_a_named_vector_column_blank_in_many_rows_is_pointed_to_as_values(tmp_path: Path) -> None:
    rows = "".join(f"{i / 10},{7 + i / 100},{i if i % 3 == 0 else ''}\n" for i in range(12))
    path = write(tmp_path / "d.csv", "temperature,pH,yield\n" + rows)
    with pytest.raises(DataError, match=r"8 rows without a value in column 'yield'.*If 'yield' "
                       r"holds measured values \(blank where a design was not measured\), name "
                       r"it as the value column \(--value-column yield\)"):
        read_designs(path)
    data = read_designs(path, value_column="yield", labeled_rows=True)
    assert data.space.names == ("temperature", "pH") and len(data) == 4
    # One blank coordinate is a cell left out, not a column of values.
    path.write_text("temperature,pH,value\n" + "".join(
        f"{i / 10},{'' if i == 3 else 7 + i / 100},{i}\n" for i in range(12)))
    with pytest.raises(DataError) as refused:
        read_designs(path)
    assert "row 4" in str(refused.value) and "value column (--value-column" not in str(
        refused.value)


def test_repeats_in_one_file_that_disagree_far_more_than_designs_differ_are_warned_of(
        tmp_path: Path) -> None:
    # the README's warning for measurements more than 2 standard deviations apart was given
    # for a design measured again in another file only; within one, a 49.79 beside -0.43 was
    # averaged into the data's "best" design with the plain duplicates note
    rows = [f"{''.join(letters)},{i / 40:.3f}"
            for i, letters in enumerate(itertools.product("ACGT", repeat=4))][:40]
    text = "sequence,value\n" + "\n".join([*rows, "AAAA,49.79", "AAAC,0.03"]) + "\n"
    with pytest.warns(DataWarning) as got:  # the duplicates' warning, then this one
        report = read_designs(write(tmp_path / "d.csv", text)).report
    assert [str(w.message) for w in got] == list(report.warnings)
    disagree = [w for w in report.warnings if "differ by more than 2 standard deviations" in w]
    assert disagree == [disagree[0]] and disagree[0].startswith(
        "1 design measured more than once in ")
    assert "'AAAA' measured 0, then 49.79" in disagree[0]
    assert "check that the rows measure the same quantity" in disagree[0]
