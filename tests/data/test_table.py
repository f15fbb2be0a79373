"""braid_core.data.table: options checked once; messages that name the columns and the rows.

Every bad-input test checks that the message names the file, the offending rows and the problem.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from design_files import fails, write

from braid_core.data import read_designs


def test_missing_sequence_column_lists_the_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "seq,value\nACGT,1\n")
    fails(path, problem="no column 'sequence' with the sequences")
    assert "the columns are 'seq', 'value'" in str(fails(path, problem="'sequence'"))


def test_wrong_separator_is_hinted(tmp_path: Path) -> None:
    fails(write(tmp_path / "d.csv", "sequence;value\nACGT;1\n"), problem="separator")


def test_many_offenders_are_cut_short_but_all_recorded(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "sequence,value\n" + "ACGT,x\n" * 12)
    err = fails(path, "row 1", "row 5", problem="12 rows with a value that is not a number")
    assert "and 7 more" in str(err) and "row 6" not in str(err)
    assert err.rows == [f"row {i}" for i in range(1, 13)]


def test_fasta_required_values_absent(tmp_path: Path) -> None:
    path = write(tmp_path / "d.fa", ">s1\nACGT\n>s2\nTTTT\n")
    fails(path, problem="no record header has value=", require_values=True)


def test_option_mistakes_are_value_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "sequence\nAC\nCA\n")
    with pytest.raises(ValueError, match="kind"):
        read_designs(path, kind="graph")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="require_values"):
        read_designs(path, value_column=None, require_values=True)
    with pytest.raises(ValueError, match="min_rows"):
        read_designs(path, min_rows=0)
