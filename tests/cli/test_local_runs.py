"""Runs the command line executes itself: recorded in the workspace, interrupted cleanly."""

from __future__ import annotations

import re

import pytest
from cli_files import runner, write_sequences

from braid_core.cli import app
from braid_core.runs import Workspace


@pytest.mark.parametrize(("stop", "code", "said"), [
    ("ctrl-c", 130, "interrupted: run {id} is recorded as cancelled; nothing was written to "
     "--out"),
    ("sigterm", 143, "stopped: run {id} was cancelled; nothing was written to --out")])
def test_an_interrupted_run_is_recorded_as_cancelled_and_says_so(tmp_path, isolated_workspace,
                                                                 monkeypatch, stop, code, said):
    from braid_core import jobs, pipeline

    def interrupted(*args, **kwargs):
        # Ctrl-C, or SIGTERM (e.g. `braid runs cancel` from another terminal), as the job runs
        raise KeyboardInterrupt if stop == "ctrl-c" else jobs.JobCancelled("stopped by SIGTERM")

    monkeypatch.setattr(pipeline, "execute", interrupted)
    data = write_sequences(tmp_path / "d.csv", 40, 6, "ACGT")
    out = tmp_path / "designs.csv"
    result = runner.invoke(app, ["design", "--unlabeled", str(data), "--offline", str(data),
                                 "--out", str(out)])
    assert result.exit_code == code, result.output
    [record] = Workspace(isolated_workspace).list_runs()
    assert record.status == "cancelled"
    assert said.format(id=record.id) in " ".join(result.output.split())
    assert "Traceback" not in result.output and not out.exists()


def test_a_run_made_from_models_in_run_folders_records_them_as_its_sources(isolated_workspace):
    from braid_core.cli.local_runs import _source_runs

    workspace = Workspace(isolated_workspace)
    design = workspace.create_run("design", {})
    other = workspace.create_run("reward", {})
    config = {"prior": str(workspace.run_path(design.id) / "prior"),
              "reward": str(workspace.run_path(design.id) / "reward")}
    assert _source_runs(workspace, config) == [design.id]  # once, though it made both
    config["reward"] = str(workspace.run_path(other.id) / "reward")
    assert _source_runs(workspace, config) == [design.id, other.id]
    outside = {"prior": "/somewhere/prior", "reward": str(isolated_workspace / "runs" / "x")}
    assert _source_runs(workspace, outside) == []


def test_a_reward_model_copied_out_of_its_run_records_that_run_as_a_source(
        tmp_path, isolated_workspace):
    # `braid reward train --out DIR` copies the run's model to DIR; a fine-tune from DIR was
    # recorded as made from nothing, though `braid finetune` finds that run for its data.
    import shutil

    from braid_core.cli.local_runs import _source_runs

    workspace = Workspace(isolated_workspace)
    reward = workspace.create_run("reward", {})
    own = workspace.run_path(reward.id) / "reward"
    own.mkdir(parents=True)
    (own / "config.json").write_text('{"format": "braid-reward", "metrics": {"rmse": 0.5}}')
    (own / "model.safetensors").write_bytes(b"weights")
    workspace.set_status(reward.id, "done")
    copied = tmp_path / "out"
    shutil.copytree(own, copied)
    assert _source_runs(workspace, {"reward": str(copied)}) == [reward.id]
    # another model (other figures) is no copy of it
    (copied / "config.json").write_text('{"format": "braid-reward", "metrics": {"rmse": 0.4}}')
    assert _source_runs(workspace, {"reward": str(copied)}) == []


def test_runs_from_the_command_line_are_recorded_in_the_workspace(tmp_path, isolated_workspace):
    data = write_sequences(tmp_path / "u.csv", 50, 6, "ACGT")
    trained = runner.invoke(app, ["prior", "train", "--data", str(data), "--max-minutes",
                                  "0.005", "--out", str(tmp_path / "prior")])
    # the calibration's table in words, not {'1': 0.99}; noises past 1 are tried when the
    # pre-training left time for them (this machine's speed)
    assert re.search(r"diversity_ratio: \d\.\d+ at position noise 1(\n|, )", trained.output), (
        trained.output)
    records = Workspace(isolated_workspace).list_runs(kind="prior")
    assert len(records) == 1 and records[0].status == "done"
    shown = runner.invoke(app, ["runs", "show", records[0].id])
    assert shown.exit_code == 0, shown.output
    log = shown.output.split("log (end):\n")[1]
    assert "sampler check: " in log and "pre-training: " in log  # a note, the bar


def test_a_run_here_keeps_its_notes_and_error_in_log_txt(tmp_path, isolated_workspace,
                                                         monkeypatch):
    import sys

    from tqdm import tqdm

    from braid_core import pipeline

    def execute(workspace, run, on_step, on_phase=None):
        for step in (1, 2, 3):
            on_step(step, {"loss": 1.0 / step})
        tqdm.write("a note for the user", file=sys.stderr)  # as Reporter.note writes
        if run.config["seed"] == 1:
            raise ValueError("the data went bad")
        if run.config["seed"] == 2:
            raise RuntimeError("a bug")
        (run.path / "prior").mkdir()  # what `braid prior train` copies to --out
        return {"designs": 3}

    monkeypatch.setattr(pipeline, "execute", execute)
    data = write_sequences(tmp_path / "d.csv", 40, 6, "ACGT")
    common = ["prior", "train", "--data", str(data), "--out", str(tmp_path / "p")]
    assert runner.invoke(app, [*common, "--max-minutes", "0.01"]).exit_code == 0
    assert runner.invoke(app, [*common, "--seed", "1"]).exit_code == 1
    assert isinstance(runner.invoke(app, [*common, "--seed", "2"]).exception, RuntimeError)
    workspace = Workspace(isolated_workspace)
    done, failed, crashed = sorted(workspace.list_runs(), key=lambda r: r.config["seed"])
    log = (workspace.run_path(done.id) / "log.txt").read_text()
    assert "\r" not in log and "a note for the user\n" in log
    # off a terminal (as here) the bar's first and last states as lines, not each redraw
    assert log.count("pre-training: ") == 2
    failed_log = (workspace.run_path(failed.id) / "log.txt").read_text()
    assert failed_log.endswith("error: the data went bad\n")
    shown = runner.invoke(app, ["runs", "show", failed.id])
    assert "log (end):" in shown.output and "error: the data went bad" in shown.output
    crash_log = (workspace.run_path(crashed.id) / "log.txt").read_text()
    assert "Traceback" in crash_log and crash_log.endswith("RuntimeError: a bug\n")


def test_a_bad_file_is_refused_with_the_data_error_and_no_run(tmp_path, isolated_workspace):
    bad = tmp_path / "bad.csv"
    bad.write_text("sequence\nACGT\nAC\nACGT\n")
    result = runner.invoke(app, ["prior", "train", "--data", str(bad), "--out",
                                 str(tmp_path / "prior")])
    assert result.exit_code == 1
    assert "bad.csv" in result.output and "Traceback" not in result.output
    assert "row 2" in result.output, result.output
    # Read before the run is recorded (a job reading a file gone bad since still fails its
    # run with the error: tests/pipeline/test_pipeline_launch.py)
    assert Workspace(isolated_workspace).list_runs() == []


def test_off_a_terminal_a_bar_writes_whole_lines_seldom_and_notes_stay_on_theirs(monkeypatch):
    import io
    import sys
    import time

    from tqdm import tqdm

    from braid_core.cli.local_runs import LOG_BAR_SECONDS, TimeBar

    log = io.StringIO()  # not a terminal, as `braid design ... 2> design.log`
    monkeypatch.setattr(sys, "stderr", log)
    with TimeBar(60, "design") as bar:
        for step in range(1, 6):
            time.sleep(0.12)  # past tqdm's own 0.1 s between redraws
            bar.update(step, {"loss": 1.0 / step})
            if step == 3:
                tqdm.write("drew only 39 distinct designs", file=sys.stderr)
    lines = log.getvalue().split("\n")
    assert "\r" not in log.getvalue() and "drew only 39 distinct designs" in lines
    bars = [line for line in lines if line.startswith("design: ")]
    assert LOG_BAR_SECONDS >= 30 and len(bars) == 2, lines  # its start and its end, no redraws
    assert "step=5" in bars[-1]


def test_each_phase_has_a_bar_of_its_own_named_and_closed_before_its_notes(monkeypatch):
    # `braid design` labelled one bar "braid-bonus" for every phase, its step count restarting
    # unnamed, in "s/s"; `braid reward train` printed the fit's notes above its progress line.
    import io
    import sys

    from tqdm import tqdm

    from braid_core.cli.local_runs import PhasedBar

    log = io.StringIO()  # not a terminal
    monkeypatch.setattr(sys, "stderr", log)
    with PhasedBar("braid-bonus", total_seconds=60) as bar:
        for phase in ("pre-training", "reward model"):
            bar.phase(phase)
            bar.update(1, {"loss": 0.5})
            bar.phase(None)
            tqdm.write(f"a note on {phase}", file=sys.stderr)
        bar.phase("drawing designs")  # reports no steps: opened and closed, on one line
    lines = [line for line in log.getvalue().split("\n") if line]
    labels = [line.split(":")[0] for line in lines]
    assert labels == ["pre-training", "pre-training", "a note on pre-training", "reward model",
                      "reward model", "a note on reward model", "drawing designs"], lines
    assert "braid-bonus" not in log.getvalue() and "s/s" not in log.getvalue()
    assert "0/60 s of the time budget" in lines[0]


def test_a_phase_counts_its_own_units_of_its_own_total(monkeypatch):
    # `braid finetune` showed "fine-tuning: 5step" with no total, and "drawing designs: 0step"
    # at both ends of the draw: the designs drawn reached no bar.
    import io
    import sys

    from braid_core.cli.local_runs import PhasedBar

    log = io.StringIO()  # not a terminal
    monkeypatch.setattr(sys, "stderr", log)
    with PhasedBar("fine-tuning") as bar:
        bar.phase("fine-tuning", 5)
        bar.update(5, {"loss": 0.5})
        bar.phase("drawing designs", 512, "design")
        bar.update(512, {})
        bar.update(1024, {})  # drawn past the pool's size to find enough distinct designs
    lines = [line for line in log.getvalue().split("\n") if line]
    assert lines[0].startswith("fine-tuning:   0%") and "0/5 " in lines[0]
    assert "5/5 " in lines[1] and "loss=0.5" in lines[1]
    assert "0/512 " in lines[2] and "1024/1024 " in lines[3] and "design/s" in lines[3]
    assert "step" not in lines[3]

    log.truncate(0)
    log.seek(0)
    with PhasedBar("braid-bonus", total_seconds=60) as bar:  # `braid design`: the budget's bar
        bar.phase("drawing designs", 512, "design")
        bar.update(384, {})
    assert "designs=384" in log.getvalue() and "60 s of the time budget" in log.getvalue()


def test_off_a_terminal_a_bar_closed_where_its_last_line_left_it_adds_no_copy():
    # `braid design 2> log` wrote "pre-training: 52%| 31/60 s ..." twice: the 30 s line, then
    # the same line again as the bar closed
    import io

    from braid_core.cli.local_runs import BarLines

    log = io.StringIO()
    lines = BarLines(log)
    for text in ("\rpre-training: 52% 31/60 s  ", "\rpre-training: 52% 31/60 s", "\n",
                 "\rpre-training: 80% 48/60 s"):
        lines.write(text)
    assert log.getvalue().splitlines() == ["pre-training: 52% 31/60 s",
                                           "pre-training: 80% 48/60 s"]


def test_ctrl_c_before_a_run_starts_exits_130_and_says_so(tmp_path, isolated_workspace,
                                                                monkeypatch):
    from braid_core import data as data_module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt  # Ctrl-C while a large file is read, before any run exists

    monkeypatch.setattr(data_module, "check_designs", interrupted)
    data = write_sequences(tmp_path / "d.csv", 40, 6, "ACGT")
    result = runner.invoke(app, ["data", "check", str(data)])
    # 130 as during a run (not 1, a refused file's), and said: it was a bare exit.
    assert result.exit_code == 130, result.output
    assert "interrupted (Ctrl-C); nothing was written" in result.output
    assert "Aborted" not in result.output and "Traceback" not in result.output
    assert Workspace(isolated_workspace).list_runs() == []
