"""braid_core.data.decoding: UTF-8 text, Windows-1252 (Excel's 'CSV') read with a warning,
and what is neither refused in words.

Every bad-input test checks that the message names the file, the offending lines and the problem.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from design_files import fails

from braid_core.data import DataWarning, check_designs, read_designs

LATIN = "not UTF-8 text, so read as Windows-1252 (what Excel on Windows saves as CSV)"


def test_windows_1252_text_is_read_with_a_warning_naming_the_bytes(tmp_path: Path) -> None:
    # A German note saved by Excel ('Lösung', 'µM') refused the whole file: "is not UTF-8".
    path = tmp_path / "excel.csv"
    path.write_bytes(b"sequence,value,note\nACGU,1,L\xf6sung\nACGA,2,\nUCGA,3,5 \xb5M\n")
    with pytest.warns(DataWarning) as caught:
        data = read_designs(path)
    assert data.sequences() == ["ACGU", "ACGA", "UCGA"] and data.y.tolist() == [1.0, 2.0, 3.0]
    said = (f"{path}: {LATIN}: line 2 holds 0xf6 as 'ö' (and 1 more line too); if a letter "
            "reads wrong, save the file as UTF-8 (in Excel: CSV UTF-8)")
    assert [str(w.message) for w in caught] == [said]
    assert check_designs(path).warnings == (said,)


def test_windows_1252_fasta_headers_are_read_too(tmp_path: Path) -> None:
    path = tmp_path / "d.fa"
    path.write_bytes(b">s1 value=1 L\xf6sung\nACGT\n>s2 value=2\nACGA\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        assert read_designs(path).y.tolist() == [1.0, 2.0]
    assert check_designs(path).warnings[0].startswith(f"{path}: {LATIN}: line 1 holds 0xf6")


@pytest.mark.parametrize(
    ("data", "line", "byte"),
    [(b"sequence\nACGT\nAC\x81T\n", 3, "0x81"),  # no letter in Windows-1252 either
     (b"sequence,note\nACGT,\xc3\xa9\nACGA,\xf6\n", 3, "0xf6"),  # UTF-8's 'é' beside it
     (b"\xef\xbb\xbfsequence\nACGT\nACG\xf6\n", 3, "0xf6")],  # a file that says it is UTF-8
)
def test_bytes_windows_1252_cannot_read_alone_keep_the_utf8_error(
        tmp_path: Path, data: bytes, line: int, byte: str) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(data)
    fails(path, f"line {line}", problem=f"is not UTF-8 text: line {line} holds the byte {byte}, "
          "e.g. an accent saved as Latin-1; save the file as UTF-8")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le"])
@pytest.mark.parametrize("name", ["d.csv", "d.fa"])
def test_utf16_text_is_named_as_such_not_latin1(tmp_path: Path, encoding: str,
                                                name: str) -> None:
    text = "sequence,value\nACGT,1\nACGA,2\n" if name == "d.csv" else ">a value=1\nACGT\n"
    path = tmp_path / name
    path.write_text(text, encoding=encoding)  # "utf-16": little-endian after a byte-order mark
    size = len(path.read_bytes())
    sign = ("it starts with the byte-order mark FF FE" if encoding == "utf-16"
            else f"{size // 2} of its first {size} bytes are NUL")  # one beside each letter
    fails(path, problem=f"looks like UTF-16 text ({sign}), not UTF-8; save the file as UTF-8")
    path.write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))  # big-endian, marked
    fails(path, problem="looks like UTF-16 text (it starts with the byte-order mark FE FF)")
