"""An upload's record never changes: the same designs uploaded again under another name are a
data set of their own; a value column the user named must be in the file, or nothing is
stored."""

from __future__ import annotations

import json
from pathlib import Path

from dashboard_runs import APP
from streamlit.testing.v1 import AppTest

from braid_core.runs import Workspace
from dashboard import catalog, uploads

UNLABELED_CSV = b"sequence\nACGUACGU\nUUGGAACC\nGGCCAAUU\nCAUGCAUG\n"
UNLABELED_FASTA = b">u0\nACGUACGU\n>u1\nUUGGAACC\n>u2\nGGCCAAUU\n>u3\nCAUGCAUG\n"
LABELED_TSV = b"sequence\tvalue\nACGUACGU\t1.2\nUUGGAACC\t0.4\nGGCCAAUU\t2.5\n"


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    return at.file_uploader(key="upload").set_value((name, data, "text/plain")).run()


def prior_run(workspace: Workspace, data: str) -> str:
    run = workspace.create_run("prior", {"data": {"path": data}})
    workspace.set_status(run.id, "running")
    workspace.set_status(run.id, "done")
    return run.id


def test_the_same_designs_in_another_format_leave_the_first_upload_and_its_runs_as_they_were(
        workspace):
    first = uploads.store_upload(workspace.root, UNLABELED_CSV, "rna_unlabeled.csv")
    record = Path(first.path).with_suffix(".json").read_text()
    run = prior_run(workspace, first.path)
    second = uploads.store_upload(workspace.root, UNLABELED_FASTA, "rna_unlabeled.fasta")
    # The FASTA landed on the CSV's path and rewrote its record: the CSV was gone from the
    # pickers and its run said "data: rna_unlabeled.fasta".
    assert second.path != first.path
    assert Path(first.path).with_suffix(".json").read_text() == record
    assert sorted(d.name for d in catalog.uploaded_datasets(workspace.root)) == [
        "rna_unlabeled.csv", "rna_unlabeled.fasta"]
    (prior,) = [p for p in catalog.priors(workspace) if p.run_id == run]
    assert prior.label == f"prior run {run} · data: rna_unlabeled.csv"
    # Each uploaded again under its own name is the same data set again, record untouched.
    assert uploads.store_upload(workspace.root, UNLABELED_CSV, "rna_unlabeled.csv") == first
    again = uploads.store_upload(workspace.root, UNLABELED_FASTA, "rna_unlabeled.fasta")
    assert again.path == second.path
    assert len(list((workspace.root / "uploads").glob("*.json"))) == 2


def test_an_upload_removed_and_uploaded_again_comes_back_under_its_first_record(workspace):
    first = uploads.store_upload(workspace.root, UNLABELED_CSV, "rna_unlabeled.csv")
    uploads.remove_upload(first)
    # The same designs under another name meanwhile: a data set of its own.
    other = uploads.store_upload(workspace.root, UNLABELED_FASTA, "rna_unlabeled.fasta")
    assert other.path != first.path
    assert catalog.removed(first.path)
    back = uploads.store_upload(workspace.root, UNLABELED_CSV, "rna_unlabeled.csv")
    assert back.path == first.path and not catalog.removed(first.path)
    meta = json.loads(Path(first.path).with_suffix(".json").read_text())
    assert meta["source"] == "rna_unlabeled.csv"


def test_a_value_column_not_in_the_file_is_refused_naming_the_file_and_its_columns(
        demo, workspace):
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.text_input(key="upload_value_column").set_value("fitness").run()
    upload(at, "rna_labeled.tsv", LABELED_TSV)
    # Loaded as "unlabeled, with 1 warning", the values unread.
    (error,) = at.error
    text = error.value.replace("\\", "")
    assert text.startswith("rna_labeled.tsv was not loaded; the data shown below is unchanged. "
                           "rna_labeled.tsv: no column 'fitness' with the values")
    assert "the columns are 'sequence', 'value'" in text
    assert "set the Value column field under Column options for uploads to 'value'" in text
    assert not (workspace.root / "uploads").exists()
    # Set as advised, the file still in the uploader is read again, with its values; the
    # field's default still reads a file without values as unlabeled.
    at.text_input(key="upload_value_column").set_value("value").run()
    upload(at, "rna_unlabeled.csv", UNLABELED_CSV)
    assert not at.error
    stored = {d.name: d.labeled for d in catalog.uploaded_datasets(workspace.root)}
    assert stored == {"rna_labeled.tsv": True, "rna_unlabeled.csv": False}


def test_designs_added_again_are_a_note_and_a_files_own_repeats_still_a_warning(workspace):
    base = uploads.store_upload(workspace.root, UNLABELED_CSV, "rna_unlabeled.csv")
    added = uploads.add_to_dataset(workspace.root, base,
                                   b"sequence\nACGUACGU\nAAAACCCC\nAAAACCCC\n", "more.csv")
    assert added.notes[-1] == "more.csv: 1 design already in rna_unlabeled.csv, kept once"
    # The file's own repeat (AAAACCCC twice) is still said as a warning, in the file's name;
    # the design both hold is not.
    (warning,) = added.warnings
    assert warning.startswith("more.csv: 1 design appears more than once")
    assert "ACGUACGU" not in warning


def test_the_same_designs_under_another_name_are_said_to_be_the_same(workspace):
    first = uploads.store_upload(workspace.root, UNLABELED_CSV, "rna_unlabeled.csv")
    assert not any("the same designs" in note for note in first.notes)
    second = uploads.store_upload(workspace.root, UNLABELED_FASTA, "rna_unlabeled.fasta")
    assert second.notes[-1] == ("rna_unlabeled.fasta: the same designs as the upload "
                                "rna_unlabeled.csv")
    third = uploads.store_upload(workspace.root, UNLABELED_FASTA, "copy.fasta")
    assert third.notes[-1] == ("copy.fasta: the same designs as the uploads "
                               "rna_unlabeled.csv, rna_unlabeled.fasta")
    # Other designs, or the same file stored again under its own name: no such note.
    assert uploads.store_upload(workspace.root, UNLABELED_CSV, "rna_unlabeled.csv") == first
    other = uploads.store_upload(workspace.root, UNLABELED_CSV[:-9], "fewer.csv")
    assert not any("the same designs" in note for note in other.notes)
