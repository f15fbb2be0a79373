"""The workspace: a SQLite index of runs plus one folder per run (DESIGN.md §3, Runs and jobs).

    <root>/index.sqlite             id, kind, name, parents, status, config, timestamps, summary
    <root>/runs/<run id>/           config.json, metrics.jsonl, progress.json, log.txt,
                                    <name>.safetensors, <name>.json, designs.csv/.parquet

Several processes (the dashboard, the CLI, running jobs) share one workspace, so every index
operation opens its own short connection to a WAL-mode database, and every file in a run
folder is either written whole through a temporary file and `os.replace`, or (metrics) grown
by appending complete lines. Readers therefore never see half a file. Nothing is unpickled:
tensors go through safetensors. WAL needs a local file system (not NFS) for the index.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from safetensors.torch import load_file, save_file

from braid_core.files import atomic_write, atomic_write_bytes, atomic_write_text

STATUSES = ("created", "running", "done", "failed", "cancelled")
FINISHED = frozenset({"done", "failed", "cancelled"})
INDEX_FILE = "index.sqlite"
BUSY_TIMEOUT_S = 30.0  # how long an index write waits for another process's lock
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # kinds and file stems: no "/" and no ".."
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT, parents TEXT NOT NULL,
    status TEXT NOT NULL, config TEXT NOT NULL, created TEXT NOT NULL, started TEXT,
    finished TEXT, summary TEXT NOT NULL, error TEXT, pid INTEGER, process_token TEXT, host TEXT
)"""


def default_workspace_root() -> Path:
    """`$BRAID_HOME` when set, else `./braid-workspace`; the one place that reads the env."""
    home = os.environ.get("BRAID_HOME", "").strip()
    return (Path(home).expanduser() if home else Path.cwd() / "braid-workspace").absolute()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        raise ValueError(f"{what} {name!r} must be letters, digits, '_', '-' or '.' (no '/')")
    return name


def _json_default(value: Any) -> Any:
    # Metric values often arrive as 0-d tensors or numpy scalars; store the number.
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@dataclass(frozen=True)
class RunRecord:
    """One row of the index, as read at one moment (re-read it to see later changes)."""

    id: str  # sortable: "<UTC yyyymmdd-hhmmss>-<kind>-<4 hex>"
    kind: str  # prior | reward | finetune | baseline | sample | design | ...
    name: str | None  # free text given by the user
    parents: tuple[str, ...]  # runs this one was made from (e.g. finetune <- prior, reward)
    status: str  # one of STATUSES
    config: dict[str, Any]  # the config the run was created with (also in config.json)
    created: str  # UTC ISO timestamps; started/finished are None until they happen
    started: str | None
    finished: str | None
    summary: dict[str, Any]  # final numbers the run reported
    error: str | None  # "Type: message" when failed
    pid: int | None  # process that runs (ran) it, on `host`
    process_token: str | None  # that process's start time, to tell it from a reused pid
    host: str | None

    @property
    def parent(self) -> str | None:
        """The first parent, or None."""
        return self.parents[0] if self.parents else None

    @classmethod
    def _from_row(cls, row: sqlite3.Row) -> RunRecord:
        values = dict(row)
        for key in ("config", "summary"):
            values[key] = json.loads(values[key])
        values["parents"] = tuple(json.loads(values["parents"]))
        return cls(**values)


class Run:
    """The folder of one run and the files in it; knows nothing about the index or processes."""

    def __init__(self, run_id: str, kind: str, path: Path, config: Mapping[str, Any]) -> None:
        self.id = run_id
        self.kind = kind
        self.path = path  # <root>/runs/<id>/
        self.config = dict(config)

    def __repr__(self) -> str:
        return f"Run({self.id!r}, path={str(self.path)!r})"

    @property
    def log_path(self) -> Path:
        """log.txt: a job's stdout and stderr."""
        return self.path / "log.txt"

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.jsonl"

    def file(self, name: str, suffix: str) -> Path:
        """Path of `<name><suffix>` in the run folder; `name` may not leave the folder."""
        return self.path / f"{_check_name(name, 'file name')}{suffix}"

    def write_config(self, config: Mapping[str, Any]) -> None:
        """Write config.json atomically (done once by `Workspace.create_run`)."""
        atomic_write_text(self.path / "config.json", json.dumps(dict(config), indent=2) + "\n")

    def append_metrics(self, row: Mapping[str, Any]) -> None:
        """Append one row (e.g. {"step": 3, "loss": 0.2}) as a JSON line, flushed and fsynced.

        The line goes out in one O_APPEND write, so concurrent writers do not interleave. If an
        earlier writer died mid-line, a newline is put first so that only the torn row is lost.
        """
        data = (json.dumps(dict(row), default=_json_default) + "\n").encode("utf-8")
        fd = os.open(self.metrics_path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)

    def log_step(self, step: int, values: Mapping[str, Any]) -> None:
        """A `StepCallback` (step, metrics) for the training loops: appends {"step", **values}."""
        self.append_metrics({"step": step, **values})

    def read_metrics(self) -> list[dict[str, Any]]:
        """All complete metric rows, oldest first.

        A trailing line without its newline is a row still being written and is left out;
        a corrupt complete line (from a crash mid-write) is skipped.
        """
        try:
            lines = self.metrics_path.read_bytes().split(b"\n")[:-1]
        except FileNotFoundError:
            return []
        rows = []
        for line in lines:
            try:
                rows.append(json.loads(line))
            except ValueError:
                continue
        return [row for row in rows if isinstance(row, dict)]

    def metrics_frame(self) -> pd.DataFrame:
        """`read_metrics` as a DataFrame (one column per key; empty if no rows yet)."""
        return pd.DataFrame(self.read_metrics())

    def write_progress(self, progress: Mapping[str, Any]) -> None:
        """Replace progress.json (e.g. {"step": 40, "total": 200}) atomically."""
        self.save_json("progress", progress)

    def read_progress(self) -> dict[str, Any] | None:
        """The last progress written, or None before the first."""
        return self.load_json("progress") if self.file("progress", ".json").exists() else None

    def save_json(self, name: str, data: Mapping[str, Any]) -> None:
        """Write `<name>.json` atomically."""
        text = json.dumps(dict(data), indent=2, default=_json_default) + "\n"
        atomic_write_text(self.file(name, ".json"), text)

    def load_json(self, name: str) -> dict[str, Any]:
        """Read `<name>.json`; FileNotFoundError names the file."""
        return json.loads(self.file(name, ".json").read_text(encoding="utf-8"))

    def save_tensors(
        self,
        name: str,
        tensors: Mapping[str, torch.Tensor],
        metadata: Mapping[str, str] | None = None,
    ) -> Path:
        """Write `<name>.safetensors` atomically (tensors are copied to CPU; views must not
        share storage). Returns the path."""
        path = self.file(name, ".safetensors")
        cpu = {key: value.detach().cpu().contiguous() for key, value in tensors.items()}
        meta = dict(metadata) if metadata else None
        atomic_write(path, lambda tmp: save_file(cpu, str(tmp), metadata=meta))
        return path

    def load_tensors(
        self, name: str, device: torch.device | str = "cpu"
    ) -> dict[str, torch.Tensor]:
        """Read `<name>.safetensors` onto `device` (no pickle involved)."""
        path = self.file(name, ".safetensors")
        if not path.is_file():
            raise FileNotFoundError(f"run {self.id} has no tensors file {path.name}")
        return load_file(str(path), device=str(torch.device(device)))

    def write_designs(self, table: pd.DataFrame, name: str = "designs") -> tuple[Path, Path]:
        """Write the designs table as `<name>.csv` and `<name>.parquet`, each atomically."""
        csv_path, parquet_path = self.file(name, ".csv"), self.file(name, ".parquet")
        atomic_write(csv_path, lambda tmp: table.to_csv(tmp, index=False))
        atomic_write(parquet_path, lambda tmp: table.to_parquet(tmp, index=False))
        return csv_path, parquet_path

    def read_designs_table(self, name: str = "designs") -> pd.DataFrame:
        """Read the designs table back (Parquet keeps dtypes; CSV if Parquet is missing)."""
        parquet_path = self.file(name, ".parquet")
        if parquet_path.is_file():
            return pd.read_parquet(parquet_path)
        csv_path = self.file(name, ".csv")
        if not csv_path.is_file():
            raise FileNotFoundError(f"run {self.id} has no designs table {name}.parquet/.csv")
        return pd.read_csv(csv_path)


class Workspace:
    """A folder of runs with a SQLite index, safe to share between processes."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser().absolute()
        self.index_path = self.root / INDEX_FILE
        (self.root / "runs").mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
            connection.execute(_SCHEMA)

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # One short connection per operation: safe across processes and Streamlit threads.
        connection = sqlite3.connect(self.index_path, timeout=BUSY_TIMEOUT_S)
        connection.row_factory = sqlite3.Row
        try:
            with connection:  # commit, or roll back on error
                yield connection
        finally:
            connection.close()

    def run_path(self, run_id: str) -> Path:
        return self.root / "runs" / _check_name(run_id, "run id")

    def create_run(
        self,
        kind: str,
        config: Mapping[str, Any],
        *,
        name: str | None = None,
        parents: Iterable[str] = (),
    ) -> Run:
        """Make a run folder with config.json and index it with status "created"."""
        _check_name(kind, "run kind")
        parents = tuple(parents)
        for parent in parents:
            self.record(parent)  # raises KeyError for an unknown parent
        config_text = json.dumps(dict(config))  # fails here, before anything is written
        while True:
            stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
            run_id = f"{stamp}-{kind}-{secrets.token_hex(2)}"
            try:
                self.run_path(run_id).mkdir()
                break
            except FileExistsError:  # same second, same kind, same suffix: draw again
                continue
        run = Run(run_id, kind, self.run_path(run_id), config)
        run.write_config(config)
        with self._connect() as connection:
            connection.execute(
                "INSERT INTO runs (id, kind, name, parents, status, config, created, summary)"
                " VALUES (?, ?, ?, ?, 'created', ?, ?, '{}')",
                (run_id, kind, name, json.dumps(parents), config_text, _now()),
            )
        return run

    def record(self, run_id: str) -> RunRecord:
        """The index row of `run_id`; KeyError if there is none."""
        with self._connect() as connection:
            row = connection.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(f"no run {run_id!r} in workspace {self.root}")
        return RunRecord._from_row(row)

    def get(self, run_id: str) -> Run:
        """The run `run_id` (its folder and config); KeyError if the index has no such run."""
        record = self.record(run_id)
        return Run(record.id, record.kind, self.run_path(record.id), record.config)

    def list_runs(self, kind: str | None = None, status: str | None = None) -> list[RunRecord]:
        """Index rows, newest first, optionally only of one kind and/or status."""
        clauses, values = [], []
        for column, value in (("kind", kind), ("status", status)):
            if value is not None:
                clauses.append(f"{column} = ?")
                values.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        query = f"SELECT * FROM runs{where} ORDER BY created DESC, id DESC"
        with self._connect() as connection:
            return [RunRecord._from_row(row) for row in connection.execute(query, values)]

    def set_status(
        self,
        run_id: str,
        status: str,
        *,
        error: str | None = None,
        pid: int | None = None,
        process_token: str | None = None,
        only_from: Iterable[str] | None = None,
    ) -> bool:
        """Record a status change; "running" stamps `started` (once), an end stamps `finished`.

        Args:
            error: stored when given (for "failed").
            pid, process_token: the process running the run, recorded with this host's name.
            only_from: change only if the current status is one of these (compare-and-set,
                so that a launcher or watcher never overwrites what the job itself wrote).

        Returns:
            True if the row changed; False if `only_from` did not match.
        """
        if status not in STATUSES:
            raise ValueError(f"status {status!r} is not one of {', '.join(STATUSES)}")
        now = _now()
        sets = ["status = ?"]
        values: list[Any] = [status]
        if status == "running":
            sets.append("started = COALESCE(started, ?)")
            values.append(now)
        if status in FINISHED:
            sets.append("finished = ?")
            values.append(now)
        if error is not None:
            sets.append("error = ?")
            values.append(error)
        if pid is not None:
            sets += ["pid = ?", "process_token = ?", "host = ?"]
            values += [pid, process_token, socket.gethostname()]
        query = f"UPDATE runs SET {', '.join(sets)} WHERE id = ?"
        values.append(run_id)
        if only_from is not None:
            allowed = tuple(only_from)
            query += f" AND status IN ({', '.join('?' * len(allowed))})"
            values += allowed
        with self._connect() as connection:
            changed = connection.execute(query, values).rowcount == 1
        if not changed:
            self.record(run_id)  # KeyError if the run does not exist at all
        return changed

    def set_summary(self, run_id: str, summary: Mapping[str, Any]) -> None:
        """Replace the run's summary (final metrics, paths of outputs, ...)."""
        text = json.dumps(dict(summary), default=_json_default)
        with self._connect() as connection:
            found = connection.execute(
                "UPDATE runs SET summary = ? WHERE id = ?", (text, run_id)
            ).rowcount
        if not found:
            self.record(run_id)

    def made_from(self, run_id: str) -> list[str]:
        """Ids of the runs that record `run_id` as a parent (newest first)."""
        return [r.id for r in self.list_runs() if run_id in r.parents]

    def delete_run(self, run_id: str) -> None:
        """Remove a run that is not running: its index row and its folder under runs/."""
        record = self.record(run_id)
        if record.status == "running":
            raise ValueError(f"run {run_id} is running; cancel it before deleting it")
        with self._connect() as connection:
            connection.execute("DELETE FROM runs WHERE id = ?", (run_id,))
        path = self.run_path(run_id)
        if path.parent == self.root / "runs" and path.is_dir():
            shutil.rmtree(path)


__all__ = [
    "FINISHED",
    "STATUSES",
    "Run",
    "RunRecord",
    "Workspace",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_text",
    "default_workspace_root",
]
