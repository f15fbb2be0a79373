"""`OfflineData`: validated designs (tokens or vectors), their values and what reading found."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from torch import Tensor

from braid_core.data.report import DataReport
from braid_core.spaces import SequenceSpace, Space, VectorSpace

COUNT_COLUMN = "measurements"  # optional: how many measurements a row's value is the mean of


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
    # (n, dim) float64 vector coordinates as read, which files written back keep; x is their
    # float32 copy, which keeps only 7 digits (1013250.5 and 1013250.53 are one float32).
    # None: sequences, or made in code.
    coordinates: np.ndarray | None = None

    def __post_init__(self) -> None:
        assert self.x.shape[1:] == self.space.event_shape, f"x {tuple(self.x.shape)} vs space"
        assert self.y is None or self.y.shape == self.x.shape[:1], "y must be (n,)"
        assert self.counts is None or (self.y is not None and self.counts.shape == self.y.shape)
        assert self.values is None or (self.y is not None and self.values.shape == self.y.shape)
        assert self.coordinates is None or self.coordinates.shape == self.x.shape

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

    def exact_coordinates(self) -> np.ndarray:
        """(n, dim) float64 vector coordinates: as read where known, else x's."""
        if isinstance(self.space, SequenceSpace):
            raise TypeError(f"{self.source} holds sequences, not vectors")
        return self.x.double().numpy() if self.coordinates is None else self.coordinates

    def to_frame(self, value_column: str = "value") -> pd.DataFrame:
        """Columns `sequence` (or the file's feature columns) and `value_column` when labeled,
        and `measurements` when some value is the mean of several (read back by
        `read_designs`). Numbers as read, in float64: a CSV of it reads back to the same
        designs and values."""
        if isinstance(self.space, SequenceSpace):
            frame = pd.DataFrame({"sequence": self.sequences()})
        else:  # float32 from code: a CSV shows 0.1, not 0.10000000149011612
            exact = self.x.numpy() if self.coordinates is None else self.coordinates
            frame = pd.DataFrame(exact.copy(), columns=vector_columns(self))
        if self.values is not None:  # as measured: merging must not round what was measured
            frame[value_column] = self.values.copy()
        elif self.y is not None:
            frame[value_column] = self.y.numpy().copy()  # float32: a CSV shows 0.1, not 0.1000001
        if self.counts is not None:
            frame[COUNT_COLUMN] = self.counts.round().astype(np.int64)
        return frame


def vector_columns(designs: OfflineData) -> list[str]:
    """The columns a vector data set's coordinates came from (its space's names), in order."""
    assert isinstance(designs.space, VectorSpace), "sequences have no vector columns"
    return list(designs.space.names)
