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


PRESSURES = b"conc,pressure,value\n0.1,1013250.50,1\n0.1,1013250.53,5\n0.2,2000000.25,3\n"


def test_vectors_written_back_are_the_numbers_read_not_their_float32_copy(tmp_path: Path) -> None:
    # 1013250.5 and 1013250.53 are one float32: written as such, a merge took the two designs
    # for one and averaged 1 and 5.
    path = tmp_path / "pressures.csv"
    path.write_bytes(PRESSURES)
    with pytest.warns(DataWarning, match=r"row 1 \(0\.1, 1013250\.5\) and row 2 \(0\.1, "
                                         r"1013250\.53\)\. They are kept as distinct designs"):
        data = read_designs(path)
    assert data.x.dtype == torch.float32 and len(data) == 3  # what the networks get
    frame = data.to_frame()
    assert frame["pressure"].tolist() == [1013250.5, 1013250.53, 2000000.25]
    written = tmp_path / "written.csv"
    frame.to_csv(written, index=False)
    assert "0.1,1013250.53,5.0\n" in written.read_text()
    with pytest.warns(DataWarning, match="differ only beyond float32's 7 significant digits"):
        again = read_designs(written)
    assert again.to_frame().equals(frame)
    combined = combine_designs([data, again], "both")
    assert "both: 2 designs differ only beyond float32" in combined.report.summary()
    assert combined.measurement_counts().tolist() == [2, 2, 2]  # each design twice, no more
    assert combined.to_frame()["value"].tolist() == [1, 5, 3]
