"""braid_core.data.writing: designs written as CSV and read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from braid_core.data import read_designs, write_designs_csv, write_table
from braid_core.spaces import SequenceSpace


def test_csv_round_trip_through_write_designs_csv(tmp_path: Path) -> None:
    sequences, values = ["ACGT", "TTGA", "GGCC"], [0.25, -1.5, 3.0]
    path = write_designs_csv(tmp_path / "sub" / "d.csv", sequences, values)
    data = read_designs(path)
    assert data.sequences() == sequences
    assert data.space == SequenceSpace("dna", 4)
    assert data.x.dtype == torch.int64 and data.x.shape == (3, 4)
    assert data.y is not None and data.y.tolist() == values
    assert data.source == str(path)
    assert data.report.rows_read == 3 and data.report.num_designs == 3
    assert data.to_frame().to_dict("list") == {"sequence": sequences, "value": values}
    assert list(path.parent.iterdir()) == [path], "the temporary file is gone"


def test_write_designs_csv_replaces_and_rejects_tokens(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    write_designs_csv(path, ["AAAA", "CCCC"])
    write_designs_csv(path, ["GGGG", "TTTT"])
    data = read_designs(path)
    assert data.sequences() == ["GGGG", "TTTT"] and data.y is None
    with pytest.raises(TypeError, match="decode"):
        write_designs_csv(path, torch.zeros(2, 4, dtype=torch.int64))
    with pytest.raises(ValueError, match="shape"):
        write_designs_csv(path, ["AAAA", "CCCC"], [1.0])
    assert read_designs(path).sequences() == ["GGGG", "TTTT"], "a failed write leaves the file"


def test_a_scored_table_leaves_an_invalid_designs_true_score_empty_in_csv_only(tmp_path):
    table = pd.DataFrame({"sequence": ["AC", "GT"], "true_score": [0.5, -np.inf],
                          "valid": [True, False]})
    csv_path, parquet_path = write_table(tmp_path / "run", table, "designs")
    # The CSV is for people (-inf read as a number spoils a spreadsheet's mean) ...
    assert csv_path.read_text().splitlines()[2] == "GT,,False"
    assert pd.read_csv(csv_path)["true_score"].isna().tolist() == [False, True]
    # ... the Parquet file is read back by the tools, with -inf kept.
    pd.testing.assert_frame_equal(pd.read_parquet(parquet_path), table)


def test_vectors_are_written_under_their_spaces_names(tmp_path: Path) -> None:
    vectors = torch.tensor([[0.5, 1.0], [2.0, -3.0]])
    plain = write_designs_csv(tmp_path / "p.csv", vectors)
    assert plain.read_text().splitlines()[0] == "x0,x1"
    named = write_designs_csv(tmp_path / "n.csv", vectors, [1.0, 2.0], names=("mass", "charge"))
    assert named.read_text().splitlines()[0] == "mass,charge,value"
    assert read_designs(named).space.names == ("mass", "charge")
    with pytest.raises(ValueError, match="1 names for vectors of dimension 2"):
        write_designs_csv(tmp_path / "w.csv", vectors, names=("mass",))


def shortest(cells: pd.Series) -> bool:
    """Whether every cell, as written, is its float32's shortest round-tripping repr."""
    return all(text == str(np.float32(text)) for text in cells.astype(str))


def test_float32_numbers_are_written_in_their_shortest_digits_and_read_back_exactly(
        tmp_path: Path) -> None:
    vectors = torch.tensor([[0.3932, -0.2559], [1.1119, 1e-8], [123456.7, 1 / 3]])
    path = write_designs_csv(tmp_path / "v.csv", vectors, torch.tensor([0.1, -0.7303, 2.5]))
    lines = path.read_text().splitlines()
    # Written from float64, these were 0.39320001006126404,-0.25589999556541443,...
    assert lines[1:] == ["0.3932,-0.2559,0.1", "1.1119,1e-08,-0.7303",
                         "123456.7,0.33333334,2.5"]
    data = read_designs(path)
    assert torch.equal(data.x, vectors) and torch.equal(data.y, torch.tensor([0.1, -0.7303, 2.5]))
    # A scored table: coordinates and the reward model's outputs (float32, widened to float64)
    # in their shortest digits; r_hat - c u too (float32's digits); measured values as they are.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 2)).astype(np.float32)
    mean, spread = rng.normal(size=50).astype(np.float32), rng.random(50).astype(np.float32)
    table = pd.DataFrame({"x0": x[:, 0].astype(np.float64), "x1": x[:, 1].astype(np.float64),
                          "value": rng.normal(size=50),
                          "predicted_mean": mean.astype(np.float64),
                          "uncertainty": spread.astype(np.float64),
                          "conservative_score": mean.astype(np.float64) - 0.5 * spread})
    csv_path, parquet_path = write_table(tmp_path / "run", table, "designs")
    written = pd.read_csv(csv_path, dtype=str)
    for column in ("x0", "x1", "predicted_mean", "uncertainty", "conservative_score"):
        assert shortest(written[column]), written[column].head()
    for column in ("x0", "x1", "predicted_mean", "uncertainty"):  # lossless
        assert (written[column].astype(np.float64).astype(np.float32) ==
                table[column].astype(np.float32)).all()
    assert written["value"].astype(np.float64).tolist() == table["value"].tolist()
    assert not shortest(written["value"])  # float64 measurements keep every digit
    pd.testing.assert_frame_equal(pd.read_parquet(parquet_path), table)
