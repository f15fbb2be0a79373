"""Jobs as real OS processes: done, failed, cancelled (with grandchildren), killed, reused pids."""

from __future__ import annotations

import os
import signal
import socket
import sys
import textwrap
import time
from pathlib import Path

import pytest

from braid_core import jobs
from braid_core.runs import Workspace

# A tiny job: reports through run_context, finds its workspace through BRAID_HOME (set by
# launch), writes three metric rows, then acts out `mode`.
WORKER = textwrap.dedent(
    """
    import signal, subprocess, sys, time
    from braid_core.jobs import JobCancelled, run_context
    from braid_core.runs import Workspace, default_workspace_root

    mode, run_id = sys.argv[1], sys.argv[2]
    try:
        with run_context(Workspace(default_workspace_root()), run_id) as run:
            print("worker started", flush=True)
            for step in range(3):
                run.append_metrics({"step": step, "loss": 1.0 / (step + 1)})
            if mode == "raise":
                raise ValueError("alpha must be positive, got -1")
            if mode in ("sleep", "stubborn"):
                if mode == "stubborn":
                    signal.signal(signal.SIGTERM, signal.SIG_IGN)
                grandchild = subprocess.Popen(["sleep", "60"])
                run.write_progress({"grandchild": grandchild.pid})
                time.sleep(60)
    except JobCancelled:
        sys.exit(143)
    """
)
LIMIT_S = 30.0  # generous: worker start-up imports torch on a busy 2-core machine


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws")


def launch_worker(workspace: Workspace, mode: str) -> tuple[str, int]:
    run = workspace.create_run("test", {"mode": mode})
    pid = jobs.launch(workspace, run.id, [sys.executable, "-c", WORKER, mode, run.id])
    return run.id, pid


def wait_for_progress(workspace: Workspace, run_id: str) -> dict:
    deadline = time.monotonic() + LIMIT_S
    while (progress := workspace.get(run_id).read_progress()) is None:
        assert time.monotonic() < deadline, workspace.get(run_id).log_path.read_text()
        time.sleep(0.05)
    return progress


def is_gone(pid: int) -> bool:
    """No such process, or a zombie (orphans here may be left unreaped by PID 1)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2] == "Z"


def test_finished_and_failing_workers(workspace):
    ok_id, ok_pid = launch_worker(workspace, "ok")
    bad_id, _ = launch_worker(workspace, "raise")
    record = workspace.record(ok_id)
    assert record.pid == ok_pid and record.host == socket.gethostname()
    assert record.status in ("running", "done")  # the launcher never overwrites "done"
    assert jobs.wait(workspace, ok_id, LIMIT_S) == "done"
    assert jobs.wait(workspace, bad_id, LIMIT_S) == "failed"

    done = workspace.record(ok_id)
    assert done.error is None and done.started and done.finished
    assert [row["step"] for row in workspace.get(ok_id).read_metrics()] == [0, 1, 2]
    assert "worker started" in workspace.get(ok_id).log_path.read_text()

    failed = workspace.record(bad_id)
    assert failed.error == "ValueError: alpha must be positive, got -1"
    assert len(workspace.get(bad_id).read_metrics()) == 3  # what was written stays
    log = workspace.get(bad_id).log_path.read_text()
    assert "Traceback" in log and "alpha must be positive" in log


def test_cancel_stops_the_process_group(workspace):
    polite_id, polite_pid = launch_worker(workspace, "sleep")
    stubborn_id, stubborn_pid = launch_worker(workspace, "stubborn")
    grandchildren = [
        wait_for_progress(workspace, i)["grandchild"] for i in (polite_id, stubborn_id)
    ]

    assert jobs.cancel(workspace, polite_id) == "cancelled"
    assert jobs.cancel(workspace, stubborn_id, timeout=0.5) == "cancelled"  # needs SIGKILL
    for pid in (polite_pid, stubborn_pid, *grandchildren):
        assert is_gone(pid), f"process {pid} survived cancel"
    for run_id in (polite_id, stubborn_id):
        record = workspace.record(run_id)
        assert record.finished and record.error is None
        assert len(workspace.get(run_id).read_metrics()) == 3  # kept
    assert "worker started" in workspace.get(polite_id).log_path.read_text()
    assert jobs.cancel(workspace, polite_id) == "cancelled"  # again: nothing left to stop


def test_killed_worker_is_reported_failed(workspace):
    run_id, pid = launch_worker(workspace, "sleep")
    grandchild = wait_for_progress(workspace, run_id)["grandchild"]
    assert jobs.status(workspace, run_id) == "running"
    os.kill(pid, signal.SIGKILL)
    assert jobs.wait(workspace, run_id, LIMIT_S) == "failed"
    assert workspace.record(run_id).error == jobs.ENDED_WITHOUT_REPORT
    assert not Path(f"/proc/{pid}").exists()  # status() reaped our zombie child
    os.kill(grandchild, signal.SIGKILL)  # orphaned by SIGKILL; not ours to leave behind


def test_process_that_never_reports_is_failed_once_it_exits(workspace):
    run = workspace.create_run("test", {})
    pid = jobs.launch(workspace, run.id, [sys.executable, "-c", "print('bye')"])
    deadline = time.monotonic() + LIMIT_S
    while not is_gone(pid):  # a zombie: exited, not yet waited for
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert jobs.status(workspace, run.id) == "failed"
    assert not Path(f"/proc/{pid}").exists()  # reaped
    assert workspace.get(run.id).log_path.read_text() == "bye\n"


def test_reused_pid_and_other_hosts(workspace):
    reused, remote = workspace.create_run("test", {}), workspace.create_run("test", {})
    # our own pid is alive, but with another start time it is some other process
    workspace.set_status(reused.id, "running", pid=os.getpid(), process_token="1")
    assert jobs.status(workspace, reused.id) == "failed"
    workspace.set_status(remote.id, "running", pid=os.getpid(), process_token="1")
    with workspace._connect() as connection:
        connection.execute("UPDATE runs SET host = 'elsewhere' WHERE id = ?", (remote.id,))
    assert jobs.status(workspace, remote.id) == "running"  # cannot be checked from here
    with pytest.raises(RuntimeError, match="elsewhere"):
        jobs.cancel(workspace, remote.id)
    assert jobs.reconcile(workspace) == []


def test_reconcile_marks_dead_runs(workspace):
    live, dead = workspace.create_run("test", {}), workspace.create_run("test", {})
    me = os.getpid()
    workspace.set_status(live.id, "running", pid=me, process_token=jobs.process_start_token(me))
    workspace.set_status(dead.id, "running", pid=me, process_token="1")
    assert jobs.reconcile(workspace) == [dead.id]
    assert jobs.status(workspace, live.id) == "running"


def test_launch_and_cancel_guard_run_states(workspace):
    created = workspace.create_run("test", {})
    assert jobs.cancel(workspace, created.id) == "cancelled"  # never launched
    with pytest.raises(ValueError, match="only a created run"):
        jobs.launch(workspace, created.id, [sys.executable, "-c", "pass"])
    fresh = workspace.create_run("test", {})
    with pytest.raises(FileNotFoundError):
        jobs.launch(workspace, fresh.id, ["no-such-braid-command"])
    assert workspace.record(fresh.id).status == "created"  # nothing started, nothing marked
    finished = workspace.create_run("test", {})
    workspace.set_status(finished.id, "done")
    assert jobs.cancel(workspace, finished.id) == "done"
    with pytest.raises(RuntimeError, match="already done"):
        with jobs.run_context(workspace, finished.id):
            pass
    with pytest.raises(jobs.JobCancelled):
        with jobs.run_context(workspace, created.id):
            pass
    assert jobs.cli_command("run-job", "x")[1:] == ["-m", "braid_core.cli", "run-job", "x"]


def test_run_context_in_process_records_outcomes(workspace):
    good, bad = workspace.create_run("test", {}), workspace.create_run("test", {})
    handler = signal.getsignal(signal.SIGTERM)
    with jobs.run_context(workspace, good.id) as run:
        assert workspace.record(good.id).status == "running"
        assert workspace.record(good.id).pid == os.getpid()
        run.append_metrics({"step": 0})
    assert workspace.record(good.id).status == "done"
    with pytest.raises(KeyError):
        with jobs.run_context(workspace, bad.id):
            raise KeyError("column 'value' missing")
    assert workspace.record(bad.id).error == "KeyError: \"column 'value' missing\""
    assert signal.getsignal(signal.SIGTERM) is handler  # restored after the block


def test_job_inherits_no_socket_so_the_port_is_freed(workspace):
    # Streamlit marks its listening socket inheritable; this stands in for the server.
    server = socket.create_server(("127.0.0.1", 0))
    server.set_inheritable(True)
    port = server.getsockname()[1]
    run = workspace.create_run("test", {})
    pid = jobs.launch(workspace, run.id, [sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        held = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        assert not [link for link in held if link.startswith("socket:")], held
        server.close()  # the server stops; its job goes on
        with socket.create_server(("127.0.0.1", port)):  # a restart can take the port again
            assert jobs.status(workspace, run.id) == "running"
    finally:
        server.close()
        jobs.cancel(workspace, run.id)
