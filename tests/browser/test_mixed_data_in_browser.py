"""In a real browser: runs and files of different kinds. Explore's FASTA holds sequences only
(a vector run among DNA runs gave records whose sequence was "nan"), and an Excel workbook
reaches the data check instead of being stopped by the uploader, which left the last file's
error on screen."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_e2e import no_exception, settle

from braid_core.runs import Workspace

pytestmark = [pytest.mark.browser, pytest.mark.slow]
BAD_VALUE = b"sequence,value\nACGTACGTACGT,1.0\nTTGATTGATTGA,high\nGGCAGGCAGGCA,3.0\n"


def design_run(root: Path, space: dict, table: pd.DataFrame) -> str:
    """A finished design run: its models' config.json saying the space, and its designs."""
    workspace = Workspace(root)
    run = workspace.create_run("design", {"method": "braid-bonus", "c": 0.5, "alpha": 0.1,
                                          "seed": 0})
    for what in ("prior", "reward"):
        (run.path / what).mkdir()
        (run.path / what / "config.json").write_text(json.dumps({"format": f"braid-{what}",
                                                                 "space": space}))
    rng = np.random.default_rng(len(workspace.list_runs()))
    run.write_designs(table.assign(predicted_mean=rng.random(len(table)),
                                   uncertainty=rng.random(len(table)) * 0.3))
    workspace.set_status(run.id, "running")
    workspace.set_status(run.id, "done")
    return run.id


def test_explore_offers_fasta_only_for_sequences(page, workspace_root: Path):
    rng = np.random.default_rng(0)
    dna = [design_run(workspace_root, {"kind": "sequence", "alphabet": "ACGT", "length": 12},
                      pd.DataFrame({"sequence": ["".join(rng.choice(list("ACGT"), 12))
                                                 for _ in range(6)]}))
           for _ in range(2)]  # fmt: skip
    vectors = design_run(workspace_root, {"kind": "vector", "dim": 3},
                         pd.DataFrame(rng.normal(size=(6, 3)), columns=["x0", "x1", "x2"]))
    page.goto("/explore?run=" + ",".join([vectors, *dna]))
    page.get_by_text("designs to download").wait_for()
    settle(page)
    no_exception(page)
    assert page.get_by_text("These runs designed in 2 different design spaces").count() == 1
    page.get_by_role("button", name="Download CSV").wait_for()  # the buttons are drawn
    assert page.get_by_role("button", name="Download FASTA").count() == 0
    assert page.get_by_text("No FASTA: vector designs are among these").count() == 1
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    table = pd.read_csv(download.value.path())
    assert len(table) == 18 and set(table["run"]) == {vectors, *dna}  # all, each its run's

    page.goto("/explore?run=" + ",".join(dna))
    page.get_by_text("designs to download").wait_for()
    settle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download FASTA").click()
    lines = Path(download.value.path()).read_text().splitlines()
    assert len(lines) == 24 and all(line.startswith(">") for line in lines[::2])
    assert all(set(line) <= set("ACGT") and len(line) == 12 for line in lines[1::2]), lines


def test_a_workbook_replaces_the_last_files_error_with_its_own(page, tmp_path: Path):
    bad, workbook = tmp_path / "text_value.csv", tmp_path / "excel.xlsx"
    bad.write_bytes(BAD_VALUE)
    workbook.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)  # a zip, as a workbook is
    page.goto("/")
    page.get_by_text("Upload a design table").wait_for()
    settle(page)
    upload = page.locator("input[type=file]").first
    upload.set_input_files(str(bad))
    page.get_by_text("text_value.csv was not loaded").wait_for()
    upload.set_input_files(str(workbook))
    page.get_by_text("excel.xlsx was not loaded").wait_for()
    settle(page)
    errors = page.get_by_test_id("stAlertContentError")
    assert errors.count() == 1 and "text_value" not in errors.inner_text()
    no_exception(page)
