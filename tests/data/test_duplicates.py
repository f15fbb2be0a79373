"""braid_core.data.duplicates: designs on several rows merged, their values averaged."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from design_files import write

from braid_core.data import DataWarning, check_designs, read_designs, read_designs_bytes


def test_duplicates_are_averaged_with_a_warning_and_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "sequence,value\nACGT,1\nTTTT,5\nacgt,3\nACGT,8\n")
    with pytest.warns(DataWarning) as got:
        data = read_designs(path)
    said = [str(w.message) for w in got]
    assert said[0].startswith(f"{path}: 1 design appears more than once")
    assert "row 1, row 3, row 4" in said[0]
    # 1, 3 and 8 lie further apart than most designs' values: said too (test_reading.py)
    assert len(said) == 2 and "differ by more than 2 standard deviations" in said[1]
    assert data.sequences() == ["ACGT", "TTTT"]
    assert data.y.tolist() == [4.0, 5.0]
    (group,) = data.report.duplicates
    assert group.design == "ACGT" and group.rows == ("row 1", "row 3", "row 4")
    assert group.values == (1.0, 3.0, 8.0)
    assert data.report.warnings and data.report.rows_read == 4 and data.report.num_designs == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = check_designs(path)
    assert report.warnings == data.report.warnings and "warning:" in report.summary()


def test_duplicate_vectors_are_merged(tmp_path: Path) -> None:
    path = write(tmp_path / "v.csv", "x0,x1,value\n0,1,2\n-0.0,1.0,4\n1,1,0\n")
    with pytest.warns(DataWarning, match=r"\(0, 1\) at row 1, row 2"):
        data = read_designs(path)
    assert data.x.tolist() == [[0.0, 1.0], [1.0, 1.0]] and data.y.tolist() == [3.0, 0.0]


def test_a_design_on_many_rows_is_quoted_with_its_first_rows_only(tmp_path: Path) -> None:
    lines = "sequence,value\n" + "ACGT,1\n" * 40 + "TTTT,2\n"
    with pytest.warns(DataWarning, match="1 design appears more than once") as got:
        data = read_designs(write(tmp_path / "many.csv", lines))
    message = str(got[0].message)
    assert "row 1, row 2," in message and "row 10 and 30 more" in message
    assert "row 11" not in message
    assert len(data.report.duplicates[0].rows) == 40  # the report keeps every row


def test_a_measurements_column_weighs_each_value_by_the_measurements_behind_it(
    tmp_path: Path,
) -> None:
    # ACDE's 1.0 is the mean of three measurements, its 3.0 of one: the design's value is 1.5.
    path = write(tmp_path / "d.csv", "sequence,value,measurements,id\n"
                 "ACDE,1.0,3,a\nKLMN,2.0,1,b\nACDE,3.0,1,c\nPQRS,0.5,2,d\n")  # fmt: skip
    with pytest.warns(DataWarning, match="kept once, with the mean of its measurements"):
        data = read_designs(path)
    assert data.sequences() == ["ACDE", "KLMN", "PQRS"]
    assert data.y.tolist() == [1.5, 2.0, 0.5]
    assert data.measurement_counts().tolist() == [4, 1, 2]
    assert data.report.columns_used == ("sequence", "value", "measurements")
    assert data.report.columns_ignored == ("id",)
    assert "values: 0.5 to 2, standing for 7 measurements in all" in data.report.summary()
    # Written back with its counts and read again, nothing is lost.
    frame = data.to_frame()
    assert frame["measurements"].tolist() == [4, 1, 2]
    again = read_designs_bytes(frame.to_csv(index=False).encode(), "again.csv")
    assert again.y.tolist() == data.y.tolist()
    assert again.measurement_counts().tolist() == [4, 1, 2]
    # FASTA carries the count in the header, like the value.
    fasta = write(tmp_path / "d.fa", ">s1 value=1 measurements=2\nACGT\n>s2 value=4\nACGT\n"
                  ">s3 value=0\nTTTT\n")  # fmt: skip
    with pytest.warns(DataWarning):
        read = read_designs(fasta)
    assert read.y.tolist() == [2.0, 0.0] and read.measurement_counts().tolist() == [3, 1]
    # Single measurements everywhere: no counts kept, and no column written.
    plain = read_designs_bytes(b"sequence,value,measurements\nACGT,1,1\nTTTT,2,1\n", "p.csv")
    assert plain.counts is None and "measurements" not in plain.to_frame().columns
    # Unlabeled designs have no values to weigh: the column is left alone.
    unlabeled = read_designs_bytes(b"sequence,measurements\nACGT,0\nTTTT,x\n", "u.csv")
    assert unlabeled.counts is None and unlabeled.report.columns_ignored == ("measurements",)
