"""`braid prior train|sample`, `braid reward train`, `braid finetune` and `braid sample` on
small real files."""

from __future__ import annotations

import json
import random
import re

import pandas as pd
import pytest
from cli_files import (
    runner,
    wide_bonus_fit,
    write_bundle_configs,
    write_labeled,
    write_sequences,
)

from braid_core.cli import app
from braid_core.runs import Workspace


def test_prior_train_then_sample_writes_designs_of_the_right_shape(tmp_path):
    data = write_sequences(tmp_path / "unlabeled.csv", 200, 10, "ACGT")
    prior_dir = tmp_path / "prior"
    trained = runner.invoke(app, [
        "prior", "train", "--data", str(data), "--alphabet", "dna", "--max-minutes", "0.02",
        "--out", str(prior_dir), "--threads", "1",
    ])
    assert trained.exit_code == 0, trained.output
    assert (prior_dir / "model.safetensors").is_file()
    out = tmp_path / "samples.csv"
    sampled = runner.invoke(app, [
        "prior", "sample", "--prior", str(prior_dir), "--num", "7", "--seed", "3",
        "--out", str(out),
    ])
    assert sampled.exit_code == 0, sampled.output
    designs = pd.read_csv(out)
    assert list(designs.columns) == ["sequence"]
    assert len(designs) == 7
    assert all(len(s) == 10 and set(s) <= set("ACGT") for s in designs["sequence"])


def test_prior_train_says_which_alphabet_it_inferred(tmp_path):
    data = write_sequences(tmp_path / "unlabeled.csv", 50, 6, "ACGU")
    result = runner.invoke(app, [
        "prior", "train", "--data", str(data), "--max-minutes", "0.005",
        "--out", str(tmp_path / "prior"), "--threads", "1",
    ])
    assert result.exit_code == 0, result.output
    assert "rna" in result.output


@pytest.mark.parametrize(("command", "made_by"), [
    (["prior", "sample", "--prior"], "braid prior train"),
    (["sample", "--model"], r"braid finetune \(OUT/model\)")])
def test_sampling_a_missing_folder_is_a_plain_error(tmp_path, command, made_by):
    result = runner.invoke(app, [*command, "missing-folder", "--num", "3",
                                 "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert re.search(rf"error: {command[-1]} missing-folder: no saved model there \(no "
                     rf"config\.json\); give the folder {made_by} wrote", result.output)


def test_sampling_a_folder_of_another_bundle_or_without_weights_is_a_plain_error(tmp_path):
    prior, reward = write_bundle_configs(tmp_path)  # config.json only
    out = str(tmp_path / "x.csv")
    wrong = runner.invoke(app, ["sample", "--model", str(reward), "--num", "3", "--out", out])
    assert wrong.exit_code == 1 and "Traceback" not in wrong.output
    assert (f"--model {reward} holds a braid-reward bundle, not a braid-prior one; give the "
            "folder braid finetune (OUT/model) wrote") in " ".join(wrong.output.split())
    half = runner.invoke(app, ["prior", "sample", "--prior", str(prior), "--num", "3",
                               "--out", out])
    assert half.exit_code == 1 and "Traceback" not in half.output
    assert (f"--prior {prior}: the saved model is incomplete (config.json lacks 'config')"
            in " ".join(half.output.split()))
    meta = json.loads((prior / "config.json").read_text())
    (prior / "config.json").write_text(json.dumps({**meta, "config": {}}))  # no weights
    half = runner.invoke(app, ["prior", "sample", "--prior", str(prior), "--num", "3",
                               "--out", out])
    assert half.exit_code == 1 and "Traceback" not in half.output
    assert "the saved model is incomplete (No such file or directory: " in half.output


def test_reward_train_network_option_fits_the_named_shape_alone(tmp_path):
    data = write_labeled(tmp_path / "offline.csv", 200)
    wrong = runner.invoke(app, ["reward", "train", "--data", str(data), "--alphabet", "dna",
                                "--network", "widest", "--out", str(tmp_path / "no")])
    assert wrong.exit_code == 1
    assert "'widest'" in wrong.output and "auto, average, dilated, wide" in wrong.output
    assert "Traceback" not in wrong.output and not (tmp_path / "no").exists()
    trained = runner.invoke(app, ["reward", "train", "--data", str(data), "--alphabet", "dna",
                                  "--kind", "bonus", "--network", "wide", "--threads", "1",
                                  "--out", str(tmp_path / "wide")])
    assert trained.exit_code == 0, trained.output
    assert "network: 2 conv layers of kernel 17" in trained.output
    assert "the only shape fitted" in trained.output and "among" not in trained.output
    # Predictions on the offline data: its values, then r_hat and u (an r_hat - c u column at
    # c = 0 only repeated r_hat).
    columns = list(pd.read_csv(tmp_path / "wide" / "offline.csv").columns)
    assert columns == ["sequence", "value", "predicted_mean", "uncertainty"]


def test_reward_train_value_tilt_option_weighs_the_top_of_the_data(tmp_path):
    data = write_labeled(tmp_path / "offline.csv", 200)
    common = wide_bonus_fit(data)
    wrong = runner.invoke(app, [*common, "--value-tilt", "-1", "--out", str(tmp_path / "no")])
    assert wrong.exit_code == 2 and "--value-tilt" in wrong.output
    assert not (tmp_path / "no").exists()
    for name, option, tilt in (("plain", [], 0.0), ("tilted", ["--value-tilt", "2"], 2.0)):
        result = runner.invoke(app, [*common, *option, "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        config = json.loads((tmp_path / name / "config.json").read_text())["config"]
        assert config["value_tilt"] == tilt
        assert ("weighing the top of the data (value tilt 2)" in result.output) == bool(tilt)


def test_reward_train_count_weighting_reads_the_noise_of_replicated_values(tmp_path):
    data = write_labeled(tmp_path / "offline.csv", 400)
    table = pd.read_csv(data)
    rng = random.Random(1)
    table["measurements"] = [rng.choice([1, 8]) for _ in range(len(table))]
    table["value"] += [rng.gauss(0, 0.3) / n ** 0.5 for n in table["measurements"]]
    table.to_csv(data, index=False)
    common = wide_bonus_fit(data)
    wrong = runner.invoke(app, [*common, "--count-weighting", "sqrt",
                                "--out", str(tmp_path / "no")])
    assert wrong.exit_code == 1 and "'sqrt'" in wrong.output
    assert "none, counts, estimated" in wrong.output and not (tmp_path / "no").exists()
    result = runner.invoke(app, [*common, "--count-weighting", "estimated",
                                 "--out", str(tmp_path / "weighed")])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "weighed" / "config.json").read_text())
    assert meta["config"]["count_weighting"] == "estimated"
    assert "values weighed by the measurement noise they leave" in result.output
    assert "held-out errors: one measurement's noise variance" in result.output
    # one measurement's variance is 0.09; the fraction of A is easy to fit
    assert 0.03 < meta["metrics"]["noise_variance"] < 0.3, meta["metrics"]
    assert 0 < meta["metrics"]["noise_variance_se"] < meta["metrics"]["noise_variance"]
    assert f"(+- {meta['metrics']['noise_variance_se']:.2g} from" in result.output


def test_reward_train_max_minutes_stops_the_fit_and_says_so(tmp_path):
    data = write_labeled(tmp_path / "offline.csv", 200)
    common = wide_bonus_fit(data)
    wrong = runner.invoke(app, [*common, "--max-minutes", "0", "--out", str(tmp_path / "no")])
    assert wrong.exit_code == 1 and "--max-minutes must be a finite number > 0" in wrong.output
    result = runner.invoke(app, [*common, "--max-minutes", "0.00001",
                                 "--out", str(tmp_path / "cut")])
    assert result.exit_code == 0, result.output
    assert "the reward fit reached its time limit (1e-05 min): 1 network(s) stopped" in (
        result.output)
    meta = json.loads((tmp_path / "cut" / "config.json").read_text())
    assert meta["metrics"]["networks_cut_by_time"] == 1 and meta["metrics"]["steps"] == 1


def test_reward_train_then_finetune_writes_model_and_scored_designs(tmp_path,
                                                                    isolated_workspace):
    data = write_labeled(tmp_path / "offline.csv", 300)
    prior_dir, reward_dir, out = tmp_path / "prior", tmp_path / "reward", tmp_path / "ft"
    assert runner.invoke(app, ["prior", "train", "--data", str(data), "--alphabet", "dna",
                               "--max-minutes", "0.02", "--out", str(prior_dir)]).exit_code == 0
    trained = runner.invoke(app, ["reward", "train", "--data", str(data), "--alphabet", "dna",
                                  "--kind", "bonus", "--out", str(reward_dir)])
    assert trained.exit_code == 0, trained.output
    assert "pearson" in trained.output
    assert "network: " in trained.output and "conv layers of kernel" in trained.output
    tuned = runner.invoke(app, ["finetune", "--prior", str(prior_dir), "--reward",
                                str(reward_dir), "--steps", "2", "--batch", "4",
                                "--num-designs", "10", "--offline", str(data), "--out", str(out)])
    assert tuned.exit_code == 0, tuned.output
    designs = pd.read_csv(out / "designs.csv")
    assert len(designs) == 10
    for column in ("sequence", "predicted_mean", "uncertainty", "conservative_score", "novelty"):
        assert column in designs
    # 40 drawn (4 x --num-designs), the best distinct ones first, best first (this barely
    # trained prior draws few distinct designs: the best repeats fill in after them).
    distinct = designs["sequence"].nunique()
    assert designs["sequence"][:distinct].is_unique
    assert designs["conservative_score"][:distinct].is_monotonic_decreasing
    small = runner.invoke(app, ["finetune", "--prior", str(prior_dir), "--reward",
                                str(reward_dir), "--num-designs", "10", "--pool", "5",
                                "--out", str(tmp_path / "p")])
    assert small.exit_code != 0 and "must hold at least the 10 designs" in small.output
    sampled = runner.invoke(app, ["sample", "--model", str(out / "model"), "--num", "5",
                                  "--out", str(tmp_path / "more.csv")])
    assert sampled.exit_code == 0, sampled.output
    assert len(pd.read_csv(tmp_path / "more.csv")) == 5
    # The estimator and lr options reach the run's config; a wrong name is a clear error.
    again = runner.invoke(app, ["finetune", "--prior", str(prior_dir), "--reward",
                                str(reward_dir), "--steps", "1", "--batch", "4",
                                "--num-designs", "4", "--estimator", "reinforce", "--lr", "1e-3",
                                "--tilt-floor", "0.02", "--support-floor", "0.01",
                                "--tilt-completions", "3", "--chain-steps", "2",
                                "--out", str(tmp_path / "ft2")])
    assert again.exit_code == 0, again.output
    ran = Workspace(isolated_workspace).list_runs(kind="finetune")[0].config["finetune"]
    assert (ran["estimator"], ran["lr"], ran["tilt_floor"], ran["support_floor"],
            ran["tilt_completions"], ran["sampling_steps"]) == (
        "reinforce", 1e-3, 0.02, 0.01, 3, 2)
    # The model keeps the prior's denoiser for its support, and `sample` uses it.
    assert (tmp_path / "ft2" / "model" / "reference.safetensors").is_file()
    unweighted = runner.invoke(app, ["finetune", "--prior", str(prior_dir), "--reward",
                                     str(reward_dir), "--steps", "1", "--batch", "4",
                                     "--num-designs", "4", "--estimator", "reinforce",
                                     "--alpha", "0", "--out", str(tmp_path / "ft0")])
    assert unweighted.exit_code == 0, unweighted.output  # only the tilted target needs alpha
    assert runner.invoke(app, ["sample", "--model", str(tmp_path / "ft2" / "model"), "--num",
                               "3", "--out", str(tmp_path / "held.csv")]).exit_code == 0
    floor = runner.invoke(app, ["finetune", "--prior", str(prior_dir), "--reward",
                                str(reward_dir), "--tilt-floor", "1.5",
                                "--out", str(tmp_path / "y")])
    assert floor.exit_code != 0 and "--tilt-floor must be in [0, 1)" in floor.output
    chains = runner.invoke(app, ["finetune", "--prior", str(prior_dir), "--reward",
                                 str(reward_dir), "--chain-steps", "0",
                                 "--out", str(tmp_path / "z")])
    assert chains.exit_code != 0 and "--chain-steps" in chains.output
    bad = runner.invoke(app, ["finetune", "--prior", str(prior_dir), "--reward",
                              str(reward_dir), "--estimator", "sgd", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "--estimator must be one of" in bad.output
    value = runner.invoke(app, ["finetune", "--prior", str(prior_dir), "--reward",
                                str(reward_dir), "--tilt-value", "hessian",
                                "--out", str(tmp_path / "v")])
    assert value.exit_code != 0 and "--tilt-value must be one of" in value.output
    assert not (tmp_path / "v").exists()
    # --max-minutes ends fine-tuning before --steps, and says so (it had no time limit).
    timed = runner.invoke(app, ["finetune", "--prior", str(prior_dir), "--reward",
                                str(reward_dir), "--steps", "50", "--batch", "4",
                                "--num-designs", "4", "--max-minutes", "0.0001",
                                "--out", str(tmp_path / "t")])
    assert timed.exit_code == 0, timed.output
    steps = Workspace(isolated_workspace).list_runs(kind="finetune")[0].summary["finetune_steps"]
    assert 1 <= steps < 50
    assert (f"fine-tuning reached its time limit (0.0001 min) after {steps} of 50 steps"
            in " ".join(timed.output.split()))
    never = runner.invoke(app, ["finetune", "--prior", str(prior_dir), "--reward",
                                str(reward_dir), "--max-minutes", "0",
                                "--out", str(tmp_path / "n")])
    assert never.exit_code != 0 and "--max-minutes must be a finite number > 0" in never.output


def test_finetune_refuses_models_of_the_wrong_kind_and_alpha_0_before_recording_a_run(
        tmp_path, isolated_workspace):
    prior, reward = write_bundle_configs(tmp_path)
    (tmp_path / "config.json").write_text('{"kind": "bonus"}')  # as a run's folder holds
    out = str(tmp_path / "ft")
    for args, said in [
        (["--prior", str(reward), "--reward", str(prior), "--out", out],
         f"--prior {reward} holds a braid-reward bundle, not a braid-prior one; give the "
         "folder braid prior train wrote"),
        (["--prior", str(prior), "--reward", str(prior), "--out", out],
         f"--reward {prior} holds a braid-prior bundle, not a braid-reward one"),
        (["--prior", str(tmp_path / "none"), "--reward", str(reward), "--out", out],
         f"--prior {tmp_path / 'none'}: no saved model there (no config.json)"),
        # a run's folder given for its model (runs/<id>): the model's own folder is named
        (["--prior", str(prior), "--reward", str(tmp_path), "--out", out],
         f"--reward {tmp_path} holds another config.json, not a braid-reward one; give "
         f"{reward}, the run's own (or the folder braid reward train wrote)"),
        (["--prior", str(prior), "--reward", str(reward), "--alpha", "0", "--out", out],
         "--alpha must be > 0 with estimator 'tilted', got 0"),
        # The fine-tuned model and designs would land among a model's own files.
        (["--prior", str(prior), "--reward", str(reward), "--out", str(reward)],
         f"--out {reward} already holds a braid-reward bundle; give another folder"),
        (["--prior", str(prior), "--reward", str(reward), "--out", str(prior)],
         f"--out {prior} already holds a braid-prior bundle; give another folder"),
    ]:
        result = runner.invoke(app, ["finetune", *args])
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert said in " ".join(result.output.split()), result.output
    assert Workspace(isolated_workspace).list_runs() == []  # refused, not failed runs
    assert sorted(p.name for p in reward.iterdir()) == ["config.json"]


def test_a_model_that_repeats_itself_draws_more_then_says_what_is_missing(tmp_path,
                                                                         monkeypatch):
    # A fine-tuned model that draws only three different 8-mers: the pool is extended (up to
    # POOL_EXTEND times) looking for ten distinct ones, the repeats fill in, and the run says so.
    import torch

    from braid_core.diffusion.prior import Prior

    data = write_labeled(tmp_path / "offline.csv", 200)
    prior_dir, reward_dir = tmp_path / "prior", tmp_path / "reward"
    assert runner.invoke(app, ["prior", "train", "--data", str(data), "--alphabet", "dna",
                               "--max-minutes", "0.01", "--out", str(prior_dir)]).exit_code == 0
    assert runner.invoke(app, [*wide_bonus_fit(data), "--out", str(reward_dir)]).exit_code == 0
    draws = []

    def three_designs(self, num, *, generator, **_):
        draws.append(num)
        return torch.arange(3).repeat_interleave(8).reshape(3, 8).repeat(num, 1)[:num]

    monkeypatch.setattr(Prior, "sample", three_designs)
    tuned = runner.invoke(app, ["finetune", "--prior", str(prior_dir), "--reward",
                                str(reward_dir), "--steps", "1", "--batch", "4",
                                "--num-designs", "10", "--out", str(tmp_path / "ft")])
    assert tuned.exit_code == 0, tuned.output
    assert sum(draws) == 160  # the pool of 40, extended four times over
    assert ("the fine-tuned model drew only 3 distinct designs in 160: the best repeats fill "
            "the other 7 of the 10 asked for") in tuned.output
    designs = pd.read_csv(tmp_path / "ft" / "designs.csv")
    assert len(designs) == 10 and designs["sequence"].nunique() == 3


def test_reward_train_refuses_too_few_labeled_designs_before_recording_a_run(
        tmp_path, isolated_workspace):
    data = write_labeled(tmp_path / "five.csv", 5)
    result = runner.invoke(app, ["reward", "train", "--data", str(data), "--out",
                                 str(tmp_path / "r")])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert (f"error: {data}: 5 labeled designs are too few to fit a reward model" in
            " ".join(result.output.split())), result.output
    assert "(at least 8 designs with values)" in " ".join(result.output.split())
    assert Workspace(isolated_workspace).list_runs() == []  # refused, not a failed run
