"""`braid runs list|show|cancel|delete`, and the hidden `braid run-job` that a background job
runs (`python -m braid_core.cli run-job <id>`, launched by braid_core.jobs)."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Annotated

import typer

from braid_core.cli.options import fail, say

runs_app = typer.Typer(help="The runs of the workspace: list, show, cancel, delete.",
                       no_args_is_help=True)

# A run's headline in `braid runs list`: the first of these its summary holds.
HEADLINES = ("true_score_median", "predicted_mean_median", "spearman", "designs")


def _workspace():
    """The workspace ($BRAID_HOME or ./braid-workspace), its dead jobs marked failed first
    (e.g. a `braid design` killed with SIGKILL still said running)."""
    from braid_core import jobs
    from braid_core.runs import Workspace, default_workspace_root

    workspace = Workspace(default_workspace_root())
    jobs.reconcile(workspace)
    return workspace


# Runs listed where a key matches several: enough to see why, few enough to read.
SHOWN_MATCHES = 5


def _record(workspace, key: str):
    """The run whose id is `key`, starts with it (the id as `braid runs list` prints it, cut
    short), ends with it (the 4 hex digits the dashboard shows), or whose name (given on the
    dashboard or by --name) it is, in any case where no name matches exactly; a key matching
    several runs is refused as ambiguous, naming a few."""
    try:
        return workspace.record(key)
    except KeyError:
        records = workspace.list_runs()
    if "/" in key and not any(r.name == key for r in records):
        # a run's folder as a shell completes it (braid-workspace/runs/<id>/): its id
        key = Path(key.rstrip("/")).name
        with contextlib.suppress(KeyError):
            return workspace.record(key)
    matches = [r for r in records if key and (r.id.startswith(key) or r.id.endswith(key)
                                              or r.name == key)]
    if not matches:  # a name as typed from memory: "LowG" for "lowG"
        matches = [r for r in records
                   if key and r.name and r.name.casefold() == key.casefold()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise fail(f"no run in {workspace.root} with the id or name {key!r}, or an id that "
                   "starts or ends with it (`braid runs list` shows them)")
    listed = "; ".join(f"{r.id} ({r.kind}, {r.status}{', ' + r.name if r.name else ''})"
                       for r in matches[:SHOWN_MATCHES])
    more = (f"; and {len(matches) - SHOWN_MATCHES} more" if len(matches) > SHOWN_MATCHES
            else "")
    raise fail(f"{key!r} is ambiguous: {len(matches)} runs in {workspace.root} match it "
               f"({listed}{more}); give more of the run's id")


@runs_app.command("list")
def runs_list(
    kind: Annotated[str | None, typer.Option(
        "--kind", metavar="KIND",
        help="Only runs of this kind (prior, reward, finetune, baseline, design, sample)."
    )] = None,
    status: Annotated[str | None, typer.Option(
        "--status", metavar="STATUS",
        help="Only runs with this status (created, running, done, failed, cancelled).")] = None,
) -> None:
    """The runs, newest first: id, kind, status, name and a headline figure."""
    from braid_core.pipeline import STEPS
    from braid_core.runs import STATUSES

    if kind is not None and kind not in STEPS:
        raise fail(f"--kind must be one of {', '.join(STEPS)}, got {kind!r}")
    if status is not None and status not in STATUSES:
        raise fail(f"--status must be one of {', '.join(STATUSES)}, got {status!r}")
    workspace = _workspace()
    from braid_core.runs.summary import run_method, summary_value

    records = workspace.list_runs(kind=kind, status=status)
    if not records:
        say(f"no {_filtered_runs(kind, status)} in {workspace.root}")
        return
    typer.echo(f"{'run':30s} {'kind':9s} {'status':10s} {'method':12s} {'name':20s} headline")
    for record in records:
        summary = record.summary
        headline = next((f"{key} {summary_value(key, summary[key])}" for key in HEADLINES
                         if isinstance(summary.get(key), int | float)), "")
        if isinstance(summary.get("validity"), int | float):
            headline += f", valid {summary['validity']:.0%}"
        method = run_method(record.kind, record.config) or "-"
        if not workspace.run_path(record.id).is_dir():  # deleted by hand: the index alone has it
            headline = "its folder is missing" + (f"; {headline}" if headline else "")
        typer.echo(f"{record.id:30s} {record.kind:9s} {record.status:10s} "
                   f"{_cell(method, 12)} {_cell(record.name or '-', 20)} {headline}".rstrip())


def _filtered_runs(kind: str | None, status: str | None) -> str:
    """The runs `runs list` was asked for, in words: "design runs with status failed"."""
    runs = f"{kind} runs" if kind else "runs"
    return f"{runs} with status {status}" if status else runs


def _cell(text: str, width: int) -> str:
    """`text` in a column `width` characters wide, cut with an ellipsis where longer: a long
    run name pushed the columns after it out of line. `braid runs show` gives it whole."""
    return f"{text[:width - 1]}\u2026" if len(text) > width else f"{text:{width}s}"


@runs_app.command("show")
def runs_show(
    run_id: Annotated[str, typer.Argument(
        metavar="RUN", help="A run id, its first or last characters, or its name.")],
    log_lines: Annotated[int, typer.Option("--log-lines", min=0, metavar="N",
                                           help="Lines of the log's end to print.")] = 20,
) -> None:
    """One run: status, times, what it was made from, error, summary, config and log end."""
    from braid_core.runs.summary import error_in_words, parents_in_words, summary_lines

    workspace = _workspace()
    record = _record(workspace, run_id)
    folder = workspace.run_path(record.id)
    gone = not folder.is_dir()  # deleted or moved by hand: the index alone still has the run
    typer.echo(f"run {record.id} ({record.kind}{', ' + record.name if record.name else ''}): "
               f"{record.status}{', but its folder is missing' if gone else ''}")
    typer.echo(f"created {record.created}; finished {record.finished or '-'}")
    typer.echo(f"folder {folder}" + (
        " is missing: it was deleted or moved outside braid, so the run's files (models, "
        f"designs, log) are gone; `braid runs delete {record.id}` removes its record"
        if gone else ""))
    if record.parents:
        typer.echo("made from " + parents_in_words(
            record.parents, {r.id: r.name for r in workspace.list_runs()}))
    if record.error:
        typer.echo(f"error: {error_in_words(record.error)}")
    if record.summary:
        typer.echo("summary:\n" + "\n".join("  " + line for line in summary_lines(record.summary)))
    else:
        typer.echo(f"summary: none (the run is {record.status}; a finished run records one)")
    typer.echo("config: " + json.dumps(record.config, indent=2))
    log = folder / "log.txt"
    if log_lines and log.is_file():
        tail = log.read_text(errors="replace").splitlines()[-log_lines:]
        typer.echo("log (end):\n" + "\n".join(tail))


@runs_app.command("cancel")
def runs_cancel(
    run_id: Annotated[str, typer.Argument(
        metavar="RUN", help="A run id, its first or last characters, or its name.")],
) -> None:
    """Stop a running run (its process group) and record it as cancelled; files stay."""
    from braid_core import jobs

    workspace = _workspace()
    record = _record(workspace, run_id)
    try:
        final = jobs.cancel(workspace, record.id)
    except RuntimeError as err:  # a run of another host
        raise fail(str(err)) from None
    typer.echo(f"run {record.id} is {final}")


@runs_app.command("delete")
def runs_delete(
    run_id: Annotated[str, typer.Argument(
        metavar="RUN", help="A run id, its first or last characters, or its name.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask first.")] = False,
) -> None:
    """Remove a run that is not running: its record and its folder, for good."""
    workspace = _workspace()
    record = _record(workspace, run_id)
    children = workspace.made_from(record.id)
    if record.status == "running":
        raise fail(f"run {record.id} is running; `braid runs cancel {record.id}` first")
    made = (f" Runs made from it keep their files but no longer find it: {', '.join(children)}."
            if children else "")
    what = ("and its folder" if workspace.run_path(record.id).is_dir()
            else "(its folder is missing already)")
    if not yes and not typer.confirm(f"Delete run {record.id} {what}?{made}"):
        typer.echo(f"deleted nothing: run {record.id} is kept")
        return  # the user's choice, not a refusal by braid: exit status 0
    if yes and made:
        say("note:" + made)
    workspace.delete_run(record.id)
    typer.echo(f"deleted run {record.id}")


def run_job(run_id: Annotated[str, typer.Argument(metavar="RUN")]) -> None:
    """Execute a recorded run (the dashboard launches this as a background process)."""
    from braid_core import jobs, pipeline
    from braid_core.runs import Workspace, default_workspace_root
    from braid_core.runtime import set_cpu_threads

    set_cpu_threads(1)  # several jobs may share the machine with the dashboard
    workspace = Workspace(default_workspace_root())
    # This process's stderr is the run's log.txt: its first and last lines say when it ran,
    # so that a run with nothing to note still has a log.
    started = time.monotonic()
    say(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {workspace.record(run_id).kind} run {run_id} "
        "started")
    try:
        with jobs.run_context(workspace, run_id) as run:
            pipeline.execute(workspace, run)
    except jobs.JobCancelled:
        say(f"cancelled after {_duration(time.monotonic() - started)}")
        raise typer.Exit(143) from None
    say(f"done in {_duration(time.monotonic() - started)}")


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"
