"""braid_core.data.numeric: values, measurement counts and vector features.

Every bad-input test checks that the message names the file, the offending rows and the problem.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from design_files import fails, write

from braid_core.data import DataError, read_designs, write_designs_csv
from braid_core.spaces import VectorSpace


def test_vectors_round_trip_and_feature_columns(tmp_path: Path) -> None:
    vectors = torch.tensor([[0.5, -1.0], [2.0, 3.25], [1e-3, 7.0]])
    path = write_designs_csv(tmp_path / "v.csv", vectors, torch.tensor([1.0, 2.0, 3.0]))
    data = read_designs(path)
    assert data.space == VectorSpace(2)
    assert data.x.dtype == torch.float32 and torch.equal(data.x, vectors)
    assert data.y.tolist() == [1.0, 2.0, 3.0]
    named = write(tmp_path / "n.csv", "mass,charge,score\n1,2,3\n4,5,6\n")
    data = read_designs(named, feature_columns=["mass", "charge"], value_column="score")
    assert data.x.tolist() == [[1.0, 2.0], [4.0, 5.0]] and data.y.tolist() == [3.0, 6.0]
    assert list(data.to_frame().columns) == ["mass", "charge", "value"]
    with pytest.raises(TypeError, match="vectors"):
        data.sequences()


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("", "without a value in column 'value'"),
        ("NA", "without a value in column 'value'"),
        ("high", "with a value that is not a number"),
        ("inf", "with an infinite value"),
        ("-Infinity", "with an infinite value"),
    ],
)
def test_bad_values(tmp_path: Path, cell: str, problem: str) -> None:
    path = write(tmp_path / "d.csv", f"sequence,value\nACGT,1\nTTTT,{cell}\n")
    err = fails(path, "row 2", problem=f"1 row {problem}")
    if "without" not in problem:
        # quoted bare, as `braid design` (whose error printer turns "('a')" into "a") shows it
        assert f"row 2 {cell!r}" in str(err) and "('" not in str(err)


def test_parquet_missing_cells(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    pd.DataFrame({"sequence": ["ACGT", None], "value": [1.0, 2.0]}).to_parquet(path)
    fails(path, "row 2", problem="without a sequence")
    pd.DataFrame({"sequence": ["ACGT", "TTTT"], "value": [1.0, np.nan]}).to_parquet(path)
    fails(path, "row 2", problem="without a value in column 'value'")


def test_fasta_value_on_some_records_only(tmp_path: Path) -> None:
    path = write(tmp_path / "d.fa", ">s1 value=1\nACGT\n>s2\nTTTT\n")
    fails(path, "record 2 (>s2, line 3)", problem="1 record whose header has no value=")
    assert read_designs(path, value_column=None).y is None


HEADER_SYNTAX = "as in '>seq_1 value=0.5' (fields in a header are separated by spaces, '|' or ';'"


def test_fasta_values_are_told_as_header_fields_of_numbered_records(tmp_path: Path) -> None:
    path = write(tmp_path / "d.fa", ">s1 value=0.5\nACGT\n>s2 value=0.7\nACGA\n"
                 ">seq_17 value=abc\nACGG\n>s4\nACCC\n>s5 value=inf\nAAAA\n")  # fmt: skip
    err = fails(path, "record 4 (>s4, line 7)", "record 3 (>seq_17, line 5)",
                "record 5 (>s5, line 9)", problem="1 record whose header has no value=...")
    message = str(err)
    assert "column" not in message and "row" not in message, message
    assert ("1 record whose value= in the header is not a number: record 3 (>seq_17, line 5) "
            "(value=abc). Write a number after value=, e.g. value=0.5") in message
    infinite = "1 record whose value= in the header is infinite: record 5 (>s5, line 9) (value=inf)"
    assert infinite in message
    assert f"Give every header its value, {HEADER_SYNTAX}" in message
    assert message.count("Write a number") == 1  # one hint for both kinds of bad number


def test_fasta_header_without_a_readable_value_is_quoted(tmp_path: Path) -> None:
    # A field the loader does not read ('score=', spaces around '=') shows in the message.
    path = write(tmp_path / "d.fa", ">s1 value=0.5\nACGT\n>s2 score=0.7\nACGA\n"
                 ">s3 value = 2\nAAAA\n>s4 value=\nAAAC\n>s5\nAACC\n")  # fmt: skip
    err = fails(path, "record 2 (>s2, line 3)", problem="4 records whose header has no value=")
    message = str(err)
    assert ("record 2 (>s2, line 3) '>s2 score=0.7'; record 3 (>s3, line 5) '>s3 value = 2'; "
            "record 4 (>s4, line 7) '>s4 value='; record 5 (>s5, line 9).") in message
    assert "or remove every value= to read the designs as unlabeled" in message


@pytest.mark.parametrize(
    ("header", "problem"),
    [("value=1e40", "whose value= in the header is beyond +-3.4e+38, too large to compute with: "
      "record 2 (>s2, line 3) (value=1e+40)"),
     ("value=2 measurements=2.5", "whose measurements= in the header is not a whole number "
      "from 1: record 2 (>s2, line 3) (measurements=2.5)"),
     ("value=2 measurements=many", "whose measurements= in the header is not a number: record 2 "
      "(>s2, line 3) (measurements=many). The field measurements= counts the measurements each "
      "record's value is the mean of (1 or more), as in '>seq_1 measurements=3'")],
)
def test_fasta_bad_numbers_name_the_header_field(tmp_path: Path, header: str, problem: str) -> None:
    path = write(tmp_path / "d.fa", f">s1 value=1\nACGT\n>s2 {header}\nTTTT\n")
    message = str(fails(path, "record 2 (>s2, line 3)", problem=f"1 record {problem}"))
    assert "column" not in message, message


def test_fasta_required_value_key_absent_says_how_to_write_it(tmp_path: Path) -> None:
    path = write(tmp_path / "d.fa", ">s1 value=1\nACGT\n>s2 value=2\nTTTT\n")
    fails(path, problem="no record header has y=... (with the values); write it as in '>seq_1 "
          "y=0.5' (fields in a header", value_column="y", require_values=True)


def test_vector_missing_and_gapped_columns(tmp_path: Path) -> None:
    fails(write(tmp_path / "a.csv", "a,b\nq,2\nr,3\n"), problem="no column 'x0'", kind="vector")
    fails(write(tmp_path / "b.csv", "x0,x2\n1,2\n3,4\n"), problem="x0, then x2 but no x1")
    path = write(tmp_path / "c.csv", "f,g,value\n1,2,3\n4,5,6\n")
    fails(path, problem="no column 'h' listed in the feature", feature_columns=["f", "h"])
    fails(path, problem="'value' is a feature and the value", feature_columns=["f", "value"])


@pytest.mark.parametrize(
    ("cells", "hint"),
    [(["15,609.6", "-8,506.4"], "Where a comma separates thousands, remove it: '15,609.6' as "
      "15609.6 (in Excel: format the column as a number without the 1000 separator, then save "
      "as CSV)"),
     (["65.9%", "-1.5 %"], "Remove the percent signs: '65.9%' as 65.9 (or every value as a "
      "fraction, 0.659)"),
     (["1,234,567", "50%"], "Where a comma separates thousands, remove it: '1,234,567' as "
      "1234567 (in Excel: format the column as a number without the 1000 separator, then save "
      "as CSV); remove the percent signs: '50%' as 50 (or every value as a fraction, 0.5)")],
)
def test_numbers_as_a_spreadsheet_shows_them_get_a_hint(tmp_path: Path, cells: list[str],
                                                         hint: str) -> None:
    # Not read as numbers: '1,234' is 1234 to one spreadsheet, 1.234 to another.
    body = "".join(f'{s},"{c}"\n' for s, c in zip(["ACGT", "ACGA"], cells, strict=True))
    err = fails(write(tmp_path / "d.csv", "sequence,value\n" + body), "row 1", "row 2",
                problem="2 rows with a value that is not a number in column 'value'")
    assert str(err).endswith(f"blank lines included). {hint}")
    vectors = write(tmp_path / "v.csv", "x0,x1\n1,2\n3,\"1,000.5\"\n")  # features too
    assert "'1,000.5' as 1000.5" in str(fails(vectors, "row 2", problem="not a number"))


def test_vector_non_numeric_and_infinite_features(tmp_path: Path) -> None:
    path = write(tmp_path / "v.csv", "x0,x1\n1,2\n3,abc\n5,6\n")
    fails(path, "row 2", problem="1 row with a value that is not a number in column 'x1'")
    path = write(tmp_path / "w.csv", "x0,x1\n1,2\n3,4\n-inf,6\n")
    fails(path, "row 3", problem="1 row with an infinite value in column 'x0'")
    path = write(tmp_path / "m.csv", "x0,x1\n1,\n3,4\n")
    fails(path, "row 1", problem="1 row without a value in column 'x1'")


@pytest.mark.parametrize(
    ("cell", "problem"),
    [("0", "not a whole number from 1: row 2 (0)"), ("2.5", "not a whole number from 1: row 2 "
     "(2.5)"), ("", "without a value in column 'measurements': row 2"),
     ("many", "with a value that is not a number in column 'measurements': row 2 'many'")],
)
def test_bad_measurement_counts_name_the_row(tmp_path: Path, cell: str, problem: str) -> None:
    path = write(tmp_path / "d.csv", f"sequence,value,measurements\nACGT,1,2\nTTTT,2,{cell}\n")
    with pytest.raises(DataError, match=re.escape(problem)) as caught:
        read_designs(path)
    assert "counts the measurements each row's value is the mean of" in str(caught.value)
    # Another meaning of the column: turn the counts off and it is an ignored column.
    data = read_designs(path, count_column=None)
    assert data.counts is None and data.report.columns_ignored == ("measurements",)


@pytest.mark.parametrize("cell", ["1e39", "-3.5e38", "1e308"])
def test_a_value_beyond_float32_names_the_row(tmp_path: Path, cell: str) -> None:
    path = tmp_path / "big.csv"
    path.write_text(f"sequence,value\nACGT,2\nACGA,{cell}\nACGC,3\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning from a cast on the way
        with pytest.raises(DataError, match=r"big\.csv: 1 row with a value beyond \+-3\.4e\+38, "
                           r"too large to compute with, in column 'value': row 2 \("):
            read_designs(path)


def test_every_kind_of_bad_value_is_named_at_once(tmp_path: Path) -> None:
    path = tmp_path / "messy.csv"
    path.write_text("sequence,value\nACGT,1\nACGA,\nACGC,high\nAGGC,-inf\nATGC,2\n")
    with pytest.raises(DataError) as caught:
        read_designs(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: 1 row without a value in column 'value': row 2")
    assert "; and 1 row with a value that is not a number in column 'value': row 3 'high'" in (
        message)
    assert "; and 1 row with an infinite value in column 'value': row 4 '-inf'" in message
    assert caught.value.rows == ["row 2", "row 3", "row 4"]


def test_bad_cells_of_several_columns_are_named_at_once_each_with_its_column(
        tmp_path: Path) -> None:
    # The tester's file: a blank at row 5 in x2 and nan at row 9 in x3; inf at row 20 in x4 and
    # -Infinity at row 21 in value. Only the first column's cells were named.
    rows = [["0.5", "1", "2", "3", "4", "1"] for _ in range(22)]
    rows[4][2], rows[8][3], rows[19][4], rows[20][5] = "", "nan", "inf", "-Infinity"
    path = write(tmp_path / "v.csv", "x0,x1,x2,x3,x4,value\n"
                 + "".join(",".join(row) + "\n" for row in rows))
    err = fails(path, "row 5", "row 9", "row 20", "row 21", problem=(
        "4 bad cells in 4 columns ('x2', 'x3', 'x4', 'value'): row 5, column 'x2': no value; "
        "row 9, column 'x3': no value; row 20, column 'x4': infinite 'inf'; row 21, column "
        "'value': infinite '-Infinity' (rows counted from 1 below the header, blank lines "
        "included)"))
    assert err.rows == ["row 5", "row 9", "row 20", "row 21"]
    # A count column's cells join them; more than ten cells: the first ten, in the file's
    # order (row by row, left to right), and how many more.
    many = write(tmp_path / "m.csv", "x0,x1,value,measurements\n"
                 + "".join(f"{i},,{'' if i % 2 else 1},{'x' if i == 3 else 1}\n"
                           for i in range(8)))
    err = fails(many, problem="13 bad cells in 3 columns ('x1', 'value', 'measurements'): row 1, "
                "column 'x1': no value; row 2, column 'x1': no value;")
    message = str(err)
    assert ("row 2, column 'x1': no value; row 2, column 'value': no value; row 3, column 'x1': "
            "no value; row 4, column 'x1': no value; row 4, column 'value': no value; row 4, "
            "column 'measurements': not a number 'x'") in message, message
    assert " and 3 more (rows counted" in message
    assert message.endswith("Fill them in, or leave the value column out to read the designs "
                            "as unlabeled; it counts the measurements each row's value is the "
                            "mean of (1 or more); rename the column if it means something else")
    assert len(err.rows) == 8
