"""braid_core.data.loading: each format (and gzip) read into cells; files that cannot be.

Every bad-input test checks that the message names the file, the offending rows and the problem.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from design_files import fails, write

from braid_core.data import DataError, check_designs, read_designs
from braid_core.spaces import NAMED_ALPHABETS


def test_tsv_round_trip(tmp_path: Path) -> None:
    path = write(tmp_path / "d.tsv", "id\tsequence\tvalue\na\tMKVL\t1.5\nb\tWYHK\t2\n")
    data = read_designs(path)
    assert data.sequences() == ["MKVL", "WYHK"]
    assert data.space.alphabet == NAMED_ALPHABETS["protein"]
    assert data.y.tolist() == [1.5, 2.0]
    assert data.report.columns_ignored == ("id",)


def test_parquet_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    pd.DataFrame({"sequence": ["ACGU", "UUUU"], "value": [0.5, 1.0]}).to_parquet(path)
    data = read_designs(path)
    assert data.sequences() == ["ACGU", "UUUU"] and data.y.tolist() == [0.5, 1.0]
    assert data.report.alphabet == "ACGU" and data.report.file_format == "parquet"


def test_fasta_summary_names_header_fields_not_columns(tmp_path: Path) -> None:
    # `braid data check` said "columns used: sequence, value" of a file without columns.
    labeled = read_designs(write(tmp_path / "d.fa", ">s1 value=0.5 measurements=2\nACGT\n"
                                               ">s2 value=1\nACGA\n"))
    assert "read: the sequence lines and the header fields value=, measurements=" in (
        labeled.report.summary().splitlines())
    unlabeled = read_designs(write(tmp_path / "u.fa", ">a\nMKV\n>b\nMKW\n"))
    assert "read: the sequence lines" in unlabeled.report.summary().splitlines()
    table = read_designs(write(tmp_path / "d.csv", "id,sequence,value\na,ACGT,1\nb,ACGA,2\n"))
    assert "columns used: sequence, value; ignored: id" in table.report.summary().splitlines()


def test_unknown_extension(tmp_path: Path) -> None:
    fails(write(tmp_path / "d.docx", "x"), problem="unknown file type '.docx'")


def _workbook() -> bytes:
    """An .xlsx as Excel writes it (a zip with an xl/ folder)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


SAVE_AS = "is an Excel workbook, {}: in Excel (or LibreOffice), File > Save As > 'CSV UTF-8'"


def test_a_workbook_is_named_as_one_under_any_name(tmp_path: Path) -> None:
    # Renamed to .csv, it was "not UTF-8 text ... an accent saved as Latin-1".
    (tmp_path / "renamed.csv").write_bytes(_workbook())
    fails(tmp_path / "renamed.csv", problem=SAVE_AS.format("not CSV text"))
    (tmp_path / "book.xlsx").write_bytes(_workbook())  # was "unknown file type '.xlsx'"
    fails(tmp_path / "book.xlsx", problem=SAVE_AS.format("which is not read"))


@pytest.mark.parametrize(
    ("start", "problem"),
    [(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "is an old Excel workbook (.xls), not CSV text"),
     (b"PAR1", "is a Parquet file, not CSV text: rename it to end in .parquet"),
     (b"\x1f\x8b", "is a gzip-compressed file, not CSV text: rename it to end in .csv.gz"),
     (b"PK\x03\x04", "is a zip archive, not CSV text: unpack it")],
)
def test_binary_files_under_a_text_name_say_what_they_are(
        tmp_path: Path, start: bytes, problem: str) -> None:
    (tmp_path / "d.csv").write_bytes(start + b"\x00\x87" * 20)
    fails(tmp_path / "d.csv", problem=problem)


def test_no_such_file(tmp_path: Path) -> None:
    fails(tmp_path / "gone.csv", problem="no such file")


@pytest.mark.parametrize("name", ["e.csv", "e.tsv", "e.fa", "e.parquet"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    fails(write(tmp_path / name, " \n"), problem="the file is empty")


def test_header_without_rows(tmp_path: Path) -> None:
    fails(write(tmp_path / "d.csv", "sequence,value\n"), problem="no designs in the file")


def test_unreadable_csv_and_parquet(tmp_path: Path) -> None:
    # pandas' "Expected 1 fields in line 3, saw 3" is said in rows, as other errors are.
    fails(write(tmp_path / "d.csv", "sequence\nACGT\nAC,GT,X\n"), "row 2",
          problem="1 row has more fields than the header, which has 1 ('sequence')")
    fails(write(tmp_path / "d.parquet", "not parquet"), problem="cannot be read as PARQUET")


def test_gzipped_tables_are_read_by_the_format_under_the_gz(tmp_path: Path) -> None:
    import gzip

    (tmp_path / "d.csv.gz").write_bytes(gzip.compress(b"sequence,value\nACGT,1\nACGA,2\n"))
    (tmp_path / "d.fasta.gz").write_bytes(gzip.compress(b">a value=1\nACGT\n>b value=2\nACGA\n"))
    for name in ("d.csv.gz", "d.fasta.gz"):
        data = read_designs(tmp_path / name)
        assert data.sequences() == ["ACGT", "ACGA"] and data.y.tolist() == [1.0, 2.0]
    (tmp_path / "plain.csv.gz").write_text("sequence,value\nACGT,1\n")  # named .gz, not gzip
    with pytest.raises(DataError, match=r"plain\.csv\.gz: cannot be read as gzip"):
        read_designs(tmp_path / "plain.csv.gz")
    (tmp_path / "d.docx.gz").write_bytes(gzip.compress(b"x"))
    with pytest.raises(DataError, match=r"unknown file type '\.docx'.*\(each may be gzipped"):
        read_designs(tmp_path / "d.docx.gz")


def test_parquet_sequences_stored_as_bytes_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "b.parquet"
    pd.DataFrame({"sequence": [b"ACGT", b"ACGA"], "value": [1.0, 2.0]}).to_parquet(path)
    assert read_designs(path).sequences() == ["ACGT", "ACGA"]
    pd.DataFrame({"sequence": [b"AC\xffT", b"ACGA"], "value": [1.0, 2.0]}).to_parquet(path)
    fails(path, problem="cannot be read as PARQUET")


@pytest.mark.parametrize("name", ["d.csv", "d.tsv"])
def test_rows_are_numbered_as_an_editor_shows_them_blank_lines_included(
    tmp_path: Path, name: str
) -> None:
    # Line 1 is blank, the header on line 2; ACXA sits on line 8, the 6th line below the header.
    text = "\nsequence,value\nACGT,1\n\n  \nACGA,2\nACGT,3\nACXA,2\n\n"
    path = write(tmp_path / name, text.replace(",", "\t" if name == "d.tsv" else ","))
    err = fails(path, "row 6", problem="outside the alphabet dna", alphabet="dna")
    assert err.rows == ["row 6"]
    assert "(rows counted from 1 below the header, blank lines included)" in str(err)
    report = check_designs(path, alphabet="ACGTX")  # blank lines are still no data
    assert report.rows_read == 4 and report.duplicates[0].rows == ("row 1", "row 5")


def test_a_quoted_line_break_keeps_later_rows_on_their_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", 'sequence,value,note\nACGT,1,"two\nlines"\n\nACXA,2,x\n')
    fails(path, "row 4", problem="outside the alphabet dna", alphabet="dna")


@pytest.mark.parametrize("name", ["d.csv", "d.tsv"])
def test_a_column_named_twice_is_an_error_not_renamed(tmp_path: Path, name: str) -> None:
    text = "sequence,value, value,x,x,x\nACGT,1,2,3,4,5\nACGA,2,3,4,5,6\n"
    path = write(tmp_path / name, text.replace(",", "\t" if name == "d.tsv" else ","))
    fails(path, problem="column 'value' appears 2 times and column 'x' appears 3 times in the "
          "header; give each column its own name")
    path = write(tmp_path / "unnamed.csv", "sequence,value,,\nACGT,1,,\nACGA,2,,\n")
    assert read_designs(path).y.tolist() == [1.0, 2.0]  # trailing commas: unnamed, not repeated


@pytest.mark.parametrize(("separator", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_a_csv_separated_by_semicolons_or_tabs_is_read_with_a_note(
        tmp_path: Path, separator: str, name: str) -> None:
    # It was one column 'sequence;value', and "is the file separated by other than commas?"
    rows = ["id", "sequence", "value"], ["a", "ACGT", "1.5"], ["b", "ACGA", "-2"]
    path = write(tmp_path / "d.csv", "".join(separator.join(r) + "\n" for r in rows))
    data = read_designs(path)
    assert data.sequences() == ["ACGT", "ACGA"] and data.y.tolist() == [1.5, -2.0]
    assert f"read as {name}-separated" in data.report.notes
    assert data.report.columns_ignored == ("id",)


def test_decimal_commas_in_a_semicolon_file_are_read_as_points(tmp_path: Path) -> None:
    data = read_designs(write(tmp_path / "eu.csv", "sequence;value;x\nACGT;3,5;1e3\n"
                              "ACGA;-0,25;,5\nACGC;2;NA\n"))
    assert data.y.tolist() == [3.5, -0.25, 2.0]
    assert data.report.columns_ignored == ("x",)
    assert "decimal commas read as points in 'value', 'x' (3,5 as 3.5)" in data.report.notes
    # Commas in a column that is not all numbers stay as they are.
    names = read_designs(write(tmp_path / "names.csv", "name;sequence;value\nA,1;ACGT;1\n"
                               "B;ACGA;2\n"))
    assert names.report.notes == ("read as semicolon-separated", "alphabet inferred: dna (ACGT)")
    # Points and commas mixed: which is meant is unclear, so the row is named with the fix.
    mixed = write(tmp_path / "mixed.csv", "sequence;value\nACGT;3,5\nACGA;2.5\n")
    fails(mixed, "row 1", problem="not a number in column 'value': row 1 '3,5' (rows counted "
          "from 1 below the header, blank lines included). Write decimals with a point (3.5), "
          "or, in a file separated by semicolons, every one with a comma (3,5)")


def test_points_between_thousands_beside_decimal_commas_get_a_hint(tmp_path: Path) -> None:
    # '1.234,5' (German Excel's 1234.5) is not read: '1.234' alone is 1.234 to one spreadsheet
    # and 1234 to another, as '1,234' is for comma thousands. Mended as told, the file reads.
    path = write(tmp_path / "de.csv", "sequence;value\nACGT;1.234,5\nACGA;0,75\nACGC;2\n")
    err = fails(path, "row 1", "row 2", problem="2 rows with a value that is not a number")
    assert str(err).endswith("where a point separates thousands, remove it: '1.234,5' as "
                             "1234,5 (a file separated by semicolons is read with decimal "
                             "commas; in Excel: format the column as a number without the 1000 "
                             "separator, then save as CSV)")
    mended = write(tmp_path / "mended.csv", path.read_text().replace("1.234,5", "1234,5"))
    assert read_designs(mended).y.tolist() == [1234.5, 0.75, 2.0]


def test_a_comma_file_stays_comma_separated(tmp_path: Path) -> None:
    # Semicolons inside a comma file's cells, on some lines only: still commas.
    path = write(tmp_path / "d.csv", "sequence,note\nACGT,a;b\nACGA,c\n")
    data = read_designs(path)
    assert data.sequences() == ["ACGT", "ACGA"]
    assert not any("separated" in note for note in data.report.notes)


@pytest.mark.parametrize("name", ["d.csv", "d.tsv"])
def test_comment_lines_above_the_header_are_not_read_and_said(tmp_path: Path, name: str) -> None:
    # A plate reader's '# exported ...' line was taken for the header: "no column 'sequence';
    # the columns are '# exported from plate reader'".
    separator = "\t" if name == "d.tsv" else ","
    text = "# exported from plate reader, 2024\n\n  # by: me\nsequence,value\nACGT,1\nACGA,2\n"
    path = write(tmp_path / name, text.replace(",", separator))
    data = read_designs(path)
    assert data.sequences() == ["ACGT", "ACGA"] and data.y.tolist() == [1.0, 2.0]
    assert "2 comment lines above the header not read (lines 1, 3, starting with '#')" in (
        data.report.notes)
    bad = write(tmp_path / f"bad_{name}", (text + "ACXA,3\n").replace(",", separator))
    fails(bad, "row 3", problem="row 3 'ACXA'", alphabet="dna")  # rows still below the header


def test_a_semicolon_file_under_a_comment_is_still_read_as_one(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "# run 7\nsequence;value\nACGT;1,5\nACGA;2\n")
    data = read_designs(path)
    assert data.y.tolist() == [1.5, 2.0] and "read as semicolon-separated" in data.report.notes


def test_a_header_behind_a_hash_or_only_comments_are_refused(tmp_path: Path) -> None:
    # numpy.savetxt writes '# x0,x1,value': skipped, the first row would become the header.
    for text, first in (("# sequence,value\nACGT,1\nACGA,2\n", "'# sequence,value'"),
                        ("#x0,x1,value\n1,2,3\n4,5,6\n", "'#x0,x1,value'")):
        fails(write(tmp_path / "d.csv", text), "line 1", problem=f"line 1, {first}, looks like "
              "the header behind a '#', and lines starting with '#' above the header are "
              "comments, not read: remove the '#'")
    titled = write(tmp_path / "t.csv", "# sequence\nsequence,value\nACGT,1\nACGA,2\n")
    assert read_designs(titled).y.tolist() == [1.0, 2.0]  # a title, not a header
    fails(write(tmp_path / "c.csv", "# a\n# b\n"), problem="2 comment lines above the header not "
          "read (lines 1, 2, starting with '#'), and nothing else: no header, no designs")


def test_rows_of_only_commas_are_skipped_with_a_note(tmp_path: Path) -> None:
    # Excel's emptied rows (',,,') were rows "without a sequence".
    path = write(tmp_path / "d.csv", ",,\nsequence,value,\nACGT,1,\n,,\nACGA,2,\n, ,\n")
    data = read_designs(path)
    assert data.sequences() == ["ACGT", "ACGA"] and data.y.tolist() == [1.0, 2.0]
    assert ("3 rows of nothing but commas (a spreadsheet's empty rows) skipped, as blank lines "
            "are: line 1, row 2, row 4") in data.report.notes
    bad = write(tmp_path / "b.csv", "sequence,value\nACGT,1\n,,\n\nACXA,2\n")
    fails(bad, "row 4", problem="row 4 'ACXA'", alphabet="dna")  # numbered as an editor shows
    # A row with an empty sequence but a value is no empty row.
    fails(write(tmp_path / "v.csv", "sequence,value\nACGT,1\n,2\n"), "row 2",
          problem="1 row without a sequence")


def test_trailing_unnamed_empty_columns_are_not_listed(tmp_path: Path) -> None:
    # 'sequence,value,,' (Excel's trailing commas) listed 'Unnamed: 2', 'Unnamed: 3' as ignored.
    path = write(tmp_path / "d.csv", "sequence,value,,note,\nACGT,1,,a,\nACGA,2,,,x\n")
    assert read_designs(path).report.columns_ignored == ("note", "Unnamed: 4")
