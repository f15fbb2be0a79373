"""Workspace index (braid_core/runs/workspace.py): records, statuses, parents, deletion."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
import torch

from braid_core.runs import MAX_NAME_LENGTH, Workspace, default_workspace_root


def test_default_root_follows_braid_home(tmp_path, monkeypatch):
    monkeypatch.setenv("BRAID_HOME", str(tmp_path / "home"))
    assert default_workspace_root() == tmp_path / "home"
    monkeypatch.delenv("BRAID_HOME")
    monkeypatch.chdir(tmp_path)
    assert default_workspace_root() == tmp_path / "braid-workspace"


def test_the_root_is_kept_without_dots(tmp_path, monkeypatch):
    # Configs record their files' paths tidied (/x/out/../ws -> /x/ws); the root under which
    # the dashboard keeps its data sets is tidied alike, so the two compare equal.
    untidy = tmp_path / "out" / ".." / "ws"
    (tmp_path / "out").mkdir()
    assert Workspace(untidy).root == tmp_path / "ws"
    monkeypatch.setenv("BRAID_HOME", str(untidy))
    assert default_workspace_root() == tmp_path / "ws"


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


def test_a_run_name_is_one_short_printable_line_and_may_be_shared(workspace):
    run = workspace.create_run("prior", {}, name="  dna prior ")  # as the dashboard strips it
    assert workspace.record(run.id).name == "dna prior"
    twin = workspace.create_run("prior", {}, name="dna prior")  # the dashboard's baselines share
    assert workspace.record(twin.id).name == "dna prior"
    longest = "x" * MAX_NAME_LENGTH
    assert MAX_NAME_LENGTH == 60  # the messages below say it
    assert workspace.record(workspace.create_run("prior", {}, name=longest).id).name == longest
    for name, said in [
            (" ", "a run's name cannot be empty"),
            ("x" * 61, "a run's name is at most 60 characters; 'xxxxxxxxxxxxxxxxxxxx...' has 61"),
            ("two\nlines", "a run's name is one line of printable characters; 'two\\nlines' "
             "holds '\\n'"),
            ("tab\there", "holds '\\t'")]:
        with pytest.raises(ValueError, match=re.escape(said)):
            workspace.create_run("prior", {}, name=name)
    assert len(workspace.list_runs()) == 3  # refused before any folder or row
    assert len(list((workspace.root / "runs").iterdir())) == 3


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

