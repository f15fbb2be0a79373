"""A file's bytes into cells, by the format its extension names: CSV, TSV, FASTA (values
from the headers) or Parquet, each also gzipped."""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter
from pathlib import Path

import pandas as pd

from braid_core.data.decoding import decode_text
from braid_core.data.fasta import load_fasta
from braid_core.data.records import Records, check_field_counts, split_records
from braid_core.data.report import SHOWN, DataError, clip_text
from braid_core.data.sniffing import (
    SEPARATORS,
    WORKBOOK_SUFFIXES,
    binary_advice,
    binary_kind,
    decimal_commas,
    sniff_separator,
)
from braid_core.data.table import FileTable, ReadOptions

FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".fa": "fasta", ".fasta": "fasta",
           ".fna": "fasta", ".faa": "fasta", ".parquet": "parquet", ".pq": "parquet"}  # fmt: skip


def file_bytes(path: str | Path) -> bytes:
    path = Path(path)
    if not path.is_file():
        problem = "is a folder, not a file" if path.is_dir() else "no such file"
        raise DataError(str(path), problem)
    return path.read_bytes()


def parse_design_table(data: bytes, source: str, options: ReadOptions) -> FileTable:
    """The file's cells, by the format its extension names (under a .gz, the one before it:
    designs.csv.gz is a gzipped CSV); an empty file is an error."""
    suffix = Path(source).suffix.lower()
    if suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as err:  # not gzip, or cut short
            raise DataError(source, f"cannot be read as gzip: {err}") from None
        suffix = Path(source).with_suffix("").suffix.lower()
    kind = binary_kind(data)
    if suffix not in FORMATS:
        known = ", ".join(FORMATS)
        workbook = WORKBOOK_SUFFIXES.get(suffix) or kind
        if workbook and ("workbook" in workbook or "spreadsheet" in workbook):
            raise DataError(source, f"is {workbook}, which is not read: "
                            f"{binary_advice(workbook, suffix)}")
        raise DataError(source, f"unknown file type {suffix or '(none)'!r}; use one of {known} "
                        "(each may be gzipped: .csv.gz)")
    file_format = FORMATS[suffix]
    # A workbook renamed to .csv would otherwise be called text in a wrong encoding.
    if kind and (file_format != "parquet" or kind != "a Parquet file"):
        raise DataError(source, f"is {kind}, not {_format_name(file_format)}: "
                        f"{binary_advice(kind, suffix)}")
    if not data.strip():
        raise DataError(source, "the file is empty")
    load = load_fasta if file_format == "fasta" else _load_table
    table = load(data, source, file_format, options)
    if table.frame.empty:
        raise DataError(source, f"no designs in the file: {table.count(0)} below the header")
    return table


def _format_name(file_format: str) -> str:
    return "a Parquet file" if file_format == "parquet" else f"{file_format.upper()} text"


def _load_table(data: bytes, source: str, file_format: str, options: ReadOptions) -> FileTable:
    """CSV and TSV as text cells (so 'NA' stays a sequence), Parquet with its own types."""
    if file_format == "parquet":
        try:
            frame = _text_cells(pd.read_parquet(io.BytesIO(data)))
        except (ValueError, OSError) as err:  # pyarrow's parse errors
            raise DataError(source, f"cannot be read as PARQUET: {err}") from None
        _check_header([str(c) for c in frame.columns], source)
        frame.columns = [str(c).strip() for c in frame.columns]
        return FileTable(frame, _row_labels(frame, None), source, file_format)
    text, encoding = decode_text(data, source)
    frame, starts, notes = _read_text(text, source, file_format, options)
    return FileTable(frame, _row_labels(frame, starts), source, file_format, notes=notes,
                     warnings=tuple(filter(None, [encoding])))


def _row_labels(frame: pd.DataFrame, starts: list[int] | None) -> list[str]:
    """CSV and TSV rows numbered by their lines where both readers agree on the records; else
    (and Parquet) in order, blank lines then not counted: never misnumbered."""
    if starts is not None and len(frame) == len(starts) - 1:
        return [f"row {start - starts[0]}" for start in starts[1:]]
    return [f"row {i}" for i in range(1, len(frame) + 1)]


def _read_text(text: str, source: str, file_format: str, options: ReadOptions
               ) -> tuple[pd.DataFrame, list[int] | None, tuple[str, ...]]:  # fmt: skip
    """A CSV's or TSV's cells, the file line (from 1) each record starts on, header first (None
    where the csv module could not split them), and notes on how the text was read."""
    text, comments = _without_comments(text)
    if not text.strip():
        raise DataError(source, f"{_comment_note(comments)}, and nothing else: no header, no "
                        "designs")
    separator = sniff_separator(text) if file_format == "csv" else "\t"
    _check_comments(comments, text, separator, options, source)
    try:
        records = split_records(text, separator)
    except csv.Error:  # e.g. a cell past the csv module's size limit: pandas reads it
        records = Records(text, [], [], separator, [], [], [])
    check_field_counts(records, source)
    try:
        frame = pd.read_csv(io.StringIO(records.text), sep=separator, dtype=str,
                            keep_default_na=False, skipinitialspace=True)  # fmt: skip
    except ValueError as err:  # pandas' parse errors
        raise DataError(source, f"cannot be read as {file_format.upper()}: {err}") from None
    _check_header(records.header, source)
    frame = _without_empty_unnamed(frame, records.header)
    frame.columns = [str(c).strip() for c in frame.columns]
    skipped = (_comment_note(comments), _comment_rows_note(records.comments),
               _empty_rows_note(records.empty, separator))
    starts = records.starts or None
    return frame, starts, (*filter(None, skipped), *_separator_notes(frame, file_format, separator))


def _without_comments(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The text with its comment lines above the header (starting with '#', as instruments
    write them) blanked, so that lines keep their numbers; and those lines, numbered from 1."""
    lines = io.StringIO(text, newline="").readlines()
    comments = []
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("#"):
            comments.append((number, line.strip()))
            lines[number - 1] = line[len(line.rstrip("\r\n")):]  # the line break alone
        elif line.strip():
            break
    return "".join(lines), comments


def _check_comments(comments: list[tuple[int, str]], text: str, separator: str,
                    options: ReadOptions, source: str) -> None:  # fmt: skip
    """Refuse a header written behind a '#' (numpy.savetxt writes '# x0,x1,value'): skipped as
    a comment, it would leave the first row of data to be read as the header."""
    wanted = {name.casefold() for name in (options.sequence_column, "x0")}
    header = next((line for line in text.splitlines() if line.strip()), "")
    for number, comment in comments:
        cells = comment.lstrip("#").split(separator)  # a lone '# sequence' is a title, no header
        names = {cell.strip().casefold() for cell in cells} if len(cells) > 1 else set()
        if names & wanted and not {c.strip().casefold() for c in header.split(separator)} & wanted:
            problem = (f"line {number}, {clip_text(comment, 60)!r}, looks like the header behind "
                       "a '#', and lines starting with '#' above the header are comments, not "
                       "read: remove the '#'")
            raise DataError(source, problem, [f"line {number}"])


def _comment_note(comments: list[tuple[int, str]]) -> str:
    if not comments:
        return ""
    numbers = [number for number, _ in comments]
    where = (f"line {numbers[0]}" if len(numbers) == 1 else
             f"lines {', '.join(map(str, numbers[:SHOWN]))}{' ...' * (len(numbers) > SHOWN)}")
    return (f"{len(numbers)} comment line{'s' * (len(numbers) > 1)} above the header not read "
            f"({where}, starting with '#')")


def _comment_rows_note(rows: list[str]) -> str:
    if not rows:
        return ""
    shown = ", ".join(rows[:SHOWN]) + (" ..." if len(rows) > SHOWN else "")
    among = f"{len(rows)} comment line{'s' * (len(rows) > 1)} among the rows"
    return f"{among} not read ({shown}, starting with '#' with nothing in the other fields)"


def _empty_rows_note(empty: list[str], separator: str) -> str:
    if not empty:
        return ""
    rows = f"{len(empty)} row{'s' * (len(empty) > 1)}"
    shown = ", ".join(empty[:SHOWN]) + (" ..." if len(empty) > SHOWN else "")
    return (f"{rows} of nothing but {SEPARATORS[separator]}s (a spreadsheet's empty rows) "
            f"skipped, as blank lines are: {shown}")


def _separator_notes(frame: pd.DataFrame, file_format: str, separator: str) -> tuple[str, ...]:
    """Notes on a .csv read with another separator than commas; a semicolon-separated file's
    numbers with decimal commas (3,5) are read with points (3.5), in place."""
    if file_format != "csv" or separator == ",":
        return ()
    notes = [f"read as {SEPARATORS[separator]}-separated"]
    if separator == ";":
        commas = [c for c in frame.columns if decimal_commas(frame[c].tolist())]
        for column in commas:
            frame[column] = frame[column].str.replace(",", ".", regex=False)
        if commas:
            names = ", ".join(repr(c) for c in commas)
            notes.append(f"decimal commas read as points in {names} (3,5 as 3.5)")
    return tuple(notes)


def _check_header(names: list[str], source: str) -> None:
    """Each column named once (names compared without surrounding spaces): pandas would
    silently rename the second 'value' to 'value.1'. Unnamed columns are left to pandas."""
    counts = Counter(name.strip() for name in names)
    repeated = [f"column {name!r} appears {n} times"
                for name, n in counts.items() if n > 1 and name]  # fmt: skip
    if repeated:
        raise DataError(source, f"{' and '.join(repeated)} in the header; give each column its "
                        "own name")


def _without_empty_unnamed(frame: pd.DataFrame, header: list[str]) -> pd.DataFrame:
    """The frame less columns without a name or a filled cell (a spreadsheet's trailing
    commas, 'sequence,value,,'): they hold nothing, and pandas' names for them ('Unnamed: 2')
    would only clutter the list of columns not read."""
    if len(header) != frame.shape[1]:
        return frame
    empty = [column for name, column in zip(header, frame.columns, strict=True)
             if not name.strip() and not frame[column].str.strip().any()]  # fmt: skip
    return frame.drop(columns=empty)


def _text_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Parquet's binary cells as text (a sequence stored as bytes reads as ACGT, not b'ACGT');
    bytes that are not UTF-8 raise UnicodeDecodeError, a ValueError the caller reports."""
    for column in frame.columns:
        cells = frame[column]
        if cells.dtype == object and cells.map(lambda v: isinstance(v, bytes)).any():
            frame[column] = cells.map(lambda v: v.decode() if isinstance(v, bytes) else v)
    return frame
