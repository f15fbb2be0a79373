"""Pipeline steps as real background jobs in a workspace."""

from __future__ import annotations

import json
import time

from pipeline_files import write_sequences

from braid_core import jobs, pipeline
from braid_core.runs import Workspace


def test_a_prior_job_runs_in_the_background_and_leaves_its_artifacts(tmp_path,
                                                                      isolated_workspace):
    workspace = Workspace(isolated_workspace)
    data = write_sequences(tmp_path / "u.csv")
    config = pipeline.prior_config(data, alphabet="dna", max_minutes=0.02)
    run_id = pipeline.start(workspace, "prior", config)
    assert jobs.wait(workspace, run_id, timeout=120) == "done", (
        workspace.get(run_id).log_path.read_text())
    run = workspace.get(run_id)
    assert (run.path / "prior" / "model.safetensors").is_file()
    assert run.read_metrics(), "the job reported no progress rows"
    assert run.read_progress()["fraction"] > 0
    # A job with nothing to note left an empty log: it says when it started and ended.
    log = run.log_path.read_text().splitlines()
    assert log[0].endswith(f"prior run {run_id} started") and log[-1].startswith("done in ")
    summary = workspace.record(run_id).summary
    assert 90 <= summary["designs"] <= 100  # duplicates merged
    # The sampler's noise was calibrated, and the saved prior samples with the kept value.
    saved = json.loads((run.path / "prior" / "config.json").read_text())["config"]
    assert saved["position_noise"] == summary["position_noise"]
    assert "1" in summary["diversity_ratio"]


def test_a_job_on_a_bad_file_fails_with_the_data_error(tmp_path, isolated_workspace):
    workspace = Workspace(isolated_workspace)
    bad = tmp_path / "bad.csv"
    bad.write_text("sequence\nACGT\nACGZ\n")
    run_id = pipeline.start(workspace, "prior", pipeline.prior_config(bad, alphabet="dna"))
    assert jobs.wait(workspace, run_id, timeout=120) == "failed"
    error = workspace.record(run_id).error
    assert "bad.csv" in error and "Z" in error


def test_a_long_job_can_be_cancelled_and_keeps_what_it_wrote(tmp_path, isolated_workspace):
    workspace = Workspace(isolated_workspace)
    data = write_sequences(tmp_path / "u.csv", num=400)
    run_id = pipeline.start(workspace, "prior", pipeline.prior_config(data, max_minutes=5))
    run = workspace.get(run_id)
    for _ in range(600):  # wait for the first metric rows (imports take a few seconds)
        if run.read_metrics():
            break
        time.sleep(0.1)
    assert run.read_metrics()
    assert jobs.cancel(workspace, run_id) == "cancelled"
    assert jobs.status(workspace, run_id) == "cancelled"
    assert run.read_metrics()
