"""What the reading steps pass each other: the options checked once, a file's cells with
the label the user knows each row by, and the designs found in them."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from torch import Tensor

from braid_core.data.offline import COUNT_COLUMN
from braid_core.data.report import SHOWN, DataError
from braid_core.spaces import Space


@dataclass(frozen=True)
class ReadOptions:
    """The keyword arguments of `read_designs`, checked once."""

    sequence_column: str = "sequence"
    value_column: str | None = "value"
    alphabet: str | None = None
    feature_columns: Sequence[str] | None = None
    kind: str | None = None
    min_rows: int = 2
    require_values: bool = False
    count_column: str | None = COUNT_COLUMN
    # Rows without a value (designs not measured) are left out, with a note, instead of
    # refused: measured designs read for a model (a table with none is still refused).
    labeled_rows: bool = False
    # Columns that are neither coordinates nor values: the offline file's value column, where
    # the unlabeled read (which takes no values) meets the same table.
    skip_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in (None, "sequence", "vector"):
            raise ValueError(f"kind must be 'sequence', 'vector' or None, got {self.kind!r}")
        if self.min_rows < 1:
            raise ValueError(f"min_rows must be at least 1, got {self.min_rows}")
        if self.require_values and self.value_column is None:
            raise ValueError("require_values=True needs a value_column")
        if self.feature_columns is not None and not list(self.feature_columns):
            raise ValueError("feature_columns, when given, must name at least one column")


@dataclass(frozen=True)
class FileTable:
    """A file's cells before validation, with the label the user knows each row by."""

    frame: pd.DataFrame  # one column per field; text cells for CSV, TSV and FASTA
    labels: list[str]  # "row 3" (lines from 1 below the header) or "record 2 (>seq3, line 5)"
    source: str  # file name, for messages
    file_format: str  # "csv", "tsv", "fasta" or "parquet"
    headers: tuple[str, ...] = ()  # FASTA: each record's header line, for messages
    notes: tuple[str, ...] = ()  # how the file was read, when not as named (a .csv's separator)
    warnings: tuple[str, ...] = ()  # how it was read, when that may be wrong (its encoding)

    def rows(self, keep: Sequence[int]) -> FileTable:
        """This table with only the rows `keep` (positions), each keeping its label."""
        return dataclasses.replace(
            self, frame=self.frame.iloc[list(keep)].reset_index(drop=True),
            labels=[self.labels[i] for i in keep],
            headers=tuple(self.headers[i] for i in keep) if self.headers else ())

    def count(self, n: int) -> str:
        unit = "record" if self.file_format == "fasta" else "row"
        return f"{n} {unit}{'' if n == 1 else 's'}"

    def error(
        self,
        problem: str,
        rows: Sequence[int],
        detail: Callable[[int], str] | None = None,
        hint: str = "",
    ) -> DataError:
        """A DataError quoting the first offending rows, `detail(i)` after each label."""
        shown = "; ".join(
            " ".join(filter(None, (self.labels[i], detail and detail(i)))) for i in rows[:SHOWN]
        )
        more = f" and {len(rows) - SHOWN} more" if len(rows) > SHOWN else ""
        tail = f". {hint[0].upper()}{hint[1:]}" if hint else ""
        message = f"{problem}: {shown}{more}{self.counted()}{tail}"
        return DataError(self.source, message, [self.labels[i] for i in rows])

    def counted(self) -> str:
        """How the rows quoted in messages are counted, after them (nothing for FASTA)."""
        return {"fasta": "", "parquet": " (rows counted from 1)"}.get(
            self.file_format, " (rows counted from 1 below the header, blank lines included)")

    def find(self, name: str) -> str | None:
        """The column called `name`, else the only one equal to it ignoring case."""
        if name in self.frame.columns:
            return name
        folded = [c for c in self.frame.columns if c.casefold() == name.strip().casefold()]
        return folded[0] if len(folded) == 1 else None

    def missing_column(self, name: str, what: str, advice: str = "") -> DataError:
        """No column `name` (`what` it would hold): for a table, the columns there are and
        `advice`; for FASTA, how the header field is written."""
        if self.file_format == "fasta":
            problem = f"no record header has {name}=... ({what}); write it {header_field(name)}"
            return DataError(self.source, problem)
        present = ", ".join(repr(c) for c in self.frame.columns)
        hint = ""
        if len(self.frame.columns) == 1 and re.search(r"[,;\t|]", self.frame.columns[0]):
            hint = ("; only one column was found: separate the columns by commas (.csv), "
                    "semicolons (.csv) or tabs (.tsv), the same in every line")
        advice = f"; {advice}" if advice else ""
        return DataError(self.source,
                         f"no column {name!r} {what}; the columns are {present}{hint}{advice}")


class ParsedDesigns(NamedTuple):
    """Validated designs of every row, before duplicates are merged."""

    x: Tensor  # (rows, length) int64 tokens or (rows, dim) float32
    keys: list  # one hashable per row; equal keys are the same design
    space: Space
    columns: list[str]  # the columns they came from
    inferred: bool  # whether the alphabet was inferred
    notes: list[str]  # e.g. the inferred alphabet
    reason: str = ""  # why an inferred alphabet is protein: "because of 'N' (row 13)"
    # (rows, dim) float64 vector coordinates as read; x is their float32 copy for the
    # networks, which files written back must not be: it rounds to 7 digits. None: sequences.
    exact: np.ndarray | None = None


def header_field(key: str, example: str = "0.5") -> str:
    """How a FASTA header field is written, in the syntax the loader reads, for messages."""
    return (f"as in '>seq_1 {key}={example}' (fields in a header are separated by spaces, '|' "
            "or ';', no space around the '=')")


def is_blank(cell: object) -> bool:
    return cell is None or cell is pd.NA or (isinstance(cell, float) and np.isnan(cell))
