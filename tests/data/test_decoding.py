"""braid_core.data.decoding: UTF-8 text, and what is not refused in words.

Every bad-input test checks that the message names the file, the offending lines and the problem.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from design_files import fails


def test_non_utf8_names_the_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(b"sequence\nAC\xff\n")
    fails(path, "line 2", problem="is not UTF-8 text: line 2 holds the byte 0xff")


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
