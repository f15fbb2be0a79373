"""The workspace: a SQLite index of runs plus one folder per run (DESIGN.md §3, Runs and jobs).

    <root>/index.sqlite             id, kind, name, parents, status, config, timestamps, summary
    <root>/runs/<run id>/           one run's files (folder.py)

Several processes (the dashboard, the CLI, running jobs) share one workspace, so every index
operation opens its own short connection to a WAL-mode database; the files in a run folder
are written so that readers never see half a file (folder.py). WAL needs a local file system
(not NFS) for the index.
"""

from __future__ import annotations

import json
import os
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

from braid_core.runs.folder import Run, check_name, json_default

STATUSES = ("created", "running", "done", "failed", "cancelled")
FINISHED = frozenset({"done", "failed", "cancelled"})
INDEX_FILE = "index.sqlite"
BUSY_TIMEOUT_S = 30.0  # how long an index write waits for another process's lock
# A run's name stays one short line in pickers, legends and `braid runs list`.
MAX_NAME_LENGTH = 60
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT, parents TEXT NOT NULL,
    status TEXT NOT NULL, config TEXT NOT NULL, created TEXT NOT NULL, started TEXT,
    finished TEXT, summary TEXT NOT NULL, error TEXT, pid INTEGER, process_token TEXT, host TEXT
)"""


def default_workspace_root() -> Path:
    """`$BRAID_HOME` when set, else `./braid-workspace`; the one place that reads the env."""
    home = os.environ.get("BRAID_HOME", "").strip()
    return _tidy(Path(home).expanduser() if home else Path.cwd() / "braid-workspace")


def _tidy(path: Path) -> Path:
    """`path` absolute without "." and "..": the paths configs record under the root are
    tidied so (pipeline.data_checks.recorded_path), and the dashboard compares them as text."""
    return Path(os.path.normpath(path.absolute()))


def check_run_name(name: str) -> str:
    """A run's name without the spaces around it; ValueError if it is empty, longer than
    MAX_NAME_LENGTH or not one line of printable characters. Names need not be unique (the
    dashboard names all its baselines of one method alike): a run is picked by its id."""
    name = name.strip()
    if not name:
        raise ValueError("a run's name cannot be empty (leave it out for a run without one)")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"a run's name is at most {MAX_NAME_LENGTH} characters; "
                         f"{name[:20] + '...'!r} has {len(name)}")
    if not name.isprintable():
        odd = next(char for char in name if not char.isprintable())
        raise ValueError(f"a run's name is one line of printable characters; {name!r} holds "
                         f"{odd!r}")
    return name


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


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


class Workspace:
    """A folder of runs with a SQLite index, safe to share between processes."""

    def __init__(self, root: Path | str) -> None:
        self.root = _tidy(Path(root).expanduser())
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
        return self.root / "runs" / check_name(run_id, "run id")

    def create_run(
        self,
        kind: str,
        config: Mapping[str, Any],
        *,
        name: str | None = None,
        parents: Iterable[str] = (),
    ) -> Run:
        """Make a run folder with config.json and index it with status "created"; `name`
        (free text, optional) as `check_run_name` keeps it."""
        check_name(kind, "run kind")
        name = None if name is None else check_run_name(name)
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
        text = json.dumps(dict(summary), default=json_default)
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
