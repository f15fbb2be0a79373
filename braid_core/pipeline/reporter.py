"""Where a pipeline step reports: metric rows and progress to a run, notes to the user."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping

from tqdm import tqdm

from braid_core.runs import Run

StepCallback = Callable[[int, Mapping[str, float]], None]
# (label, total, unit): a phase begins (label None: the one under way ends), counting `unit`s
# up to `total` where known
PhaseCallback = Callable[[str | None, int | None, str], None]


class Reporter:
    """Where a step sends its metric rows and progress: a run, a progress bar, or nothing."""

    def __init__(self, run: Run | None = None, on_step: StepCallback | None = None,
                 on_phase: PhaseCallback | None = None) -> None:
        self.run = run
        self.on_step = on_step
        self.on_phase = on_phase
        self.stage = ""
        self._said: set[str] = set()  # `braid design` reads each file in two steps
        # (start, seconds): a run of several steps under one budget (`braid design`) reports
        # the share of the budget used, not each step's own fraction.
        self.budget: tuple[float, float] | None = None

    def step(self, step: int, metrics: Mapping[str, float]) -> None:
        row = {"stage": self.stage, **metrics} if self.stage else dict(metrics)
        if self.run is not None:
            self.run.log_step(step, row)
        if self.on_step is not None:
            self.on_step(step, metrics)

    def phase(self, label: str | None, *, total: int | None = None, unit: str = "step") -> None:
        """A phase of the step begins, named for the user ("pre-training", "reward model",
        "fine-tuning", "drawing designs"), or (None) the one under way ends: the command line
        shows each under its own progress bar, counting `unit`s (of `total` where known), and
        what is said of a phase after it ends follows that bar's line."""
        if self.on_phase is not None:
            self.on_phase(label, total, unit)

    def count(self, done: int) -> None:
        """How far the phase under way has come, in its units, for the progress bar alone:
        counts that are no metric row (the designs drawn after fine-tuning)."""
        if self.on_step is not None:
            self.on_step(done, {})

    def note(self, message: str) -> None:
        """A line for the user (the terminal, or the run's log.txt for a background job);
        on a terminal, above the command line's progress bar rather than inside it. A note
        said before in this run is not repeated."""
        if message in self._said:
            return
        self._said.add(message)
        tqdm.write(message, file=sys.stderr)
        sys.stderr.flush()  # a background job's log.txt is read while it runs

    def progress(self, fraction: float, message: str) -> None:
        if self.budget is not None:
            start, seconds = self.budget
            fraction = (time.monotonic() - start) / seconds
        if self.run is not None:
            self.run.write_progress({"fraction": min(max(fraction, 0.0), 1.0),
                                     "message": message, "time": time.time()})
