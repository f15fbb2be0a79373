"""Vectors in columns a table names itself (braid_core/data/numeric.py `named_vectors`): read
as vectors, the names kept by the space and written back; the tables that are not."""

from __future__ import annotations

from pathlib import Path

import pytest
from design_files import fails, write

from braid_core.data import (
    DataError,
    check_designs,
    combine_designs,
    options_like,
    read_designs,
    space_mismatch,
)
from braid_core.spaces import VectorSpace

NAMES = ("temperature", "pH", "salt_mM")
LABELED = ("temperature,pH,salt_mM,yield\n0.5,7.1,10,1.5\n-0.25,6.8,20,2.5\n1.0,7.4,15,0.5\n")


def test_columns_of_numbers_are_vectors_named_as_the_file_names_them(tmp_path: Path) -> None:
    path = write(tmp_path / "named.csv", LABELED)
    data = read_designs(path, value_column="yield", require_values=True)
    assert data.space == VectorSpace(3, NAMES) and data.space.names == NAMES
    assert data.x.tolist()[1] == [-0.25, pytest.approx(6.8), 20.0]
    assert data.y.tolist() == [1.5, 2.5, 0.5]
    assert data.space.describe() == "vectors of dimension 3 (temperature, pH, salt_mM)"
    assert list(data.to_frame().columns) == [*NAMES, "value"]  # as merged or stored
    # The file's order is the space's: the same columns in another order are another space.
    swapped = write(tmp_path / "swapped.csv", "pH,temperature,salt_mM\n7,1,2\n6,3,4\n")
    other = check_designs(swapped, value_column=None)
    assert other.space != data.space
    problem = space_mismatch(other, data.report)
    assert ("their columns are named apart, the same names in another order: 'pH' / "
            "'temperature' (column 1); 'temperature' / 'pH' (column 2); name the columns alike "
            "in both files") in problem
    renamed = write(tmp_path / "renamed.csv", "temp,pH,salt_mM\n7,1,2\n6,3,4\n")
    assert "'temp' / 'temperature' (column 1)" in space_mismatch(
        check_designs(renamed, value_column=None), data.report)


def test_without_the_value_column_every_column_of_numbers_is_a_coordinate(tmp_path: Path) -> None:
    report = check_designs(write(tmp_path / "named.csv", LABELED))
    assert report.space.names == (*NAMES, "yield") and not report.labeled
    assert ("no value column 'value': the designs are unlabeled, each of its 4 columns of "
            "numbers a vector coordinate; if one holds measured values, set --value-column to "
            "its name") in report.notes
    # Asked for values: the columns that could hold them are offered.
    fails(tmp_path / "named.csv", problem="no column 'value' with the values", require_values=True)


def test_the_value_count_braid_and_row_number_columns_are_no_coordinates(tmp_path: Path) -> None:
    text = ("id,a,b,value,measurements,predicted_mean,repeat,run\n"
            "1,0.5,1,2,1,0.3,False,r1\n2,0.25,3,3,2,0.4,False,r1\n3,1.5,2,4,1,0.5,True,r1\n")
    data = read_designs(write(tmp_path / "scored.csv", text))
    assert data.space.names == ("a", "b") and data.y.tolist() == [2, 3, 4]
    assert data.counts.tolist() == [1, 2, 1]
    assert ("column 'id' numbers the rows (0 or 1, 2, 3, ...): not read as a vector coordinate"
            in data.report.notes)
    # braid's own columns of numbers are said to be left out: a user's column "novelty" or
    # "uncertainty" was dropped from the coordinates with no word of why
    assert ("column 'predicted_mean' not read as vector coordinates: braid writes columns of "
            "these names beside its designs (predictions, scores, labels); rename a column that "
            "is a coordinate") in data.report.notes
    text = "temperature,novelty,Uncertainty,yield\n21,2,3,4\n25,3,1,5\n30,1,2,6\n"
    data = read_designs(write(tmp_path / "own.csv", text), value_column="yield")
    assert data.space.names == ("temperature",)
    assert any(note.startswith("columns 'novelty', 'Uncertainty' not read as vector coordinates")
               for note in data.report.notes)


def test_a_column_of_text_among_named_numbers_says_what_to_do_for_either_kind(
        tmp_path: Path) -> None:
    path = write(tmp_path / "batch.csv", "temperature,pH,batch,value\n1,2,B1,3\n4,5,B2,6\n")
    err = fails(path, problem="no column 'sequence' with the sequences, nor columns of vectors; "
                "the columns are 'temperature', 'pH', 'batch', 'value'; if a column holds the "
                "sequences, set --sequence-column to its name; for vectors, every column but "
                "the value column (and measurements) must hold numbers, and 'batch' holds text: "
                "remove it, or name the vector columns x0, x1, ... (other columns are then left "
                "out)")
    assert "a table of vectors names its columns" not in str(err)
    # Numbered columns keep leaving text columns out.
    numbered = write(tmp_path / "x.csv", "x0,x1,batch,value\n1,2,B1,3\n4,5,B2,6\n")
    assert read_designs(numbered).report.columns_ignored == ("batch",)
    # A stray bad cell in a column of numbers is that cell's error, not a column of text.
    typo = write(tmp_path / "typo.csv", "a,b,value\n1,2,1\n3,4,2\n5,6x,3\n")
    fails(typo, "row 3", problem="1 row with a value that is not a number in column 'b'")


def test_a_sequence_column_of_numbers_points_to_vectors(tmp_path: Path) -> None:
    path = write(tmp_path / "named.csv", LABELED)
    fails(path, problem="column 'temperature' holds numbers, not sequences: for vectors, keep "
          "--sequence-column at its default, sequence: a table whose columns but the value "
          "column (and measurements) all hold numbers is read as vectors, one coordinate per "
          "column (here temperature, pH, salt_mM)", sequence_column="temperature",
          value_column="yield")


def test_numbered_columns_keep_their_case_and_are_the_space_of_lower_case_ones(
        tmp_path: Path) -> None:
    upper = read_designs(write(tmp_path / "u.csv", "X0,X1,value\n1,2,3\n4,5,6\n"))
    lower = read_designs(write(tmp_path / "l.csv", "x0,x1,value\n1,2,3\n4,5,7\n"))
    assert upper.space.names == ("X0", "X1") and lower.space.names == ("x0", "x1")
    assert upper.space == lower.space and upper.space.describe() == "vectors of dimension 2"
    assert list(upper.to_frame().columns) == ["X0", "X1", "value"]
    combined = combine_designs([lower, read_designs(tmp_path / "u.csv", **options_like(lower))],
                               "l + u")
    assert list(combined.to_frame().columns) == ["x0", "x1", "value", "measurements"]


def test_files_named_apart_are_not_combined(tmp_path: Path) -> None:
    first = read_designs(write(tmp_path / "a.csv", LABELED), value_column="yield")
    other = write(tmp_path / "b.csv", "temp,pH,salt_mM,yield\n1,2,3,4\n5,6,7,8\n")
    fails(other, problem="no column 'temperature' listed in the feature columns",
          value_column="yield", **options_like(first))
    with pytest.raises(DataError, match=r"b\.csv: has the columns temp, pH, salt_mM, but \S*a\.csv "
                       r"has temperature, pH, salt_mM: vectors are combined column by column"):
        combine_designs([first, read_designs(other, value_column="yield")], "a + b")
