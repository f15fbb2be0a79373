"""Workspace index and run folders: records, atomic files, metrics under concurrent writers."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
import torch

from braid_core.runs import (
    Workspace,
    atomic_write,
    atomic_write_text,
    default_workspace_root,
)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws")


def test_default_root_follows_braid_home(tmp_path, monkeypatch):
    monkeypatch.setenv("BRAID_HOME", str(tmp_path / "home"))
    assert default_workspace_root() == tmp_path / "home"
    monkeypatch.delenv("BRAID_HOME")
    monkeypatch.chdir(tmp_path)
    assert default_workspace_root() == tmp_path / "braid-workspace"


def test_index_is_wal_and_config_round_trips(workspace):
    config = {"c": 1.5, "alpha": 0.1, "steps": 10, "nested": {"k": [1, 2]}}
    run = workspace.create_run("finetune", config, name="first try")
    mode = sqlite3.connect(workspace.index_path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert json.loads((run.path / "config.json").read_text()) == config
    record = workspace.record(run.id)
    assert (record.kind, record.name, record.config) == ("finetune", "first try", config)
    assert record.status == "created"
    assert record.started is None and record.finished is None and record.pid is None
    assert workspace.get(run.id).config == config
    assert run.path == workspace.root / "runs" / run.id and run.id.split("-")[2] == "finetune"


def test_list_runs_newest_first_and_filters(workspace):
    prior = workspace.create_run("prior", {})
    reward = workspace.create_run("reward", {})
    tuned = workspace.create_run("finetune", {}, parents=[prior.id, reward.id])
    assert [r.id for r in workspace.list_runs()] == [tuned.id, reward.id, prior.id]
    assert [r.id for r in workspace.list_runs(kind="prior")] == [prior.id]
    workspace.set_status(reward.id, "running")
    assert [r.id for r in workspace.list_runs(status="running")] == [reward.id]
    assert workspace.list_runs(kind="prior", status="running") == []
    record = workspace.record(tuned.id)
    assert record.parents == (prior.id, reward.id) and record.parent == prior.id
    assert len({r.id for r in workspace.list_runs()}) == 3


def test_bad_inputs_give_clear_errors(workspace):
    with pytest.raises(KeyError, match="no run 'nope'"):
        workspace.get("nope")
    with pytest.raises(KeyError, match="missing"):
        workspace.create_run("finetune", {}, parents=["missing"])
    with pytest.raises(ValueError, match="run kind"):
        workspace.create_run("../evil", {})
    with pytest.raises(TypeError):
        workspace.create_run("prior", {"x": object()})
    run = workspace.create_run("prior", {})
    with pytest.raises(ValueError, match="status"):
        workspace.set_status(run.id, "finished")
    with pytest.raises(ValueError, match="file name"):
        run.save_json("../escape", {})
    assert len(workspace.list_runs()) == 1


def test_status_timestamps_and_compare_and_set(workspace):
    run = workspace.create_run("prior", {})
    assert workspace.set_status(run.id, "running", pid=123, process_token="42")
    started = workspace.record(run.id)
    assert started.started and started.finished is None and started.pid == 123
    assert started.process_token == "42" and started.host
    # a watcher may only overwrite "running"; the job's own "done" wins
    assert workspace.set_status(run.id, "done")
    assert not workspace.set_status(run.id, "failed", error="x", only_from=["running"])
    record = workspace.record(run.id)
    assert record.status == "done" and record.error is None and record.finished
    assert record.started == started.started
    workspace.set_summary(run.id, {"best": torch.tensor(0.5), "n": 3})
    assert workspace.record(run.id).summary == {"best": 0.5, "n": 3}


def test_two_workspaces_are_independent_and_one_root_is_shared(tmp_path):
    first, second = Workspace(tmp_path / "a"), Workspace(tmp_path / "b")
    run = first.create_run("prior", {})
    assert second.list_runs() == []
    with pytest.raises(KeyError):
        second.get(run.id)
    assert [r.id for r in Workspace(tmp_path / "a").list_runs()] == [run.id]


def test_delete_run_removes_folder_but_not_a_running_one(workspace):
    keep, gone = workspace.create_run("prior", {}), workspace.create_run("prior", {})
    workspace.set_status(keep.id, "running")
    with pytest.raises(ValueError, match="cancel"):
        workspace.delete_run(keep.id)
    workspace.delete_run(gone.id)
    assert not gone.path.exists() and keep.path.exists()
    assert [r.id for r in workspace.list_runs()] == [keep.id]


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
