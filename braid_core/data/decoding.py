"""A text file's bytes into text: UTF-8 (a byte-order mark allowed); UTF-16 is named as such."""

from __future__ import annotations

from braid_core.data.report import DataError


def decode_text(data: bytes, source: str) -> str:
    """The file's text, read as UTF-8; UTF-16 is named as such."""
    if utf16 := _utf16_sign(data):
        raise DataError(source, f"looks like UTF-16 text ({utf16}), not UTF-8; save the file "
                        "as UTF-8 (in Excel: CSV UTF-8)")
    try:
        return data.decode("utf-8-sig")  # -sig: spreadsheets often start with a byte-order mark
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1  # lines as an editor counts them
        problem = (f"is not UTF-8 text: line {line} holds the byte {data[err.start]:#04x}, e.g. "
                   "an accent saved as Latin-1; save the file as UTF-8")
        raise DataError(source, problem, [f"line {line}"]) from None


def _utf16_sign(data: bytes) -> str | None:
    """What gives UTF-16 away: a byte-order mark, or, without one, a NUL byte beside each
    letter of plain text (which would decode as UTF-8 into columns like 's\x00e\x00q')."""
    for mark in (b"\xff\xfe", b"\xfe\xff"):
        if data.startswith(mark):
            return f"it starts with the byte-order mark {mark.hex(' ').upper()}"
    head = data[:1000]
    if head.count(0) > len(head) // 4:
        return f"{head.count(0)} of its first {len(head)} bytes are NUL"
    return None
