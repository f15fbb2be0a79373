"""The folder of one run (DESIGN.md §3, Runs and jobs): config, metrics, progress, tensors,
JSON and design tables, each file written so that a reader in another process never sees half
of it.

    <root>/runs/<run id>/           config.json, metrics.jsonl, progress.json, log.txt,
                                    <name>.safetensors, <name>.json, designs.csv/.parquet

Every file is either written whole through a temporary file and `os.replace`, or (metrics)
grown by appending complete lines. Nothing is unpickled: tensors go through safetensors.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from safetensors.torch import load_file, save_file

from braid_core.data.writing import write_table
from braid_core.files import atomic_write, atomic_write_text

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # kinds and file stems: no "/" and no ".."


def check_name(name: str, what: str) -> str:
    """`name` itself (a run kind, run id or file stem), or ValueError if it could leave a folder."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        raise ValueError(f"{what} {name!r} must be letters, digits, '_', '-' or '.' (no '/')")
    return name


def json_default(value: Any) -> Any:
    # Metric values often arrive as 0-d tensors or numpy scalars; store the number.
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


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
        return self.path / f"{check_name(name, 'file name')}{suffix}"

    def write_config(self, config: Mapping[str, Any]) -> None:
        """Write config.json atomically (done once by `Workspace.create_run`)."""
        atomic_write_text(self.path / "config.json", json.dumps(dict(config), indent=2) + "\n")

    def append_metrics(self, row: Mapping[str, Any]) -> None:
        """Append one row (e.g. {"step": 3, "loss": 0.2}) as a JSON line, flushed and fsynced.

        The line goes out in one O_APPEND write, so concurrent writers do not interleave. If an
        earlier writer died mid-line, a newline is put first so that only the torn row is lost.
        """
        data = (json.dumps(dict(row), default=json_default) + "\n").encode("utf-8")
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
        text = json.dumps(dict(data), indent=2, default=json_default) + "\n"
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
        """Write the designs table as `<name>.csv` and `<name>.parquet`, each atomically
        (data.write_table: the CSV leaves an invalid design's true score empty)."""
        return write_table(self.path, table, check_name(name, "file name"))

    def read_designs_table(self, name: str = "designs") -> pd.DataFrame:
        """Read the designs table back (Parquet keeps dtypes; CSV if Parquet is missing)."""
        parquet_path = self.file(name, ".parquet")
        if parquet_path.is_file():
            return pd.read_parquet(parquet_path)
        csv_path = self.file(name, ".csv")
        if not csv_path.is_file():
            raise FileNotFoundError(f"run {self.id} has no designs table {name}.parquet/.csv")
        return pd.read_csv(csv_path)
