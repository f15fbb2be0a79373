"""Step configs: settings and files that would fail a job are refused before it starts."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from pipeline_files import write_sequences

from braid_core import pipeline
from braid_core.data import check_designs
from braid_core.diffusion.prior import saved_space


def test_the_value_tilt_is_off_by_default_and_checked_before_any_job(tmp_path):
    data = write_sequences(tmp_path / "d.csv", values=True)
    assert pipeline.reward_config(data)["value_tilt"] == 0.0
    assert pipeline.design_config(data, data)["value_tilt"] == 0.0
    assert pipeline.reward_config(data, value_tilt="1.5")["value_tilt"] == 1.5
    for bad in ("steep", -1.0, 21, "nan", None):
        with pytest.raises(ValueError, match="from 0 to 20"):
            pipeline.reward_config(data, value_tilt=bad)


def test_count_weighting_is_off_by_default_and_checked_before_any_job(tmp_path):
    data = write_sequences(tmp_path / "d.csv", values=True)
    assert pipeline.reward_config(data)["count_weighting"] == "none"
    assert pipeline.design_config(data, data)["count_weighting"] == "none"
    assert pipeline.defaults()["count_weighting"] == "none"
    chosen = pipeline.design_config(data, data, count_weighting="estimated")
    assert chosen["count_weighting"] == "estimated"
    for make in (pipeline.reward_config, lambda d, **k: pipeline.design_config(d, d, **k)):
        with pytest.raises(ValueError, match="none, counts, estimated"):
            make(data, count_weighting="replicates")


def test_a_reward_fit_limit_is_checked_before_any_job(tmp_path):
    data = write_sequences(tmp_path / "d.csv", values=True)
    assert pipeline.reward_config(data)["max_minutes"] is None
    with pytest.raises(ValueError, match="must be a finite number > 0"):
        pipeline.reward_config(data, max_minutes=-1)


def test_an_oracle_for_other_designs_is_refused_before_any_job(tmp_path):
    from dashboard import demo

    prior, reward = demo.DEMO_PRIOR, demo.DEMO_REWARD  # sequences of length 32 over protein
    for task in ("ehrlich-20-64", "37:2:1461", "tfbind8"):
        for make in (pipeline.finetune_config, lambda *a, **k: pipeline.baseline_config(
                "pretrained", *a, **k)):  # fmt: skip
            with pytest.raises(ValueError, match=rf"the oracle {task} scores sequences of length "
                               r"\d+ over \w+, but the prior makes sequences of length 32 over "
                               "protein: give the task the designs come from"):
                make(prior, reward, task=task)
    # The same space is accepted, by name or as an instance of the family.
    assert pipeline.finetune_config(prior, reward, task="32:3:9")["task"] == "32:3:9"
    assert pipeline.baseline_config("pretrained", prior, reward,
                                    task="ehrlich-20-32")["task"] == "ehrlich-20-32"
    # A prior not trained yet (a folder without config.json) is not checked.
    assert pipeline.finetune_config(tmp_path, reward, task="tfbind8")["task"] == "tfbind8"


@pytest.mark.parametrize("space", ["dna", "vectors"])
def test_a_prior_and_a_reward_model_of_other_spaces_are_refused_before_any_job(tmp_path, space):
    from braid_core.rewards import LastLayerBonus, RewardNetConfig, save_reward
    from braid_core.spaces import SequenceSpace, VectorSpace
    from dashboard import demo

    other = SequenceSpace("ACGT", 32) if space == "dna" else VectorSpace(3)
    save_reward(LastLayerBonus(other, RewardNetConfig()), tmp_path / "reward")
    said = (r"the prior makes sequences of length 32 over protein, but the reward model scores "
            rf"{other.describe()}: pick a prior and a reward model of the same design space")
    with pytest.raises(ValueError, match=said):
        pipeline.finetune_config(demo.DEMO_PRIOR, tmp_path / "reward")
    with pytest.raises(ValueError, match=said):
        pipeline.baseline_config("pretrained", demo.DEMO_PRIOR, tmp_path / "reward")
    # The shipped pair is of one space; a model not saved yet is not checked.
    assert pipeline.finetune_config(demo.DEMO_PRIOR, demo.DEMO_REWARD)["reward"]
    assert pipeline.finetune_config(demo.DEMO_PRIOR, tmp_path / "not yet")["reward"]


def test_design_settings_that_would_fail_a_step_are_refused_before_any_job(tmp_path):
    labeled = write_sequences(tmp_path / "d.csv", values=True)
    unlabeled = write_sequences(tmp_path / "u.csv", seed=1)
    with pytest.raises(ValueError, match="c must be a finite number >= 0, got -1"):
        pipeline.design_config(unlabeled, labeled, c=-1.0)
    for alpha in (0.0, -1.0):
        with pytest.raises(ValueError, match=f"alpha must be a finite number > 0, got {alpha}"):
            pipeline.design_config(unlabeled, labeled, alpha=alpha)
    assert pipeline.design_config(unlabeled, labeled, method="proxy", alpha=0.0)  # unused
    with pytest.raises(ValueError, match=r"u\.csv: no column 'value' with the values; the "
                       "columns are 'sequence'"):
        pipeline.design_config(labeled, unlabeled)
    with pytest.raises(ValueError, match="no column 'nope' with the values; the columns are "
                       "'sequence', 'value'"):
        pipeline.design_config(unlabeled, labeled, value_column="nope")
    for make in (lambda: pipeline.design_config(unlabeled, labeled, device="gpu"),
                 lambda: pipeline.prior_config(unlabeled, device="gpu"),
                 lambda: pipeline.reward_config(labeled, device="gpu")):
        with pytest.raises(ValueError, match="unknown device 'gpu': give auto, cpu or cuda"):
            make()
    assert pipeline.prior_config(unlabeled, device="cuda:1")["device"] == "cuda:1"
    # Unlabeled designs of another kind, read in the offline file's letters: the message says
    # the two files differ, not which letters do not fit; within one length, letters it is.
    protein = tmp_path / "p.csv"
    protein.write_text("sequence\n" + "\n".join(["MKVLWY" * 5, "WYKLMV" * 5]) + "\n")
    with pytest.raises(ValueError, match=r"not in the same space: \S*p\.csv holds sequences of "
                       r"length 30 over protein, \S* sequences of length 6 over dna; pick designs "
                       "of the same kind and length"):
        pipeline.design_config(protein, labeled, alphabet="dna")
    # One N makes a file protein: the message names it and its row, the file to mend.
    with_n = tmp_path / "n.csv"
    with_n.write_text("sequence\nACGTAC\nACGTNC\n")
    with pytest.raises(ValueError, match=r"\S*n\.csv was read as protein because of 'N' \(row 2\), "
                       r"\S* as dna \(ACGT\); mend the letters, or give both one alphabet"):
        pipeline.design_config(with_n, labeled)
    six = tmp_path / "six.csv"
    six.write_text("sequence\nACGTAC\nACGWYK\n")
    with pytest.raises(ValueError, match="letters outside the alphabet dna"):
        pipeline.design_config(six, labeled, alphabet="dna")


def test_the_offline_data_is_read_in_the_priors_space_and_checked_before_any_job(tmp_path):
    from dashboard import demo

    prior, reward = demo.DEMO_PRIOR, demo.DEMO_REWARD  # sequences of length 32 over protein
    short = write_sequences(tmp_path / "short.csv", length=12)
    for make in (pipeline.finetune_config, lambda *a, **k: pipeline.baseline_config(
            "proxy", *a, **k)):  # fmt: skip
        with pytest.raises(ValueError, match=r"the offline designs in .*short\.csv are "
                           "sequences of length 12 over protein, but the prior makes sequences "
                           "of length 32 over protein: give the data the prior was made for"):
            make(prior, reward, offline=short)
    # Protein 32-mers without A, C, G or T would be inferred as some other alphabet and their
    # letters numbered apart from the prior's: they are read with the prior's letters.
    rng = random.Random(0)
    few = tmp_path / "few.csv"
    pd.DataFrame({"sequence": ["".join(rng.choice("DEFHIK") for _ in range(32))
                               for _ in range(20)]}).to_csv(few, index=False)
    spec = pipeline.finetune_config(prior, reward, offline=few)["offline"]
    assert spec["alphabet"] == "ACDEFGHIKLMNPQRSTVWY"
    data = pipeline.read_data(spec)
    assert data.sequences()[0] == pd.read_csv(few)["sequence"][0]
    assert data.space == saved_space(prior)


def test_a_sweep_checks_its_files_once_and_each_config_its_settings(tmp_path, monkeypatch):
    from braid_core.pipeline import configs
    from dashboard import demo

    data = tmp_path / "d.csv"
    rng = random.Random(1)
    pd.DataFrame({"sequence": ["".join(rng.choice("ACDEFGHIKLMNPQRSTVWY") for _ in range(32))
                               for _ in range(30)], "value": range(30)}).to_csv(data, index=False)
    reads = []
    monkeypatch.setattr(configs, "check_designs",
                        lambda *a, **k: reads.append(a) or check_designs(*a, **k))
    settings = [(0.0, 0.1, 0), (1.0, 0.1, 0), (1.0, 0.01, 1)]
    sweep = pipeline.finetune_sweep(demo.DEMO_PRIOR, demo.DEMO_REWARD, settings, steps=7,
                                    offline=data, task="ehrlich-20-32")  # fmt: skip
    assert len(reads) == 1
    for config, (c, alpha, seed) in zip(sweep, settings, strict=True):
        one = pipeline.finetune_config(demo.DEMO_PRIOR, demo.DEMO_REWARD, c=c, alpha=alpha,
                                       seed=seed, steps=7, offline=data, task="ehrlich-20-32")
        assert config == one
    with pytest.raises(ValueError, match="alpha"):  # each run's settings are still checked
        pipeline.finetune_sweep(demo.DEMO_PRIOR, demo.DEMO_REWARD, [(1.0, 0.1, 0), (1.0, -1, 0)])
    # alpha 0 is a valid setting, but not for the tilted estimator on sequences: refused
    # here, not minutes later by the running job.
    tilted_at_0 = "alpha must be > 0 with estimator 'tilted', got 0"
    with pytest.raises(ValueError, match=tilted_at_0):
        pipeline.finetune_config(demo.DEMO_PRIOR, demo.DEMO_REWARD, alpha=0.0)
    with pytest.raises(ValueError, match=tilted_at_0):
        pipeline.finetune_sweep(demo.DEMO_PRIOR, demo.DEMO_REWARD, [(1.0, 0.1, 0), (1.0, 0.0, 0)])
    assert pipeline.finetune_config(demo.DEMO_PRIOR, demo.DEMO_REWARD, alpha=0.0,
                                    estimator="reinforce")


def test_too_few_measured_designs_are_refused_before_any_job(tmp_path):
    # Five labeled designs passed the config and failed minutes later, as a recorded run
    # (the Design page's launch goes through design_config too).
    unlabeled = write_sequences(tmp_path / "u.csv")
    few = write_sequences(tmp_path / "few.csv", num=5, values=True)
    with pytest.raises(ValueError, match=r"few\.csv: 5 labeled designs are too few to fit a "
                       r"reward model.*at least 8 designs with values\); add measured designs"):
        pipeline.design_config(unlabeled, few)
    enough = write_sequences(tmp_path / "enough.csv", num=8, values=True)
    assert pipeline.design_config(unlabeled, enough)["offline"]["path"].endswith("enough.csv")
    # The Reward model page's config too (it recorded a run that failed at once), and data
    # without values.
    with pytest.raises(ValueError, match=r"few\.csv: 5 labeled designs are too few"):
        pipeline.reward_config(few)
    with pytest.raises(ValueError, match=r"u\.csv: no column 'value' with the values"):
        pipeline.reward_config(unlabeled)
    assert pipeline.reward_config(enough)["data"]["path"].endswith("enough.csv")


def test_design_files_read_already_are_checked_from_their_bytes(tmp_path):
    labeled = write_sequences(tmp_path / "d.csv", values=True)
    unlabeled = write_sequences(tmp_path / "u.csv", seed=1)
    contents = {str(path): path.read_bytes() for path in (unlabeled, labeled)}
    for path in (unlabeled, labeled):
        path.unlink()  # not read again: the checks go by the bytes given
    config = pipeline.design_config(unlabeled, labeled, contents=contents)
    assert (config["unlabeled"]["path"], config["offline"]["path"]) == (str(unlabeled),
                                                                        str(labeled))
    # the checks are those of the files: the bytes of designs without values are refused
    with pytest.raises(ValueError, match=r"u\.csv: no column 'value' with the values"):
        pipeline.design_config(labeled, unlabeled, contents=contents)


def test_alpha_defaults_to_the_one_measured_for_the_designs_space(tmp_path):
    import json

    from dashboard import demo

    unlabeled = write_sequences(tmp_path / "u.csv")
    offline = write_sequences(tmp_path / "o.csv", num=20, values=True)
    sequences = pipeline.design_config(unlabeled, offline)
    assert sequences["alpha"] == pipeline.DEFAULT_ALPHA
    rows = [{"x0": i % 7 / 7, "x1": (i * 3) % 5 / 5, "value": i % 4} for i in range(12)]
    pd.DataFrame(rows).to_csv(tmp_path / "v.csv", index=False)
    vectors = pipeline.design_config(tmp_path / "v.csv", tmp_path / "v.csv")
    assert vectors["alpha"] == pipeline.DEFAULT_VECTOR_ALPHA != pipeline.DEFAULT_ALPHA
    assert pipeline.design_config(tmp_path / "v.csv", tmp_path / "v.csv", alpha=0.2)["alpha"] \
        == 0.2
    # braid finetune: the prior's space decides.
    prior = tmp_path / "vector_prior"
    prior.mkdir()
    (prior / "config.json").write_text(json.dumps(
        {"format": "braid-prior", "version": 1, "space": {"kind": "vector", "dim": 2}}))
    tuned = pipeline.finetune_config(prior, tmp_path / "not yet")
    assert tuned["finetune"]["alpha"] == pipeline.DEFAULT_VECTOR_ALPHA
    assert pipeline.finetune_config(prior, tmp_path / "not yet", alpha=0.5)["finetune"][
        "alpha"] == 0.5
    shipped = pipeline.finetune_config(demo.DEMO_PRIOR, demo.DEMO_REWARD)
    assert shipped["finetune"]["alpha"] == pipeline.DEFAULT_ALPHA


def test_one_table_as_both_files_names_bad_cells_of_measured_and_unmeasured_rows_at_once(
        tmp_path):
    # the measured rows were checked first, alone: a bad letter in a row without a value
    # came up only after the user had fixed the others and run again
    rng = random.Random(0)
    rows = [("".join(rng.choice("ACGT") for _ in range(8)), "" if i % 3 == 0 else str(i / 60))
            for i in range(60)]
    rows[3] = ("ACGTXCGT", "")  # not measured
    rows[9] = ("ACGTACGZ", "0.5")  # measured
    table = tmp_path / "t.csv"
    pd.DataFrame(rows, columns=["sequence", "value"]).to_csv(table, index=False)
    with pytest.raises(ValueError, match=r"in 2 rows: row 4 'ACGTXCGT' .*; row 10 'ACGTACGZ'"):
        pipeline.design_config(table, table, alphabet="dna")
    other = tmp_path / "u.csv"  # beside a library of its own, as `braid data check` says it
    pd.DataFrame({"sequence": ["ACGTACGT"] * 30}).to_csv(other, index=False)
    with pytest.raises(ValueError, match=r"in 2 rows: row 4 'ACGTXCGT' .*; row 10 'ACGTACGZ'"):
        pipeline.design_config(other, table, alphabet="dna")
