"""--name on the commands that record a run (braid_core/cli/options.py, local_runs.py)."""

from __future__ import annotations

import pytest
from cli_files import runner, write_bundle_configs, write_sequences

from braid_core.cli import app
from braid_core.runs import Workspace

RUN_MAKERS = [["design"], ["prior", "train"], ["reward", "train"], ["finetune"]]


def test_every_command_that_records_a_run_takes_a_name_and_no_other_does():
    for command in RUN_MAKERS:
        text = " ".join(runner.invoke(app, [*command, "--help"]).output.split())
        assert "--name NAME A name for the run, shown by `braid runs list` and the dashboard's " \
               "Runs page" in text, command
    for command in (["data", "merge"], ["data", "check"], ["task", "export"], ["sample"],
                    ["prior", "sample"]):
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
                 ["prior", "train", "--data", str(data), "--out", str(tmp_path / "p")],
                 ["finetune", "--prior", str(prior), "--reward", str(reward), "--out",
                  str(tmp_path / "f")]):
        result = runner.invoke(app, [*args, "--name", name])
        assert result.exit_code == 2, result.output
        assert f"Invalid value for '--name': {said}" in " ".join(result.output.split())
    assert Workspace(isolated_workspace).list_runs() == []


def test_a_named_run_is_listed_and_shown_by_its_name(tmp_path, isolated_workspace):
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

