"""The `braid` command line on small real files: exit codes, outputs, messages."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from braid_core.cli import app
from braid_core.runs import Workspace

runner = CliRunner()


def write_sequences(path: Path, num: int, length: int, letters: str, seed: int = 0) -> Path:
    rng = random.Random(seed)
    rows = ["".join(rng.choice(letters) for _ in range(length)) for _ in range(num)]
    pd.DataFrame({"sequence": rows, "value": [rng.random() for _ in rows]}).to_csv(
        path, index=False
    )
    return path


def test_data_check_reports_a_good_file(tmp_path):
    path = write_sequences(tmp_path / "good.csv", 20, 8, "ACGT")
    result = runner.invoke(app, ["data", "check", str(path), "--alphabet", "dna"])
    assert result.exit_code == 0, result.output
    assert "20" in result.output


def test_data_check_fails_on_a_bad_letter_and_names_the_row(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("sequence,value\nACGT,1.0\nACXT,2.0\nAGGT,0.5\n")
    result = runner.invoke(app, ["data", "check", str(path), "--alphabet", "dna"])
    assert result.exit_code == 1
    assert "bad.csv" in result.output
    assert "X" in result.output


def test_data_check_fails_on_a_missing_file(tmp_path):
    result = runner.invoke(app, ["data", "check", str(tmp_path / "nope.csv")])
    assert result.exit_code != 0
    assert "nope.csv" in result.output


def test_data_merge_combines_d_with_new_measurements(tmp_path):
    # D holds ACDEF twice (1.0, 1.5); the new round measures it again (3.0) and adds WWWWW,
    # whose letters alone would be inferred as another alphabet: read with D's instead.
    first = tmp_path / "offline.csv"
    first.write_text("sequence,value\nACDEF,1.0\nGHIKL,2.0\nMNPQR,0.1\nACDEF,1.5\n")
    second = tmp_path / "round2.csv"
    second.write_text("sequence,value\nACDEF,3.0\nWWWWW,2.5\n")
    out = tmp_path / "merged" / "d2.csv"
    result = runner.invoke(app, ["data", "merge", str(first), str(second), "--out", str(out)])
    assert result.exit_code == 0, result.output
    merged = pd.read_csv(out).set_index("sequence")
    assert sorted(merged.index) == ["ACDEF", "GHIKL", "MNPQR", "WWWWW"]
    assert merged.loc["ACDEF", "value"] == pytest.approx((1.0 + 1.5 + 3.0) / 3, rel=1e-6)
    assert merged["measurements"].to_dict() == {"ACDEF": 3, "GHIKL": 1, "MNPQR": 1, "WWWWW": 1}
    assert "MNPQR,0.1,1\n" in out.read_text()  # as the user wrote it, not 0.10000000149...
    assert f"combined from {first} (3 designs) and {second} (2 designs)" in result.output
    assert f"'ACDEF' at {first} design 1, {second} design 1" in result.output
    assert "standing for 6 measurements in all" in result.output
    # Merged again, the written file still counts ACDEF's three measurements: a fourth at 5.5
    # gives (1 + 1.5 + 3 + 5.5) / 4, not the mean of 11/6 and 5.5.
    third = tmp_path / "remeasured.csv"
    third.write_text("sequence,value\nACDEF,5.5\nYYYYY,0.5\n")
    again = tmp_path / "d3.csv"
    result = runner.invoke(app, ["data", "merge", str(out), str(third), "--out", str(again)])
    assert result.exit_code == 0, result.output
    assert f"'ACDEF' at {out} design 1, {third} design 1 (values 1.833 (mean of 3), 5.5)" in (
        result.output)
    merged = pd.read_csv(again).set_index("sequence")
    assert merged.loc["ACDEF", "value"] == pytest.approx(11.0 / 4, rel=1e-6)
    assert merged.loc["ACDEF", "measurements"] == 4
    # One new design, measured once, is a file worth adding.
    single = tmp_path / "single.csv"
    single.write_text("sequence,value\nKLMNP,4.0\n")
    result = runner.invoke(app, ["data", "merge", str(first), str(single),
                                 "--out", str(tmp_path / "d4.csv")])
    assert result.exit_code == 0, result.output
    assert f"and {single} (1 design)" in result.output
    assert pd.read_csv(tmp_path / "d4.csv").set_index("sequence").loc["KLMNP", "value"] == 4.0
    # A letter outside D's alphabet names the new file and its row; nothing is written.
    bad = tmp_path / "round3.csv"
    bad.write_text("sequence,value\nACDEZ,1.0\n")
    failed = runner.invoke(app, ["data", "merge", str(first), str(bad), "--out",
                                 str(tmp_path / "never.csv")])  # fmt: skip
    assert failed.exit_code == 1 and "round3.csv" in failed.output and "row 1" in failed.output
    assert not (tmp_path / "never.csv").exists()
    # Writing over an input would lose it: refused.
    refused = runner.invoke(app, ["data", "merge", str(first), str(second), "--out", str(first)])
    assert refused.exit_code == 1 and "one of the files to merge" in refused.output
    assert first.read_text().count("ACDEF") == 2


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


def test_where_the_output_cannot_go_is_said_before_any_work(tmp_path, isolated_workspace):
    data = write_sequences(tmp_path / "d.csv", 40, 6, "ACGT")
    folder = tmp_path / "folder"
    folder.mkdir()
    (tmp_path / "afile").write_text("mine")
    design = ["design", "--unlabeled", str(data), "--offline", str(data), "--out"]
    for args, said in [
        (design + [str(folder)], f"--out {folder} is a folder; give a file name ending in .csv"),
        (design + [str(tmp_path / "d.fasta")], "designs are written as CSV; give a file name "
         "ending in .csv"),
        (["data", "merge", str(data), "--out", str(tmp_path / "m.tsv")], "ending in .csv"),
        (["prior", "train", "--data", str(data), "--out", str(tmp_path / "afile")],
         f"--out {tmp_path / 'afile'} is a file; give a folder"),
        (["reward", "train", "--data", str(data), "--out", str(tmp_path / "afile")],
         "is a file; give a folder"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert result.output.startswith("error: --out ") and said in " ".join(
            result.output.split()), result.output
    # A folder holding a prior is not overwritten by a reward model (nor the other way).
    prior = tmp_path / "prior"
    trained = runner.invoke(app, ["prior", "train", "--data", str(data), "--max-minutes",
                                  "0.005", "--out", str(prior), "--threads", "1"])
    assert trained.exit_code == 0, trained.output
    before = (prior / "config.json").read_text()
    result = runner.invoke(app, ["reward", "train", "--data", str(data), "--out", str(prior)])
    assert result.exit_code == 1
    assert f"--out {prior} already holds a braid-prior bundle; give another folder" in (
        " ".join(result.output.split()))
    assert (prior / "config.json").read_text() == before
    # Only the prior run was recorded: every refusal came before any work.
    assert [r.kind for r in Workspace(isolated_workspace).list_runs()] == ["prior"]
    # A prior retrained into its own folder replaces it, as asked.
    again = runner.invoke(app, ["prior", "train", "--data", str(data), "--max-minutes",
                                "0.005", "--out", str(prior), "--threads", "1", "--seed", "1"])
    assert again.exit_code == 0, again.output


@pytest.mark.parametrize(("stop", "code", "said"), [
    ("ctrl-c", 130, "interrupted: run {id} is recorded as cancelled; nothing was written to "
     "--out"),
    ("sigterm", 143, "stopped: run {id} was cancelled; nothing was written to --out")])
def test_an_interrupted_run_is_recorded_as_cancelled_and_says_so(tmp_path, isolated_workspace,
                                                                 monkeypatch, stop, code, said):
    from braid_core import jobs, pipeline

    def interrupted(*args, **kwargs):
        # Ctrl-C, or SIGTERM (e.g. `braid runs cancel` from another terminal), as the job runs
        raise KeyboardInterrupt if stop == "ctrl-c" else jobs.JobCancelled("stopped by SIGTERM")

    monkeypatch.setattr(pipeline, "execute", interrupted)
    data = write_sequences(tmp_path / "d.csv", 40, 6, "ACGT")
    out = tmp_path / "designs.csv"
    result = runner.invoke(app, ["design", "--unlabeled", str(data), "--offline", str(data),
                                 "--out", str(out)])
    assert result.exit_code == code, result.output
    [record] = Workspace(isolated_workspace).list_runs()
    assert record.status == "cancelled"
    assert said.format(id=record.id) in " ".join(result.output.split())
    assert "Traceback" not in result.output and not out.exists()


def test_a_run_made_from_models_in_run_folders_records_them_as_its_sources(isolated_workspace):
    from braid_core.cli.local_runs import _source_runs

    workspace = Workspace(isolated_workspace)
    design = workspace.create_run("design", {})
    other = workspace.create_run("reward", {})
    config = {"prior": str(workspace.run_path(design.id) / "prior"),
              "reward": str(workspace.run_path(design.id) / "reward")}
    assert _source_runs(workspace, config) == [design.id]  # once, though it made both
    config["reward"] = str(workspace.run_path(other.id) / "reward")
    assert _source_runs(workspace, config) == [design.id, other.id]
    outside = {"prior": "/somewhere/prior", "reward": str(isolated_workspace / "runs" / "x")}
    assert _source_runs(workspace, outside) == []


def write_labeled(path: Path, num: int, seed: int = 0) -> Path:
    """DNA 8-mers whose value is the fraction of A: learnable by a tiny reward model."""
    rng = random.Random(seed)
    rows = ["".join(rng.choice("ACGT") for _ in range(8)) for _ in range(num)]
    values = [s.count("A") / 8 + rng.gauss(0, 0.02) for s in rows]
    pd.DataFrame({"sequence": rows, "value": values}).to_csv(path, index=False)
    return path


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


def wide_bonus_fit(data: Path) -> list[str]:
    """`braid reward train` of one BRAID-Bonus net of the wide shape on `data` (no --out)."""
    return ["reward", "train", "--data", str(data), "--alphabet", "dna", "--kind", "bonus",
            "--network", "wide", "--threads", "1"]


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


def test_reward_train_max_minutes_stops_the_fit_and_says_so(tmp_path):
    data = write_labeled(tmp_path / "offline.csv", 200)
    common = wide_bonus_fit(data)
    wrong = runner.invoke(app, [*common, "--max-minutes", "0", "--out", str(tmp_path / "no")])
    assert wrong.exit_code == 1 and "--max-minutes must be positive" in wrong.output
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
    assert runner.invoke(app, ["sample", "--model", str(tmp_path / "ft2" / "model"), "--num",
                               "3", "--out", str(tmp_path / "held.csv")]).exit_code == 0
    floor = runner.invoke(app, ["finetune", "--prior", str(prior_dir), "--reward",
                                str(reward_dir), "--tilt-floor", "1.5",
                                "--out", str(tmp_path / "y")])
    assert floor.exit_code != 0 and "tilt_floor must be in [0, 1)" in floor.output
    chains = runner.invoke(app, ["finetune", "--prior", str(prior_dir), "--reward",
                                 str(reward_dir), "--chain-steps", "0",
                                 "--out", str(tmp_path / "z")])
    assert chains.exit_code != 0 and "--chain-steps" in chains.output
    bad = runner.invoke(app, ["finetune", "--prior", str(prior_dir), "--reward",
                              str(reward_dir), "--estimator", "sgd", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "estimator must be one of" in bad.output
    value = runner.invoke(app, ["finetune", "--prior", str(prior_dir), "--reward",
                                str(reward_dir), "--tilt-value", "hessian",
                                "--out", str(tmp_path / "v")])
    assert value.exit_code != 0 and "tilt_value must be one of" in value.output
    assert not (tmp_path / "v").exists()



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


def test_runs_from_the_command_line_are_recorded_in_the_workspace(tmp_path, isolated_workspace):

    data = write_sequences(tmp_path / "u.csv", 50, 6, "ACGT")
    runner.invoke(app, ["prior", "train", "--data", str(data), "--max-minutes", "0.005",
                        "--out", str(tmp_path / "prior")])
    records = Workspace(isolated_workspace).list_runs(kind="prior")
    assert len(records) == 1 and records[0].status == "done"


def test_a_bad_file_fails_the_run_with_the_data_error(tmp_path, isolated_workspace):

    bad = tmp_path / "bad.csv"
    bad.write_text("sequence\nACGT\nAC\nACGT\n")
    result = runner.invoke(app, ["prior", "train", "--data", str(bad), "--out",
                                 str(tmp_path / "prior")])
    assert result.exit_code == 1
    assert "bad.csv" in result.output and "Traceback" not in result.output
    [record] = Workspace(isolated_workspace).list_runs()
    assert record.status == "failed" and "bad.csv" in record.error


@pytest.mark.parametrize(("method", "network"), [("braid-boot", "auto"), ("proxy", "dilated"),
                                                 ("braid-bonus", "average")])
def test_design_runs_the_whole_pipeline_within_its_budget(tmp_path, isolated_workspace, method,
                                                          network):
    unlabeled = write_sequences(tmp_path / "unlabeled.csv", 300, 8, "ACGT", seed=1)
    offline = write_labeled(tmp_path / "offline.csv", 200)
    out = tmp_path / "designs.csv"
    result = runner.invoke(app, [
        "design", "--unlabeled", str(unlabeled), "--offline", str(offline), "--alphabet", "dna",
        "--method", method, "--num-designs", "16", "--max-minutes", "0.2", "--out", str(out),
        "--reward-network", network,
    ])
    assert result.exit_code == 0, result.output
    # The reward model the run fitted: both shapes ("auto" keeps one, "average" both) or the
    # named one alone.
    workspace = Workspace(isolated_workspace)
    [run] = workspace.list_runs()
    saved = json.loads((workspace.run_path(run.id) / "reward" / "config.json").read_text())
    saved = saved["config"]
    assert len(saved["alternatives"]) == (1 if network in ("auto", "average") else 0)
    assert saved["combine"] == ("average" if network == "average" else "choose")
    # The fit is held to a share of what pre-training left of the 0.2 minutes
    assert 0 < saved["max_minutes"] <= 0.5 * 0.2
    # U holds one design twice; pre-training reads U again, and the warning is said once
    assert result.output.count("unlabeled.csv: 1 design appears more than once") == 1
    designs = pd.read_csv(out)
    assert len(designs) == 16
    assert {"sequence", "predicted_mean", "uncertainty", "conservative_score"} <= set(designs)
    distinct = designs["sequence"].nunique()  # the best distinct designs come first
    assert designs["sequence"][:distinct].is_unique
    assert designs["conservative_score"][:distinct].is_monotonic_decreasing
    assert designs["sequence"].str.len().eq(8).all()


def test_design_refuses_designs_in_two_spaces_before_any_run(tmp_path, isolated_workspace):
    unlabeled = write_sequences(tmp_path / "unlabeled.csv", 50, 6, "ACGT")
    offline = write_labeled(tmp_path / "offline.csv", 50)
    result = runner.invoke(app, ["design", "--unlabeled", str(unlabeled), "--offline",
                                 str(offline), "--alphabet", "dna", "--out",
                                 str(tmp_path / "x.csv")])
    assert result.exit_code == 1
    assert ("the unlabeled designs (sequences of length 6 over dna) and the offline designs "
            "(sequences of length 8 over dna) are not in the same space") in result.output
    assert Workspace(isolated_workspace).list_runs() == []


def test_design_refuses_an_unknown_method_before_any_work(tmp_path):
    data = write_labeled(tmp_path / "d.csv", 20)
    result = runner.invoke(app, ["design", "--unlabeled", str(data), "--offline", str(data),
                                 "--method", "magic", "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 1
    assert "magic" in result.output and "braid-boot" in result.output
    shape = runner.invoke(app, ["design", "--unlabeled", str(data), "--offline", str(data),
                                "--reward-network", "huge", "--out", str(tmp_path / "x.csv")])
    assert shape.exit_code == 1 and "'huge'" in shape.output and "dilated" in shape.output


@pytest.mark.parametrize(("task", "said"), [
    ("nope", "unknown task 'nope'"), ("8:3:0", "do not fit in length 8"),
    ("ehrlich-20-32", "the oracle ehrlich-20-32 scores sequences of length 32 over protein, but "
     "the offline designs are sequences of length 8 over dna: give the task the designs come "
     "from")])
def test_design_refuses_an_unknown_oracle_task_before_any_run(tmp_path, isolated_workspace,
                                                              task, said):
    data = write_labeled(tmp_path / "d.csv", 20)
    result = runner.invoke(app, ["design", "--unlabeled", str(data), "--offline", str(data),
                                 "--task", task, "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 1
    assert said in result.output and "Traceback" not in result.output
    assert Workspace(isolated_workspace).list_runs() == []  # nothing started, nothing recorded


def test_task_export_writes_any_ehrlich_instance_and_lists_the_family(tmp_path):
    result = runner.invoke(app, ["task", "export", "36:3:7", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    unlabeled = pd.read_csv(tmp_path / "unlabeled.csv")
    offline = pd.read_csv(tmp_path / "offline.csv")
    assert unlabeled["sequence"].str.len().eq(36).all()
    assert offline["sequence"].str.len().eq(36).all() and offline["value"].between(0, 1).all()
    # The same instance as the benchmarks build: its oracle gives D's values back.
    from braid_core.tasks import task_from_spec

    task = task_from_spec("36:3:7")
    scores = task.score(task.space.encode(offline["sequence"].tolist()))
    assert scores.numpy() == pytest.approx(offline["value"].to_numpy(), abs=1e-4)
    unknown = runner.invoke(app, ["task", "export", "ehrlich", "--out", str(tmp_path / "x")])
    assert unknown.exit_code == 1 and "LENGTH:MOTIFS:SEED" in unknown.output
    listed = runner.invoke(app, ["task", "list"])
    assert "L:M:S" in listed.output and "56:3:23" in listed.output


def test_runs_are_listed_shown_cancelled_and_deleted_from_the_command_line(tmp_path,
                                                                           isolated_workspace):
    import os

    from braid_core import jobs

    workspace = Workspace(isolated_workspace)
    parent = workspace.create_run("prior", {"data": "d.csv"}, name="my prior")
    workspace.set_status(parent.id, "running")
    workspace.set_status(parent.id, "done")
    workspace.set_summary(parent.id, {"designs": 40, "space": "dna"})
    child = workspace.create_run("finetune", {"c": 0.5}, parents=[parent.id])
    pid = jobs.launch(workspace, child.id, ["sleep", "30"])
    dead = workspace.create_run("reward", {})
    gone = jobs.launch(workspace, dead.id, ["true"])
    os.waitpid(gone, 0)  # ended without reporting: the index still says running

    listed = runner.invoke(app, ["runs", "list"])
    assert listed.exit_code == 0, listed.output
    header, *lines = listed.output.splitlines()
    assert header.split() == ["run", "kind", "status", "method", "name", "headline"]
    assert [line.split()[0] for line in lines] == [dead.id, child.id, parent.id]  # newest first
    assert lines[0].split()[1:3] == ["reward", "failed"]  # the dead job, found out
    assert lines[2].split()[1:] == ["prior", "done", "-", "my", "prior", "designs", "40"]
    design = workspace.create_run("design", {"method": "proxy"})
    workspace.set_status(design.id, "running")
    workspace.set_status(design.id, "done")
    workspace.set_summary(design.id, {"true_score_median": 0.0, "validity": 0.03})
    row = runner.invoke(app, ["runs", "list", "--kind", "design"]).output.splitlines()[1]
    assert row.split()[1:] == ["design", "done", "proxy", "-", "true_score_median", "0,",
                               "valid", "3%"]
    workspace.delete_run(design.id)
    only = runner.invoke(app, ["runs", "list", "--status", "running"])
    assert [line.split()[0] for line in only.output.splitlines()[1:]] == [child.id]
    assert runner.invoke(app, ["runs", "list", "--status", "finished"]).exit_code == 1

    shown = runner.invoke(app, ["runs", "show", parent.id[-4:]])  # the id's end is enough
    assert shown.exit_code == 0, shown.output
    assert f"run {parent.id} (prior, my prior): done" in shown.output
    assert '"designs": 40' in shown.output and '"data": "d.csv"' in shown.output
    missing = runner.invoke(app, ["runs", "show", "zzzz"])
    assert missing.exit_code == 1 and "no run in" in missing.output

    refused = runner.invoke(app, ["runs", "delete", child.id, "--yes"])
    assert refused.exit_code == 1 and f"braid runs cancel {child.id}" in refused.output
    cancelled = runner.invoke(app, ["runs", "cancel", child.id])
    assert cancelled.exit_code == 0 and f"run {child.id} is cancelled" in cancelled.output
    assert not jobs._is_alive(pid, workspace.record(child.id).process_token)

    kept = runner.invoke(app, ["runs", "delete", parent.id], input="n\n")
    assert kept.exit_code == 1 and f"no longer find it: {child.id}" in kept.output
    assert workspace.run_path(parent.id).is_dir()
    deleted = runner.invoke(app, ["runs", "delete", parent.id], input="y\n")
    assert deleted.exit_code == 0 and not workspace.run_path(parent.id).exists()
    assert [r.id for r in workspace.list_runs()] == [dead.id, child.id]
