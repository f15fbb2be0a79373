"""`braid design`: the whole pipeline in one command, and what it refuses before any run."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from cli_files import runner, write_labeled, write_sequences

from braid_core.cli import app
from braid_core.runs import Workspace


@pytest.mark.parametrize(("method", "network"), [("braid-boot", "auto"), ("proxy", "dilated"),
                                                 ("braid-bonus", "average")])
def test_design_runs_the_whole_pipeline_within_its_budget(tmp_path, isolated_workspace, method,
                                                          network):
    unlabeled = write_sequences(tmp_path / "unlabeled.csv", 300, 8, "ACGT", seed=1)
    offline = write_labeled(tmp_path / "offline.csv", 200)
    out = tmp_path / "designs.csv"
    result = runner.invoke(app, [
        "design", "--unlabeled", str(unlabeled), "--offline", str(offline), "--alphabet", "dna",
        "--method", method, "--num-designs", "16", "--max-minutes", "0.2", "--out", str(out),
        "--reward-network", network,
    ])
    assert result.exit_code == 0, result.output
    # The reward model the run fitted: both shapes ("auto" keeps one, "average" both) or the
    # named one alone.
    workspace = Workspace(isolated_workspace)
    [run] = workspace.list_runs()
    saved = json.loads((workspace.run_path(run.id) / "reward" / "config.json").read_text())
    saved = saved["config"]
    assert len(saved["alternatives"]) == (1 if network in ("auto", "average") else 0)
    assert saved["combine"] == ("average" if network == "average" else "choose")
    # The fit is held to a share of what pre-training left of the 0.2 minutes
    assert 0 < saved["max_minutes"] <= 0.5 * 0.2
    # U holds one design twice; pre-training reads U again, and the warning is said once
    assert result.output.count("unlabeled.csv: 1 design appears more than once") == 1
    designs = pd.read_csv(out)
    assert len(designs) == 16
    assert {"sequence", "predicted_mean", "uncertainty", "conservative_score"} <= set(designs)
    distinct = designs["sequence"].nunique()  # the best distinct designs come first
    assert designs["sequence"][:distinct].is_unique
    assert designs["repeat"].tolist() == designs["sequence"].duplicated().tolist()
    assert designs["conservative_score"][:distinct].is_monotonic_decreasing
    assert designs["sequence"].str.len().eq(8).all()


def refused_dna_design(tmp_path, workspace, unlabeled, offline) -> str:
    """`braid design` on DNA files, refused (exit 1) before any run: its output, one line."""
    result = runner.invoke(app, ["design", "--unlabeled", str(unlabeled), "--offline",
                                 str(offline), "--alphabet", "dna", "--out",
                                 str(tmp_path / "x.csv")])
    assert result.exit_code == 1, result.output
    assert Workspace(workspace).list_runs() == []
    return " ".join(result.output.split())


def test_design_refuses_designs_in_two_spaces_before_any_run(tmp_path, isolated_workspace):
    unlabeled = write_sequences(tmp_path / "unlabeled.csv", 50, 6, "ACGT")
    offline = write_labeled(tmp_path / "offline.csv", 50)
    said = refused_dna_design(tmp_path, isolated_workspace, unlabeled, offline)
    assert (f"not in the same space: {unlabeled} holds sequences of length 6 over dna, "
            f"{offline} sequences of length 8 over dna") in said


def test_design_refuses_an_unknown_method_before_any_work(tmp_path):
    data = write_labeled(tmp_path / "d.csv", 20)
    result = runner.invoke(app, ["design", "--unlabeled", str(data), "--offline", str(data),
                                 "--method", "magic", "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 1
    assert "magic" in result.output and "braid-boot" in result.output
    shape = runner.invoke(app, ["design", "--unlabeled", str(data), "--offline", str(data),
                                "--reward-network", "huge", "--out", str(tmp_path / "x.csv")])
    assert shape.exit_code == 1 and "'huge'" in shape.output and "dilated" in shape.output


@pytest.mark.parametrize(("task", "said"), [
    ("nope", "unknown task 'nope'"), ("8:3:0", "do not fit in length 8"),
    ("ehrlich-20-32", "the oracle ehrlich-20-32 scores sequences of length 32 over protein, but "
     "the offline designs are sequences of length 8 over dna: give the task the designs come "
     "from")])
def test_design_refuses_an_unknown_oracle_task_before_any_run(tmp_path, isolated_workspace,
                                                              task, said):
    data = write_labeled(tmp_path / "d.csv", 20)
    result = runner.invoke(app, ["design", "--unlabeled", str(data), "--offline", str(data),
                                 "--task", task, "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 1
    assert said in result.output and "Traceback" not in result.output
    assert Workspace(isolated_workspace).list_runs() == []  # nothing started, nothing recorded


def test_design_refuses_too_few_labeled_designs_before_any_run(tmp_path, isolated_workspace):
    unlabeled = write_sequences(tmp_path / "unlabeled.csv", 50, 8, "ACGT")
    offline = write_labeled(tmp_path / "offline.csv", 7)
    said = refused_dna_design(tmp_path, isolated_workspace, unlabeled, offline)
    assert "7 labeled designs are too few to fit a reward model" in said


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="needs a machine without GPU")
def test_design_on_cuda_without_a_gpu_is_refused_before_any_run(tmp_path, isolated_workspace):
    # It recorded a run that failed at once; the device is checked where the run is made.
    unlabeled = write_sequences(tmp_path / "unlabeled.csv", 50, 8, "ACGT")
    offline = write_labeled(tmp_path / "offline.csv", 50)
    result = runner.invoke(app, ["design", "--unlabeled", str(unlabeled), "--offline",
                                 str(offline), "--alphabet", "dna", "--device", "cuda", "--out",
                                 str(tmp_path / "x.csv")])
    assert result.exit_code == 1, result.output
    assert ("--device: device 'cuda' was asked for, but no CUDA GPU is available here; give "
            "--device auto or cpu") in " ".join(result.output.split())
    assert Workspace(isolated_workspace).list_runs() == []


def test_one_sequence_column_named_for_the_labeled_file_leaves_the_unlabeled_one_its_own(
        tmp_path, isolated_workspace):
    # A tester's labeled file had Seq/Activity, the unlabeled one `sequence`: `--sequence-column
    # Seq` failed on the unlabeled file, with no hint.
    unlabeled = write_sequences(tmp_path / "unlabeled.csv", 100, 8, "ACGT", seed=1)
    labeled = tmp_path / "labeled.csv"
    pd.read_csv(write_labeled(tmp_path / "offline.csv", 60)).rename(
        columns={"sequence": "Seq", "value": "Activity"}).to_csv(labeled, index=False)
    result = runner.invoke(app, [
        "design", "--unlabeled", str(unlabeled), "--offline", str(labeled), "--alphabet", "dna",
        "--sequence-column", "Seq", "--value-column", "Activity", "--method", "pretrained",
        "--num-designs", "4", "--max-minutes", "0.05", "--out", str(tmp_path / "designs.csv")])
    assert result.exit_code == 0, result.output
    assert (f"note: --unlabeled {unlabeled} has no column 'Seq'; its designs are read from its "
            "column 'sequence'") in " ".join(result.output.split())
    [run] = Workspace(isolated_workspace).list_runs()
    assert run.config["unlabeled"]["sequence_column"] == "sequence"
    assert run.config["offline"]["sequence_column"] == "Seq"
