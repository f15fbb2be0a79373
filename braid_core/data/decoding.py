"""A text file's bytes into text: UTF-8 (a byte-order mark allowed), else Windows-1252, what
Excel on Windows saves as 'CSV', with a warning saying so; UTF-16 is named as such."""

from __future__ import annotations

import codecs
import re

from braid_core.data.report import DataError

SHOWN_BYTES = 3  # bytes that are not UTF-8 quoted, with what Windows-1252 made of them


def decode_text(data: bytes, source: str) -> tuple[str, str]:
    """The file's text, and a warning where it was read as Windows-1252, not UTF-8."""
    if utf16 := _utf16_sign(data):
        raise DataError(source, f"looks like UTF-16 text ({utf16}), not UTF-8; save the file "
                        "as UTF-8 (in Excel: CSV UTF-8)")
    body = data.removeprefix(codecs.BOM_UTF8)  # spreadsheets often start with a byte-order mark
    try:
        return body.decode("utf-8"), ""
    except UnicodeDecodeError as err:
        line = body.count(b"\n", 0, err.start) + 1  # lines as an editor counts them
        byte = body[err.start]
    windows = _windows_1252(data)
    if windows is None:
        problem = (f"is not UTF-8 text: line {line} holds the byte {byte:#04x}, e.g. an accent "
                   "saved as Latin-1; save the file as UTF-8")
        raise DataError(source, problem, [f"line {line}"])
    return windows, f"{source}: {_windows_1252_note(data)}"


def _windows_1252(data: bytes) -> str | None:
    """Text that is not UTF-8 read as Windows-1252, what Excel on Windows saves as 'CSV'; None
    where some byte is no Windows-1252 letter either, or where the file says or shows UTF-8
    too (a byte-order mark, or UTF-8 letters: two encodings in one file, and neither reading
    would be right)."""
    if data.startswith(codecs.BOM_UTF8):
        return None
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    as_utf8 = data.decode("utf-8", errors="replace")
    if any(ord(ch) > 0x7F and ch != "\ufffd" for ch in as_utf8):
        return None
    return text


def _windows_1252_note(data: bytes) -> str:
    """What reading as Windows-1252 made of the bytes UTF-8 could not read, line by line."""
    lines = [n for n, line in enumerate(data.split(b"\n"), 1) if re.search(rb"[\x80-\xff]", line)]
    first = data.split(b"\n")[lines[0] - 1]
    odd = sorted(set(re.findall(rb"[\x80-\xff]", first)))[:SHOWN_BYTES]
    read = ", ".join(f"{b[0]:#04x} as {b.decode('cp1252')!r}" for b in odd)
    others = len(lines) - 1
    more = f" (and {others} more line{'s' * (others > 1)} too)" if others else ""
    return (f"not UTF-8 text, so read as Windows-1252 (what Excel on Windows saves as CSV): "
            f"line {lines[0]} holds {read}{more}; if a letter reads wrong, save the file as "
            "UTF-8 (in Excel: CSV UTF-8)")


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
