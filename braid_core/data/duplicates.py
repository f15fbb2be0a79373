"""Designs found on several rows, kept once with the mean of their measurements, and the
warning that says so."""

from __future__ import annotations

import numpy as np
import pandas as pd

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


def _show_vector(vector: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.6g}" for v in vector.tolist()) + ")"
