"""A run summary's values in words (braid_core.runs.summary)."""

from __future__ import annotations

import math

import pytest

from braid_core.runs.summary import summary_value


def test_a_summary_table_is_printed_as_words_not_a_python_dict():
    ratios = {"1": 0.6234, "2": 0.9908}  # the prior's diversity ratio by position noise
    assert summary_value("diversity_ratio", ratios) == (
        "0.6234 at position noise 1, 0.9908 at position noise 2")
    assert summary_value("other", {"a": 0.123456, "b": 2}) == "a 0.1235, b 2"
    assert summary_value("spearman", 0.912345) == "0.9123"
    assert summary_value("space", "dna") == "dna"


def test_a_correlation_that_is_nan_says_why():
    # 99 held-out values of one level: "spearman: nan" told a user nothing.
    assert summary_value("spearman", math.nan) == (
        "n/a (the held-out values or the predictions are all alike)")
    assert summary_value("uncertainty_spearman", math.nan) == (
        "n/a (the uncertainties or the held-out errors are all alike)")
    assert summary_value("spearman", 0.5) == "0.5"


def test_a_recorded_error_reads_as_words():
    from braid_core.jobs import ENDED_WITHOUT_REPORT
    from braid_core.runs.summary import error_in_words

    assert error_in_words("DataError: d.csv: row 3 has 'Z'") == "d.csv: row 3 has 'Z'"
    assert error_in_words("PermissionError: [Errno 13] Permission denied: 'out'") == (
        "Permission denied: 'out'")
    assert error_in_words("SystemExit: exit status 2") == (
        "the run's process stopped (exit status 2)")
    assert error_in_words("OutOfMemoryError: CUDA out of memory.") == (
        "the run ran out of memory: CUDA out of memory. (the traceback is in log.txt)")
    assert error_in_words("IndexError") == (
        "the run crashed on an unexpected IndexError (the traceback is in log.txt)")
    assert error_in_words(ENDED_WITHOUT_REPORT) == ENDED_WITHOUT_REPORT


def test_parents_in_words_once_each_and_deleted_ones_marked():
    from braid_core.runs.summary import parents_in_words

    assert parents_in_words(["a", "b", "a"], {"a": None, "c": None}) == "a, b (deleted)"
    # a named parent is said with its name (an id alone told a user little)
    assert parents_in_words(["a", "b"], {"a": "dna prior", "b": ""}) == "a (dna prior), b"


def test_every_run_with_a_method_names_it_a_fine_tuning_run_from_c_and_its_reward_model(
        tmp_path):
    import json

    from braid_core.runs.summary import run_method

    bonus, boot = tmp_path / "bonus", tmp_path / "boot"
    for folder in (bonus, boot):
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps({"format": "braid-reward",
                                                        "kind": folder.name}))

    def finetune(reward, c, mode="std"):  # as finetune_config records it (CLI and dashboard)
        return run_method("finetune", {"reward": str(reward), "finetune": {"c": c, "mode": mode}})

    assert finetune(bonus, 0.5) == "braid-bonus"
    assert finetune(boot, 1.0) == "braid-boot"
    assert finetune(bonus, 0.0) == finetune(boot, 0.0) == "strl"  # no uncertainty penalty
    assert finetune(boot, 0.0, mode="min") == "braid-boot"  # the min over heads ignores c
    assert finetune(tmp_path / "deleted", 0.5) == "braid"  # its reward model's kind is gone
    assert run_method("design", {"method": "strl", "c": 0.5}) == "strl"
    assert run_method("baseline", {"method": "guidance"}) == "guidance"
    assert run_method("reward", {"kind": "bonus"}) == "bonus"
    assert run_method("prior", {"data": {"path": "d.csv"}}) is None


def test_a_sample_run_is_labelled_with_what_it_drew_from(workspace, tmp_path):
    import json

    from braid_core.pipeline import sample_config
    from braid_core.runs.summary import run_method, sampled_method

    reward = tmp_path / "reward"
    reward.mkdir()
    (reward / "config.json").write_text(json.dumps({"format": "braid-reward", "kind": "bonus"}))
    made = {
        "prior": workspace.create_run("prior", {"data": {"path": "d.csv"}}),
        "braid": workspace.create_run("finetune", {"reward": str(reward),
                                                   "finetune": {"c": 0.5}}),
        "strl": workspace.create_run("finetune", {"reward": str(reward),
                                                  "finetune": {"c": 0.0}}),
        "design": workspace.create_run("design", {"method": "braid-boot", "c": 0.5}),
    }

    def drawn(run_id: str, folder: str, given_as: str = "model") -> str:
        return run_method("sample", sample_config(workspace.run_path(run_id) / folder, num=3,
                                                  device="cpu", given_as=given_as))

    assert drawn(made["prior"].id, "prior") == "pretrained"
    assert drawn(made["design"].id, "prior") == "pretrained"
    assert drawn(made["braid"].id, "model", given_as="prior") == "braid-bonus"  # the run says
    assert drawn(made["strl"].id, "model") == "strl"
    assert drawn(made["design"].id, "model") == "braid-boot"
    # A folder that is no run's own (a copy --out wrote, a shipped prior): what the command
    # was given it as, a fine-tuned model's method being unknown there.
    assert sampled_method(tmp_path / "model", "prior") == "pretrained"
    assert sampled_method(tmp_path / "model", "model") == "model"
    with pytest.raises(ValueError, match="given_as must be one of"):
        sampled_method(tmp_path / "model", "finetuned")

    # Recorded when the run is made: it stays right after the reward model is deleted.
    recorded = sample_config(workspace.run_path(made["braid"].id) / "model", num=3,
                             device="cpu")
    (reward / "config.json").unlink()
    assert recorded["sampled"] == "braid-bonus" == run_method("sample", recorded)
    # A sample run recorded before "sampled" was: found from its folder, "model" where that
    # says nothing (its command is not recorded) or its run is gone.
    old = {key: recorded[key] for key in ("model", "num", "seed", "device")}
    assert run_method("sample", old) == "braid"  # the reward model's kind is gone
    assert run_method("sample", {**old, "model": str(
        workspace.run_path(made["prior"].id) / "prior")}) == "pretrained"
    workspace.delete_run(made["strl"].id)
    assert run_method("sample", {**old, "model": str(
        workspace.run_path(made["strl"].id) / "model")}) == "model"
    assert run_method("sample", {**old, "model": str(tmp_path / "model")}) == "model"
