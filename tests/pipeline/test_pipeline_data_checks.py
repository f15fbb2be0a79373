"""The data files of step configs: values all alike refused where a reward model is fitted,
`braid design`'s one sequence column, and paths and columns as configs record them."""

from __future__ import annotations

import os
import random

import pandas as pd
import pytest
from pipeline_files import write_sequences

from braid_core import pipeline
from braid_core.methods import METHODS
from braid_core.pipeline.data_checks import recorded_path
from braid_core.spaces import VectorSpace


def write_constant(path, num=20):
    rng = random.Random(3)
    rows = ["".join(rng.choice("ACGT") for _ in range(6)) for _ in range(num)]
    pd.DataFrame({"sequence": rows, "value": 1.0}).to_csv(path, index=False)
    return path


def test_values_all_alike_are_refused_wherever_a_reward_model_is_fitted_on_them(tmp_path):
    # A tester's file of 150 values of 1: `reward train` fitted it (pearson nan) and `braid
    # design` spent its budget ranking designs by the fit's noise.
    constant = write_constant(tmp_path / "const.csv")
    unlabeled = write_sequences(tmp_path / "u.csv")
    said = (r"const\.csv: all 20 labeled designs have the value 1, so no reward can be learned "
            r"from them .*measure designs whose values differ.*`braid design --method "
            r"pretrained`")
    with pytest.raises(ValueError, match=said):
        pipeline.reward_config(constant)
    for method in set(METHODS) - {"pretrained"}:
        with pytest.raises(ValueError, match=said):
            pipeline.design_config(unlabeled, constant, method=method)
    # The pretrained method draws from the prior: its designs are kept as drawn, not a pool
    # ranked by a reward model that cannot rank them; a pool asked for is refused.
    config = pipeline.design_config(unlabeled, constant, method="pretrained", num_designs=16)
    assert config["pool_size"] == 16
    with pytest.raises(ValueError, match="--pool 32: a pool is ranked by the reward model"):
        pipeline.design_config(unlabeled, constant, method="pretrained", num_designs=16,
                               pool_size=32)
    labeled = write_sequences(tmp_path / "d.csv", values=True)  # values that differ
    assert pipeline.design_config(unlabeled, labeled, method="pretrained",
                                  num_designs=16)["pool_size"] == pipeline.POOL_FACTOR * 16


def test_values_alike_but_for_float_noise_are_refused_and_a_plateau_is_not(tmp_path):
    # 99 values of 1.0 and one of 1.0000001 passed as values that differ, and the fit's
    # correlations came out nan.
    rows = write_constant(tmp_path / "const.csv", num=100)
    frame = pd.read_csv(rows)
    frame.loc[0, "value"] = 1.0000001
    frame.to_csv(tmp_path / "near.csv", index=False)
    with pytest.raises(ValueError, match=r"near\.csv: all \d+ labeled designs have the value 1 "
                       r"\(1 to 1\.0000001, alike to 6 significant digits\), so no reward"):
        pipeline.reward_config(tmp_path / "near.csv")
    # Values that differ in their sixth significant digit are measurements, not noise.
    frame.loc[0, "value"] = 1.00001
    frame.to_csv(tmp_path / "sixth.csv", index=False)
    assert pipeline.reward_config(tmp_path / "sixth.csv")["kind"]
    # Nine in ten at one level and the rest spread (the benchmarks' plateau) is fitted, and so
    # is a pile with one value apart from it (one measured hit).
    n = len(frame)
    frame["value"] = [0.5] * (n - n // 10) + [0.1 * i for i in range(n // 10)]
    frame.to_csv(tmp_path / "plateau.csv", index=False)
    assert pipeline.reward_config(tmp_path / "plateau.csv")["kind"]
    frame["value"] = [0.0] * (n - 1) + [5.0]
    frame.to_csv(tmp_path / "hit.csv", index=False)
    assert pipeline.reward_config(tmp_path / "hit.csv")["kind"]


def test_one_sequence_column_is_read_from_the_file_that_has_it_and_the_default_elsewhere(
        tmp_path):
    unlabeled = write_sequences(tmp_path / "u.csv")  # column "sequence"
    labeled = tmp_path / "seq.csv"
    frame = pd.read_csv(write_sequences(tmp_path / "d.csv", values=True))
    frame.rename(columns={"sequence": "Seq", "value": "Activity"}).to_csv(labeled, index=False)
    config = pipeline.design_config(unlabeled, labeled, sequence_column="Seq",
                                    value_column="Activity")
    assert config["unlabeled"]["sequence_column"] == "sequence"
    assert config["offline"]["sequence_column"] == "Seq"
    # and the other way round: the unlabeled file names it, the labeled one has the default
    renamed = tmp_path / "u_seq.csv"
    pd.read_csv(unlabeled).rename(columns={"sequence": "Seq"}).to_csv(renamed, index=False)
    config = pipeline.design_config(renamed, tmp_path / "d.csv", sequence_column="Seq")
    assert (config["unlabeled"]["sequence_column"], config["offline"]["sequence_column"]) == (
        "Seq", "sequence")
    # A name neither file has (a typo) is still an error, naming it.
    with pytest.raises(ValueError, match="no column 'Seqq' with the sequences"):
        pipeline.design_config(unlabeled, labeled, sequence_column="Seqq",
                               value_column="Activity")
    # So is a file that has neither the name given nor the default.
    other = tmp_path / "other.csv"
    pd.read_csv(unlabeled).rename(columns={"sequence": "seqs"}).to_csv(other, index=False)
    with pytest.raises(ValueError, match=r"other\.csv: no column 'Seq' with the sequences"):
        pipeline.design_config(other, labeled, sequence_column="Seq", value_column="Activity")


def test_configs_record_paths_absolute_and_tidy(tmp_path):
    (tmp_path / "files").mkdir()
    (tmp_path / "out").mkdir()
    write_sequences(tmp_path / "files" / "d.csv", values=True)
    untidy = tmp_path / "out" / ".." / "files" / "d.csv"
    tidy = str(tmp_path / "files" / "d.csv")
    assert pipeline.reward_config(untidy)["data"]["path"] == tidy
    design = pipeline.design_config(untidy, untidy)
    assert design["unlabeled"]["path"] == design["offline"]["path"] == tidy
    folder = tmp_path / "out" / ".." / "files"
    tuned = pipeline.finetune_config(folder / "prior", folder / "reward")
    assert (tuned["prior"], tuned["reward"]) == (str(tmp_path / "files" / "prior"),
                                                 str(tmp_path / "files" / "reward"))
    # A link keeps its name (the dashboard knows its files by theirs); a ".." after one
    # names the folder it leads into, as the system reads it.
    os.symlink(tmp_path / "files", tmp_path / "link")
    assert recorded_path(tmp_path / "link" / "d.csv") == str(tmp_path / "link" / "d.csv")
    (tmp_path / "files" / "sub").mkdir()
    os.symlink(tmp_path / "files" / "sub", tmp_path / "deep")
    assert recorded_path(tmp_path / "deep" / ".." / "d.csv") == tidy


def test_vector_data_are_recorded_without_a_sequence_column(tmp_path):
    rng = random.Random(0)
    vectors = tmp_path / "v.csv"
    pd.DataFrame({"x0": [rng.random() for _ in range(30)], "x1": [rng.random() for _ in range(30)],
                  "value": [rng.random() for _ in range(30)]}).to_csv(vectors, index=False)
    spec = pipeline.reward_config(vectors)["data"]
    assert spec["sequence_column"] is None
    assert pipeline.read_data(spec).space == VectorSpace(2)  # read back as vectors
    design = pipeline.design_config(vectors, vectors)
    assert design["unlabeled"]["sequence_column"] is design["offline"]["sequence_column"] is None
    assert pipeline.prior_config(vectors, space=VectorSpace(2))["data"]["sequence_column"] is None
    sequences = write_sequences(tmp_path / "d.csv", values=True)
    assert pipeline.reward_config(sequences)["data"]["sequence_column"] == "sequence"
