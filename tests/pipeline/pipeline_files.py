"""Small design tables for the pipeline's tests, and reporters that keep what they are told.

Not a conftest: `from conftest import` finds whichever test folder's conftest came first.
"""

from __future__ import annotations

import random

import pandas as pd

from braid_core.pipeline.reporter import Reporter


def write_sequences(path, num=100, length=6, seed=0, values=False):
    rng = random.Random(seed)
    rows = ["".join(rng.choice("ACGT") for _ in range(length)) for _ in range(num)]
    frame = pd.DataFrame({"sequence": rows})
    if values:
        frame["value"] = [row.count("A") for row in rows]
    frame.to_csv(path, index=False)
    return path


class KeptNotes(Reporter):
    """A reporter that keeps every note it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        self.notes.append(message)


class KeptProgress(KeptNotes):
    """A reporter that keeps every note, and every progress fraction and message."""

    def __init__(self) -> None:
        super().__init__()
        self.fractions: list[float] = []
        self.messages: list[str] = []

    def progress(self, fraction: float, message: str) -> None:
        self.fractions.append(fraction)
        self.messages.append(message)
