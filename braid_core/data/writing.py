"""Designs (and values) written as CSV, atomically."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from torch import Tensor

from braid_core.files import atomic_write_bytes


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


def _numpy(array: Sequence[float] | Tensor | np.ndarray) -> np.ndarray:
    return array.detach().cpu().numpy() if isinstance(array, Tensor) else np.asarray(array)
