"""Run folders (braid_core/runs/folder.py): atomic files, metrics under concurrent writers,
tensors, JSON and design tables."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
import torch

from braid_core.runs import atomic_write, atomic_write_text


def test_atomic_write_keeps_old_file_when_writer_fails(tmp_path):
    path = tmp_path / "f.txt"
    atomic_write_text(path, "old")

    def broken(tmp: Path) -> None:
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(path, broken)
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_atomic_writes_get_an_ordinary_files_mode_not_mkstemps_private_one(tmp_path):
    import os

    umask = os.umask(0o027)
    try:
        atomic_write_text(tmp_path / "new.txt", "x")
        assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o640  # 0666 less the umask
        kept = tmp_path / "kept.txt"
        kept.write_text("old")
        kept.chmod(0o604)
        atomic_write_text(kept, "new")  # a file replaced keeps its mode
        assert kept.stat().st_mode & 0o777 == 0o604 and kept.read_text() == "new"
    finally:
        os.umask(umask)


def test_progress_is_replaced_whole(workspace):
    run = workspace.create_run("finetune", {})
    assert run.read_progress() is None
    for step in range(5):
        run.write_progress({"step": step, "total": 5})
    assert run.read_progress() == {"step": 4, "total": 5}
    assert not [p for p in run.path.iterdir() if p.name.endswith(".tmp")]


def test_metrics_round_trip_and_torn_line(workspace):
    run = workspace.create_run("finetune", {})
    assert run.read_metrics() == [] and run.metrics_frame().empty
    run.append_metrics({"step": 0, "loss": torch.tensor(2.5), "phase": "warmup"})
    run.log_step(1, {"loss": 1.25, "phase": "main"})  # the loops' on_step(step, metrics)
    with open(run.metrics_path, "ab") as handle:  # a writer died mid-line
        handle.write(b'{"step": 2, "lo')
    assert [row["step"] for row in run.read_metrics()] == [0, 1]
    run.append_metrics({"step": 3, "loss": 0.5, "phase": "main"})  # starts a fresh line
    frame = run.metrics_frame()
    assert frame["step"].tolist() == [0, 1, 3]
    assert frame["loss"].tolist() == [2.5, 1.25, 0.5]


WRITER = textwrap.dedent(
    """
    import sys
    from braid_core.runs import Workspace
    run = Workspace(sys.argv[1]).get(sys.argv[2])
    for step in range(int(sys.argv[3])):
        run.append_metrics({"writer": sys.argv[4], "step": step, "pad": "x" * 300})
    """
)


def test_metrics_with_a_concurrent_writer_process(workspace):
    run = workspace.create_run("finetune", {})
    count = 100
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(workspace.root), run.id, str(count), "child"]
    )
    while not run.read_metrics() and child.poll() is None:
        time.sleep(0.01)  # start writing once the child does, so the appends overlap
    snapshots, step = [], 0
    while child.poll() is None or step < count:
        if step < count:
            run.append_metrics({"writer": "parent", "step": step, "pad": "y" * 300})
            step += 1
        snapshots.append(run.read_metrics())
    assert child.returncode == 0
    for rows in [*snapshots, run.read_metrics()]:
        for writer in ("parent", "child"):
            steps = [r["step"] for r in rows if r["writer"] == writer]
            assert steps == list(range(len(steps)))  # every prefix complete, in order
    assert len(run.read_metrics()) == 2 * count


def test_tensors_round_trip_through_safetensors(workspace, device):
    run = workspace.create_run("prior", {})
    tensors = {
        "weight": torch.linspace(0, 1, 12, dtype=torch.float64, device=device).reshape(3, 4).T,
        "tokens": torch.arange(5, device=device),
    }
    path = run.save_tensors("model", tensors, metadata={"format": "test"})
    assert path.name == "model.safetensors"
    loaded = run.load_tensors("model", device=device)
    assert loaded.keys() == tensors.keys()
    for key, value in tensors.items():
        assert loaded[key].device.type == device.type and torch.equal(loaded[key], value)
    with pytest.raises(FileNotFoundError, match="other.safetensors"):
        run.load_tensors("other")


def test_json_and_designs_round_trip(workspace):
    run = workspace.create_run("design", {})
    run.save_json("summary", {"best": 0.9})
    assert run.load_json("summary") == {"best": 0.9}
    table = pd.DataFrame(
        {"sequence": ["ACGT", "TTGA"], "mean": [0.5, -1.25], "valid": [True, False]}
    )
    csv_path, parquet_path = run.write_designs(table)
    pd.testing.assert_frame_equal(run.read_designs_table(), table)
    pd.testing.assert_frame_equal(pd.read_csv(csv_path), table)
    parquet_path.unlink()
    pd.testing.assert_frame_equal(run.read_designs_table(), table)  # CSV fallback
    with pytest.raises(FileNotFoundError, match="other"):
        run.read_designs_table("other")
