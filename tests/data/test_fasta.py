"""braid_core.data.fasta: records, and values and counts from their headers' fields.

Every bad-input test checks that the message names the file, the offending records and the
problem.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from design_files import fails, write

from braid_core.data import DataError, read_designs

FIELD_SYNTAX = ("as in '>seq_1 value=0.5' (fields in a header are separated by spaces, '|' or "
                "';', no space around the '=')")


def test_fasta_with_values_multiline_and_crlf(tmp_path: Path) -> None:
    text = ">s1 value=0.53 first\r\nACGT\r\nAC\r\n>s2 note=x value=-2\r\nTTTTGG\r\n"
    data = read_designs(write(tmp_path / "d.fa", text))
    assert data.sequences() == ["ACGTAC", "TTTTGG"]
    assert data.y.tolist() == pytest.approx([0.53, -2.0])
    assert data.report.labeled and data.report.file_format == "fasta"


def test_fasta_without_values_is_unlabeled(tmp_path: Path) -> None:
    data = read_designs(write(tmp_path / "d.fasta", ">a\nMKV\n>b\nMKW\n"))
    assert data.y is None and not data.report.labeled
    assert data.sequences() == ["MKV", "MKW"]
    assert "no record header has value=...: the designs are unlabeled" in data.report.notes


def test_fasta_header_keys_ignore_case_as_column_names_do(tmp_path: Path) -> None:
    # 'Value=' was read as no value at all: the designs came out unlabeled without a word.
    path = write(tmp_path / "d.fa", ">s1 Value=0.5 MEASUREMENTS=2\nACGT\n>s2 VALUE=1\nACGA\n")
    data = read_designs(path)
    assert data.y.tolist() == [0.5, 1.0] and data.measurement_counts().tolist() == [2.0, 1.0]


def test_fasta_text_before_the_first_record_or_no_record(tmp_path: Path) -> None:
    fails(write(tmp_path / "d.fa", "\nhello\n>s1\nACGT\n"), "line 2", problem="before the first")
    fails(write(tmp_path / "e.fa", "sequence,value\n"), problem="no FASTA records")


def test_fasta_header_fields_may_be_split_by_bars_and_may_not_repeat(tmp_path: Path) -> None:
    path = tmp_path / "bars.fasta"
    path.write_text(">s0|value=0.5\nACGT\n>s1 value=1.5;measurements=2\nACGA\n>s2\nACGC\n")
    with pytest.raises(DataError, match=r"1 record whose header has no value=\.\.\. \(or an "
                       r"empty or NA one\): record 3 \(>s2, line 5\)"):
        read_designs(path)
    path.write_text(">s0|value=0.5\nACGT\n>s1 value=1.5;measurements=2\nACGA\n")
    data = read_designs(path)
    assert data.y.tolist() == [0.5, 1.5] and data.measurement_counts().tolist() == [1.0, 2.0]
    path.write_text(">s0 value=1 value=5\nACGT\n>s1 value=2\nACGA\n")
    with pytest.raises(DataError, match=r"bars\.fasta: 1 header\(s\) give value= more than once: "
                       r"record 1 \(>s0, line 1\)"):
        read_designs(path)


@pytest.mark.parametrize(
    ("field", "fixed"),
    [("value: 0.5", "value=0.5"), ("Value : 0.5", "Value=0.5"), ("value:0.5", "value=0.5"),
     ("value = 0.5", "value=0.5"), ("VALUE =0.5", "VALUE=0.5"), ("value= 0.5", "value=0.5")],
)
def test_values_given_with_a_colon_or_a_space_are_refused_with_the_fix(
        tmp_path: Path, field: str, fixed: str) -> None:
    # 'value: 0.5' in every header was read as no value: "the designs are unlabeled".
    path = write(tmp_path / "d.fa", f">s1 {field}\nACGU\n>s2 {field.replace('5', '7')}\nACGA\n")
    err = fails(path, "record 1 (>s1, line 1)", "record 2 (>s2, line 3)", problem=(
        f"2 record headers give value with a colon or a space ({field!r}), which is not read: "
        f"record 1 (>s1, line 1) '>s1 {field}'; record 2 (>s2, line 3)"))
    assert f". Write {fixed!r} instead, {FIELD_SYNTAX}; or remove these fields" in str(err)


def test_a_count_given_with_a_colon_is_refused_not_read_as_one(tmp_path: Path) -> None:
    # Unread, 'measurements: 3' would count as one measurement, beside others' read right.
    path = write(tmp_path / "d.fa", ">s1 value=1 measurements: 3\nACGT\n"
                 ">s2 value=2 measurements=2\nACGA\n")  # fmt: skip
    fails(path, "record 1 (>s1, line 1)", problem="1 record header gives measurements with a "
          "colon or a space ('measurements: 3'), which is not read: record 1 (>s1, line 1) "
          "'>s1 value=1 measurements: 3'. Write 'measurements=3' instead")


def test_a_value_misspelt_among_others_is_a_missing_value_named_with_its_fix(
        tmp_path: Path) -> None:
    path = write(tmp_path / "d.fa", ">s1 value=1\nACGT\n>s2 value: 2\nACGA\n>s3\nACGC\n")
    err = fails(path, "record 2 (>s2, line 3)", "record 3 (>s3, line 5)",
                problem="2 records whose header has no value=")
    assert str(err).endswith("to read the designs as unlabeled; 'value: 2' is not read: write "
                             "'value=2'")


def test_words_near_the_key_are_no_misspelt_field(tmp_path: Path) -> None:
    # 'values:' and 'my_value:' are other words; with no value column nothing is looked for.
    path = write(tmp_path / "d.fa", ">s1 values: 3\nACGT\n>s2 my_value: 2\nACGA\n")
    assert read_designs(path).y is None
    misspelt = write(tmp_path / "m.fa", ">s1 value: 3\nACGT\n>s2 value: 2\nACGA\n")
    assert read_designs(misspelt, value_column=None).y is None
    with pytest.raises(DataError, match="give value with a colon"):
        read_designs(misspelt)
