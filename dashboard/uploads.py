"""Storing uploads in the workspace (no Streamlit): checked, kept as canonical CSV files with
a JSON record each, combined with files of new measurements, and removed.

An upload is validated by `braid_core.data.read_designs_bytes` and, only if it passes, stored
as a canonical CSV (`sequence` or the vector columns as the file named them, and `value`) with
a small JSON record beside it, so jobs started from the dashboard or the CLI read it with
default options, and a failed upload changes nothing. A record, once written, is never
rewritten: runs made from the upload name it by its record. Removing an upload deletes its CSV
and keeps the record, so that those runs still name it (as removed).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

from braid_core.data import (
    DataWarning,
    OfflineData,
    combine_designs,
    options_like,
    read_designs,
    read_designs_bytes,
)
from braid_core.runs import atomic_write_text
from braid_core.spaces import SequenceSpace
from dashboard.catalog import UPLOADS, Dataset, uploaded_datasets

# What runs made from an upload rely on in its record; an upload of the same designs that
# differs in any of these is another data set.
IDENTITY = ("source", "labeled", "alphabet", "space", "task")


def store_upload(root: Path, data: bytes, filename: str, **options: Any) -> Dataset:
    """Validate an uploaded file and keep it in the workspace.

    Args:
        root: workspace root; the file goes to <root>/uploads/.
        data: the file's bytes; `filename` gives the format (.csv, .tsv, .fasta, .parquet).
        options: read_designs options (sequence_column, value_column, alphabet).
    Returns:
        The stored data set. A table with values where some rows have none (designs not
        measured) is stored twice: its measured rows with their values, returned, and all its
        rows as unlabeled designs, which the prior may train on.
    Raises:
        DataError naming the file, rows and problem; nothing is written then.
    """
    designs = read_designs_bytes(data, filename, **options, labeled_rows=True)
    everything = None
    if designs.report.rows_without_value:
        everything = read_designs_bytes(data, filename, value_column=None,
                                        **_same_columns(options, designs))  # fmt: skip
        whole = (f"{filename}: every row as an unlabeled design, measured or not; the "
                 f"{len(designs)} measured designs with their values are a data set too")
        everything = replace(everything, report=replace(
            everything.report, notes=(*everything.report.notes, whole)))
        also = (f"{filename}: all {len(everything)} designs, measured or not, are stored as "
                "an unlabeled data set too, for the prior (Design: pick it as the unlabeled "
                "designs)")
        designs = replace(designs, report=replace(
            designs.report, notes=(*designs.report.notes, also)))
    report = designs.report
    if report.columns_ignored:  # kept with the upload's notes: every session shows it
        unused = (f"{filename}: columns not used: {', '.join(report.columns_ignored)} (read: "
                  f"{', '.join(report.columns_used)}). They are not carried into the "
                  "workspace's copy of the data set, so no model or run sees them.")
        designs = replace(designs, report=replace(report, notes=(*report.notes, unused)))
    if everything is not None:  # first, so that the measured rows are the newest upload
        _store(root, everything, filename)
    return _store(root, designs, filename)


def _same_columns(options: dict[str, Any], labeled: OfflineData) -> dict[str, Any]:
    """Keywords reading a file's designs as `labeled` read its measured rows (the same
    sequence column and alphabet, or vector columns: never the value column)."""
    like = options_like(labeled)
    return {"sequence_column": options.get("sequence_column", "sequence"),
            **{key: like[key] for key in ("alphabet", "feature_columns") if key in like}}


def add_to_dataset(root: Path, base: Dataset, data: bytes, filename: str,
                   **options: Any) -> Dataset:  # fmt: skip
    """Combine a data set with an uploaded file (e.g. the designs measured since) into a new
    upload; the base stays as it was. The file is read with the base's alphabet (or vector
    columns), and a design in both is kept once with the mean of its measurements.

    Args:
        options: read_designs options for the file (sequence_column, value_column).
    Raises:
        DataError naming the file (or the base) and the problem; nothing is written then.
    """
    with warnings.catch_warnings():  # the base's warnings were shown when it was stored
        warnings.simplefilter("ignore", DataWarning)
        stored = read_designs(base.path, value_column="value" if base.labeled else None,
                              alphabet=base.alphabet)  # fmt: skip
    first = replace(stored, source=base.name)
    added = read_designs_bytes(data, filename, **options, **options_like(first))
    name = f"{base.name} + {filename}"
    combined = combine_designs([first, added], name)
    return _store(root, combined, name, task=base.task)


def _store(root: Path, designs: OfflineData, name: str, task: str | None = None) -> Dataset:
    """Keep validated designs in the workspace as a canonical CSV with a JSON description;
    `task` is the oracle behind them (designs added to the demo's keep its task)."""
    frame = designs.to_frame()
    # Vector columns keep the file's names (read back as its space's names).
    alphabet = designs.space.alphabet if isinstance(designs.space, SequenceSpace) else None
    text = frame.to_csv(index=False)
    meta = {"source": name, "designs": len(designs), "labeled": designs.y is not None,
            "alphabet": alphabet, "space": designs.space.describe(),
            "notes": designs.report.notes, "warnings": designs.report.warnings,
            "task": task}  # fmt: skip
    csv_path = _upload_path(Path(root) / UPLOADS, name, text, meta)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    meta_path = csv_path.with_suffix(".json")
    twins = [] if meta_path.is_file() else [  # a new record: is it new data?
        d.name for d in uploaded_datasets(root) if _holds(d.path, text, csv_path)]
    if twins:  # a data set of its own (runs name it by its record), but no new data
        noun = "upload" if len(twins) == 1 else "uploads"
        meta["notes"] = [*meta["notes"], f"{name}: the same designs as the {noun} "
                         f"{', '.join(sorted(set(twins)))}"]
    if not csv_path.is_file():  # new, or removed and uploaded again
        atomic_write_text(csv_path, text)
    if meta_path.is_file():  # never rewritten: runs made from it name it by its record
        os.utime(meta_path)  # stored again: the newest upload, as the training forms pick
    else:
        atomic_write_text(meta_path, json.dumps(meta, indent=2) + "\n")
    # As the pickers will list it: with or without values, and stored when, beside another
    # upload of its name.
    return next(d for d in uploaded_datasets(root) if d.path == str(csv_path))


def _holds(path: str, text: str, other_than: Path) -> bool:
    """Whether the stored upload at `path`, not `other_than`, holds the canonical CSV `text`
    (the same designs, with the same values and measurement counts)."""
    stored, data = Path(path), text.encode("utf-8")  # as atomic_write_text writes it
    if stored == other_than or stored.stat().st_size != len(data):
        return False
    return stored.read_bytes() == data


def _upload_path(folder: Path, name: str, text: str, meta: dict[str, Any]) -> Path:
    """Where an upload's copy goes: <name>-<digest of its designs>.csv, so that the same file
    uploaded again under its name (removed since, say) comes back at the same path, and the
    runs made from it find it again. Never over another upload's record: the same designs in a
    file of another format (rna.fasta after rna.csv) are a data set of their own, and the first
    keeps its name, which its runs' labels show."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(name).stem)[:60] or "upload"
    path = folder / f"{stem}-{hashlib.sha256(text.encode()).hexdigest()[:8]}.csv"
    if _same_upload(path, meta):
        return path
    identity = json.dumps([meta[key] for key in IDENTITY])
    digest = hashlib.sha256(f"{identity}\n{text}".encode()).hexdigest()[:8]
    return folder / f"{stem}-{digest}.csv"


def _same_upload(csv_path: Path, meta: dict[str, Any]) -> bool:
    """Whether `csv_path` is free or holds the upload `meta` describes (as far as its record,
    which older versions kept shorter, says)."""
    meta_path = csv_path.with_suffix(".json")
    if not meta_path.is_file():
        return True
    stored = json.loads(meta_path.read_text())
    return all(stored[key] == meta[key] for key in IDENTITY if key in stored)


def remove_upload(dataset: Dataset) -> None:
    """Delete an upload's file for good. Its JSON description stays (the name the user gave
    the file, its task), so that runs made from it still name it, as removed (`data_name`),
    and it is listed no more; the same file uploaded again under its name comes back at the
    same path, and those runs find it again.

    Raises:
        ValueError: the data set is not an upload (the built-in demo's files stay).
        OSError: the file could not be deleted; the upload is then as it was.
    """
    if not dataset.uploaded:
        raise ValueError(f"{dataset.label} is not an upload: the built-in demo data stays")
    Path(dataset.path).unlink()  # one step: done, or (an error) not at all
