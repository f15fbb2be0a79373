"""Pipeline steps as real background jobs in a workspace."""

from __future__ import annotations

import json
import random
import time

import pandas as pd
import pytest
import torch

from braid_core import jobs, pipeline
from braid_core.rewards.conservative import Prediction
from braid_core.runs import Workspace


def write_sequences(path, num=100, length=6, seed=0, values=False):
    rng = random.Random(seed)
    rows = ["".join(rng.choice("ACGT") for _ in range(length)) for _ in range(num)]
    frame = pd.DataFrame({"sequence": rows})
    if values:
        frame["value"] = [row.count("A") for row in rows]
    frame.to_csv(path, index=False)
    return path


def test_a_prior_job_runs_in_the_background_and_leaves_its_artifacts(tmp_path,
                                                                      isolated_workspace):
    workspace = Workspace(isolated_workspace)
    data = write_sequences(tmp_path / "u.csv")
    config = pipeline.prior_config(data, alphabet="dna", max_minutes=0.02)
    run_id = pipeline.start(workspace, "prior", config)
    assert jobs.wait(workspace, run_id, timeout=120) == "done", (
        workspace.get(run_id).log_path.read_text())
    run = workspace.get(run_id)
    assert (run.path / "prior" / "model.safetensors").is_file()
    assert run.read_metrics(), "the job reported no progress rows"
    assert run.read_progress()["fraction"] > 0
    summary = workspace.record(run_id).summary
    assert 90 <= summary["designs"] <= 100  # duplicates merged
    # The sampler's noise was calibrated, and the saved prior samples with the kept value.
    saved = json.loads((run.path / "prior" / "config.json").read_text())["config"]
    assert saved["position_noise"] == summary["position_noise"]
    assert "1" in summary["diversity_ratio"]


def test_a_job_on_a_bad_file_fails_with_the_data_error(tmp_path, isolated_workspace):
    workspace = Workspace(isolated_workspace)
    bad = tmp_path / "bad.csv"
    bad.write_text("sequence\nACGT\nACGZ\n")
    run_id = pipeline.start(workspace, "prior", pipeline.prior_config(bad, alphabet="dna"))
    assert jobs.wait(workspace, run_id, timeout=120) == "failed"
    error = workspace.record(run_id).error
    assert "bad.csv" in error and "Z" in error


def test_a_long_job_can_be_cancelled_and_keeps_what_it_wrote(tmp_path, isolated_workspace):
    workspace = Workspace(isolated_workspace)
    data = write_sequences(tmp_path / "u.csv", num=400)
    run_id = pipeline.start(workspace, "prior", pipeline.prior_config(data, max_minutes=5))
    run = workspace.get(run_id)
    for _ in range(600):  # wait for the first metric rows (imports take a few seconds)
        if run.read_metrics():
            break
        time.sleep(0.1)
    assert run.read_metrics()
    assert jobs.cancel(workspace, run_id) == "cancelled"
    assert jobs.status(workspace, run_id) == "cancelled"
    assert run.read_metrics()


class _ScoreIsFirstToken:
    """A stand-in reward model: r_hat is the first token, u is 0."""

    device = torch.device("cpu")

    def predict(self, x):
        return Prediction(x[:, 0].float(), torch.zeros(len(x)))


def test_a_pool_cut_to_num_designs_by_the_time_limit_is_still_ranked():
    # `braid design` may stop drawing after one chunk of num designs; the order written must
    # not depend on that, so a pool that was asked for always comes back best first.
    pool = torch.tensor([[1, 0], [3, 0], [1, 0], [2, 0]])
    model = _ScoreIsFirstToken()
    chosen = pipeline._best_of_pool(pool, model, 1.0, "std", 4, choose=True)
    assert chosen[:, 0].tolist() == [3, 2, 1, 1]  # distinct first, the repeat fills in
    as_drawn = pipeline._best_of_pool(pool, model, 1.0, "std", 4, choose=False)
    assert as_drawn[:, 0].tolist() == [1, 3, 1, 2]


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
    data = write_sequences(tmp_path / "d.csv")
    assert pipeline.reward_config(data)["max_minutes"] is None
    with pytest.raises(ValueError, match="must be positive"):
        pipeline.reward_config(data, max_minutes=-1)


def test_a_reporter_says_each_note_once(capsys):
    report = pipeline.Reporter()
    for message in ("d.csv: 2 designs appear more than once", "alpha 0.1", "alpha 0.1"):
        report.note(message)
    report.note("d.csv: 2 designs appear more than once")
    assert capsys.readouterr().err.splitlines() == ["d.csv: 2 designs appear more than once",
                                                    "alpha 0.1"]


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
    with pytest.raises(ValueError, match="c must be >= 0, got -1"):
        pipeline.design_config(unlabeled, labeled, c=-1.0)
    for alpha in (0.0, -1.0):
        with pytest.raises(ValueError, match=f"alpha must be > 0, got {alpha}"):
            pipeline.design_config(unlabeled, labeled, alpha=alpha)
    assert pipeline.design_config(unlabeled, labeled, method="proxy", alpha=0.0)  # unused
    with pytest.raises(ValueError, match=r"u\.csv has no column 'value' with measured values"):
        pipeline.design_config(labeled, unlabeled)
    with pytest.raises(ValueError, match="no column 'nope' with measured values"):
        pipeline.design_config(unlabeled, labeled, value_column="nope")
    for make in (lambda: pipeline.design_config(unlabeled, labeled, device="gpu"),
                 lambda: pipeline.prior_config(unlabeled, device="gpu"),
                 lambda: pipeline.reward_config(labeled, device="gpu")):
        with pytest.raises(ValueError, match="unknown device 'gpu': give auto, cpu or cuda"):
            make()
    assert pipeline.prior_config(unlabeled, device="cuda:1")["device"] == "cuda:1"


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
    assert data.space == pipeline.saved_space(prior)
