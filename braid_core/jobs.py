"""Background jobs: every run executes in its own OS process (DESIGN.md §3, Runs and jobs).

The dashboard (or CLI) calls `launch`, which starts the job command in a new session, so it
outlives Streamlit reruns and can be stopped as a whole process group. Inside the job,
`run_context` reports running / done / failed / cancelled to the workspace index. A job that
dies without reporting (SIGKILL, out of memory, power cut) is found by `status`, which
checks the recorded process, so the index stays right across server restarts. The recorded
process is (pid, start time from /proc, host), so a reused pid is not mistaken for the job.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from braid_core.runs import FINISHED, Run, Workspace

ENDED_WITHOUT_REPORT = "process ended without reporting (crashed or killed)"
_MAX_ERROR_CHARS = 2000  # an error message is for a table cell; the traceback is in log.txt


class JobCancelled(BaseException):
    """Raised inside a job when it is asked to stop (SIGTERM from `cancel`).

    A BaseException, like KeyboardInterrupt, so that `except Exception` in a training loop
    does not swallow it. The job's entry point may catch it to exit quietly with status 143.
    """


def cli_command(*args: str) -> list[str]:
    """`python -m braid_core.cli *args` with this interpreter, e.g. for `launch`."""
    return [sys.executable, "-m", "braid_core.cli", *args]


def process_start_token(pid: int) -> str | None:
    """The start time of process `pid` (field 22 of /proc/<pid>/stat), or None without /proc.

    Together with the pid it names one process: a pid reused later has another start time.
    """
    stat = _proc_stat(pid)
    return stat[1] if stat else None


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state letter, start time) from /proc/<pid>/stat, or None if there is no such entry."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the command name may contain spaces
    return fields[0], fields[19]


def _reap(pid: int, attempts: int = 1) -> None:
    """Wait for `pid` without blocking if it is a finished child of ours; else do nothing.

    A finished child stays a zombie until its parent (e.g. the dashboard server) waits for it.
    A multi-threaded zombie's leader can show state Z a moment before it can be waited for,
    hence a few attempts 10 ms apart.
    """
    for _ in range(attempts):
        try:
            if os.waitpid(pid, os.WNOHANG)[0]:
                return
        except ChildProcessError:  # not our child: its own parent (or init) reaps it
            return
        time.sleep(0.01)


def _is_alive(pid: int, token: str | None) -> bool:
    """Whether the recorded process still runs; reaps it if it is a zombie child of ours."""
    stat = _proc_stat(pid)
    if stat is not None:
        state, start = stat
        if token is not None and start != token:
            return False  # the pid now belongs to another process
        if state not in ("Z", "X"):
            return True
        _reap(pid, attempts=20)
        return False
    if Path("/proc/self/stat").exists():
        return False  # /proc works and has no such pid
    _reap(pid)  # no /proc (macOS): ask the kernel instead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_gone(pid: int, token: str | None, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _is_alive(pid, token):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def launch(
    workspace: Workspace,
    run_id: str,
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
) -> int:
    """Start `command` as the process of a "created" run; return its pid.

    The process gets its own session and process group (so `cancel` reaches its children),
    stdin from /dev/null, stdout and stderr appended to the run's log.txt and no other open
    file or socket of this process (so a server's port is free once the server stops), this
    process's working directory, and this environment plus BRAID_HOME=<workspace root>,
    PYTHONUNBUFFERED=1 and `env`. The run is marked running with the pid.

    Args:
        command: the full argv, e.g. `cli_command("run-job", run_id)`.
    """
    record = workspace.record(run_id)
    if record.status != "created":
        raise ValueError(f"run {run_id} is {record.status}; only a created run can be launched")
    if not command:
        raise ValueError("the job command is empty")
    child_env = {
        **os.environ,
        "BRAID_HOME": str(workspace.root),
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    log = os.open(workspace.get(run_id).log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    # The job keeps nothing of ours but stdin, stdout and stderr: Streamlit marks its listening
    # socket inheritable, and a job holding it keeps the port busy after the server stops.
    closes = [(os.POSIX_SPAWN_CLOSE, fd) for fd in _inheritable_fds()]
    try:
        # posix_spawn, not Popen: no Popen object is left to warn, or to reap behind our back.
        pid = os.posix_spawnp(
            command[0],
            list(command),
            child_env,
            file_actions=[
                *closes,
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, log, 1),
                (os.POSIX_SPAWN_DUP2, log, 2),
            ],
            setsid=True,
        )
    finally:
        os.close(log)
    token = process_start_token(pid)
    # Only from "created": the job may already have reported running, done or failed itself.
    marked = workspace.set_status(
        run_id, "running", pid=pid, process_token=token, only_from=("created",)
    )
    if not marked and workspace.record(run_id).status == "cancelled":
        _stop(pid, token, timeout=5.0)  # cancelled between our check and the spawn
    return pid


def _inheritable_fds() -> list[int]:
    """This process's descriptors above stderr that a spawned process would inherit.

    Python opens its own files and sockets non-inheritable, but libraries may mark one
    inheritable on purpose (Streamlit's listening socket, for worker processes).
    """
    for folder in ("/proc/self/fd", "/dev/fd"):  # Linux; macOS and the BSDs
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        fds = []
        for fd in sorted(int(name) for name in names if name.isdigit()):
            try:
                if fd > 2 and os.get_inheritable(fd):
                    fds.append(fd)
            except OSError:  # the listing's own descriptor, closed by now
                continue
        return fds
    return []


@contextmanager
def run_context(workspace: Workspace, run_id: str) -> Iterator[Run]:
    """Report a job's life to the index; used inside the job process around its work.

    Marks the run running (with this pid) on entry; done on normal exit; failed with
    "Type: message" on an exception; cancelled on SIGTERM or Ctrl-C. The exception is
    re-raised (the traceback goes to log.txt). Files written before stay as they are.

    Yields:
        The run, for writing metrics, checkpoints and designs.
    """
    run = workspace.get(run_id)
    pid = os.getpid()
    token = process_start_token(pid)
    if not workspace.set_status(
        run_id, "running", pid=pid, process_token=token, only_from=("created", "running")
    ):
        current = workspace.record(run_id).status
        if current == "cancelled":
            raise JobCancelled(f"run {run_id} was cancelled before it started")
        raise RuntimeError(f"run {run_id} is already {current}; create a new run to run again")
    try:
        previous = _raise_on_sigterm()
        try:
            yield run
        finally:
            _restore_sigterm(previous)  # from here a SIGTERM stops the process the default way
    except (JobCancelled, KeyboardInterrupt):
        workspace.set_status(run_id, "cancelled")
        raise
    except SystemExit as stop:
        if stop.code in (0, None):
            workspace.set_status(run_id, "done")
        else:
            workspace.set_status(run_id, "failed", error=f"SystemExit: exit status {stop.code}")
        raise
    except BaseException as error:
        workspace.set_status(run_id, "failed", error=describe_error(error))
        raise
    else:
        workspace.set_status(run_id, "done")


def describe_error(error: BaseException) -> str:
    """The error as "Type: message", for the index (the full traceback is in log.txt)."""
    message = str(error).strip()
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return text if len(text) <= _MAX_ERROR_CHARS else text[: _MAX_ERROR_CHARS - 3] + "..."


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise JobCancelled(f"stopped by {signal.Signals(signum).name}")


def _raise_on_sigterm() -> signal.Handlers | None:
    """Make SIGTERM raise JobCancelled; returns the old handler (None off the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None  # Python handles signals only in the main thread
    return signal.signal(signal.SIGTERM, _on_sigterm)


def _restore_sigterm(previous: signal.Handlers | None) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


def status(workspace: Workspace, run_id: str) -> str:
    """The run's status, after checking that a "running" run's process still exists.

    If it does not (or the pid now belongs to another process), the run is marked failed
    with ENDED_WITHOUT_REPORT. Runs recorded on another host are reported as indexed.
    """
    record = workspace.record(run_id)
    if record.pid is None or record.host != socket.gethostname():
        return record.status
    if _is_alive(record.pid, record.process_token) or record.status != "running":
        return record.status
    # Compare-and-set: the job may have reported done just before it exited.
    workspace.set_status(run_id, "failed", error=ENDED_WITHOUT_REPORT, only_from=("running",))
    return workspace.record(run_id).status


def reconcile(workspace: Workspace) -> list[str]:
    """Run `status` on every running run (e.g. when the dashboard starts); ids now failed."""
    records = workspace.list_runs(status="running")
    return [r.id for r in records if status(workspace, r.id) == "failed"]


def wait(workspace: Workspace, run_id: str, timeout: float | None = None) -> str:
    """Poll `status` until the run is done, failed or cancelled; TimeoutError after `timeout`."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while (current := status(workspace, run_id)) not in FINISHED:
        if deadline is not None and time.monotonic() >= deadline:
            raise TimeoutError(f"run {run_id} still {current} after {timeout} s")
        time.sleep(0.05)
    return current


def _stop(pid: int, token: str | None, timeout: float) -> None:
    """SIGTERM the job's process group, wait `timeout` s, then SIGKILL whatever is left."""
    if not _is_alive(pid, token):
        return
    try:
        group = os.getpgid(pid)
    except ProcessLookupError:
        return
    # `launch` makes the job a group leader; a job started by hand may share a group with
    # others (its shell, or us), and then only the job itself is signalled.
    own_group = group == pid and group != os.getpgrp()
    try:
        if own_group:
            os.killpg(group, signal.SIGTERM)
        else:
            os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    _wait_gone(pid, token, timeout)
    try:
        if own_group:  # the leader if it ignored SIGTERM, and grandchildren left behind
            os.killpg(group, signal.SIGKILL)
        elif _is_alive(pid, token):
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _wait_gone(pid, token, 2.0)


def cancel(workspace: Workspace, run_id: str, timeout: float = 5.0) -> str:
    """Stop a run's process (SIGTERM, then SIGKILL after `timeout` s) and mark it cancelled.

    A run that already ended keeps its status; files it wrote stay. Returns the final status.
    """
    current = status(workspace, run_id)
    if current in FINISHED:
        return current
    record = workspace.record(run_id)
    if record.pid is not None:
        if record.host != socket.gethostname():
            raise RuntimeError(f"run {run_id} runs on host {record.host}; cancel it there")
        _stop(record.pid, record.process_token, timeout)
    # The job usually wrote "cancelled" itself; this covers SIGKILL and never-launched runs.
    workspace.set_status(run_id, "cancelled", only_from=("created", "running"))
    return workspace.record(run_id).status


__all__ = [
    "ENDED_WITHOUT_REPORT",
    "JobCancelled",
    "cancel",
    "cli_command",
    "describe_error",
    "launch",
    "process_start_token",
    "reconcile",
    "run_context",
    "status",
    "wait",
]
