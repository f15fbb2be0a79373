"""Downloads of designs: file names after their runs, novelty as the command line writes it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import exports


def test_a_download_is_named_after_its_runs_in_safe_letters():
    assert exports.download_stem("designs", ["rna ft/2"]) == "designs-rna_ft_2"
    assert exports.download_stem("configs", ["a", "b", "a"]) == "configs-a+b"
    assert exports.download_stem("designs", ["a", "b", "c", "d", "e"]) == "designs-a+b+c+2-more"
    assert exports.download_stem("designs", []) == "designs"


def test_sequence_novelty_is_written_whole_and_vector_novelty_as_it_is():
    # Joined with a run without novelty, a sequence design's 12 read 12.0.
    sequences = pd.DataFrame({"sequence": ["ACGT", "TTGA"], "novelty": [12.0, np.nan]})
    assert exports.designs_csv(sequences).decode().splitlines() == [
        "sequence,novelty", "ACGT,12", "TTGA,"]
    vectors = pd.DataFrame({"x0": [0.5, 1.5], "novelty": [2.0, 0.25]})
    assert exports.designs_csv(vectors).decode().splitlines() == [
        "x0,novelty", "0.5,2.0", "1.5,0.25"]


def test_the_csv_download_writes_float32_designs_in_their_shortest_digits():
    # A run's designs as its Parquet keeps them: float32 vectors and scores widened to float64.
    x = np.array([[0.3932, -0.2559], [1.1119, 0.0001]], dtype=np.float32)
    frame = pd.DataFrame({"temperature": x[:, 0].astype(np.float64),
                          "pH": x[:, 1].astype(np.float64),
                          "predicted_mean": np.float32(0.7).astype(np.float64),
                          "run": "r1"})
    assert exports.designs_csv(frame).decode().splitlines() == [
        "temperature,pH,predicted_mean,run", "0.3932,-0.2559,0.7,r1", "1.1119,1e-04,0.7,r1"]


def test_the_csv_leaves_out_r_c_at_the_slider_where_it_repeats_the_runs_own():
    # At the run's own c, conservative_at_c repeated conservative_score under another name.
    frame = pd.DataFrame({"sequence": ["AAAA", "CCCC"], "predicted_mean": [0.5, 0.9],
                          "uncertainty": [0.1, 0.2], "conservative_score": [0.45, 0.8],
                          "row": [0, 1], "offline": [False, False]})
    own = exports.designs_to_download(frame.assign(conservative_at_c=[0.45, 0.8]),
                                      ["row", "offline"])
    assert "conservative_at_c" not in own.columns and own["sequence"].tolist() == ["CCCC", "AAAA"]
    other = exports.designs_to_download(frame.assign(conservative_at_c=[0.4, 0.7]),
                                        ["row", "offline"])
    assert other["conservative_at_c"].tolist() == [0.7, 0.4]  # another c: kept
