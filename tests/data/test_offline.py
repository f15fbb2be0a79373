"""braid_core.data.offline: OfflineData made in code, and the values it writes back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import torch

from braid_core.data import DataWarning, OfflineData, combine_designs, options_like, read_designs
from braid_core.spaces import SequenceSpace, VectorSpace


def test_from_tensors_builds_a_plain_report() -> None:
    space = SequenceSpace("dna", 3)
    data = OfflineData.from_tensors(space, torch.tensor([[0, 1, 2], [3, 3, 3]]), torch.ones(2))
    assert data.sequences() == ["ACG", "TTT"] and data.y.dtype == torch.float32
    assert data.report.labeled and data.report.num_designs == 2
    vectors = OfflineData.from_tensors(VectorSpace(2), torch.zeros(4, 2, dtype=torch.float64))
    assert vectors.x.dtype == torch.float32 and vectors.y is None and len(vectors) == 4


def test_values_written_back_are_the_values_read_not_their_float32_copy(tmp_path: Path) -> None:
    measured = [0.123456789, 123456789.0, 16777217.0, 3.14159265358979]
    path = tmp_path / "precise.csv"
    pd.DataFrame({"sequence": ["ACGT", "ACGA", "ACGC", "AGGC"], "value": measured}).to_csv(
        path, index=False)
    data = read_designs(path)
    assert data.y.dtype == torch.float32  # what the networks get
    assert data.to_frame()["value"].tolist() == measured
    later = tmp_path / "later.csv"
    pd.DataFrame({"sequence": ["ACGT", "ACGT"], "value": [0.2, 0.3]}).to_csv(later, index=False)
    with pytest.warns(DataWarning, match="appears more than once"):
        again = read_designs(later, **options_like(data))
    combined = combine_designs([data, again], "both")
    frame = combined.to_frame().set_index("sequence")
    assert frame.loc["ACGT", "value"] == (0.123456789 + 0.2 + 0.3) / 3  # float64 mean
    assert frame.loc["ACGT", "measurements"] == 3
    assert frame.loc["ACGC", "value"] == 16777217.0  # float32 would write 16777216
    written = tmp_path / "merged.csv"
    frame.reset_index().to_csv(written, index=False)
    assert read_designs(written).to_frame()["value"].tolist() == frame["value"].tolist()
