"""Measured values all alike: `braid reward train` and `braid design` refuse them before any
run (a tester's file of 150 values of 1 was fitted, pearson nan, and designed from for the
whole budget), except `braid design --method pretrained`, which keeps designs as drawn."""

from __future__ import annotations

import json
import random

import pandas as pd
from cli_files import runner, write_sequences

from braid_core.cli import app
from braid_core.runs import Workspace


def write_constant(path, num=60):
    rng = random.Random(2)
    rows = ["".join(rng.choice("ACGT") for _ in range(8)) for _ in range(num)]
    pd.DataFrame({"sequence": rows, "value": 1}).to_csv(path, index=False)
    return path


def test_values_all_alike_are_refused_before_any_run_where_a_reward_model_is_fitted(
        tmp_path, isolated_workspace):
    constant = write_constant(tmp_path / "const.csv")
    unlabeled = write_sequences(tmp_path / "u.csv", 100, 8, "ACGT", seed=1)
    said = ("const.csv: all 60 labeled designs have the value 1, so no reward can be learned "
            "from them")
    fitted = runner.invoke(app, ["reward", "train", "--data", str(constant),
                                 "--out", str(tmp_path / "rw")])
    designed = runner.invoke(app, ["design", "--unlabeled", str(unlabeled), "--offline",
                                   str(constant), "--method", "braid-bonus",
                                   "--out", str(tmp_path / "d.csv")])
    for result in (fitted, designed):
        assert result.exit_code == 1, result.output
        words = " ".join(result.output.split())
        assert said in words and "`braid design --method pretrained`" in words
    assert Workspace(isolated_workspace).list_runs() == []
    assert not (tmp_path / "rw").exists()


def test_the_pretrained_method_keeps_the_designs_as_drawn_from_values_all_alike(
        tmp_path, isolated_workspace):
    constant = write_constant(tmp_path / "const.csv")
    unlabeled = write_sequences(tmp_path / "u.csv", 100, 8, "ACGT", seed=1)
    out = tmp_path / "d.csv"
    result = runner.invoke(app, ["design", "--unlabeled", str(unlabeled), "--offline",
                                 str(constant), "--method", "pretrained", "--num-designs", "8",
                                 "--max-minutes", "0.05", "--alphabet", "dna", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert ("all measured designs have the value 1: no reward can be learned from them, so the "
            "8 designs are kept as the prior draws them") in " ".join(result.output.split())
    [run] = Workspace(isolated_workspace).list_runs()
    config = json.loads((Workspace(isolated_workspace).run_path(run.id)
                         / "config.json").read_text())
    assert config["pool_size"] == 8 and run.summary["pool_size"] == 8  # no pool ranked
    assert len(pd.read_csv(out)) == 8
