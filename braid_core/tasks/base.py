"""The Task protocol shared by every benchmark, and the pieces all tasks use (DESIGN.md §2).

A task knows its design space, scores designs with the true (hidden) reward, tells valid
designs from invalid ones, samples valid designs, and builds the two data sets of the
offline protocol: unlabeled designs for pre-training the prior, and a labeled set D that
leaves room above its best value.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple, Protocol

import torch
from torch import Tensor

from braid_core.data import write_designs_csv
from braid_core.runtime import make_generator
from braid_core.spaces import SequenceSpace, Space


class LabeledDesigns(NamedTuple):
    """An offline data set D: designs with their true scores."""

    x: Tensor  # (n, length) int64 tokens or (n, dim) float
    y: Tensor  # (n,) float, the task's score of each design


class Task(Protocol):
    """A benchmark with a known ground truth."""

    name: str  # registry name, e.g. "ehrlich-20-32"
    space: Space  # where designs live
    optimum: float | None  # best achievable score, None when unknown
    has_oracle: bool  # whether score() is the true reward (True for every built-in task)

    def score(self, x: Tensor) -> Tensor:
        """True reward of designs x (n, *event); (n,) float, -inf where invalid."""
        ...

    def is_valid(self, x: Tensor) -> Tensor:
        """(n,) bool: which designs are valid."""
        ...

    def sample_valid(self, n: int, generator: torch.Generator) -> Tensor:
        """n valid designs (n, *event), drawn with `generator`."""
        ...

    def make_unlabeled(self, generator: torch.Generator) -> Tensor:
        """Unlabeled designs for pre-training the prior, (n, *event)."""
        ...

    def make_offline(self, generator: torch.Generator) -> LabeledDesigns:
        """The labeled offline set D."""
        ...

    def export(self, out_dir: str | Path, seed: int = 0) -> list[Path]:
        """Write unlabeled.csv and offline.csv into out_dir; returns the paths."""
        ...


def keep_below_quantile(x: Tensor, y: Tensor, quantile: float) -> LabeledDesigns:
    """Keep the designs whose score lies strictly below the `quantile` of all scores.

    The quantile interpolates linearly between order statistics (NumPy's default), in
    float64. Strictly below means max(D) < threshold, so D never holds the best designs.

    Args:
        x: (n, *event) designs.
        y: (n,) scores, all finite.
        quantile: in (0, 1), e.g. 0.9 for the Ehrlich protocol, 0.5 for TFBind8.
    Returns:
        The kept designs and scores, in their original order.
    Raises:
        ValueError: when no design lies below the threshold (all scores tied at the bottom).
    """
    assert 0.0 < quantile < 1.0, f"quantile must lie in (0, 1), got {quantile}"
    assert y.ndim == 1 and len(y) == len(x), f"y must be (n,) for n={len(x)}, got {tuple(y.shape)}"
    threshold = torch.quantile(y.double(), quantile)
    keep = y.double() < threshold
    if not keep.any():
        raise ValueError(f"no score lies below the {quantile:.0%} quantile {float(threshold)}")
    return LabeledDesigns(x[keep], y[keep])


def export_task(task: Task, out_dir: str | Path, seed: int = 0) -> list[Path]:
    """Write a task's unlabeled designs and offline set D as CSV files (`braid task export`).

    One CPU generator seeded with `seed` draws the unlabeled designs first and D second, so
    the two sets are different draws and the files are the same for the same seed.

    Args:
        task: the task.
        out_dir: folder to write into (made if missing).
        seed: seed of the generator.
    Returns:
        [out_dir/unlabeled.csv (column `sequence`, or x0, x1, ...),
         out_dir/offline.csv (the same plus `value`)].
    """
    out_dir = Path(out_dir)
    generator = make_generator(seed, "cpu")
    unlabeled = task.make_unlabeled(generator)
    offline = task.make_offline(generator)
    return [
        write_designs_csv(out_dir / "unlabeled.csv", _designs(task.space, unlabeled)),
        write_designs_csv(out_dir / "offline.csv", _designs(task.space, offline.x), offline.y),
    ]


def _designs(space: Space, x: Tensor) -> list[str] | Tensor:
    """Sequences as strings, vectors as they are (what write_designs_csv takes)."""
    return space.decode(x) if isinstance(space, SequenceSpace) else x
