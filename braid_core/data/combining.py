"""Several data sets read alike made one (e.g. D and the designs measured since), and the
options that read another file into the same space."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import torch

from braid_core.data.duplicates import (
    duplicate_warning,
    float32_twins_warning,
    merge_duplicates,
    values_shown,
)
from braid_core.data.offline import OfflineData, vector_columns
from braid_core.data.plateau import plateau_warning
from braid_core.data.report import (
    SHOWN,
    DataError,
    DuplicateGroup,
    clip_text,
    designs_phrase,
    of_file,
    unmeasured_note,
)
from braid_core.data.table import FileTable, ParsedDesigns
from braid_core.spaces import SequenceSpace, names_differ


def combine_designs(parts: Sequence[OfflineData], source: str) -> OfflineData:
    """One data set from several read alike, e.g. D and the designs measured since.

    A design found in more than one part is kept once with the mean of its measurements, as
    within one file: a part's value weighs as the measurements behind it (its merged duplicates
    and its `measurements` column). The result's warnings: the parts' duplicates, the plateau
    warning on the combined values, and designs whose measurements disagree far more than
    designs differ (`disagreement_warning`); its notes: the designs the parts share.

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
        if names_differ(part.space, first.space):  # the space's names are its columns
            raise DataError(part.source, f"has the columns {', '.join(part.space.names)}, but "
                            f"{first.source} has {', '.join(first.space.names)}: vectors are "
                            "combined column by column, so name them alike")
        if part.space != first.space:
            raise DataError(part.source, f"holds {part.space.describe()}, but {first.source} "
                            f"holds {first.space.describe()}: they cannot be one data set")
        if (part.y is None) != (first.y is None):
            has, lacks = (part, first) if first.y is None else (first, part)
            raise DataError(part.source, f"{has.source} has values and {lacks.source} has "
                            "none: combine designs with values, or designs without, not both")
    x = torch.cat([part.x for part in parts])
    y = None if first.y is None else np.concatenate([part.exact_values() for part in parts])
    labels = [f"{part.source} design {i + 1}" for part in parts for i in range(len(part))]
    exact = None  # vectors: grouped as read, not as their float32 copies (7 digits)
    if isinstance(first.space, SequenceSpace):
        keys: list = first.space.decode(x)
    else:
        exact = np.concatenate([part.exact_coordinates() for part in parts])
        keys = [row.tobytes() for row in exact]
    table = FileTable(pd.DataFrame(), labels, source, "csv")
    designs = ParsedDesigns(x, keys, first.space, [], False, [], exact=exact)
    weights = np.concatenate([part.measurement_counts() for part in parts])
    kept, merged, counts, groups = merge_duplicates(designs, y, table, weights)
    # Each part's own duplicates were merged when it was read; said again under the part's
    # name. The plateau is judged again on the combined values.
    alerts = [duplicate_warning(part.report.duplicates, FileTable(
        pd.DataFrame(), [], part.source, part.report.file_format), part.space)
        for part in parts if part.report.duplicates]  # fmt: skip
    coordinates = None if exact is None else exact[kept]
    if twins := float32_twins_warning(x[kept], coordinates, [labels[i] for i in kept], source):
        alerts.append(twins)
    if merged is not None and (plateau := plateau_warning(merged, source)):
        alerts.append(plateau)
    if y is not None and groups and (disagree := disagreement_warning(groups, y, merged, parts)):
        alerts.append(disagree)
    counted = [f"{part.source} ({designs_phrase(len(part))})" for part in parts]
    notes = [f"combined from {in_words(counted)}"]
    notes.extend(of_file(note, part.source) for part in parts if (note := unmeasured_note(
        part.report.rows_without_value, part.report.value_column, part.report.file_format)))
    if groups:
        notes.append(remeasured_note(groups, parts))
    ignored = [(part.source, part.report.columns_ignored) for part in parts
               if part.report.columns_ignored]  # fmt: skip
    if ignored:  # a merge writes the canonical columns only: say what stays behind
        notes.append("not carried into the combined table: " + "; ".join(
            f"{', '.join(columns)} ({source})" for source, columns in ignored))
    report = replace(
        first.report,
        source=source,
        file_format="combined",
        rows_read=sum(part.report.rows_read for part in parts),
        num_designs=len(kept),
        value_range=None if merged is None else (float(merged.min()), float(merged.max())),
        duplicates=groups,
        columns_ignored=tuple(dict.fromkeys(c for _, columns in ignored for c in columns)),
        notes=tuple(notes),
        warnings=tuple(alerts),
        measurements=None if counts is None else round(counts.sum()),
        rows_without_value=sum(part.report.rows_without_value for part in parts),
    )
    values = None if merged is None else torch.from_numpy(merged.astype(np.float32))
    return OfflineData(first.space, x[kept], values, source, report, counts, merged, coordinates)


def remeasured_note(groups: Sequence[DuplicateGroup], parts: Sequence[OfflineData]) -> str:
    """What combining does with designs found in more than one part, as a note: a design
    measured again is what adding a round is for, not a fault of the file (a file's own
    repeats stay a warning, said when it is read)."""
    count = f"{len(groups)} design{'s' * (len(groups) > 1)}"
    two = len(parts) == 2
    names = files_phrase(parts)
    if len(parts) == 1:  # designs made in code, their repeats not merged when read
        return (f"{names}: {count} found more than once, kept once" if parts[0].y is None else
                _remeasured(f"{names}: {count} measured more than once", groups, parts))
    if parts[0].y is None:
        return (f"{parts[1].source}: {count} already in {parts[0].source}, kept once" if two
                else f"{count} in more than one of {names}, kept once")
    where = f"{parts[1].source}: {count} of {parts[0].source}" if two else (
        f"{count} of {names}")
    return _remeasured(f"{where} measured again", groups, parts)


def _remeasured(what: str, groups: Sequence[DuplicateGroup], parts: Sequence[OfflineData]
                ) -> str:  # fmt: skip
    """The note on designs measured more than once: `what` (which, where), how each is kept,
    and the first ones' values."""
    sequences = isinstance(parts[0].space, SequenceSpace)
    shown = "; ".join((repr(clip_text(g.design)) if sequences else g.design)
                      + f" ({', then '.join(values_shown(g))})"
                      for g in groups[:SHOWN])  # fmt: skip
    more = f" and {len(groups) - SHOWN} more" if len(groups) > SHOWN else ""
    return (f"{what}, each kept once with the mean of all its measurements "
            f"(the measurements column counts them): {shown}{more}")


# Measurements of one design that differ by more than this many standard deviations of all
# the measured values are said to disagree. The spread across designs is what a reward model
# learns from; repeats of one design further apart than twice it (further than most pairs of
# different designs) are not noise of a working assay but, most likely, another quantity, unit
# or value column (a tester's round 2 put 9.9 where D had -0.4 to -4.6, in values of
# robust sd 1.1).
DISAGREEING_SPREADS = 2.0


def disagreement_warning(groups: Sequence[DuplicateGroup], values: np.ndarray,
                         means: np.ndarray, parts: Sequence[OfflineData]) -> str | None:
    """`disagreeing_repeats` of designs measured in more than one of `parts` (or more than
    once in a single one)."""
    where = (f"more than once in {parts[0].source}" if len(parts) == 1
             else f"in more than one of {files_phrase(parts)}")
    return disagreeing_repeats(groups, values, means, where=where, of="files",
                               sequences=isinstance(parts[0].space, SequenceSpace))


def disagreeing_repeats(groups: Sequence[DuplicateGroup], values: np.ndarray,
                        means: np.ndarray, *, where: str, of: str,
                        sequences: bool) -> str | None:
    """A warning naming the designs measured `where` ("more than once in d.csv") whose
    measurements differ by more than DISAGREEING_SPREADS standard deviations of all `values`
    (one per row); None where none does; `of`: what to check measures one quantity ("files",
    "rows"). The standard deviation is read robustly (1.4826 times the
    median absolute deviation: the disagreeing values would inflate a plain one and hide
    themselves), the plain one where half the values or more are alike. Not the spread of the
    repeats themselves: where a whole round is off, every repeat is, and it flags none.

    Args:
        groups: the designs found on several rows (their values, `index` into `means`).
        values: (rows,) every row's value, in the parts' order.
        means: (designs,) the means kept.
    """
    spread = 1.4826 * float(np.median(np.abs(values - np.median(values))))
    if spread == 0.0:
        spread = float(np.std(values))
    if spread == 0.0:
        return None
    limit = DISAGREEING_SPREADS * spread
    far = [g for g in groups if max(g.values) - min(g.values) > limit]
    if not far:
        return None
    example = far[0]
    design = repr(clip_text(example.design)) if sequences else example.design
    count = f"{len(far)} design{'s' * (len(far) > 1)}"
    return (f"{count} measured {where} "
            f"{'have' if len(far) > 1 else 'has'} measurements that differ by more than "
            f"{DISAGREEING_SPREADS:g} standard deviations of all the values "
            f"({DISAGREEING_SPREADS:g} x {spread:.3g} = {limit:.3g}), more than most different "
            f"designs do: e.g. {design} measured {', then '.join(values_shown(example))}. "
            f"Each is kept with the mean of its measurements (here {means[example.index]:.4g}), "
            "as any design measured again, but a mean of such values is likely neither: check "
            f"that the {of} measure the same quantity in the same units and value column, and "
            "leave out the wrong measurements before fitting a reward model")


def files_phrase(parts: Sequence[OfflineData]) -> str:
    """The parts' names for a sentence: "a.csv", "a.csv and b.csv", "a.csv, b.csv and c.csv"."""
    return in_words([part.source for part in parts])


def in_words(items: Sequence[str]) -> str:
    """Items for a sentence: "a", "a and b", "a, b and c" (not "a and b and c")."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def options_like(designs: OfflineData) -> dict[str, Any]:
    """`read_designs` keywords that read another file into the same space as `designs`: its
    alphabet (not one inferred afresh from fewer letters), or its vector columns. Such a file
    is added to `designs`, so a single design (one new measurement) is enough."""
    if isinstance(designs.space, SequenceSpace):
        return {"alphabet": designs.space.alphabet, "kind": "sequence", "min_rows": 1}
    return {"feature_columns": vector_columns(designs), "kind": "vector", "min_rows": 1}
