"""A CSV's or TSV's text split into records, as the csv module reads them, before pandas: the
lines that hold no data (blank lines, a spreadsheet's empty rows, comment lines among the rows)
left out but counted, and rows with more fields than the header refused."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import NamedTuple

from braid_core.data.numeric import THOUSANDS
from braid_core.data.report import SHOWN, DataError, clip_text

SHOWN_CELLS = 6  # cells quoted of a row (or header) with too many fields
ROWS_COUNTED = "(rows counted from 1 below the header, blank lines included)"


class Records(NamedTuple):
    """The text left for pandas and where each of its records was in the file."""

    text: str  # the records kept, header first
    starts: list[int]  # the file line (from 1) each record kept starts on, header first
    header: list[str]  # the header's names
    separator: str  # ",", ";" or a tab
    empty: list[str]  # records of separators only: "row 61" ("line 2" above the header)
    comments: list[str]  # rows that are comment lines: "row 12"
    wide: list[tuple[str, list[str]]]  # rows with more fields than the header, with their cells


def split_records(text: str, separator: str) -> Records:
    """The text less its blank lines (white space only, or separators only: a spreadsheet's
    empty rows, ',,,') and its comment lines among the rows (a '#' first and nothing in the
    other fields: '# plate 2', or '# plate 2,' from a spreadsheet). Neither holds data, but a
    row's number must still match what an editor shows, so it is counted from these lines; the
    csv module finds the records that span lines (a line break inside quotes). Raises csv.Error
    where the csv module cannot split the text."""
    lines = io.StringIO(text, newline="").readlines()  # split at \n, \r\n or \r, as pandas does
    reader = csv.reader(lines, delimiter=separator, skipinitialspace=True)
    records = Records("", [], [], separator, [], [], [])
    kept: list[str] = []
    end = 0
    for cells in reader:
        start, end = end, reader.line_num
        record = lines[start:end]
        written = "".join(record)
        label = f"row {start + 1 - records.starts[0]}" if records.starts else f"line {start + 1}"
        if not written.strip():
            continue
        if separator in written and not any(cell.strip() for cell in cells):
            records.empty.append(label)
        elif records.starts and written.lstrip().startswith("#") and not any(
                cell.strip() for cell in cells[1:]):
            # Nothing past the '#' field: no design (a '#1,ACGT,0.5' row of ids is still read).
            records.comments.append(label)
        else:
            if not records.starts:
                records.header.extend(cells)
            elif len(cells) > len(records.header):
                records.wide.append((label, cells))
            kept.extend(record)
            records.starts.append(start + 1)
    return records._replace(text="".join(kept))


def check_field_counts(records: Records, source: str) -> None:
    """Refuse rows with more fields than the header: pandas would take a first column without a
    name for the row names (sequences become the index, '9' of '9,700.5' the sequence) or stop
    at the second such row. Kept: R's write.table, which numbers every row 1, 2, ... in a field
    without a name."""
    if not records.wide or _numbered_by_r(records):
        return
    wanted = len(records.header)
    shown = "; ".join(f"{label} has {len(cells)} fields: {_quoted(cells)}"
                      for label, cells in records.wide[:SHOWN])  # fmt: skip
    more = f" and {len(records.wide) - SHOWN} more" if len(records.wide) > SHOWN else ""
    rows = "1 row has" if len(records.wide) == 1 else f"{len(records.wide)} rows have"
    problem = (f"{rows} more fields than the header, which has {wanted} "
               f"({_quoted(records.header)}), so their cells cannot be matched "
               f"to the columns: {shown}{more} {ROWS_COUNTED}. {_wide_advice(records, source)}")
    raise DataError(source, problem, [label for label, _ in records.wide])


def _numbered_by_r(records: Records) -> bool:
    """Every row one field wider than the header, that field numbering the rows 1, 2, ..."""
    return _named_rows(records) and all(
        cells[0].strip() == str(n) for n, (_, cells) in enumerate(records.wide, 1))


def _named_rows(records: Records) -> bool:
    """Every row one field wider than the header: R's write.table writes each row's name
    first, and the header without a field for them."""
    rows = len(records.starts) - 1
    return len(records.wide) == rows and all(
        len(cells) == len(records.header) + 1 for _, cells in records.wide)


def _wide_advice(records: Records, source: str) -> str:
    """How to mend the wide rows: a comma inside a number, a separator at a row's end, R's
    row names, or a column the header does not name; or a comment line with fields past its
    '#'."""
    if hashed := next((label for label, cells in records.wide if cells[0].startswith("#")), ""):
        return (f"{hashed.capitalize()} starts with '#': if it is a comment line, remove it "
                "(among the rows, a line starting with '#' is skipped only with nothing in its "
                "other fields)")
    for label, cells in records.wide if records.separator == "," else ():
        if split := _split_number(cells, len(cells) - len(records.header)):
            return (f"A comma inside a number splits it into two fields, as in {label}'s "
                    f"{split!r}: write the numbers without the thousands separator "
                    f"({split.replace(',', '')}; in Excel: format the column as a number "
                    "without the 1000 separator, then save as CSV)")
    width = len(records.header)
    if width == 1 and (other := next((s for s in ";\t" if s in records.header[0]), "")):
        name = "semicolons" if other == ";" else "tabs"
        return (f"The header is one field holding {name}: the lines do not all split into as many "
                f"fields by {name}, so the file was read as comma-separated; separate the columns "
                f"by {name}, as many in every line")
    if all(not "".join(cells[width:]).strip() for _, cells in records.wide):
        return ("The fields past the header's are empty: remove the separators at the end of "
                "those rows")
    if _named_rows(records):
        label, cells = records.wide[0]
        separator = {"\t": "\\t"}.get(records.separator, records.separator)
        return (f"Every row has one field more than the header: if R's write.table wrote the "
                f"file, the first is each row's name ({label}'s is "
                f"{clip_text(cells[0].strip())!r}), which the header has no field for; "
                "write the table without row names, as in write.table(designs, "
                f'"{Path(source).name}", sep = "{separator}", row.names = FALSE). Else name '
                "every column in the header, or remove the extra fields from those rows")
    return "Name every column in the header, or remove the extra fields from those rows"


def _split_number(cells: list[str], extra: int) -> str:
    """The first number with thousands separators ('9,700.5') that `extra` commas too many
    split into neighbouring cells, or ''."""
    for first in range(len(cells) - extra):
        joined = ",".join(cell.strip() for cell in cells[first:first + extra + 1])
        if THOUSANDS.fullmatch(joined):
            return joined
    return ""


def _quoted(cells: list[str]) -> str:
    """The first cells of a record, each quoted: '9', '700.5'."""
    shown = ", ".join(repr(clip_text(cell.strip())) for cell in cells[:SHOWN_CELLS])
    return shown + (", ..." if len(cells) > SHOWN_CELLS else "")
