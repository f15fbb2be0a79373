"""braid_core.data.records: records split before pandas reads them; comment lines among the
rows skipped, rows with more fields than the header refused.

Every bad-input test checks that the message names the file, the offending rows and the problem.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from design_files import fails, write

from braid_core.data import read_designs


def test_a_comma_inside_unquoted_numbers_is_named_as_the_cause(tmp_path: Path) -> None:
    # '9,700.5' under 'sequence,value': pandas took the sequences for row names and '9' for
    # the sequence, and the error was "cannot infer the alphabet: the letters 0123456789".
    rows = [f"ACG{'ACGT'[i % 4]},{i + 1},{i}00.5" for i in range(7)]
    path = write(tmp_path / "d.csv", "sequence,value\n" + "\n".join(rows) + "\n")
    err = fails(path, "row 1", "row 5", problem="7 rows have more fields than the header, which "
                "has 2 ('sequence', 'value'), so their cells cannot be matched to the columns: "
                "row 1 has 3 fields: 'ACGA', '1', '000.5'; row 2 has 3 fields")
    assert "and 2 more (rows counted from 1 below the header" in str(err)
    assert len(err.rows) == 7
    assert ("A comma inside a number splits it into two fields, as in row 1's '1,000.5': write "
            "the numbers without the thousands separator (1000.5;") in str(err)
    # The same with --alphabet: the cause, not the lengths, is named.
    fails(path, "row 1", problem="more fields than the header", alphabet="dna")


def test_one_wide_row_among_good_ones_is_named_with_its_line(tmp_path: Path) -> None:
    # pandas said "Expected 2 fields in line 4, saw 3", counting lines its own way.
    path = write(tmp_path / "d.csv", "sequence,value\n\nACGT,1\nACGA,2,5\nACCA,3\n")
    err = fails(path, "row 3", problem="1 row has more fields than the header, which has 2 "
                "('sequence', 'value'), so their cells cannot be matched to the columns: row 3 "
                "has 3 fields: 'ACGA', '2', '5'")
    assert "Name every column in the header, or remove the extra fields" in str(err)
    assert "thousands" not in str(err)  # '2,5' is no thousands separator
    tab = write(tmp_path / "d.tsv", "sequence\tvalue\nACGT\t1\nACGA\t2\t500\n")
    assert "thousands" not in str(fails(tab, "row 2", problem="row 2 has 3 fields"))


def test_separators_at_the_end_of_the_rows_only_are_named(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "sequence,value\nACGT,1,\nACGA,2,\n")
    fails(path, "row 1", "row 2", problem="The fields past the header's are empty: remove the "
          "separators at the end of those rows")
    # With the header ending in one too, the rows are as wide as the header: read as before.
    same = write(tmp_path / "s.csv", "sequence,value,\nACGT,1,\nACGA,2,\n")
    assert read_designs(same).y.tolist() == [1.0, 2.0]


def test_r_write_table_row_numbers_are_still_read(tmp_path: Path) -> None:
    # R's write.table numbers the rows in a field the header does not name.
    path = write(tmp_path / "d.csv", '"sequence","value"\n"1","ACGT",0.5\n"2","ACGA",0.25\n')
    data = read_designs(path)
    assert data.sequences() == ["ACGT", "ACGA"] and data.y.tolist() == [0.5, 0.25]


@pytest.mark.parametrize(("name", "separator", "sep"), [("d.csv", ",", ","),
                                                     ("d.tsv", "\t", "\\t")])
def test_r_row_names_other_than_numbers_are_named_with_how_to_write_without(
        tmp_path: Path, name: str, separator: str, sep: str) -> None:
    # R's write.table writes row names (here ids) under a header without a field for them;
    # they were refused with the general advice alone.
    text = '"sequence","value"\n"s1","ACGT",0.5\n"s2","ACGA",0.25\n'
    path = write(tmp_path / name, text.replace(",", separator))
    err = fails(path, "row 1", "row 2", problem="2 rows have more fields than the header")
    assert str(err).endswith(
        "Every row has one field more than the header: if R's write.table wrote the file, the "
        "first is each row's name (row 1's is 's1'), which the header has no field for; write "
        f'the table without row names, as in write.table(designs, "{name}", sep = "{sep}", '
        "row.names = FALSE). Else name every column in the header, or remove the extra fields "
        "from those rows")


@pytest.mark.parametrize("name", ["d.csv", "d.tsv"])
def test_comment_lines_among_the_rows_are_skipped_and_said(tmp_path: Path, name: str) -> None:
    # '# plate 2' between the rows was read as a sequence, and the error offered '#', ' ' and
    # '2' as letters of the alphabet.
    text = "sequence,value\nACGT,1\n# plate 2\nACGA,2\n  # plate 3,\nACCA,3\n"
    separator = "\t" if name == "d.tsv" else ","
    path = write(tmp_path / name, text.replace(",", separator))
    data = read_designs(path)
    assert data.sequences() == ["ACGT", "ACGA", "ACCA"] and data.y.tolist() == [1.0, 2.0, 3.0]
    assert ("2 comment lines among the rows not read (row 2, row 4, starting with '#' with "
            "nothing in the other fields)") in data.report.notes
    bad = write(tmp_path / f"bad_{name}", (text + "ACXA,4\n").replace(",", separator))
    fails(bad, "row 6", problem="row 6 'ACXA'", alphabet="dna")  # rows keep their numbers


def test_rows_starting_with_a_hash_and_holding_data_are_read(tmp_path: Path) -> None:
    # Ids written '#1' are data, not comments.
    path = write(tmp_path / "d.csv", "id,sequence,value\n#1,ACGT,1\n#2,ACGA,2\n")
    assert read_designs(path).sequences() == ["ACGT", "ACGA"]


def test_a_comment_with_fields_among_the_rows_is_named(tmp_path: Path) -> None:
    wide = write(tmp_path / "w.csv", "sequence,value\nACGT,1\n# plate 2, by me, today\nACGA,2\n")
    fails(wide, "row 2", problem="Row 2 starts with '#': if it is a comment line, remove it")
    filled = write(tmp_path / "f.csv", "sequence,value\nACGT,1\n# plate 2,by me\nACGA,2\n")
    err = fails(filled, "row 2", problem="a row starting with '#' is a comment only above the "
                "header or with nothing in its other fields: remove such rows")
    assert "e.g." not in str(err)  # no alphabet of '#', spaces and digits offered


def test_a_header_of_one_field_with_semicolons_says_how_the_file_was_split(tmp_path: Path) -> None:
    # One row with a semicolon too many: the file is read as comma-separated, and the decimal
    # commas of the other rows make them wider than the one-field header.
    path = write(tmp_path / "d.csv", "sequence;value\nACGT;1,5\nACGA;2;3\n")
    fails(path, "row 1", problem="The header is one field holding semicolons: the lines do not "
          "all split into as many fields by semicolons, so the file was read as comma-separated")
