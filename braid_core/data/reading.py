"""`read_designs` and its kin: the one path from a file's bytes to validated `OfflineData`,
for files and uploads alike."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch

from braid_core.data.combining import disagreeing_repeats
from braid_core.data.duplicates import (
    duplicate_warning,
    float32_twins_warning,
    merge_duplicates,
)
from braid_core.data.fasta import field_fix, misspelt_field
from braid_core.data.loading import file_bytes, parse_design_table
from braid_core.data.numeric import (
    NUMBERED,
    cell_text,
    column_counts,
    columns_numbers,
    count_hints,
    feature_columns,
    named_vectors,
    numeric_columns,
    vector_designs,
)
from braid_core.data.offline import COUNT_COLUMN, OfflineData
from braid_core.data.plateau import plateau_warning
from braid_core.data.report import (
    SHOWN,
    DataError,
    DataReport,
    DataWarning,
    designs_phrase,
    unmeasured_note,
)
from braid_core.data.sequences import nucleotide_warning, sequence_designs
from braid_core.data.sniffing import DECIMAL_COMMA
from braid_core.data.table import FileTable, ParsedDesigns, ReadOptions, header_field
from braid_core.spaces import VectorSpace


def read_designs(
    path: str | Path,
    *,
    sequence_column: str = "sequence",
    value_column: str | None = "value",
    alphabet: str | None = None,
    feature_columns: Sequence[str] | None = None,
    kind: Literal["sequence", "vector"] | None = None,
    min_rows: int = 2,
    require_values: bool = False,
    count_column: str | None = COUNT_COLUMN,
    labeled_rows: bool = False,
) -> OfflineData:
    """Read and validate a design file; the format comes from the extension.

    Args:
        path: .csv, .tsv/.tab, .fa/.fasta/.fna/.faa (values as `value=` in headers) or
            .parquet/.pq, each also gzipped (.csv.gz).
        sequence_column: column holding sequences (tables only).
        value_column: column (FASTA: header key) holding values; None reads no values. A
            missing value column means unlabeled designs unless `require_values`.
        alphabet: "dna", "rna", "protein" or the letters; None infers dna, rna or protein.
        feature_columns: vector columns; default x0, x1, ... when present.
        kind: "sequence" or "vector"; None decides from the columns found.
        min_rows: fewest distinct designs accepted.
        require_values: make a missing value column an error.
        count_column: column (FASTA: header key) saying how many measurements each row's
            value is the mean of (whole numbers from 1); absent means one each. Read only with
            values, so that merged duplicates weigh every measurement alike.
        labeled_rows: leave rows without a value (designs not measured) out, with a note,
            instead of refusing them; a table of none is still refused.
    Returns:
        OfflineData with x (n, length) int64 or (n, dim) float32, y (n,) float32 or None, and
        the measurement counts when some value is the mean of several.
    Raises:
        DataError naming the file, the rows and the problem.
    """
    options = ReadOptions(
        sequence_column, value_column, alphabet, feature_columns, kind, min_rows, require_values,
        count_column, labeled_rows,
    )
    return _read(file_bytes(path), str(path), options, warn=True)


def read_designs_bytes(
    data: bytes,
    filename: str,
    *,
    sequence_column: str = "sequence",
    value_column: str | None = "value",
    alphabet: str | None = None,
    feature_columns: Sequence[str] | None = None,
    kind: Literal["sequence", "vector"] | None = None,
    min_rows: int = 2,
    require_values: bool = False,
    count_column: str | None = COUNT_COLUMN,
    labeled_rows: bool = False,
) -> OfflineData:
    """`read_designs` on the bytes of an upload, writing nothing; `filename` gives the format."""
    options = ReadOptions(
        sequence_column, value_column, alphabet, feature_columns, kind, min_rows, require_values,
        count_column, labeled_rows,
    )
    return _read(data, filename, options, warn=True)


def check_designs(path: str | Path, **options: Any) -> DataReport:
    """Validate a file and return only the report (`braid data check`); it holds the warnings.

    Takes the keyword arguments of `read_designs` and raises the same DataError; emits no
    DataWarning (the report carries it), and touches no global warning filter.
    """
    return check_designs_bytes(file_bytes(path), str(path), **options)


def check_designs_bytes(data: bytes, filename: str, **options: Any) -> DataReport:
    """`check_designs` on the bytes of a file read already; `filename` gives the format and
    names the file in errors, as its path does for `check_designs`."""
    return _read(data, filename, ReadOptions(**options), warn=False).report


def _read(data: bytes, source: str, options: ReadOptions, *, warn: bool) -> OfflineData:
    """Validate the bytes of one file into OfflineData; the one path for files and uploads."""
    table = parse_design_table(data, source, options)
    value_column = _value_column(table, options)
    unlabeled_note, rows_without_value = "", 0
    if options.labeled_rows and value_column is not None:
        measured, rows_without_value = _labeled_rows(table, value_column)
        if rows_without_value:
            _check_design_cells(table, options, value_column)
        table = measured
        unlabeled_note = unmeasured_note(rows_without_value, value_column, table.file_format)
    designs: ParsedDesigns | None = None
    if _kind(table, options) == "sequence":
        designs = sequence_designs(table, options)
        features, feature_notes = designs.columns, []
    else:
        features, feature_notes = feature_columns(table, options, value_column)
    count_column = None if value_column is None else _count_column(table, options, features)
    # Every cell of numbers checked at once: bad ones in several columns are one error.
    hints = {} if designs is not None else {column: ("", "") for column in features}
    if designs is None and value_column is None and options.feature_columns is None:
        hints.update({column: (_maybe_values(column), "") for column in features
                      if _mostly_blank(table, column)})
    if value_column is not None:
        hints[value_column] = _value_hints(table, value_column)
    if count_column is not None:
        hints[count_column] = count_hints(table, count_column)
    numbers = columns_numbers(table, hints)
    if designs is None:
        designs = vector_designs(features, numbers, feature_notes)
    values = None if value_column is None else numbers[value_column]
    weights = None if count_column is None else column_counts(table, count_column,
                                                              numbers[count_column])
    first, merged, counts, groups = merge_duplicates(designs, values, table, weights)
    if len(first) < options.min_rows:
        merged_from = f" ({table.count(len(designs.keys))} before merging duplicates)"
        raise DataError(
            source,
            f"only {designs_phrase(len(first))}{merged_from if groups else ''}; "
            f"at least {options.min_rows} needed",
        )
    used = [*designs.columns, *(c for c in (value_column, count_column) if c)]
    notes = [*table.notes, *designs.notes, *filter(None, [unlabeled_note])]
    alerts = [*table.warnings]
    if groups:
        alerts.append(duplicate_warning(groups, table, designs.space))
    if groups and merged is not None and (disagree := disagreeing_repeats(
            groups, values, merged, where=f"more than once in {source}", of="rows",
            sequences=not isinstance(designs.space, VectorSpace))):
        alerts.append(disagree)  # as for a design measured again in another file
    exact = None if designs.exact is None else designs.exact[first]
    if twins := float32_twins_warning(designs.x[first], exact,
                                      [table.labels[i] for i in first], source):  # fmt: skip
        alerts.append(twins)
    if nucleotides := nucleotide_warning(designs, table):
        alerts.append(nucleotides)
    if merged is not None and (plateau := plateau_warning(merged, source)):
        alerts.append(plateau)
    if options.value_column is not None and value_column is None:
        if numbers := _numbers_but_no_values(table, options, used):
            alerts.append(f"{source}: {numbers}")
        else:
            absent = (f"no record header has {options.value_column}=..." if table.file_format
                      == "fasta" else f"no value column {options.value_column!r}")  # fmt: skip
            notes.append(f"{absent}: the designs are unlabeled{_named_note(designs)}")
    for alert in alerts if warn else ():
        warnings.warn(alert, DataWarning, stacklevel=3)
    report = DataReport(
        source=source,
        file_format=table.file_format,
        space=designs.space,
        alphabet_inferred=designs.inferred,
        rows_read=len(designs.keys),
        num_designs=len(first),
        value_column=value_column,
        value_range=None if merged is None else (float(merged.min()), float(merged.max())),
        columns_used=tuple(used),
        columns_ignored=tuple(c for c in table.frame.columns if c not in used),
        duplicates=groups,
        notes=tuple(notes),
        warnings=tuple(alerts),
        count_column=count_column,
        measurements=None if counts is None else round(counts.sum()),
        alphabet_reason=designs.reason,
        rows_without_value=rows_without_value,
    )
    y = None if merged is None else torch.from_numpy(merged.astype(np.float32))
    return OfflineData(designs.space, designs.x[first], y, source, report, counts, merged, exact)


def _labeled_rows(table: FileTable, column: str) -> tuple[FileTable, int]:
    """The rows of `table` with a value in `column`, and how many were left out; the table as
    it is where every row has one or none does (then the missing values are the error)."""
    blank = cell_text(table, column)[1]
    if not blank.any() or blank.all():
        return table, 0
    return table.rows(np.flatnonzero(~blank).tolist()), int(blank.sum())


def _check_design_cells(table: FileTable, options: ReadOptions, value_column: str) -> None:
    """The designs' cells of every row, measured or not, checked as the rows a model is
    fitted on are: a bad letter or number in a row without a value is a fault of the file
    all the same, which the Data page refuses and `braid design` meets when it reads the
    table's every row as unlabeled; said here, it comes in the one error with the others."""
    if _kind(table, options) == "sequence":
        sequence_designs(table, options)
    else:
        features, _ = feature_columns(table, options, value_column)
        columns_numbers(table, {column: ("", "") for column in features})


def _mostly_blank(table: FileTable, column: str) -> bool:
    """Whether two or more and a tenth or more of a column's cells are blank: more like values
    measured for some designs only than a coordinate with a cell left out."""
    blank = int(cell_text(table, column)[1].sum())
    return blank >= 2 and 10 * blank >= len(table.frame)


def _maybe_values(column: str) -> str:
    return (f"if {column!r} holds measured values (blank where a design was not measured), "
            f"name it as the value column (--value-column {column})")


def _value_hints(table: FileTable, column: str) -> tuple[str, str]:
    """What to do about missing values, and about values that are no numbers."""
    if table.file_format == "fasta":
        misspelt = next(filter(None, (misspelt_field(title, column) for title, cell in
                                      zip(table.headers, table.frame[column], strict=True)
                                      if not cell)), "")  # fmt: skip
        fix = f"; {misspelt!r} is not read: write {field_fix(misspelt)!r}" if misspelt else ""
        return (f"give every header its value, {header_field(column)}, or remove every "
                f"{column}= to read the designs as unlabeled{fix}",
                f"write a number after {column}=, e.g. {column}=0.5 or {column}=-1.2e-3")
    cells = table.frame[column]
    commas = not pd.api.types.is_numeric_dtype(cells) and (
        cells.astype(str).str.strip().str.fullmatch(DECIMAL_COMMA.pattern).any())
    return ("fill them in, or leave the value column out to read the designs as unlabeled",
            "write decimals with a point (3.5), or, in a file separated by semicolons, every one "
            "with a comma (3,5)" if commas else "")


def _value_column(table: FileTable, options: ReadOptions) -> str | None:
    if options.value_column is None:
        return None
    column = table.find(options.value_column)
    if column is None and options.require_values:
        if numbers := _value_like(table, options):
            advice = _value_candidates(numbers)
        else:
            advice = "if a column holds the values, set --value-column to its name"
        raise table.missing_column(options.value_column, "with the values", advice)
    return column


def _value_like(table: FileTable, options: ReadOptions) -> list[str]:
    """Columns of numbers that are no design or count column (x0, x1, ... hold vectors)."""
    if table.file_format == "fasta":
        return []
    design = {*(options.feature_columns or ()), options.count_column}
    return numeric_columns(table, [c for c in table.frame.columns if c not in design
                                   and not NUMBERED.fullmatch(c)])


def _numbers_but_no_values(table: FileTable, options: ReadOptions, used: list[str]) -> str:
    """A warning when the value column is absent but other columns hold numbers: the values
    may be under another name, and reading the designs as unlabeled would drop them unseen."""
    if table.file_format == "fasta":
        return ""
    value_column = options.value_column
    numbers = numeric_columns(table, [c for c in table.frame.columns if c not in used])
    if not numbers:
        return ""
    return (f"no column {value_column!r}, so the designs are read as unlabeled; "
            f"{_value_candidates(numbers)}")


def _named_note(designs: ParsedDesigns) -> str:
    """After "the designs are unlabeled", for vectors read from a table's own column names:
    every column of numbers became a coordinate, the values too if they are under another
    name."""
    if not (isinstance(designs.space, VectorSpace) and designs.space.named) or len(
            designs.columns) < 2:
        return ""
    return (f", each of its {len(designs.columns)} columns of numbers a vector coordinate; if "
            "one holds measured values, set --value-column to its name")


def _value_candidates(columns: list[str]) -> str:
    """Columns of numbers offered as the value column ("set --value-column to ..." reads as well
    where the dashboard puts its field's name in place of the option)."""
    if len(columns) == 1:
        return (f"column {columns[0]!r} holds numbers: if these are the measured values, set "
                f"--value-column to {columns[0]!r}")
    names = ", ".join(repr(c) for c in columns[:SHOWN]) + (" ..." if len(columns) > SHOWN else "")
    return (f"columns {names} hold numbers: if one holds the measured values, set "
            "--value-column to its name")


def _count_column(table: FileTable, options: ReadOptions, features: list[str]) -> str | None:
    """The measurement count column when the file has one (and it is not a design column)."""
    if options.count_column is None:
        return None
    column = table.find(options.count_column)
    if column is not None and column in features:
        raise DataError(table.source, f"column {column!r} is a feature and the measurement count")
    return column


def _kind(table: FileTable, options: ReadOptions) -> str:
    if table.file_format == "fasta":
        if options.kind == "vector":
            raise DataError(table.source, "FASTA holds sequences; give vectors as CSV/TSV/Parquet")
        return "sequence"
    if options.kind is not None:
        return options.kind
    if options.feature_columns is not None:
        return "vector"
    if table.find(options.sequence_column) is not None:
        return "sequence"
    if table.find("x0") is not None:
        return "vector"
    named = named_vectors(table, options)
    return "vector" if named.columns and not named.text else "sequence"
