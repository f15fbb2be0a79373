"""The data files of a step's config: how they are recorded (`data_spec`, `recorded_path`) and
the checks that refuse them before a run is recorded (too few or constant values, two design
spaces, a sequence column only one of `braid design`'s two files has)."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from braid_core.data import (
    DataError,
    DataReport,
    check_designs,
    check_designs_bytes,
    file_bytes,
    space_mismatch,
)
from braid_core.data.loading import parse_design_table
from braid_core.data.table import ReadOptions
from braid_core.rewards.train import check_enough_designs
from braid_core.spaces import SequenceSpace, Space, VectorSpace

DEFAULT_SEQUENCE_COLUMN = "sequence"
# Values closer than this, relative to their size, are one value: a few float32 steps (values
# reach the reward fit in float32, about 7 significant digits), and alike in the 6 significant
# digits `braid data check` prints them with.
ALIKE = 1e-6


def recorded_path(path: str | Path) -> str:
    """`path` as a config records it: absolute, its "." and ".." tidied away
    (/x/out/../files/a.csv -> /x/files/a.csv). Symlinks are kept as named (the dashboard
    knows the workspace's files by the names it gave them), unless tidying a ".." after one
    would name another file: then the path is resolved."""
    absolute = Path(path).absolute()
    tidy = Path(os.path.normpath(absolute))
    if tidy != absolute and absolute.exists() and not (
            tidy.exists() and os.path.samefile(tidy, absolute)):
        return str(absolute.resolve())
    return str(tidy)


def data_spec(path: str | Path, sequence_column: str | None, value_column: str | None,
              alphabet: str | None, space: Space | None = None, *,
              labeled_rows: bool = False) -> dict[str, Any]:
    """A data file as a config records it; vectors (`space`, where known) have no sequence
    column, recorded as None (readers take None as the default). `labeled_rows`: the rows with
    a value are read, the others (designs not measured) left out."""
    spec: dict[str, Any] = {"path": recorded_path(path), "sequence_column": sequence_column,
            "value_column": value_column, "alphabet": alphabet}
    if isinstance(space, VectorSpace):
        spec["sequence_column"] = None
        if space.names:  # read by these columns: the unlabeled read of a table with values
            spec["feature_columns"] = list(space.names)  # would take its value column too
    if labeled_rows:
        spec["labeled_rows"] = True
    return spec


def read_by_defaults(spec: Mapping[str, Any]) -> bool:
    """Whether a recorded data spec reads its file as offline data is read where no columns
    are given (`--offline`): by the sequence column (or none, for vectors) and `value`, and
    every row. Where not, a run's own copy of the designs it read stands in for the file."""
    sequences = spec.get("sequence_column", DEFAULT_SEQUENCE_COLUMN)
    return (sequences in (DEFAULT_SEQUENCE_COLUMN, None)
            and spec.get("value_column", "value") == "value" and not spec.get("labeled_rows"))


def enough_to_fit(path: str | Path, report: DataReport, *, allow_constant: bool = False) -> None:
    """Refuse labeled data a reward model cannot be fitted on (checked) before a run is
    recorded, as it would otherwise be a failed run minutes later, or a useless one: too few
    designs, or (unless `allow_constant`) values all alike, on which a fit ranked designs by
    its noise (pearson nan) and `braid design` spent its whole budget on such a ranking."""
    try:
        check_enough_designs(report.num_designs)
    except ValueError as err:
        raise ValueError(f"{path}: {err}; add measured designs") from None
    if not allow_constant and constant_value(report) is not None:
        raise ValueError(
            f"{path}: all {report.num_designs} labeled designs have "
            f"{values_phrase(report)}, so "
            "no reward can be learned from them (a model fitted on them ranks designs by its "
            "noise): measure designs whose values differ, or check that the value column "
            "holds the measurements. To draw designs without a reward, use the pretrained "
            "method (`braid design --method pretrained`), which keeps designs as the prior "
            "draws them")


def constant_value(report: DataReport) -> float | None:
    """The one value every labeled design of `report` has, or None (values that differ, or
    none). Values within ALIKE of each other, relative to their size, count as one: 99 rows
    of 1.0 and one of 1.0000001 passed as values that differ, and the fit's correlations came
    out nan. A few values apart from a pile (a plateau) differ, and pass."""
    if report.value_range is None:
        return None
    low, high = (float(np.float32(value)) for value in report.value_range)  # as fitted
    if high - low > ALIKE * max(abs(low), abs(high)):
        return None
    return report.value_range[0]


def values_phrase(report: DataReport) -> str:
    """The value of `constant_value(report)` in words: 'the value 1', or where the values differ
    by float noise alone, 'the value 1 (1 to 1.0000001, alike to 6 significant digits)'."""
    low, high = report.value_range or (math.nan, math.nan)
    spread = f" ({low:.10g} to {high:.10g}, alike to 6 significant digits)" if low != high else ""
    return f"the value {low:.6g}{spread}"


def check_file(path: str | Path, contents: Mapping[str, bytes], **options: Any) -> DataReport:
    """`check_designs` of the file `path`, from its bytes in `contents` where read already."""
    data = contents.get(str(path))
    if data is None:
        return check_designs(path, **options)
    return check_designs_bytes(data, str(path), **options)


def default_column_instead(path: str | Path, other: DataReport | None,
                           contents: Mapping[str, bytes], column: str) -> str | None:
    """DEFAULT_SEQUENCE_COLUMN where `braid design`'s one --sequence-column (`column`) names a
    column the table `path` lacks but `other`, the other file, read its designs from, and
    `path` has a column of the default name: a labeled file with "Seq" beside an unlabeled one
    with "sequence" needs no second option. None otherwise (the file's own error stands)."""
    if column == DEFAULT_SEQUENCE_COLUMN or other is None or column.casefold() not in {
            c.casefold() for c in other.sequence_columns}:
        return None
    try:
        data = contents.get(str(path))
        table = parse_design_table(file_bytes(path) if data is None else data, str(path),
                                   ReadOptions(value_column=None))
    except (DataError, OSError):
        return None
    if table.file_format == "fasta" or table.find(column) is not None:
        return None
    return table.find(DEFAULT_SEQUENCE_COLUMN)


def column_in_file(path: str | Path, name: str, sequence_column: str) -> str | None:
    """The column (FASTA: header field) of the file `path` called `name`, as the reader finds
    a named column (its case aside where only one matches), or None; None too where the file
    cannot be read (the read that follows says why)."""
    try:
        table = parse_design_table(file_bytes(path), str(path),
                                   ReadOptions(sequence_column, value_column=name))
    except (DataError, OSError):
        return None
    return table.find(name)


def report_and_column(read: Callable[[str], DataReport], path: str | Path,
                      other: Callable[[], DataReport | None], contents: Mapping[str, bytes],
                      column: str) -> tuple[DataReport, str]:
    """`read(column)` and `column`; where that fails, `read` of the file's default column and
    that column, where `default_column_instead` (given `other()`, the other file's report, or
    None) allows it; else the first error."""
    try:
        return read(column), column
    except DataError:
        instead = default_column_instead(path, other(), contents, column)
        if instead is None:
            raise
    return read(instead), instead


def unlabeled_report(unlabeled: str | Path, contents: Mapping[str, bytes], sequence_column: str,
                     alphabet: str | None, offline: Space,
                     value_column: str | None = None) -> DataReport:
    """The space of the unlabeled file read in `alphabet`; where letters outside it are found,
    the file's own space when that is another length or kind than `offline`'s (then the two
    files differ, which is what to say, not which letters do not fit). Vectors with named
    columns: the offline file's `value_column` is no coordinate, and the columns are read in
    `offline`'s order where the file holds the same ones (`unlabeled_names`)."""
    skip = () if value_column is None else (value_column,)
    try:
        report = check_file(unlabeled, contents, sequence_column=sequence_column,
                            value_column=None, alphabet=alphabet, skip_columns=skip)
    except DataError:
        if alphabet is None:
            raise
        try:
            own = check_file(unlabeled, contents, sequence_column=sequence_column,
                             value_column=None)
        except DataError:
            own = None
        same_shape = (own is not None and isinstance(own.space, SequenceSpace)
                      and isinstance(offline, SequenceSpace) and own.space.length == offline.length)
        if own is None or same_shape:
            raise
        return own
    if names := unlabeled_names(report.space, offline):
        report = check_file(unlabeled, contents, sequence_column=sequence_column,
                            value_column=None, feature_columns=names)
    return report


def unlabeled_names(found: Space, offline: Space) -> list[str] | None:
    """`offline`'s column names, to read an unlabeled table of named vectors by, where its
    columns (`found`) are the same in another order. None where the spaces are alike already
    or differ in their columns (that difference is reported)."""
    if not (isinstance(found, VectorSpace) and isinstance(offline, VectorSpace)
            and found.names and offline.names) or found.names == offline.names:
        return None
    own = sorted(name.casefold() for name in found.names)
    return list(offline.names) if own == sorted(n.casefold() for n in offline.names) else None


def check_same_space(unlabeled: DataReport, offline: DataReport) -> None:
    """Refuse designs in two spaces, saying how each file's alphabet was decided (an N in a
    DNA file makes it protein: the message names the N and its row)."""
    if problem := space_mismatch(unlabeled, offline):
        raise ValueError(problem)
