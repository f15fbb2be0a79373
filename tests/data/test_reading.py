"""braid_core.data.reading: files and uploads read alike; value column, kind and fewest designs.

Every bad-input test checks that the message names the file, the offending rows and the problem.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from design_files import fails, write

from braid_core.data import DataError, read_designs, read_designs_bytes


def test_bytes_upload_reads_like_the_file(tmp_path: Path) -> None:
    text = "sequence,value\nacgt,1\nTTGA,2\n"
    from_file = read_designs(write(tmp_path / "d.csv", text))
    from_bytes = read_designs_bytes(text.encode(), "upload.csv")
    assert torch.equal(from_file.x, from_bytes.x) and torch.equal(from_file.y, from_bytes.y)
    assert from_bytes.source == "upload.csv"
    with pytest.raises(DataError, match=r"upload\.csv: .*row 2"):
        read_designs_bytes(b"sequence\nACGT\nACG\n", "upload.csv")


def test_missing_value_column_means_unlabeled_unless_required(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "sequence,score\nACGT,1\nTTTT,2\n")
    data = read_designs(path)
    assert data.y is None and "unlabeled" in data.report.summary()
    assert read_designs(path, value_column=None).y is None
    err = fails(path, problem="no column 'value' with the values", require_values=True)
    assert "'sequence', 'score'" in str(err)


def test_too_few_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "sequence\nACGT\n")
    fails(path, problem="only 1 design; at least 2 needed")
    assert len(read_designs(path, min_rows=1)) == 1
    twice = write(tmp_path / "t.csv", "sequence\nACGT\nacgt\n")
    fails(twice, problem="only 1 design (2 rows before merging duplicates)")


def test_fasta_empty_record_and_vector_kind(tmp_path: Path) -> None:
    path = write(tmp_path / "d.fa", ">s1\nACGT\n>s2\n>s3\nTTTT\n")
    fails(path, "record 2 (>s2, line 3)", problem="1 record without a sequence under its header")
    fails(path, problem="FASTA holds sequences", kind="vector")
