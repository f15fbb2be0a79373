"""Designs found on several rows, kept once with the mean of their measurements, and the
warning that says so."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from torch import Tensor

from braid_core.data.report import SHOWN, DuplicateGroup, clip_text
from braid_core.data.table import FileTable, ParsedDesigns
from braid_core.spaces import SequenceSpace, Space


def merge_duplicates(
    designs: ParsedDesigns,
    values: np.ndarray | None,
    table: FileTable,
    weights: np.ndarray | None = None,
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


def values_shown(group: DuplicateGroup) -> list[str]:
    """Each row's value, with the measurements behind it where a row stands for several."""
    counts = group.measurements or (1,) * len(group.values)
    return [f"{v:.4g}" + (f" (mean of {n:g})" if n != 1 else "")
            for v, n in zip(group.values, counts, strict=True)]


def duplicate_warning(groups: tuple[DuplicateGroup, ...], table: FileTable, space: Space) -> str:
    labeled = bool(groups[0].values)
    kept = "once, with the mean of its measurements" if labeled else "once"
    # A design repeated on hundreds of rows would bury the message; the report keeps them all.
    shown = "; ".join(
        (repr(clip_text(g.design)) if isinstance(space, SequenceSpace) else g.design)
        + f" at {_first_few(g.rows)}"
        + (f" (values {_first_few(values_shown(g))})" if labeled else "")
        for g in groups[:SHOWN]
    )
    more = f" and {len(groups) - SHOWN} more" if len(groups) > SHOWN else ""
    total = sum(len(g.rows) for g in groups)
    appear = "design appears" if len(groups) == 1 else "designs appear"
    return (
        f"{table.source}: {len(groups)} {appear} more than once ({table.count(total)}); "
        f"each is kept {kept}: {shown}{more}"
    )


def _first_few(items, limit: int = 2 * SHOWN) -> str:
    """The first `limit` items, comma-separated, and how many more there are."""
    items = list(items)
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def float32_twins_warning(x: Tensor, exact: np.ndarray | None, labels: Sequence[str],
                          source: str) -> str | None:  # fmt: skip
    """A warning naming distinct vector designs that are one point in float32, the numbers
    the prior and reward model compute in (about 7 significant digits: 1013250.5 and
    1013250.53); None where there are none, or for sequences. Such designs are kept apart,
    each with its values, as the file has them; only the models cannot tell them apart.

    Args:
        x: (n, dim) float32 designs, each distinct in `exact`.
        exact: (n, dim) float64 designs as read; None for sequences.
        labels: (n,) how the user knows each design ("row 3").
    """
    if exact is None or len(x) < 2:
        return None
    _, point, sizes = np.unique(x.numpy(), axis=0, return_inverse=True, return_counts=True)
    point = point.ravel()
    groups: dict[int, list[int]] = {}
    for row in np.flatnonzero(sizes[point] > 1).tolist():
        groups.setdefault(int(point[row]), []).append(row)
    if not groups:
        return None
    shown = "; ".join(" and ".join(f"{labels[row]} {_show_vector(exact[row])}" for row in rows)
                      for rows in list(groups.values())[:SHOWN])  # fmt: skip
    more = f" and {len(groups) - SHOWN} more" if len(groups) > SHOWN else ""
    count = sum(map(len, groups.values()))
    return (f"{source}: {count} designs differ only beyond float32's 7 significant digits, "
            f"the numbers the prior and reward model compute in, so the models see "
            f"{'them as one point' if len(groups) == 1 else 'each group as one point'}: "
            f"{shown}{more}. They are kept as distinct designs, each with its own values; if "
            "they are one design, write them alike, else write the column so that they differ "
            "within 7 digits (e.g. as the difference from a reference value)")


def _show_vector(vector: np.ndarray) -> str:
    """The coordinates in the shortest digits that read back as the same float64 (as typed,
    but for trailing zeros): rounded ones could show two designs alike."""
    return "(" + ", ".join(map(_shortest, vector.tolist())) + ")"


def _shortest(number: float) -> str:
    text = repr(float(number))
    return text.removesuffix(".0")
