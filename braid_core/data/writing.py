"""Designs (and values) written as CSV, and scored designs tables as CSV and Parquet, atomically."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from torch import Tensor

from braid_core.data.numeric import PREDICTION_COLUMNS
from braid_core.files import atomic_write, atomic_write_bytes
from braid_core.spaces import default_names


def write_designs_csv(
    path: str | Path,
    designs: Sequence[str] | Tensor | np.ndarray,
    values: Sequence[float] | Tensor | np.ndarray | None = None,
    *,
    names: Sequence[str] | None = None,
) -> Path:
    """Write designs (and values) as CSV atomically: a temporary file, then `os.replace`.

    Args:
        path: the CSV file; missing folders are made.
        designs: sequences (column `sequence`) or float vectors (n, dim): columns `names`
            (their space's names), default x0, x1, ...
        values: (n,) numbers for a `value` column, or None.
    Returns:
        The path written.
    """
    path = Path(path)
    if isinstance(designs, Tensor | np.ndarray):
        array = _numpy(designs)
        if array.ndim != 2 or not np.issubdtype(array.dtype, np.floating):
            raise TypeError("vectors must be a float (n, dim) array; decode tokens to strings")
        columns = list(default_names(array.shape[1]) if names is None else names)
        if len(columns) != array.shape[1]:
            raise ValueError(f"{len(columns)} names for vectors of dimension {array.shape[1]}")
        # float32, as read and computed: written in the shortest digits that read back as the
        # same number (float32_text)
        frame = pd.DataFrame(array.astype(np.float32), columns=columns)
    else:
        frame = pd.DataFrame({"sequence": list(designs)})
    if values is not None:
        numbers = _numpy(values)
        numbers = numbers.astype(np.float32 if numbers.dtype == np.float32 else np.float64)
        if numbers.shape != (len(frame),):
            raise ValueError(f"values must have shape ({len(frame)},), got {numbers.shape}")
        frame["value"] = numbers
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, frame.to_csv(index=False).encode())
    return path


def float32_text(table: pd.DataFrame) -> pd.DataFrame:
    """The table as a CSV is to show it: float64 columns that hold float32 numbers (vector
    coordinates and network outputs, widened on the way) and the reward model's scores (its
    float32 outputs combined, e.g. r_hat - c u) as float32, which pandas writes in the shortest
    digits that read back as the same float32 (0.3932, where float64 showed
    0.39320001006126404). Lossless for the first kind; the scores keep float32's 7 digits, all
    the networks compute. Measured values and other float64 numbers are left as they are."""
    out = table.copy()
    for column in table.columns:
        numbers = table[column]
        if numbers.dtype != np.float64:
            continue
        finite = numbers[np.isfinite(numbers)].to_numpy()
        if np.abs(finite).max(initial=0.0) > np.finfo(np.float32).max:
            continue
        narrow = finite.astype(np.float32)
        if column in PREDICTION_COLUMNS or np.array_equal(narrow.astype(np.float64), finite):
            out[column] = numbers.astype(np.float32)
    return out


def blank_invalid_scores(table: pd.DataFrame) -> pd.DataFrame:
    """The table with non-finite true scores (an invalid design scores -inf) made NaN, i.e.
    an empty cell: -inf is no measurement, and a spreadsheet averages it into nonsense. The
    `valid` column still says which designs were invalid."""
    if "true_score" not in table.columns:
        return table
    scores = pd.to_numeric(table["true_score"], errors="coerce")
    return table.assign(true_score=scores.where(np.isfinite(scores)))


def write_table(folder: str | Path, table: pd.DataFrame, name: str) -> tuple[Path, Path]:
    """`<name>.csv` (for people: an invalid design's true score empty, numbers of float32 in
    their shortest digits, `float32_text`) and `<name>.parquet` (for reading back: dtypes,
    every digit and -inf kept) in `folder`, each atomically."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, parquet_path = folder / f"{name}.csv", folder / f"{name}.parquet"
    text = float32_text(blank_invalid_scores(table))
    atomic_write(csv_path, lambda p: text.to_csv(p, index=False))
    atomic_write(parquet_path, lambda p: table.to_parquet(p, index=False))
    return csv_path, parquet_path


def _numpy(array: Sequence[float] | Tensor | np.ndarray) -> np.ndarray:
    return array.detach().cpu().numpy() if isinstance(array, Tensor) else np.asarray(array)
