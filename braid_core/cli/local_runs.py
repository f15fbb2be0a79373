"""Runs the command line executes in its own process: recorded in the workspace like any run,
shown as a progress bar, their files copied to where --out asks."""

from __future__ import annotations

import re
import sys
import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr
from pathlib import Path
from typing import TextIO

import typer
from tqdm import tqdm

from braid_core.cli.options import fail, say


def run_here(kind: str, config: dict, *, total_seconds: float | None, desc: str,
             name: str | None = None) -> Path:
    """Record a run in the workspace and execute it in this process; returns its folder.

    Runs started here show up in the dashboard like any other (same workspace), under `name`
    (--name) where given. Each phase's bar counts the time of `total_seconds`, else what the
    phase counts (its steps, the designs drawn).
    """
    from braid_core import jobs, pipeline
    from braid_core.data import DataError
    from braid_core.runs import Workspace, default_workspace_root
    from braid_core.runs.summary import summary_value
    from braid_core.runtime import resolve_device

    try:  # here, not in the config (made on one machine, run on another): this one runs it
        resolve_device(config.get("device", "auto"))
    except ValueError as err:
        raise fail(f"--device: {err}; give --device auto or cpu") from None
    workspace = Workspace(default_workspace_root())
    namesakes = [r.id for r in workspace.list_runs() if name and r.name == name]
    run = workspace.create_run(kind, config, name=name,
                               parents=_source_runs(workspace, config))
    say(f"run {run.id} in {workspace.root}")
    if namesakes:  # allowed, as on the dashboard; but the name alone no longer picks one
        say(f"note: run {', '.join(namesakes)} is named {name!r} too; `braid runs show` and "
            "the other runs commands take an id to tell them apart")
    with logged_stderr(run.log_path):
        bar = PhasedBar(desc, total_seconds=total_seconds)
        try:
            with bar, jobs.run_context(workspace, run.id):
                summary = pipeline.execute(workspace, run, on_step=bar.update,
                                           on_phase=bar.phase)
        except KeyboardInterrupt:
            say(f"interrupted: run {run.id} is recorded as cancelled; nothing was written to "
                "--out")
            raise typer.Exit(130) from None
        except jobs.JobCancelled:  # SIGTERM, e.g. `braid runs cancel` from another terminal
            say(f"stopped: run {run.id} was cancelled; nothing was written to --out")
            raise typer.Exit(143) from None
        except (DataError, ValueError, FileNotFoundError, KeyError) as err:
            message = err.args[0] if isinstance(err, KeyError) and err.args else err
            raise fail(str(message)) from None
    for key, value in summary.items():
        say(f"  {key}: {summary_value(key, value)}")
    return run.path


def _source_runs(workspace, config: Mapping) -> list[str]:
    """The runs of this workspace whose prior, reward model or model to sample `config` uses
    (a folder inside a run's folder, or a reward model a run copied to `braid reward train`'s
    --out), so that they are recorded as what the new run was made from."""
    from braid_core.cli.reward_data import run_that_wrote

    runs = (workspace.root / "runs").resolve()
    found = []
    for key in ("prior", "reward", "model"):
        path = Path(config[key]).resolve() if isinstance(config.get(key), str) else None
        if path is None or path == runs:
            continue
        if not path.is_relative_to(runs):
            if key == "reward" and (owner := run_that_wrote(path, workspace)) is not None:
                found.append(owner.id)
            continue
        try:
            found.append(workspace.record(path.relative_to(runs).parts[0]).id)
        except KeyError:  # a folder there that no run owns
            continue
    return list(dict.fromkeys(found))


def copy_out(source: Path, out: Path) -> None:
    """Copy a run's artifact (a folder or a file) to where the user asked for it."""
    import shutil

    try:
        if source.is_dir():
            shutil.copytree(source, out, dirs_exist_ok=True)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, out)
    except OSError as err:  # a place the checks before the run could not foresee
        raise fail(f"could not write {out} ({err.strerror or err}); the run's own copy is "
                   f"in {source.parent}") from None
    say(f"wrote {out}")


@contextmanager
def logged_stderr(log_path: Path) -> Iterator[None]:
    """Copy stderr into the run's log.txt while the run executes here, as a background job's
    stderr goes there (jobs.launch): its notes, warnings, error and an unexpected traceback,
    for `braid runs show` and the dashboard."""
    with open(log_path, "a", encoding="utf-8") as log:
        copy = LogCopy(sys.stderr, log)
        try:
            with redirect_stderr(copy):
                yield
        except typer.Exit:
            raise
        except Exception:
            traceback.print_exc(file=log)
            raise
        finally:
            copy.end_line()


class LogCopy:
    """A text stream writing to the terminal and, a finished line at a time, to a log file.

    A progress bar redraws its line after a carriage return; the log keeps the line as it
    ends, so a bar leaves its last state, not every redraw."""

    def __init__(self, terminal: TextIO, log: TextIO) -> None:
        self.terminal = terminal
        self.log = log
        self.line = ""  # the text since the last newline or carriage return

    def write(self, text: str) -> int:
        self.terminal.write(text)
        for part in re.split(r"([\r\n])", text):
            if part == "\r":
                self.line = ""
            elif part == "\n":
                self.log.write(self.line + "\n")
                self.line = ""
            else:
                self.line += part
        return len(text)

    def flush(self) -> None:
        self.terminal.flush()
        self.log.flush()

    def end_line(self) -> None:
        if self.line.strip():
            self.log.write(self.line + "\n")
        self.line = ""

    def __getattr__(self, name: str) -> object:  # encoding, isatty, fileno: the terminal's
        return getattr(self.terminal, name)


LOG_BAR_SECONDS = 30.0  # off a terminal, a progress bar writes one line per this many seconds


def progress_bar(**options: object) -> tqdm:
    """A tqdm bar on stderr: on a terminal it redraws in place; in a file or a pipe it writes
    a whole line every LOG_BAR_SECONDS s, not a redraw every 0.1 s that buries the notes."""
    if sys.stderr.isatty():
        return tqdm(file=sys.stderr, **options)
    return tqdm(file=BarLines(sys.stderr), mininterval=LOG_BAR_SECONDS, **options)


class BarLines:
    """A progress bar's redraws as lines of their own: a log cannot draw over a line."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.last = ""

    def write(self, text: str) -> int:
        shown = text.replace("\r", "").strip()  # tqdm's carriage returns and padding
        if shown and shown != self.last:  # a bar closed where its last line left it
            self.stream.write(shown + "\n")
            self.last = shown
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


class TimeBar:
    """A tqdm bar over a wall-clock budget, usable as an `on_step(step, metrics)` callback;
    `start` (time.monotonic()) where the budget began before the bar (a later phase's)."""

    def __init__(self, total_seconds: float, desc: str, start: float | None = None,
                 unit: str = "step") -> None:
        self.start = time.monotonic() if start is None else start
        self.count_label = unit if unit == "step" else f"{unit}s"  # "step=40", "designs=512"
        # seconds of the budget, without tqdm's rate (seconds per second said nothing)
        self.bar = progress_bar(total=round(total_seconds), desc=desc, unit="s", leave=True,
                                initial=min(self.elapsed(round(total_seconds)),
                                            round(total_seconds)),
                                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/"
                                "{total_fmt} s of the time budget{postfix}")

    def elapsed(self, most: int) -> int:
        return min(round(time.monotonic() - self.start), most)

    def update(self, step: int, metrics: Mapping[str, float]) -> None:
        # the bar redraws in update(), as often as its mininterval allows, with this postfix
        self.bar.set_postfix({self.count_label: step,
                              **{k: f"{v:.4g}" for k, v in metrics.items()}},
                             refresh=False)
        self.catch_up()

    def catch_up(self) -> None:
        """The bar at the time spent so far (a phase that reports no steps ends there)."""
        self.bar.update(self.elapsed(self.bar.total) - self.bar.n)

    def __enter__(self) -> TimeBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()


class StepBar(TimeBar):
    """A tqdm bar counting reported steps, for steps without a time budget; with a `total`,
    it says how long the rest will take."""

    def __init__(self, desc: str, total: int | None = None, unit: str = "step") -> None:
        self.bar = progress_bar(desc=desc, total=total, unit=unit, leave=True)

    def update(self, step: int, metrics: Mapping[str, float]) -> None:
        self.bar.set_postfix({k: f"{v:.4g}" for k, v in metrics.items()
                              if isinstance(v, float)}, refresh=False)
        if self.bar.total is not None and step > self.bar.total:
            self.bar.total = step  # a pool drawn past its size to find distinct designs
        self.bar.update(max(step - self.bar.n, 0))

    def catch_up(self) -> None:
        pass


class PhasedBar:
    """A run's progress on stderr: a bar for each phase the run names ("pre-training",
    "reward model", "fine-tuning", "drawing designs"; `desc` until it names one), closed when
    the phase ends, so that what the run says of a phase follows the phase's line. One bar
    labelled by the method alone, its step count restarting at each phase, said nothing of
    which phase was under way. Over a time budget (`total_seconds`) every bar counts the
    whole budget's seconds, the phase's count beside; else each counts the phase's `unit`s
    (of its `total` where known)."""

    def __init__(self, desc: str, total_seconds: float | None = None) -> None:
        self.desc, self.total_seconds = desc, total_seconds
        self.start = time.monotonic()
        self.bar: TimeBar | None = None

    def phase(self, label: str | None, total: int | None = None, unit: str = "step") -> None:
        self.close()
        if label:
            self.bar = self._open(label, total, unit)

    def update(self, step: int, metrics: Mapping[str, float]) -> None:
        if self.bar is None:
            self.bar = self._open(self.desc)
        self.bar.update(step, metrics)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.catch_up()
            self.bar.bar.close()
            self.bar = None

    def _open(self, label: str, total: int | None = None, unit: str = "step") -> TimeBar:
        if self.total_seconds:
            return TimeBar(self.total_seconds, label, start=self.start, unit=unit)
        return StepBar(label, total=total, unit=unit)

    def __enter__(self) -> PhasedBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
