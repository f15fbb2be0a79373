"""In a real browser: the designs' downloads are named after their runs (every one was
designs.csv, so a second download overwrote the first), a sequence design's novelty is a
whole number in Explore's CSV (as the command line writes it), and the download buttons sit
side by side (in a column each, Download FASTA sat a column's width from Download CSV)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_e2e import no_exception, settle

from braid_core.runs import Workspace

pytestmark = [pytest.mark.browser, pytest.mark.slow]
GAP = 40  # px at most between two buttons side by side (Streamlit's small gap is 16)


def finished_run(root: Path, kind: str, name: str | None, novelty: bool) -> str:
    """A finished run of `kind` with six 12-letter designs (with novelty, or none)."""
    workspace = Workspace(root)
    run = workspace.create_run(kind, {"c": 0.5, "alpha": 0.1, "seed": 0}, name=name)
    rng = np.random.default_rng(len(workspace.list_runs()))
    table = pd.DataFrame({"sequence": ["".join(rng.choice(list("ACGT"), 12)) for _ in range(6)],
                          "predicted_mean": rng.random(6), "uncertainty": rng.random(6) * 0.3})
    if novelty:
        table["novelty"] = rng.integers(3, 9, 6)
    run.write_designs(table)
    workspace.set_status(run.id, "running")
    workspace.set_status(run.id, "done")
    return run.id


def download(page, label: str):
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    return info.value


def side_by_side(page, labels: list[str]) -> None:
    boxes = [page.get_by_role("button", name=label).bounding_box() for label in labels]
    for i in range(1, len(labels)):
        left, right, first, second = labels[i - 1], labels[i], boxes[i - 1], boxes[i]
        assert abs(first["y"] - second["y"]) < 1, f"{left} and {right} are not in one row"
        gap = second["x"] - (first["x"] + first["width"])
        assert 0 <= gap <= GAP, f"{right} sits {gap:.0f} px from {left}"


def test_downloads_are_named_after_their_runs_and_sit_side_by_side(page, workspace_root):
    named = finished_run(workspace_root, "finetune", "rna-ft", novelty=True)
    unnamed = finished_run(workspace_root, "finetune", None, novelty=False)
    page.goto(f"/explore?run={named},{unnamed}")
    page.get_by_text("designs to download").wait_for()
    settle(page)
    no_exception(page)
    side_by_side(page, ["Download CSV", "Download FASTA", "Download run configs (JSON)"])
    table = download(page, "Download CSV")
    assert table.suggested_filename == f"designs-rna-ft+{unnamed}.csv"
    rows = list(csv.DictReader(io.StringIO(Path(table.path()).read_text())))
    # The unnamed run has no novelty: joined with it, the other's read 5.0 for 5.
    novelties = [row["novelty"] for row in rows if row["run"] == named]
    assert len(novelties) == 6 and all(n.isdigit() for n in novelties), novelties
    assert {row["novelty"] for row in rows if row["run"] == unnamed} == {""}
    assert download(page, "Download FASTA").suggested_filename == (
        f"designs-rna-ft+{unnamed}.fasta")
    assert download(page, "Download run configs (JSON)").suggested_filename == (
        f"configs-rna-ft+{unnamed}.json")

    finished_run(workspace_root, "design", "dash-rna", novelty=True)
    page.goto("/design")
    page.get_by_role("button", name="Download FASTA").wait_for()
    settle(page)
    no_exception(page)
    side_by_side(page, ["Download CSV", "Download FASTA"])
    assert download(page, "Download CSV").suggested_filename == "designs-dash-rna.csv"
