"""What a file really holds, whatever its name says: a workbook, archive or Parquet file from
its first bytes, and the separator of a .csv from its first lines."""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile

from braid_core.data.numeric import MISSING

SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}  # tried in this order
SNIFFED_LINES = 20  # lines below the header that must agree with it on the field count
SAVE_AS_CSV = "in Excel (or LibreOffice), File > Save As > 'CSV UTF-8', and give that file"
WORKBOOK_SUFFIXES = {".xlsx": "an Excel workbook", ".xlsm": "an Excel workbook",
                     ".xls": "an old Excel workbook (.xls)",
                     ".ods": "an OpenDocument spreadsheet", ".numbers": "a Numbers spreadsheet"}
# A number written with a decimal comma: 3,5  -0,25  ,5  1,2e-3 (no thousands separators).
DECIMAL_COMMA = re.compile(r"[+-]?(\d+,\d*|,\d+)([eE][+-]?\d+)?")


def binary_kind(data: bytes) -> str | None:
    """What a file that is not text holds, from its first bytes, or None for anything else."""
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2, Office before 2007
        return "an old Excel workbook (.xls)"
    if data.startswith(b"PAR1"):
        return "a Parquet file"
    if data.startswith(b"\x1f\x8b"):
        return "a gzip-compressed file"
    return None


def _zip_kind(data: bytes) -> str:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:  # cut short: its start still says zip
        names = []
    if any(name.startswith("xl/") for name in names):
        return "an Excel workbook"
    if b"opendocument.spreadsheet" in data[:200]:  # the 'mimetype' entry comes first
        return "an OpenDocument spreadsheet"
    return "a zip archive"


def binary_advice(kind: str, suffix: str) -> str:
    """What to do with a file of `kind` given under a name ending in `suffix`."""
    if "spreadsheet" in kind or "workbook" in kind:
        return SAVE_AS_CSV
    if kind == "a Parquet file":
        return "rename it to end in .parquet"
    if kind == "a gzip-compressed file":
        return f"rename it to end in {suffix}.gz"
    return "unpack it and give the design table inside"


def sniff_separator(text: str) -> str:
    """The separator of a .csv: of comma, semicolon and tab, the one that splits the header
    into the most fields (at least two) with every one of the next SNIFFED_LINES non-blank
    lines split into as many; a comma when none does."""
    filled = (line for line in io.StringIO(text, newline="") if line.strip())
    head = list(itertools.islice(filled, SNIFFED_LINES + 1))  # not the whole of a large file
    best, most = ",", 1
    for separator in SEPARATORS:
        try:
            counts = {len(cells) for cells in csv.reader(head, delimiter=separator)}
        except csv.Error:  # e.g. a quote left open by the sample: not this separator
            continue
        if len(counts) == 1 and (fields := counts.pop()) > most:
            best, most = separator, fields
    return best


def decimal_commas(cells: list[str]) -> bool:
    """Whether a column of a semicolon-separated file writes its numbers with a decimal comma:
    some cell does, and every other one is a number without a point (2, 1e3) or missing."""
    found = False
    for cell in cells:
        cell = cell.strip()
        if DECIMAL_COMMA.fullmatch(cell):
            found = True
        elif cell.casefold() not in MISSING and not re.fullmatch(r"[+-]?\d+([eE][+-]?\d+)?", cell):
            return False
    return found
