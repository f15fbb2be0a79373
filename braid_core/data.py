"""Design tables (CSV, TSV, FASTA, Parquet) read and validated into `OfflineData`.

Every problem is raised as one `DataError` naming the file, the offending rows as the user
counts them (data rows from 1 below the header; FASTA records by id and line) and the problem.
Nothing is dropped silently: duplicated designs are merged, their values averaged, with a
`DataWarning` that the report keeps too; values piled at their best (a plateau) get one as
well. How many measurements stand behind each kept value travels with the data (an optional
`measurements` column, written back by `to_frame`), so a merged table merged again still weighs
every measurement alike. The CLI and the dashboard share this one path.
"""

from __future__ import annotations

import gzip
import io
import re
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd
import torch
from Bio.SeqIO.FastaIO import SimpleFastaParser
from torch import Tensor

from braid_core.files import atomic_write_bytes
from braid_core.spaces import (
    NAMED_ALPHABETS,
    SequenceSpace,
    Space,
    VectorSpace,
    alphabet_name,
    resolve_alphabet,
)

FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".fa": "fasta", ".fasta": "fasta",
           ".fna": "fasta", ".faa": "fasta", ".parquet": "parquet", ".pq": "parquet"}  # fmt: skip
SHOWN = 5  # offending rows quoted in one message
# D "sits on a plateau" when at least this share of its labeled designs (and PLATEAU_ROWS of
# them) have exactly its best value (a saturated assay, or a coarse score). On Ehrlich
# instances, `braid design` raised the median above the best of D wherever 2-25 % of D had
# that value, and on three of ten plateau instances (two of two with three motifs, one of
# seven with two; bench/results/unseen_design.md, unseen_draw.md; 15 % of the family has such
# a pile, family_survey.md).
PLATEAU_SHARE = 1 / 3
PLATEAU_ROWS = 10
# ...or at one value with fewer than this share of D above it: 46:4:7054 held 41 % of D at
# 0.0938 and 2 designs at 0.125, and `braid design` matched the plateau as on the others
# (bench/results/unseen_draw.md). Among 30 instances this flags no other.
PLATEAU_ABOVE = 0.01
FLOAT32_LARGEST = float(np.finfo(np.float32).max)  # the networks' number type
IUPAC_AMBIGUITY = frozenset("NRYSWKMBDHV")  # nucleotide codes for several bases (N: any)
MISSING = frozenset({"", "na", "nan", "n/a", "null", "none"})  # cells read as "no value"
COUNT_COLUMN = "measurements"  # optional: how many measurements a row's value is the mean of


class DataError(ValueError):
    """A problem in a design file; `str(err)` is one plain message for the user.

    Attributes:
        path: the file, as given.
        problem: what is wrong, naming the first offending rows.
        rows: labels of all offending rows ("row 3", "record seq7 (line 13)"); may be empty.
    """

    def __init__(self, path: str, problem: str, rows: Sequence[str] = ()) -> None:
        self.path = str(path)
        self.problem = problem
        self.rows = list(rows)
        super().__init__(f"{self.path}: {problem}")


class DataWarning(UserWarning):
    """Something the user should know but that does not stop reading (duplicates merged,
    values piled at the best)."""


@dataclass(frozen=True)
class DuplicateGroup:
    """One design found on several rows; it is kept once."""

    design: str  # the sequence (upper case) or the vector as "(x0, x1, ...)"
    rows: tuple[str, ...]  # labels of the rows holding it, in file order
    values: tuple[float, ...]  # their values, averaged into one; empty when unlabeled
    index: int  # its position among the kept designs
    measurements: tuple[float, ...] = ()  # behind each value, when one is a mean of several


@dataclass(frozen=True)
class DataReport:
    """What reading a file found; `summary()` is what `braid data check` prints."""

    source: str  # file name, as given
    file_format: str  # "csv", "tsv", "fasta", "parquet" ("tensors" for from_tensors)
    space: Space  # the design space found (alphabet and length, or dimension)
    alphabet_inferred: bool  # True when the alphabet was guessed from the letters
    rows_read: int  # data rows (FASTA records) in the file
    num_designs: int  # distinct designs kept, after merging duplicates
    value_column: str | None  # column (FASTA: header key) the values came from; None: unlabeled
    value_range: tuple[float, float] | None  # (min, max) of the kept values
    columns_used: tuple[str, ...]  # columns read (FASTA: the sequence and value= fields)
    columns_ignored: tuple[str, ...]  # other columns in the file
    duplicates: tuple[DuplicateGroup, ...]  # designs found more than once
    notes: tuple[str, ...]  # informational: inferred alphabet, no value column
    warnings: tuple[str, ...]  # worth a look: merged duplicates, values piled at the best
    count_column: str | None = None  # column the measurement counts came from, if any
    measurements: int | None = None  # measurements behind the values, when more than designs

    @property
    def labeled(self) -> bool:
        return self.value_column is not None

    @property
    def alphabet(self) -> str | None:
        """The letters in token order, or None for vectors."""
        return self.space.alphabet if isinstance(self.space, SequenceSpace) else None

    def messages(self) -> list[str]:
        """Notes then warnings, one line each."""
        return [*self.notes, *(f"warning: {w}" for w in self.warnings)]

    def summary(self) -> str:
        """A few lines for people: counts, space, values, columns, notes and warnings."""
        inferred = " (alphabet inferred)" if self.alphabet_inferred else ""
        unit = "records" if self.file_format == "fasta" else "rows"
        behind = (f", standing for {self.measurements} measurements in all (designs measured "
                  "more than once hold their mean)" if self.measurements else "")
        lines = [
            f"{self.source}: {self.rows_read} {unit} -> {self.num_designs} designs, "
            f"{self.space.describe()}{inferred}",
            f"values: {self.value_range[0]:.6g} to {self.value_range[1]:.6g}{behind}"
            if self.value_range
            else "values: none (unlabeled designs)",
            f"columns used: {', '.join(self.columns_used)}"
            + (f"; ignored: {', '.join(self.columns_ignored)}" if self.columns_ignored else ""),
        ]
        return "\n".join(lines + self.messages())


@dataclass(frozen=True)
class OfflineData:
    """Validated designs: tokens or vectors, with values when the file has them."""

    space: Space
    x: Tensor  # (n, length) int64 tokens, or (n, dim) float32
    y: Tensor | None  # (n,) float32 values; None for unlabeled designs
    source: str  # file name, for messages
    report: DataReport  # what reading found
    # (n,) float64 measurements behind each value (merged duplicate rows and a `measurements`
    # column add up); None: one each, or unlabeled.
    counts: np.ndarray | None = None
    # (n,) float64 values as read (or averaged), which files written back keep; y is their
    # float32 copy for the networks. None: unlabeled, or made in code (then y is all there is).
    values: np.ndarray | None = None

    def __post_init__(self) -> None:
        assert self.x.shape[1:] == self.space.event_shape, f"x {tuple(self.x.shape)} vs space"
        assert self.y is None or self.y.shape == self.x.shape[:1], "y must be (n,)"
        assert self.counts is None or (self.y is not None and self.counts.shape == self.y.shape)
        assert self.values is None or (self.y is not None and self.values.shape == self.y.shape)

    def __len__(self) -> int:
        return self.x.shape[0]

    @classmethod
    def from_tensors(
        cls, space: Space, x: Tensor, y: Tensor | None = None, source: str = "(in memory)"
    ) -> OfflineData:
        """Designs made in code (tasks, tests), with a plain report; duplicates are not merged.

        Args:
            x: (n, length) int64 tokens or (n, dim) floats (stored as float32).
            y: (n,) values, or None.
        """
        x = x.long() if isinstance(space, SequenceSpace) else x.float()
        y = None if y is None else y.float()
        report = DataReport(
            source=source,
            file_format="tensors",
            space=space,
            alphabet_inferred=False,
            rows_read=len(x),
            num_designs=len(x),
            value_column=None if y is None else "value",
            value_range=None if y is None or not len(y) else (y.min().item(), y.max().item()),
            columns_used=(),
            columns_ignored=(),
            duplicates=(),
            notes=(),
            warnings=(),
        )
        return cls(space, x, y, source, report)

    @property
    def alphabet_inferred(self) -> bool:
        return self.report.alphabet_inferred

    def sequences(self) -> list[str]:
        """The designs as upper-case strings (sequence spaces only)."""
        if not isinstance(self.space, SequenceSpace):
            raise TypeError(f"{self.source} holds vectors, not sequences")
        return self.space.decode(self.x)

    def measurement_counts(self) -> np.ndarray:
        """(n,) how many measurements each design's value is the mean of (ones if not known)."""
        return np.ones(len(self)) if self.counts is None else self.counts

    def exact_values(self) -> np.ndarray | None:
        """(n,) float64 values: as read where known, else y's."""
        if self.y is None:
            return None
        return self.y.double().numpy() if self.values is None else self.values

    def to_frame(self) -> pd.DataFrame:
        """Columns `sequence` (or the file's feature columns) and `value` when labeled, and
        `measurements` when some value is the mean of several (read back by `read_designs`)."""
        if isinstance(self.space, SequenceSpace):
            frame = pd.DataFrame({"sequence": self.sequences()})
        else:
            frame = pd.DataFrame(self.x.numpy().copy(), columns=_features(self))
        if self.values is not None:  # as measured: merging must not round what was measured
            frame["value"] = self.values.copy()
        elif self.y is not None:
            frame["value"] = self.y.numpy().copy()  # float32: a CSV shows 0.1, not 0.1000001
        if self.counts is not None:
            frame[COUNT_COLUMN] = self.counts.round().astype(np.int64)
        return frame


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
    Returns:
        OfflineData with x (n, length) int64 or (n, dim) float32, y (n,) float32 or None, and
        the measurement counts when some value is the mean of several.
    Raises:
        DataError naming the file, the rows and the problem.
    """
    options = _Options(
        sequence_column, value_column, alphabet, feature_columns, kind, min_rows, require_values,
        count_column,
    )
    return _read(_file_bytes(path), str(path), options, warn=True)


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
) -> OfflineData:
    """`read_designs` on the bytes of an upload, writing nothing; `filename` gives the format."""
    options = _Options(
        sequence_column, value_column, alphabet, feature_columns, kind, min_rows, require_values,
        count_column,
    )
    return _read(data, filename, options, warn=True)


def check_designs(path: str | Path, **options: Any) -> DataReport:
    """Validate a file and return only the report (`braid data check`); it holds the warnings.

    Takes the keyword arguments of `read_designs` and raises the same DataError; emits no
    DataWarning (the report carries it), and touches no global warning filter.
    """
    return _read(_file_bytes(path), str(path), _Options(**options), warn=False).report


def combine_designs(parts: Sequence[OfflineData], source: str) -> OfflineData:
    """One data set from several read alike, e.g. D and the designs measured since.

    A design found in more than one part is kept once with the mean of its measurements, as
    within one file: a part's value weighs as the measurements behind it (its merged duplicates
    and its `measurements` column). The result's warnings: the parts' duplicates, the designs
    they share, and the plateau warning on the combined values.

    Read the later parts with `options_like(parts[0])`: letters outside the first one's
    alphabet are then a plain error about that file.

    Args:
        parts: at least one data set; all with the same space, all labeled or all unlabeled.
        source: the combined set's name, for messages (e.g. "offline.csv + round2.csv").
    Raises:
        DataError naming the part that does not fit the first.
    """
    assert parts, "nothing to combine"
    first = parts[0]
    for part in parts[1:]:
        if part.space != first.space:
            raise DataError(part.source, f"holds {part.space.describe()}, but {first.source} "
                            f"holds {first.space.describe()}: they cannot be one data set")
        if (part.y is None) != (first.y is None):
            has, lacks = (part, first) if first.y is None else (first, part)
            raise DataError(part.source, f"{has.source} has values and {lacks.source} has "
                            "none: combine designs with values, or designs without, not both")
        if not isinstance(first.space, SequenceSpace) and _features(part) != _features(first):
            raise DataError(part.source, f"has the columns {', '.join(_features(part))}, but "
                            f"{first.source} has {', '.join(_features(first))}: vectors are "
                            "combined column by column, so name them alike")
    x = torch.cat([part.x for part in parts])
    y = None if first.y is None else np.concatenate([part.exact_values() for part in parts])
    labels = [f"{part.source} design {i + 1}" for part in parts for i in range(len(part))]
    if isinstance(first.space, SequenceSpace):
        keys: list = first.space.decode(x)
    else:
        keys = [row.tobytes() for row in x.double().numpy()]
    table = _Table(pd.DataFrame(), labels, source, "csv")
    designs = _Designs(x, keys, first.space, [], False, [])
    weights = np.concatenate([part.measurement_counts() for part in parts])
    kept, merged, counts, groups = _merge(designs, y, table, weights)
    # Each part's own duplicates were merged when it was read; said again under the part's
    # name. The plateau is judged again on the combined values.
    alerts = [_duplicate_warning(part.report.duplicates, _Table(
        pd.DataFrame(), [], part.source, part.report.file_format), part.space)
        for part in parts if part.report.duplicates]  # fmt: skip
    alerts += [_duplicate_warning(groups, table, first.space)] if groups else []
    if merged is not None and (plateau := _plateau_warning(merged, source)):
        alerts.append(plateau)
    counts_text = " and ".join(f"{part.source} ({_designs(len(part))})" for part in parts)
    report = replace(
        first.report,
        source=source,
        file_format="combined",
        rows_read=sum(part.report.rows_read for part in parts),
        num_designs=len(kept),
        value_range=None if merged is None else (float(merged.min()), float(merged.max())),
        duplicates=groups,
        notes=(f"combined from {counts_text}",),
        warnings=tuple(alerts),
        measurements=None if counts is None else round(counts.sum()),
    )
    values = None if merged is None else torch.from_numpy(merged.astype(np.float32))
    return OfflineData(first.space, x[kept], values, source, report, counts, merged)


def _designs(count: int) -> str:
    """'1 design', '3 designs'."""
    return f"{count} design" if count == 1 else f"{count} designs"


def options_like(designs: OfflineData) -> dict[str, Any]:
    """`read_designs` keywords that read another file into the same space as `designs`: its
    alphabet (not one inferred afresh from fewer letters), or its vector columns. Such a file
    is added to `designs`, so a single design (one new measurement) is enough."""
    if isinstance(designs.space, SequenceSpace):
        return {"alphabet": designs.space.alphabet, "kind": "sequence", "min_rows": 1}
    return {"feature_columns": _features(designs), "kind": "vector", "min_rows": 1}


def _features(designs: OfflineData) -> list[str]:
    """The columns a vector data set's coordinates came from, in order."""
    others = (designs.report.value_column, designs.report.count_column)
    return [c for c in designs.report.columns_used if c not in others]


def write_designs_csv(
    path: str | Path,
    designs: Sequence[str] | Tensor | np.ndarray,
    values: Sequence[float] | Tensor | np.ndarray | None = None,
) -> Path:
    """Write designs (and values) as CSV atomically: a temporary file, then `os.replace`.

    Args:
        path: the CSV file; missing folders are made.
        designs: sequences (column `sequence`) or float vectors (n, dim) (columns x0, x1, ...).
        values: (n,) numbers for a `value` column, or None.
    Returns:
        The path written.
    """
    path = Path(path)
    if isinstance(designs, Tensor | np.ndarray):
        array = _numpy(designs)
        if array.ndim != 2 or not np.issubdtype(array.dtype, np.floating):
            raise TypeError("vectors must be a float (n, dim) array; decode tokens to strings")
        names = [f"x{i}" for i in range(array.shape[1])]
        frame = pd.DataFrame(array.astype(np.float64), columns=names)
    else:
        frame = pd.DataFrame({"sequence": list(designs)})
    if values is not None:
        numbers = _numpy(values).astype(np.float64)
        if numbers.shape != (len(frame),):
            raise ValueError(f"values must have shape ({len(frame)},), got {numbers.shape}")
        frame["value"] = numbers
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, frame.to_csv(index=False).encode())
    return path


def _file_bytes(path: str | Path) -> bytes:
    path = Path(path)
    if not path.is_file():
        problem = "is a folder, not a file" if path.is_dir() else "no such file"
        raise DataError(str(path), problem)
    return path.read_bytes()


def _numpy(array: Sequence[float] | Tensor | np.ndarray) -> np.ndarray:
    return array.detach().cpu().numpy() if isinstance(array, Tensor) else np.asarray(array)


@dataclass(frozen=True)
class _Options:
    """The keyword arguments of `read_designs`, checked once."""

    sequence_column: str = "sequence"
    value_column: str | None = "value"
    alphabet: str | None = None
    feature_columns: Sequence[str] | None = None
    kind: str | None = None
    min_rows: int = 2
    require_values: bool = False
    count_column: str | None = COUNT_COLUMN

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
class _Table:
    """A file's cells before validation, with the label the user knows each row by."""

    frame: pd.DataFrame  # one column per field; text cells for CSV, TSV and FASTA
    labels: list[str]  # "row 3" (data rows from 1) or "record seq3 (line 5)"
    source: str  # file name, for messages
    file_format: str  # "csv", "tsv", "fasta" or "parquet"

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
            self.labels[i] + (f" {detail(i)}" if detail else "") for i in rows[:SHOWN]
        )
        more = f" and {len(rows) - SHOWN} more" if len(rows) > SHOWN else ""
        counted = "" if self.file_format == "fasta" else " (rows counted from 1 below the header)"
        tail = f". {hint[0].upper()}{hint[1:]}" if hint else ""
        message = f"{problem}: {shown}{more}{counted}{tail}"
        return DataError(self.source, message, [self.labels[i] for i in rows])

    def find(self, name: str) -> str | None:
        """The column called `name`, else the only one equal to it ignoring case."""
        if name in self.frame.columns:
            return name
        folded = [c for c in self.frame.columns if c.casefold() == name.strip().casefold()]
        return folded[0] if len(folded) == 1 else None

    def missing_column(self, name: str, what: str) -> DataError:
        if self.file_format == "fasta":
            return DataError(self.source, f"no record header has {name}=... ({what})")
        present = ", ".join(repr(c) for c in self.frame.columns)
        hint = ""
        if len(self.frame.columns) == 1 and re.search(r"[,;\t|]", self.frame.columns[0]):
            separator = "tabs" if self.file_format == "tsv" else "commas"
            hint = f"; only one column was found: is the file separated by other than {separator}?"
        return DataError(self.source, f"no column {name!r} {what}; the columns are {present}{hint}")


class _Designs(NamedTuple):
    """Validated designs of every row, before duplicates are merged."""

    x: Tensor  # (rows, length) int64 tokens or (rows, dim) float32
    keys: list  # one hashable per row; equal keys are the same design
    space: Space
    columns: list[str]  # the columns they came from
    inferred: bool  # whether the alphabet was inferred
    notes: list[str]  # e.g. the inferred alphabet


def _read(data: bytes, source: str, options: _Options, *, warn: bool) -> OfflineData:
    """Validate the bytes of one file into OfflineData; the one path for files and uploads."""
    table = _load(data, source, options)
    value_column = _value_column(table, options)
    if _kind(table, options) == "sequence":
        designs = _sequence_designs(table, options)
    else:
        designs = _vector_designs(table, options, value_column)
    values = None if value_column is None else _numbers(table, value_column, _VALUE_HINT)
    count_column = None if values is None else _count_column(table, options, designs.columns)
    weights = None if count_column is None else _counts(table, count_column)
    first, merged, counts, groups = _merge(designs, values, table, weights)
    if len(first) < options.min_rows:
        merged_from = f" ({table.count(len(designs.keys))} before merging duplicates)"
        raise DataError(
            source,
            f"only {_designs(len(first))}{merged_from if groups else ''}; "
            f"at least {options.min_rows} needed",
        )
    alerts = [_duplicate_warning(groups, table, designs.space)] if groups else []
    if nucleotides := _nucleotide_warning(designs, source):
        alerts.append(nucleotides)
    if merged is not None and (plateau := _plateau_warning(merged, source)):
        alerts.append(plateau)
    for alert in alerts if warn else ():
        warnings.warn(alert, DataWarning, stacklevel=3)
    notes = designs.notes
    if options.value_column is not None and value_column is None:
        notes.append(f"no value column {options.value_column!r}: the designs are unlabeled")
    used = [*designs.columns, *(c for c in (value_column, count_column) if c)]
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
    )
    y = None if merged is None else torch.from_numpy(merged.astype(np.float32))
    return OfflineData(designs.space, designs.x[first], y, source, report, counts, merged)


_VALUE_HINT = "fill them in, or leave the value column out to read the designs as unlabeled"


def _text(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")  # -sig: spreadsheets often start with a byte-order mark
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1  # lines as an editor counts them
        problem = (f"is not UTF-8 text: line {line} holds the byte {data[err.start]:#04x}, e.g. "
                   "an accent saved as Latin-1; save the file as UTF-8")
        raise DataError(source, problem, [f"line {line}"]) from None


def _load(data: bytes, source: str, options: _Options) -> _Table:
    """The file's cells, by the format its extension names (under a .gz, the one before it:
    designs.csv.gz is a gzipped CSV); an empty file is an error."""
    suffix = Path(source).suffix.lower()
    if suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as err:  # not gzip, or cut short
            raise DataError(source, f"cannot be read as gzip: {err}") from None
        suffix = Path(source).with_suffix("").suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(FORMATS)
        raise DataError(source, f"unknown file type {suffix or '(none)'!r}; use one of {known} "
                        "(each may be gzipped: .csv.gz)")
    file_format = FORMATS[suffix]
    if not data.strip():
        raise DataError(source, "the file is empty")
    load = _load_fasta if file_format == "fasta" else _load_table
    table = load(data, source, file_format, options)
    if table.frame.empty:
        raise DataError(source, f"no designs in the file: {table.count(0)} below the header")
    return table


def _load_table(data: bytes, source: str, file_format: str, options: _Options) -> _Table:
    """CSV and TSV as text cells (so 'NA' stays a sequence), Parquet with its own types."""
    text = None if file_format == "parquet" else _text(data, source)
    try:
        if text is None:
            frame = _text_cells(pd.read_parquet(io.BytesIO(data)))
        else:
            separator = "," if file_format == "csv" else "\t"
            frame = pd.read_csv(
                io.StringIO(text), sep=separator, dtype=str, keep_default_na=False,
                skipinitialspace=True,
            )  # fmt: skip
    except (ValueError, OSError) as err:  # pandas' and pyarrow's parse errors
        raise DataError(source, f"cannot be read as {file_format.upper()}: {err}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    labels = [f"row {i}" for i in range(1, len(frame) + 1)]
    return _Table(frame, labels, source, file_format)


def _text_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Parquet's binary cells as text (a sequence stored as bytes reads as ACGT, not b'ACGT');
    bytes that are not UTF-8 raise UnicodeDecodeError, a ValueError the caller reports."""
    for column in frame.columns:
        cells = frame[column]
        if cells.dtype == object and cells.map(lambda v: isinstance(v, bytes)).any():
            frame[column] = cells.map(lambda v: v.decode() if isinstance(v, bytes) else v)
    return frame


def _load_fasta(data: bytes, source: str, file_format: str, options: _Options) -> _Table:
    """FASTA via Biopython; values from `value=` (the value column's name) in the headers."""
    lines = _text(data, source).splitlines()
    starts = [n for n, line in enumerate(lines, 1) if line.startswith(">")]
    if not starts:
        raise DataError(source, "no FASTA records (lines starting with '>') in the file")
    first_text = next(n for n, line in enumerate(lines, 1) if line.strip())
    if first_text < starts[0]:
        problem = f"line {first_text} comes before the first record (a line starting with '>')"
        raise DataError(source, problem, [f"line {first_text}"])
    records = list(SimpleFastaParser(io.StringIO("\n".join(lines))))
    assert len(records) == len(starts), "one record per '>' line"
    names = [title.split(maxsplit=1) or ["(no id)"] for title, _ in records]
    labels = [f"record {name[0]} (line {n})" for name, n in zip(names, starts, strict=True)]
    columns = {options.sequence_column: [sequence for _, sequence in records]}
    titles = [title for title, _ in records]
    # A record without the count key is one measurement; without the value key, no value.
    for key, absent in ((options.value_column, ""), (options.count_column, "1")):
        found = _header_fields(titles, key, labels, source) if key is not None else []
        if any(cell is not None for cell in found):
            columns[key] = [absent if cell is None else cell for cell in found]
    return _Table(pd.DataFrame(columns), labels, source, file_format)


def _header_fields(titles: list[str], key: str, labels: list[str], source: str
                   ) -> list[str | None]:  # fmt: skip
    """Each FASTA header's `key=...` field (None where absent). Fields are separated by white
    space, '|' or ';' (">s1 value=0.5", ">s1|value=0.5"); a key given twice in one header is
    an error naming the records, not a silent pick."""
    pattern = re.compile(rf"(?:^|[\s|;]){re.escape(key)}=([^\s|;]*)")
    fields = [pattern.findall(title) for title in titles]
    twice = [i for i, found in enumerate(fields) if len(found) > 1]
    if twice:
        shown = "; ".join(labels[i] for i in twice[:SHOWN])
        raise DataError(source, f"{len(twice)} header(s) give {key}= more than once: {shown}",
                        [labels[i] for i in twice])
    return [found[0] if found else None for found in fields]


def _value_column(table: _Table, options: _Options) -> str | None:
    if options.value_column is None:
        return None
    column = table.find(options.value_column)
    if column is None and options.require_values:
        raise table.missing_column(options.value_column, "with the values")
    return column


def _count_column(table: _Table, options: _Options, features: list[str]) -> str | None:
    """The measurement count column when the file has one (and it is not a design column)."""
    if options.count_column is None:
        return None
    column = table.find(options.count_column)
    if column is not None and column in features:
        raise DataError(table.source, f"column {column!r} is a feature and the measurement count")
    return column


_COUNT_HINT = (
    "it counts the measurements each row's value is the mean of (1 or more); rename the column "
    "if it means something else"
)


def _counts(table: _Table, column: str) -> np.ndarray:
    """The count column as float64 (n,): whole numbers from 1, or a DataError naming the rows."""
    counts = _numbers(table, column, _COUNT_HINT, _COUNT_HINT)
    bad = np.flatnonzero((counts < 1) | (counts != np.round(counts))).tolist()
    if bad:
        problem = f"{table.count(len(bad))} whose count in column {column!r} is not a whole number"
        raise table.error(problem + " from 1", bad, lambda i: f"({counts[i]:g})", _COUNT_HINT)
    return counts


def _kind(table: _Table, options: _Options) -> str:
    if table.file_format == "fasta":
        if options.kind == "vector":
            raise DataError(table.source, "FASTA holds sequences; give vectors as CSV/TSV/Parquet")
        return "sequence"
    if options.kind is not None:
        return options.kind
    if options.feature_columns is not None:
        return "vector"
    if table.find(options.sequence_column) is not None or table.find("x0") is None:
        return "sequence"
    return "vector"


def _sequence_designs(table: _Table, options: _Options) -> _Designs:
    """Sequences checked for blanks, letters (alphabet given or inferred) and one length."""
    column = table.find(options.sequence_column)
    if column is None:
        holds_vectors = table.find("x0") is not None and options.kind == "sequence"
        what = ("with the sequences: its columns x0, x1, ... hold vectors, and sequences are "
                "wanted here" if holds_vectors else
                "with the sequences (a table of vectors names its columns x0, x1, ...)")
        raise table.missing_column(options.sequence_column, what)
    texts = ["" if _blank(v) else str(v).strip() for v in table.frame[column]]
    empty = [i for i, text in enumerate(texts) if not text]
    if empty:
        raise table.error(f"{table.count(len(empty))} without a sequence in {column!r}", empty)
    letters, inferred = _alphabet(table, texts, options.alphabet)
    lengths = Counter(map(len, texts))
    length, common = lengths.most_common(1)[0]
    odd = [i for i, text in enumerate(texts) if len(text) != length]
    if odd:
        differ = "differs" if len(odd) == 1 else "differ"
        problem = (
            f"sequences must all have one length; {common} of {len(texts)} have length {length}"
            f" (the majority), but {table.count(len(odd))} {differ}"
        )
        raise table.error(problem, odd, lambda i: f"(length {len(texts[i])})")
    space = SequenceSpace(letters, length)
    keys = [text.upper() for text in texts]
    notes = [f"alphabet inferred: {alphabet_name(letters)} ({letters})"] if inferred else []
    return _Designs(space.encode(texts), keys, space, [column], inferred, notes)


def _cased(letters: str) -> set[str]:
    """The letters in upper and lower case, as accepted in files."""
    return set(letters) | {ch.lower() for ch in letters if len(ch.lower()) == 1}


def _alphabet(table: _Table, texts: list[str], alphabet: str | None) -> tuple[str, bool]:
    """The given alphabet (letters checked) or the first named one that fits every letter."""
    if alphabet is not None:
        try:
            letters = resolve_alphabet(alphabet)
        except ValueError as err:
            raise DataError(table.source, str(err)) from None
        prefix = f"letters outside the alphabet {alphabet_name(letters)} ({letters}) in"
        _check_letters(table, texts, letters, prefix, "fix them, or widen the alphabet")
        return letters, False
    used = set("".join(texts))
    for letters in NAMED_ALPHABETS.values():
        if used <= _cased(letters):
            return letters, True
    name, letters = min(NAMED_ALPHABETS.items(), key=lambda item: len(used - _cased(item[1])))
    found = "".join(sorted({ch.upper() for ch in used}))
    prefix = (
        f"cannot infer the alphabet: the letters {found} fit none of dna (ACGT), rna (ACGU) or "
        f"protein ({NAMED_ALPHABETS['protein']}); letters outside the nearest, {name}, in"
    )
    hint = f"fix them, or give the alphabet (--alphabet) with every letter used, e.g. {found}"
    _check_letters(table, texts, letters, prefix, hint)
    raise AssertionError("unreachable: some letter fits no alphabet")




def _nucleotide_warning(designs: _Designs, source: str) -> str | None:
    """Nucleotides plus one or two ambiguity codes (e.g. N) read as protein by the rule; the
    designs would then be optimised over 20 letters, so this is a warning, not a note. Only
    an inferred alphabet (never vectors) is judged."""
    if not designs.inferred or designs.space.alphabet != NAMED_ALPHABETS["protein"]:
        return None
    used = set("".join(designs.keys))
    extra = "".join(sorted(used - set("ACGTU")))
    if not extra or len(extra) > 2 or not set(extra) <= IUPAC_AMBIGUITY or used >= set("TU"):
        return None
    base = "ACGU" if "U" in used else "ACGT"
    return (f"{source}: read as protein, but every letter except {extra} is a nucleotide: if "
            f"these are nucleic acids, give the alphabet {base}{extra}")


def _check_letters(table: _Table, texts: list[str], letters: str, prefix: str, hint: str) -> None:
    allowed = _cased(letters)
    bad = {i: sorted(set(text) - allowed) for i, text in enumerate(texts)}
    rows = [i for i, letters_out in bad.items() if letters_out]
    if rows:

        def detail(i: int) -> str:
            where = 1 + min(texts[i].index(ch) for ch in bad[i])
            return f"{_clip(texts[i])!r} has {''.join(bad[i])!r} (first at position {where})"

        raise table.error(f"{prefix} {table.count(len(rows))}", rows, detail, hint)


def _vector_designs(table: _Table, options: _Options, value_column: str | None) -> _Designs:
    """Feature columns checked to be finite numbers."""
    columns = _feature_names(table, options, value_column)
    matrix = np.stack([_numbers(table, c) for c in columns], axis=1) + 0.0  # -0.0 -> 0.0
    keys = [row.tobytes() for row in matrix]
    x = torch.from_numpy(matrix.astype(np.float32))
    return _Designs(x, keys, VectorSpace(len(columns)), columns, False, [])


def _feature_names(table: _Table, options: _Options, value_column: str | None) -> list[str]:
    if options.feature_columns is not None:
        found = [table.find(name) for name in options.feature_columns]
        for name, column in zip(options.feature_columns, found, strict=True):
            if column is None:
                raise table.missing_column(name, "listed in the feature columns")
        if value_column in found:
            raise DataError(table.source, f"column {value_column!r} is a feature and the value")
        return found
    names: list[str] = []
    while (column := table.find(f"x{len(names)}")) is not None:
        names.append(column)
    if not names:
        raise table.missing_column("x0", "(vectors are the columns x0, x1, ...)")
    stray = [c for c in table.frame.columns if re.fullmatch(r"x\d+", c, re.I) and c not in names]
    if stray:
        problem = (
            f"vector columns must run x0, x1, ... without a gap: found {', '.join(names)}, "
            f"then {', '.join(stray)} but no x{len(names)}"
        )
        raise DataError(table.source, problem)
    return names


def _blank(cell: object) -> bool:
    return cell is None or cell is pd.NA or (isinstance(cell, float) and np.isnan(cell))


def _numbers(table: _Table, column: str, hint: str = "", bad_hint: str = "") -> np.ndarray:
    """A column as finite float64 (n,); missing, non-numeric or infinite cells are errors
    (`hint` ends the message about missing cells, `bad_hint` the others)."""
    cells = table.frame[column]
    if pd.api.types.is_numeric_dtype(cells.dtype):
        numbers = cells.to_numpy(dtype=np.float64, na_value=np.nan)
        missing, text = np.isnan(numbers), cells.astype(str)
    else:
        numbers = pd.to_numeric(cells, errors="coerce").to_numpy(np.float64)
        if not np.isnan(numbers).any() and np.isfinite(numbers).all():
            # the common case; the slow path below only names the bad cells
            return _within_float32(table, column, numbers, bad_hint)
        text = cells.map(lambda v: "" if _blank(v) else str(v).strip())
        missing = text.str.casefold().isin(MISSING).to_numpy()
        numbers = pd.to_numeric(text.mask(missing), errors="coerce").to_numpy(np.float64)
    # Every kind of bad cell in one message: a messy file is mended in one pass.
    def quoted(i: int) -> str:
        return f"({text.iloc[i]!r})"

    errors = []
    for mask, problem, detail, advice in (
        (missing, "without a value", None, hint),
        (np.isnan(numbers) & ~missing, "with a value that is not a number", quoted, bad_hint),
        (np.isinf(numbers), "with an infinite value", quoted, bad_hint),
    ):
        rows = np.flatnonzero(mask).tolist()
        if rows:
            problem = f"{table.count(len(rows))} {problem} in column {column!r}"
            errors.append(table.error(problem, rows, detail, advice))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DataError(table.source, "; and ".join(e.problem for e in errors),
                        [row for e in errors for row in e.rows])
    return _within_float32(table, column, numbers, bad_hint)


def _within_float32(table: _Table, column: str, numbers: np.ndarray, hint: str) -> np.ndarray:
    """`numbers` once none is beyond float32's range: the networks compute in float32, where
    such a value would turn into an infinity unnoticed."""
    rows = np.flatnonzero(np.abs(numbers) > FLOAT32_LARGEST).tolist()
    if rows:
        problem = (f"{table.count(len(rows))} with a value beyond +-{FLOAT32_LARGEST:.3g}, too "
                   f"large to compute with, in column {column!r}")
        raise table.error(problem, rows, lambda i: f"({numbers[i]:g})", hint)
    return numbers


def _merge(
    designs: _Designs, values: np.ndarray | None, table: _Table, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, tuple[DuplicateGroup, ...]]:
    """Each distinct design once, in file order; duplicates' values averaged.

    `weights` (one per row, default 1) counts the measurements behind each row's value.

    Returns:
        first: (m,) row of each design's first appearance; merged: (m,) mean values or None;
        counts: (m,) measurements behind each mean, or None when every one is a single
        measurement (or unlabeled); the groups of rows holding one design.
    """
    keys = designs.keys
    codes, _ = pd.factorize(pd.Series(keys, dtype=object))  # codes in order of appearance
    counts = np.bincount(codes)
    first = np.unique(codes, return_index=True)[1]
    weights = np.ones(len(keys)) if weights is None else weights
    totals = None if values is None else np.bincount(codes, weights=weights)
    merged = None if values is None else np.bincount(codes, weights=values * weights) / totals
    measurements = totals if totals is not None and (totals != 1).any() else None
    order = np.argsort(codes, kind="stable")
    starts = np.cumsum(counts) - counts
    groups = []
    for code in np.flatnonzero(counts > 1):
        rows = order[starts[code] : starts[code] + counts[code]]
        key = keys[rows[0]]
        design = key if isinstance(key, str) else _show_vector(np.frombuffer(key))
        found = () if values is None else tuple(values[rows].tolist())
        behind = tuple(weights[rows].tolist()) if found and (weights[rows] != 1).any() else ()
        groups.append(DuplicateGroup(design, tuple(table.labels[i] for i in rows), found,
                                     int(code), behind))
    return first, merged, measurements, tuple(groups)


def _values_shown(group: DuplicateGroup) -> list[str]:
    """Each row's value, with the measurements behind it where a row stands for several."""
    counts = group.measurements or (1,) * len(group.values)
    return [f"{v:.4g}" + (f" (mean of {n:g})" if n != 1 else "")
            for v, n in zip(group.values, counts, strict=True)]


def _duplicate_warning(groups: tuple[DuplicateGroup, ...], table: _Table, space: Space) -> str:
    labeled = bool(groups[0].values)
    kept = "once, with the mean of its measurements" if labeled else "once"
    # A design repeated on hundreds of rows would bury the message; the report keeps them all.
    shown = "; ".join(
        (repr(_clip(g.design)) if isinstance(space, SequenceSpace) else g.design)
        + f" at {_first_few(g.rows)}"
        + (f" (values {_first_few(_values_shown(g))})" if labeled else "")
        for g in groups[:SHOWN]
    )
    more = f" and {len(groups) - SHOWN} more" if len(groups) > SHOWN else ""
    total = sum(len(g.rows) for g in groups)
    appear = "design appears" if len(groups) == 1 else "designs appear"
    return (
        f"{table.source}: {len(groups)} {appear} more than once ({table.count(total)}); "
        f"each is kept {kept}: {shown}{more}"
    )


@dataclass(frozen=True)
class Plateau:
    """A pile of labeled designs at one value, with (next to) nothing above it."""

    value: float
    count: int  # designs at `value`
    above: int  # designs strictly above it
    total: int  # labeled designs
    values_below: tuple[float, ...] = ()  # the distinct values under the pile, lowest first


def find_plateau(values: np.ndarray) -> Plateau | None:
    """The highest pile of at least PLATEAU_SHARE of `values` (and PLATEAU_ROWS of them) with
    under PLATEAU_ABOVE of them above it, or None. `values` holds one value per distinct design."""
    values = np.asarray(values)
    levels, counts = np.unique(values, return_counts=True)
    above = len(values) - np.cumsum(counts)  # designs strictly above each level
    piled = ((counts >= PLATEAU_ROWS) & (counts >= PLATEAU_SHARE * len(values))
             & (above < PLATEAU_ABOVE * len(values)))
    if not piled.any():
        return None
    level = np.flatnonzero(piled)[-1]
    return Plateau(float(levels[level]), int(counts[level]), int(above[level]), len(values),
                   tuple(float(v) for v in levels[:level]))


def _plateau_warning(values: np.ndarray, source: str) -> str | None:
    """A warning when many designs share the best value, or one with next to nothing above it
    (a saturated assay, a plateau); sharper when the rest of the data hold a single value."""
    plateau = find_plateau(values)
    if plateau is None:
        return None
    where = (f"share the best value {plateau.value:.4g}" if plateau.above == 0 else
             f"share the value {plateau.value:.4g} and only {plateau.above} lie above it "
             f"(best {values.max():.4g})")
    shapes = ("held-out error cannot tell which reward network shape extrapolates better here, "
              "so fit each (dilated, wide, average) and measure a few of each one's designs")
    again = ("What the data lack are designs measured above the pile: measure the new designs, "
             "add them (`braid data merge`, or \"Add designs\" on the dashboard's Data page) and "
             "run again, more than once if need be; on simulated data like this, of eleven "
             "instances the first round missed, a second round passed four and a third four "
             "more")
    head = (f"{source}: {plateau.count} of {plateau.total} labeled designs "
            f"({plateau.count / plateau.total:.0%}) {where} (a saturated assay, or a plateau)")
    # The rates are bench/results/unseen_draw.md's plateau instances, split by what lies
    # below, and second_round.md's (sessions 25 and 27).
    if len(plateau.values_below) > 1:
        return (f"{head}: the data cannot rank them against each other, so what beats them "
                "is extrapolated from how lower values differ, and new designs may only match "
                "the best (on simulated data like this, designs beat such a best on three "
                f"instances in seven); {shapes}. {again}.")
    if plateau.values_below:
        below = (f"and every labeled design below them has the one value "
                 f"{plateau.values_below[0]:.4g}: the data tell the pile from the rest but say "
                 "nothing about what lifts a design above it")
    else:
        below = "and no labeled design lies below them: the data rank no design over another"
    # The tilt's figures: bench/results/reward_tilt.md (it lost a pass on graded plateaus).
    tilt = ("with the reward fit weighing the top of the data, one of seven did: `--value-tilt "
            "2`, or \"Weight on the top of the data\" on the dashboard's Reward page")
    return (f"{head}, {below}, so new designs will likely only match the best (on simulated "
            f"data like this, none of seven instances beat it with the defaults; {tilt}). "
            f"{again}; meanwhile {shapes}.")


def _first_few(items, limit: int = 2 * SHOWN) -> str:
    """The first `limit` items, comma-separated, and how many more there are."""
    items = list(items)
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def _show_vector(vector: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.6g}" for v in vector.tolist()) + ")"


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
