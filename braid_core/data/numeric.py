"""Columns of numbers: values, measurement counts and vector features, checked to be finite
and within float32's range, every bad cell named at once."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch

from braid_core.data.report import SHOWN, DataError, clip_text
from braid_core.data.table import FileTable, ParsedDesigns, ReadOptions, header_field, is_blank
from braid_core.spaces import VectorSpace

FLOAT32_LARGEST = float(np.finfo(np.float32).max)  # the networks' number type
SHOWN_CELLS = 10  # bad cells of several columns quoted in one message
MISSING = frozenset({"", "na", "nan", "n/a", "null", "none"})  # cells read as "no value"
# Numbers as spreadsheets show them: 15,609.6 (thousands separated) and 65.9 %; and as a
# German or French spreadsheet does, 1.234,5 (points between thousands, a decimal comma).
THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
POINT_THOUSANDS = re.compile(r"[+-]?\d{1,3}(\.\d{3})+,\d*")
PERCENT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*%")
# Columns braid writes beside its designs (evaluate.design_table, the Explore export):
# predictions and distances, never measured values.
PREDICTION_COLUMNS = frozenset({"predicted_mean", "uncertainty", "conservative_score",
                                "conservative_at_c", "novelty"})
# Every column braid writes beside designs (the oracle's, the pipeline's, Explore's): never a
# vector coordinate of a table that names its own (`named_vectors`).
BRAID_COLUMNS = PREDICTION_COLUMNS | {"true_score", "valid", "repeat", "run", "source"}
NUMBERED = re.compile(r"x\d+", re.IGNORECASE)  # vector columns by number: x0, x1, ...


class _Wording(NamedTuple):
    """How a column's bad cells are told: a table's column, or a FASTA header's `key=` field."""

    missing: str
    not_number: str
    infinite: str
    too_large: str
    not_whole: str
    text: Callable[[str], str]  # a cell as written, after its row's label
    number: Callable[[float], str]  # a cell read as a number


def _wording(table: FileTable, column: str) -> _Wording:
    beyond = f"beyond +-{FLOAT32_LARGEST:.3g}, too large to compute with"
    if table.file_format == "fasta":
        field = f"{column}="
        return _Wording(
            f"whose header has no {field}... (or an empty or NA one)",
            f"whose {field} in the header is not a number",
            f"whose {field} in the header is infinite",
            f"whose {field} in the header is {beyond}",
            f"whose {field} in the header is not a whole number from 1",
            lambda cell: f"({field}{cell})",
            lambda number: f"({field}{number:g})",
        )
    where = f"in column {column!r}"
    return _Wording(
        f"without a value {where}",
        f"with a value that is not a number {where}",
        f"with an infinite value {where}",
        f"with a value {beyond}, {where}",
        f"whose count {where} is not a whole number from 1",
        repr,  # "row 1 'high'": no parentheses, which the CLI reads as a tuple of choices
        lambda number: f"({number:g})",
    )


class _BadCells(NamedTuple):
    """One kind of bad cell in one column: its rows, and how they are told."""

    column: str
    rows: list[int]
    problem: str  # after a count of rows: "without a value in column 'x2'"
    what: str  # after a row and its column: "no value"
    detail: Callable[[int], str] | None  # the cell as written, after its row
    hints: list[str]  # how to mend them


def column_numbers(table: FileTable, column: str, hint: str = "", bad_hint: str = "") -> np.ndarray:
    """A column as finite float64 (n,); missing, non-numeric or infinite cells are errors
    (`hint` ends the message about missing cells, `bad_hint` the others)."""
    numbers, bad = _column_cells(table, column, hint, bad_hint)
    if bad:
        raise _column_error(table, bad)
    return numbers


def cell_text(table: FileTable, column: str) -> tuple[pd.Series, np.ndarray]:
    """A column's cells as stripped text ("" for blank ones), and which of them hold no value
    (MISSING: blank, "NA", "nan", ...)."""
    text = table.frame[column].map(lambda v: "" if is_blank(v) else str(v).strip())
    return text, text.str.casefold().isin(MISSING).to_numpy()


def columns_numbers(table: FileTable, hints: Mapping[str, tuple[str, str]]
                    ) -> dict[str, np.ndarray]:  # fmt: skip
    """`column_numbers` of several columns (each with its `hint` and `bad_hint`), by column;
    bad cells in more than one column are one error naming each cell with its row and column,
    the first `SHOWN_CELLS` of them in the file's order, so that a messy file is mended in one
    pass."""
    found = {column: _column_cells(table, column, *hint) for column, hint in hints.items()}
    bad = [cells for _, column_bad in found.values() for cells in column_bad]
    if len({cells.column for cells in bad}) == 1:
        raise _column_error(table, bad)
    if bad:
        raise _cells_error(table, bad)
    return {column: numbers for column, (numbers, _) in found.items()}


def _column_cells(table: FileTable, column: str, hint: str, bad_hint: str
                  ) -> tuple[np.ndarray, list[_BadCells]]:  # fmt: skip
    """A column as float64 (n,) and its bad cells: missing, not numbers or infinite, else
    beyond float32's range."""
    words = _wording(table, column)
    cells = table.frame[column]
    if pd.api.types.is_numeric_dtype(cells.dtype):
        numbers = cells.to_numpy(dtype=np.float64, na_value=np.nan)
        missing, text = np.isnan(numbers), cells.astype(str)
    else:
        numbers = pd.to_numeric(cells, errors="coerce").to_numpy(np.float64)
        if not np.isnan(numbers).any() and np.isfinite(numbers).all():
            # the common case; the slow path below only names the bad cells
            return numbers, _beyond_float32(words, column, numbers)
        text, missing = cell_text(table, column)
        numbers = pd.to_numeric(text.mask(missing), errors="coerce").to_numpy(np.float64)

    def quoted(i: int) -> str:
        return words.text(text.iloc[i])

    not_number = np.isnan(numbers) & ~missing
    written = _number_format_hints(text[not_number].tolist())
    bad = [_BadCells(column, rows, problem, what, detail, hints)
           for mask, problem, what, detail, hints in (
               (missing, words.missing, "no value", _whole_header(table), [hint]),
               (not_number, words.not_number, "not a number", quoted, [bad_hint, *written]),
               (np.isinf(numbers), words.infinite, "infinite", quoted, [bad_hint]))
           if (rows := np.flatnonzero(mask).tolist())]  # fmt: skip
    return numbers, bad or _beyond_float32(words, column, numbers)


def _column_error(table: FileTable, bad: list[_BadCells]) -> DataError:
    """Every kind of bad cell of one column in one message, each kind with its rows."""
    errors, given = [], set()
    for cells in bad:
        advice = [h for h in cells.hints if h and h not in given]  # each hint once
        given.update(advice)
        errors.append(table.error(f"{table.count(len(cells.rows))} {cells.problem}", cells.rows,
                                  cells.detail, "; ".join(advice)))
    if len(errors) == 1:
        return errors[0]
    return DataError(table.source, "; and ".join(e.problem for e in errors),
                     [row for e in errors for row in e.rows])


def _cells_error(table: FileTable, bad: list[_BadCells]) -> DataError:
    """Bad cells of several columns in one message: each cell with its row and column, in the
    file's order (row by row, left to right), the first SHOWN_CELLS of them."""
    order = {column: i for i, column in enumerate(table.frame.columns)}
    cells = sorted(((row, order[kind.column]), kind) for kind in bad for row in kind.rows)
    shown = []
    for (row, _), kind in cells[:SHOWN_CELLS]:
        where = f"{kind.column}=" if table.file_format == "fasta" else f"column {kind.column!r}"
        detail = kind.detail(row) if kind.detail else ""
        shown.append(f"{table.labels[row]}, {where}: {kind.what}{f' {detail}' if detail else ''}")
    more = f" and {len(cells) - SHOWN_CELLS} more" if len(cells) > SHOWN_CELLS else ""
    columns = list(dict.fromkeys(kind.column for kind in bad))
    hints = list(dict.fromkeys(h for kind in bad for h in kind.hints if h))
    tail = "; ".join(hints)
    tail = f". {tail[0].upper()}{tail[1:]}" if tail else ""
    problem = (f"{len(cells)} bad cells in {len(columns)} columns "
               f"({', '.join(map(repr, columns))}): {'; '.join(shown)}{more}{table.counted()}"
               f"{tail}")
    rows = sorted({row for (row, _), _ in cells})
    return DataError(table.source, problem, [table.labels[row] for row in rows])


def _number_format_hints(cells: list[str]) -> list[str]:
    """How to write cells that are numbers as a spreadsheet shows them: with thousands
    separators ('15,609.6', or '1.234,5' beside a decimal comma) or percent signs ('65.9%').
    Not read as numbers: '1,234' is 1234 to one spreadsheet and 1.234 to another (and '1.234'
    the other way round), and '65.9%' may be meant as 65.9 or 0.659."""
    hints = []
    if thousands := next((c for c in cells if THOUSANDS.fullmatch(c)), None):
        hints.append(f"where a comma separates thousands, remove it: {thousands!r} as "
                     f"{thousands.replace(',', '')} (in Excel: format the column as a number "
                     "without the 1000 separator, then save as CSV)")
    if points := next((c for c in cells if POINT_THOUSANDS.fullmatch(c)), None):
        hints.append(f"where a point separates thousands, remove it: {points!r} as "
                     f"{points.replace('.', '')} (a file separated by semicolons is read with "
                     "decimal commas; in Excel: format the column as a number without the 1000 "
                     "separator, then save as CSV)")
    if percent := next((c for c in cells if PERCENT.fullmatch(c)), None):
        number = percent.rstrip("%").strip()
        hints.append(f"remove the percent signs: {percent!r} as {number} (or every value as a "
                     f"fraction, {float(number) / 100:g})")
    return hints


def _whole_header(table: FileTable) -> Callable[[int], str] | None:
    """A FASTA record's header quoted where it holds more than the id: a field the loader
    did not read ('score=0.5', 'value = 0.5') then shows."""
    if not table.headers:
        return None
    return lambda i: (repr(f">{clip_text(table.headers[i], 60)}")
                      if len(table.headers[i].split()) > 1 else "")  # fmt: skip


def _beyond_float32(words: _Wording, column: str, numbers: np.ndarray) -> list[_BadCells]:
    """Cells beyond float32's range: the networks compute in float32, where such a value would
    turn into an infinity unnoticed."""
    rows = np.flatnonzero(np.abs(numbers) > FLOAT32_LARGEST).tolist()
    if not rows:
        return []
    return [_BadCells(column, rows, words.too_large, f"beyond +-{FLOAT32_LARGEST:.3g}",
                      lambda i: words.number(numbers[i]), [])]


def numeric_columns(table: FileTable, columns: list[str]) -> list[str]:
    """Those of `columns` whose cells are numbers (all but at most one in twenty of those
    filled in): candidates for the values when the value column is absent. A row index (0 or 1,
    2, 3, ... in order) and braid's own prediction columns are left out."""
    found = []
    for column in (c for c in columns if c not in PREDICTION_COLUMNS):
        text, missing = cell_text(table, column)
        filled = text[~missing]
        numbers = pd.to_numeric(filled, errors="coerce").to_numpy(np.float64)
        finite = numbers[np.isfinite(numbers)]
        if len(finite) < max(2, 0.95 * len(filled)):
            continue
        start = finite[0] if len(finite) else 0
        if start in (0, 1) and np.array_equal(finite, start + np.arange(len(finite))):
            continue
        found.append(column)
    return found


def _count_hint(table: FileTable, column: str) -> str:
    if table.file_format == "fasta":
        return (f"the field {column}= counts the measurements each record's value is the mean "
                f"of (1 or more), {header_field(column, '3')}; rename it if it means something "
                "else")
    return ("it counts the measurements each row's value is the mean of (1 or more); rename "
            "the column if it means something else")


def count_hints(table: FileTable, column: str) -> tuple[str, str]:
    """`column_numbers`' hints for the count column."""
    hint = _count_hint(table, column)
    return hint, hint


def column_counts(table: FileTable, column: str, counts: np.ndarray | None = None
                  ) -> np.ndarray:  # fmt: skip
    """The count column as float64 (n,): whole numbers from 1, or a DataError naming the rows.
    `counts`: the column's numbers where read already (`columns_numbers`)."""
    hint = _count_hint(table, column)
    if counts is None:
        counts = column_numbers(table, column, hint, hint)
    bad = np.flatnonzero((counts < 1) | (counts != np.round(counts))).tolist()
    if bad:
        words = _wording(table, column)
        problem = f"{table.count(len(bad))} {words.not_whole}"
        raise table.error(problem, bad, lambda i: words.number(counts[i]), hint)
    return counts


def vector_designs(columns: list[str], numbers: Mapping[str, np.ndarray], notes: list[str]
                   ) -> ParsedDesigns:  # fmt: skip
    """The feature columns' numbers (`columns_numbers`) as vectors; the space keeps their
    names."""
    matrix = np.stack([numbers[c] for c in columns], axis=1) + 0.0  # -0.0 -> 0.0
    keys = [row.tobytes() for row in matrix]
    x = torch.from_numpy(matrix.astype(np.float32))
    space = VectorSpace(len(columns), tuple(columns))
    return ParsedDesigns(x, keys, space, columns, False, notes, exact=matrix)


def feature_columns(table: FileTable, options: ReadOptions, value_column: str | None
                   ) -> tuple[list[str], list[str]]:  # fmt: skip
    """The vector columns (and notes on columns left out): those given, else x0, x1, ...,
    else a table's own names (`named_vectors`)."""
    if options.feature_columns is not None:
        found = [table.find(name) for name in options.feature_columns]
        for name, column in zip(options.feature_columns, found, strict=True):
            if column is None:
                raise table.missing_column(name, "listed in the feature columns")
        if value_column in found:
            raise DataError(table.source, f"column {value_column!r} is a feature and the value")
        return found, []
    names: list[str] = []
    while (column := table.find(f"x{len(names)}")) is not None:
        names.append(column)
    if not names:
        named = named_vectors(table, options)
        if named.columns and not named.text:
            return named.columns, named.notes()
        raise table.missing_column("x0", "(vectors are the columns x0, x1, ...)",
                                   vector_numbering(table) or vector_advice(table, options))
    stray = [c for c in table.frame.columns if NUMBERED.fullmatch(c) and c not in names]
    if stray:
        problem = (
            f"vector columns must run x0, x1, ... without a gap: found {', '.join(names)}, "
            f"then {', '.join(stray)} but no x{len(names)}"
        )
        raise DataError(table.source, problem)
    return names, []


class NamedVectors(NamedTuple):
    """How a table without a sequence column or x0 splits into vector coordinates."""

    columns: list[str]  # columns of numbers: the coordinates, in the file's order
    text: list[str]  # columns of text: with one, the table is not read as vectors
    index: list[str]  # columns numbering the rows (1, 2, 3, ...): left out
    braids: list[str]  # columns of numbers under a name braid writes (BRAID_COLUMNS): left out

    def notes(self) -> list[str]:
        notes = [f"column {column!r} numbers the rows (0 or 1, 2, 3, ...): not read as a "
                 "vector coordinate" for column in self.index]
        if self.braids:
            names = ", ".join(repr(c) for c in self.braids)
            notes.append(
                f"{'column' if len(self.braids) == 1 else 'columns'} {names} not read as vector "
                "coordinates: braid writes columns of these names beside its designs "
                "(predictions, scores, labels); rename a column that is a coordinate")
        return notes


def named_vectors(table: FileTable, options: ReadOptions) -> NamedVectors:
    """A table's columns as vector coordinates, by the rule for tables that do not number
    them x0, x1, ...: every column is a coordinate but the value column (the one named, else
    `value`), `skip_columns`, the measurement count column, braid's own columns (predictions,
    scores), empty columns and a column numbering the rows; those must all hold numbers
    (most filled cells numbers: a stray bad cell is reported as such). A column of text means
    the table is not read as vectors (it may hold sequences under another name). Tables with
    a column x1, x2, ... but no x0 are left to `vector_numbering`."""
    if table.file_format == "fasta" or any(NUMBERED.fullmatch(c) for c in table.frame.columns):
        return NamedVectors([], [], [], [])
    left_out = {table.find(options.value_column or "value"),
                options.count_column and table.find(options.count_column),
                *map(table.find, options.skip_columns)}
    named = NamedVectors([], [], [], [])
    for column in table.frame.columns:
        if column in left_out:
            continue
        text, missing = cell_text(table, column)
        filled = text[~missing]
        if filled.empty:
            continue
        numbers = pd.to_numeric(filled, errors="coerce").to_numpy(np.float64)
        if column.casefold() in BRAID_COLUMNS:  # a design table braid wrote, read back
            if 2 * np.isnan(numbers).sum() <= len(numbers):
                named.braids.append(column)
        elif 2 * np.isnan(numbers).sum() > len(numbers):
            named.text.append(column)
        elif column == table.frame.columns[0] and _numbers_rows(numbers, len(text)):
            named.index.append(column)
        else:
            named.columns.append(column)
    return named


def _numbers_rows(numbers: np.ndarray, rows: int) -> bool:
    """Whether a column's numbers are 0 or 1, 2, 3, ... on each of three or more rows: a row
    number (an index written with the table, an id), no coordinate."""
    return rows >= 3 and len(numbers) == rows and numbers[0] in (0, 1) and bool(
        np.array_equal(numbers, numbers[0] + np.arange(rows)))


def vector_advice(table: FileTable, options: ReadOptions, *, name_text: bool = True) -> str:
    """How to make a table read as vectors, for a message about a table read as neither
    sequences nor vectors: the rule, and (`name_text`) the columns of text to remove or the
    columns to number."""
    named = named_vectors(table, options)
    rule = ("for vectors, every column but the value column (and measurements) must hold "
            "numbers")
    if not name_text:
        return rule
    if named.text and named.columns:
        shown = ", ".join(repr(c) for c in named.text[:SHOWN])
        more = " ..." if len(named.text) > SHOWN else ""
        holds = "holds" if len(named.text) == 1 else "hold"
        return (f"{rule}, and {shown}{more} {holds} text: remove "
                f"{'it' if len(named.text) == 1 else 'them'}, or name the vector columns x0, "
                "x1, ... (other columns are then left out)")
    return f"{rule}, one column per coordinate, beside the value column"


def vector_numbering(table: FileTable) -> str:
    """What to rename where columns x1, x2, ... (or from another number) stand without an x0:
    vector columns are numbered from x0, so such a table was read as neither vectors nor
    sequences. Empty where there is an x0, or no such column."""
    numbered = sorted((int(c[1:]), c) for c in table.frame.columns
                      if NUMBERED.fullmatch(c))  # fmt: skip
    if not numbered or numbered[0][0] == 0:
        return ""
    numbers, names = [n for n, _ in numbered], [c for _, c in numbered]
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        shown = ", ".join(names[:SHOWN]) + (", ..." if len(names) > SHOWN else "")
        found = f"start at {names[0]} ({shown}): number them x0, x1, ... without a gap"
    elif len(names) == 1:
        found = f"is {names[0]} alone: rename it x0"
    else:
        found = f"run {names[0]} to {names[-1]}: rename them x0 to x{len(names) - 1}"
    return f"vector columns are numbered from x0 (x0, x1, ...), and this file's {found}"
