"""Explore with runs of several design spaces picked: said plainly, and no FASTA of vectors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from dashboard_runs import APP
from streamlit.testing.v1 import AppTest

from braid_core.runs import Workspace
from dashboard import design_spaces, exports

DNA = {"kind": "sequence", "alphabet": "ACGT", "length": 12}
VECTORS = {"kind": "vector", "dim": 6}


def design_run(workspace: Workspace, space: dict, table: pd.DataFrame) -> str:
    """A finished design run as a job leaves it: its prior and reward model saying the space
    (no weights: the page reads none), its designs."""
    run = workspace.create_run("design", {"method": "braid-bonus", "c": 0.5, "alpha": 0.1,
                                          "seed": 0})
    for what, fmt in (("prior", "braid-prior"), ("reward", "braid-reward")):
        (run.path / what).mkdir()
        (run.path / what / "config.json").write_text(json.dumps({"format": fmt,
                                                                 "space": space}))
    rng = np.random.default_rng(len(workspace.list_runs()))
    mean, spread = rng.random(len(table)), rng.random(len(table)) * 0.3
    run.write_designs(table.assign(predicted_mean=mean, uncertainty=spread,
                                   conservative_score=mean - 0.5 * spread))
    workspace.set_status(run.id, "running")
    workspace.set_status(run.id, "done")
    return run.id


def dna_table(seed: int, n: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"sequence": ["".join(rng.choice(list("ACGT"), 12)) for _ in range(n)]})


def vector_table(n: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(9)
    return pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"x{i}" for i in range(6)])


@pytest.fixture
def mixed(workspace: Workspace) -> tuple[str, str, str]:
    """The tester's pick: a vector run and two DNA runs."""
    return (design_run(workspace, VECTORS, vector_table()),
            design_run(workspace, DNA, dna_table(1)), design_run(workspace, DNA, dna_table(2)))


def open_explore(runs: tuple[str, ...]) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.switch_page("app_pages/explore.py")
    at.query_params["run"] = ",".join(runs)
    at.run()
    assert not at.exception, at.exception
    return at


def downloads(at: AppTest) -> set[str]:
    return {button.proto.label for button in at.get("download_button")}


def test_runs_of_several_design_spaces_are_said_and_get_no_fasta(workspace, mixed):
    vectors, dna, other_dna = mixed
    at = open_explore(mixed)
    # Only "scored by 3 different reward models" was said; that the designs differ was not.
    (warning,) = at.warning
    assert warning.value.startswith("These runs designed in 2 different design spaces (")
    assert f"vectors of dimension 6: [{vectors[-4:]}]" in warning.value
    assert (f"sequences of length 12 over dna: [{dna[-4:]}], [{other_dna[-4:]}]"
            in warning.value)
    # The FASTA had 8 records whose sequence line was "nan": it is not offered now.
    assert downloads(at) == {"Download CSV", "Download run configs (JSON)"}
    assert any("No FASTA: vector designs are among these" in c.value for c in at.caption)
    # The DNA runs alone: one space (two reward models, as that warning says), FASTA back.
    at = open_explore((dna, other_dna))
    (warning,) = at.warning
    assert warning.value.startswith("These runs were scored by 2 different reward models")
    assert "Download FASTA" in downloads(at)


def test_a_run_whose_models_are_gone_is_placed_by_its_designs(workspace, mixed):
    vectors, dna, _ = mixed
    for what in ("prior", "reward"):
        (workspace.run_path(vectors) / what / "config.json").unlink()
    tables = {vectors: vector_table(), dna: dna_table(1)}
    groups = design_spaces.runs_by_space([workspace.record(vectors), workspace.record(dna)],
                                         workspace, tables)
    assert groups == {"vectors of dimension 6": [vectors],
                      "sequences of length 12 over dna": [dna]}


def test_fasta_never_holds_a_design_without_a_sequence():
    mixed = pd.concat([dna_table(1, n=3), vector_table(n=2)], ignore_index=True)
    assert not exports.all_sequences(mixed)
    with pytest.raises(ValueError, match="2 of 5 have none"):
        exports.designs_fasta(mixed)
    records = exports.designs_fasta(dna_table(1, n=3)).decode().splitlines()
    assert len(records) == 6 and "nan" not in records[1::2]


def test_a_run_of_named_vector_columns_is_shown_and_placed_by_those_columns(workspace):
    names = ["temperature", "pH", "salt_mM"]
    space = {"kind": "vector", "dim": 3, "names": names}
    table = pd.DataFrame(np.random.default_rng(3).normal(size=(8, 3)), columns=names)
    run = design_run(workspace, space, table)
    at = open_explore((run,))
    shown = at.dataframe[0].value
    assert set(names) <= set(shown.columns) and not {"x0", "x1"} & set(shown.columns)
    assert downloads(at) == {"Download CSV", "Download run configs (JSON)"}
    # Its models gone: placed by its designs' columns, not by a name x0, x1, ...
    for what in ("prior", "reward"):
        (workspace.run_path(run) / what / "config.json").unlink()
    scored = table.assign(predicted_mean=0.5, uncertainty=0.1, conservative_score=0.45,
                          novelty=1.5)
    groups = design_spaces.runs_by_space([workspace.record(run)], workspace, {run: scored})
    assert groups == {"vectors of dimension 3": [run]}
