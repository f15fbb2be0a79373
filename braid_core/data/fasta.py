"""FASTA records into cells: the sequences, and values (and measurement counts) from fields of
the headers written `value=0.5`."""

from __future__ import annotations

import io
import re

import pandas as pd
from Bio.SeqIO.FastaIO import SimpleFastaParser

from braid_core.data.decoding import decode_text
from braid_core.data.report import SHOWN, DataError, clip_text
from braid_core.data.table import FileTable, ReadOptions, header_field


def load_fasta(data: bytes, source: str, file_format: str, options: ReadOptions) -> FileTable:
    """FASTA via Biopython; values from `value=` (the value column's name) in the headers."""
    text, encoding = decode_text(data, source)
    lines = text.splitlines()
    starts = [n for n, line in enumerate(lines, 1) if line.startswith(">")]
    if not starts:
        raise DataError(source, "no FASTA records (lines starting with '>') in the file")
    first_text = next(n for n, line in enumerate(lines, 1) if line.strip())
    if first_text < starts[0]:
        problem = f"line {first_text} comes before the first record (a line starting with '>')"
        raise DataError(source, problem, [f"line {first_text}"])
    records = list(SimpleFastaParser(io.StringIO("\n".join(lines))))
    assert len(records) == len(starts), "one record per '>' line"
    titles = [title for title, _ in records]
    labels = [f"record {k} ({_record_id(title)}, line {n})"
              for k, (title, n) in enumerate(zip(titles, starts, strict=True), 1)]  # fmt: skip
    columns = {options.sequence_column: [sequence for _, sequence in records]}
    # A record without the count key is one measurement; without the value key, no value.
    for key, absent in ((options.value_column, ""), (options.count_column, "1")):
        found = _header_fields(titles, key, labels, source) if key is not None else []
        # A count misspelt ('measurements: 3') would read as 1, and values misspelt in every
        # header as none at all: unlabeled designs. Misspelt among others' values, they are
        # missing values, named with the fix (reading's hints).
        if key is not None and (key == options.count_column or not any(found)):
            _refuse_misspelt_fields(titles, key, found, labels, source)
        if any(cell is not None for cell in found):
            columns[key] = [absent if cell is None else cell for cell in found]
    return FileTable(pd.DataFrame(columns), labels, source, file_format, tuple(titles),
                     warnings=tuple(filter(None, [encoding])))


def _record_id(title: str) -> str:
    """A record's id as its header line starts: '>seq_17'."""
    words = title.split(maxsplit=1)
    return f">{clip_text(words[0], 30)}" if words else "no id"


def _header_fields(titles: list[str], key: str, labels: list[str], source: str
                   ) -> list[str | None]:  # fmt: skip
    """Each FASTA header's `key=...` field (None where absent). Fields are separated by white
    space, '|' or ';' (">s1 value=0.5", ">s1|value=0.5"); the key's case is ignored, as a
    table's column names' is; a key given twice in one header is an error naming the
    records, not a silent pick."""
    pattern = re.compile(rf"(?:^|[\s|;]){re.escape(key)}=([^\s|;]*)", re.IGNORECASE)
    fields = [pattern.findall(title) for title in titles]
    twice = [i for i, found in enumerate(fields) if len(found) > 1]
    if twice:
        shown = "; ".join(labels[i] for i in twice[:SHOWN])
        raise DataError(source, f"{len(twice)} header(s) give {key}= more than once: {shown}",
                        [labels[i] for i in twice])
    return [found[0] if found else None for found in fields]


def misspelt_field(title: str, key: str) -> str:
    """The key given in a header with a colon or a space ('value: 0.5', 'value = 0.5'), which
    is not read, as written; '' where there is none."""
    pattern = rf"(?:^|[\s|;])({re.escape(key)}(?:\s*:|\s+=|=\s)\s*[^\s|;]*)"
    found = re.search(pattern, title, re.IGNORECASE)
    return found[1] if found else ""


def field_fix(written: str) -> str:
    """A misspelt field as it is read: 'value: 0.5' as 'value=0.5'."""
    return re.sub(r"\s*[:=]\s*", "=", written, count=1)


def _refuse_misspelt_fields(titles: list[str], key: str, found: list[str | None],
                            labels: list[str], source: str) -> None:  # fmt: skip
    """Refuse headers that give the key with a colon or a space and no `key=` field. They are
    not read as values: in a free-text description the words after 'value:' need not be one
    number ('value: 0.5 +- 0.1', 'predicted value: 0.3'), and the one spelling braid reads
    and writes keeps a file read back the same."""
    misspelt = {i: written for i, (title, cell) in enumerate(zip(titles, found, strict=True))
                if not cell and (written := misspelt_field(title, key))}  # fmt: skip
    if not misspelt:
        return
    rows = list(misspelt)
    first = misspelt[rows[0]]
    shown = "; ".join(f"{labels[i]} {clip_text(f'>{titles[i]}', 60)!r}" for i in rows[:SHOWN])
    more = f" and {len(rows) - SHOWN} more" if len(rows) > SHOWN else ""
    headers = "1 record header gives" if len(rows) == 1 else f"{len(rows)} record headers give"
    problem = (
        f"{headers} {key} with a colon or a space ({first!r}), which is not read: {shown}"
        f"{more}. Write {field_fix(first)!r} instead, {header_field(key)}; or remove these "
        "fields to read the designs without them"
    )
    raise DataError(source, problem, [labels[i] for i in rows])
