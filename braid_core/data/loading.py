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
from braid_core.data.report import DataError
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
    text = None if file_format == "parquet" else decode_text(data, source)
    try:
        if text is None:
            frame = _text_cells(pd.read_parquet(io.BytesIO(data)))
            header, starts = [str(c) for c in frame.columns], None
        else:
            separator = sniff_separator(text) if file_format == "csv" else "\t"
            try:
                text, starts, header = _without_blank_lines(text, separator)
            except csv.Error:  # e.g. a cell past the csv module's size limit: pandas reads it
                starts, header = None, []
            frame = pd.read_csv(
                io.StringIO(text), sep=separator, dtype=str, keep_default_na=False,
                skipinitialspace=True,
            )  # fmt: skip
    except (ValueError, OSError) as err:  # pandas' and pyarrow's parse errors
        raise DataError(source, f"cannot be read as {file_format.upper()}: {err}") from None
    _check_header(header, source)
    # CSV and TSV rows numbered by their lines where both readers agree on the records; else
    # (and Parquet) in order, blank lines then not counted: never misnumbered.
    if starts is not None and len(frame) == len(starts) - 1:
        labels = [f"row {start - starts[0]}" for start in starts[1:]]
    else:
        labels = [f"row {i}" for i in range(1, len(frame) + 1)]
    frame.columns = [str(c).strip() for c in frame.columns]
    notes = () if text is None else _separator_notes(frame, file_format, separator)
    return FileTable(frame, labels, source, file_format, notes=notes)


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


def _without_blank_lines(text: str, separator: str) -> tuple[str, list[int], list[str]]:
    """The text less its blank (or white-space-only) lines, the file line (from 1) each record
    left starts on, header first, and the header's names. Blank lines hold no data, but a
    row's number must still match what an editor shows, so it is counted from these lines;
    the csv module finds the records that span lines (a line break inside quotes)."""
    lines = io.StringIO(text, newline="").readlines()  # split at \n, \r\n or \r, as pandas does
    reader = csv.reader(lines, delimiter=separator, skipinitialspace=True)
    kept: list[str] = []
    starts: list[int] = []
    header: list[str] = []
    end = 0
    for cells in reader:
        start, end = end, reader.line_num
        record = lines[start:end]
        if "".join(record).strip():
            header = header or cells
            kept.extend(record)
            starts.append(start + 1)
    return "".join(kept), starts, header


def _check_header(names: list[str], source: str) -> None:
    """Each column named once (names compared without surrounding spaces): pandas would
    silently rename the second 'value' to 'value.1'. Unnamed columns are left to pandas."""
    counts = Counter(name.strip() for name in names)
    repeated = [f"column {name!r} appears {n} times"
                for name, n in counts.items() if n > 1 and name]  # fmt: skip
    if repeated:
        raise DataError(source, f"{' and '.join(repeated)} in the header; give each column its "
                        "own name")


def _text_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Parquet's binary cells as text (a sequence stored as bytes reads as ACGT, not b'ACGT');
    bytes that are not UTF-8 raise UnicodeDecodeError, a ValueError the caller reports."""
    for column in frame.columns:
        cells = frame[column]
        if cells.dtype == object and cells.map(lambda v: isinstance(v, bytes)).any():
            frame[column] = cells.map(lambda v: v.decode() if isinstance(v, bytes) else v)
    return frame
