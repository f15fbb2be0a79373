"""--name on the commands that record a run, and the sample runs of `braid sample` and
`braid prior sample` (braid_core/cli/local_runs.py, sampling.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from cli_files import runner, write_bundle_configs, write_sequences

from braid_core.cli import app
from braid_core.runs import Workspace

RUN_MAKERS = [["design"], ["prior", "train"], ["prior", "sample"], ["reward", "train"],
              ["finetune"], ["sample"]]


def test_every_command_that_records_a_run_takes_a_name_and_no_other_does():
    for command in RUN_MAKERS:
        text = " ".join(runner.invoke(app, [*command, "--help"]).output.split())
        assert "--name NAME A name for the run, shown by `braid runs list` and the dashboard's " \
               "Runs page" in text, command
    for command in (["data", "merge"], ["data", "check"], ["task", "export"]):
        assert "--name" not in runner.invoke(app, [*command, "--help"]).output, command


@pytest.mark.parametrize(("name", "said"), [
    ("", "a run's name cannot be empty (leave it out for a run without one)"),
    ("x" * 61, "a run's name is at most 60 characters"),
    ("two\nlines", "a run's name is one line of printable characters")])
def test_a_bad_name_is_a_usage_error_before_any_run(tmp_path, isolated_workspace, name, said):
    data = write_sequences(tmp_path / "d.csv", 40, 6, "ACGT")
    prior, reward = write_bundle_configs(tmp_path)
    out = str(tmp_path / "out.csv")
    for args in (["design", "--unlabeled", str(data), "--offline", str(data), "--out", out],
                 ["prior", "sample", "--prior", str(prior), "--num", "3", "--out", out],
                 ["finetune", "--prior", str(prior), "--reward", str(reward), "--out",
                  str(tmp_path / "f")]):
        result = runner.invoke(app, [*args, "--name", name])
        assert result.exit_code == 2, result.output
        assert f"Invalid value for '--name': {said}" in " ".join(result.output.split())
    assert Workspace(isolated_workspace).list_runs() == []


def test_a_named_run_is_listed_shown_and_sampled_as_a_run_made_from_it(tmp_path,
                                                                     isolated_workspace):
    data = write_sequences(tmp_path / "d.csv", 60, 6, "ACGT")
    trained = runner.invoke(app, ["prior", "train", "--data", str(data), "--alphabet", "dna",
                                  "--max-minutes", "0.005", "--out", str(tmp_path / "p"),
                                  "--threads", "1", "--name", "  dna prior "])
    assert trained.exit_code == 0, trained.output
    workspace = Workspace(isolated_workspace)
    [prior] = workspace.list_runs()
    assert prior.name == "dna prior"  # without the spaces around it, as the dashboard keeps it
    listed = runner.invoke(app, ["runs", "list"]).output.splitlines()[1]
    assert listed.split()[1:6] == ["prior", "done", "-", "dna", "prior"], listed
    shown = runner.invoke(app, ["runs", "show", "dna prior"])
    assert shown.output.startswith(f"run {prior.id} (prior, dna prior): done"), shown.output
    # typed in another case: found where no name matches exactly
    shown = runner.invoke(app, ["runs", "show", "DNA Prior"])
    assert shown.output.startswith(f"run {prior.id} (prior, dna prior): done"), shown.output

    # Sampling the run's own prior is a run made from it; a name already used is kept, and
    # said, since the name alone no longer picks one run.
    out = tmp_path / "samples.csv"
    sampled = runner.invoke(app, ["prior", "sample", "--prior",
                                  str(workspace.run_path(prior.id) / "prior"), "--num", "9",
                                  "--seed", "4", "--out", str(out), "--name", "dna prior"])
    assert sampled.exit_code == 0, sampled.output
    assert (f"note: run {prior.id} is named 'dna prior' too; `braid runs show` and the other "
            "runs commands take an id to tell them apart") in " ".join(sampled.output.split())
    [sample] = workspace.list_runs(kind="sample")
    assert (sample.name, sample.status, sample.parents) == ("dna prior", "done", (prior.id,))
    assert sample.config["num"] == 9 and sample.config["seed"] == 4
    assert sample.summary == {"designs": 9, "space": "sequences of length 6 over dna"}
    kept = pd.read_csv(workspace.run_path(sample.id) / "designs.csv")
    assert kept.equals(pd.read_csv(out)) and len(kept) == 9  # the run's copy is what --out got
    shown = runner.invoke(app, ["runs", "show", sample.id[-4:]]).output
    assert f"run {sample.id} (sample, dna prior): done" in shown
    assert f"made from {prior.id} (dna prior)\n" in shown and "designs: 9" in shown
    assert "drawing designs: 100%" in shown  # the bar's last state, in log.txt
    twins = runner.invoke(app, ["runs", "show", "dna prior"])
    assert twins.exit_code == 1 and "2 runs in" in twins.output
    assert "sample" in runner.invoke(app, ["runs", "list", "--kind", "sample"]).output

    # A merge writes a data file and records nothing: data sets are not runs (the dashboard's
    # own "Add designs" keeps its merge as an upload, not a run).
    measured = write_sequences(tmp_path / "round2.csv", 10, 6, "ACGT", seed=1)
    merged = runner.invoke(app, ["data", "merge", str(data), str(measured), "--out",
                                 str(tmp_path / "d2.csv")])
    assert merged.exit_code == 0, merged.output
    assert len(workspace.list_runs()) == 2
