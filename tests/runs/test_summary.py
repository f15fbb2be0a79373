"""A run summary's values in words (braid_core.runs.summary)."""

from __future__ import annotations

from braid_core.runs.summary import summary_value


def test_a_summary_table_is_printed_as_words_not_a_python_dict():
    ratios = {"1": 0.6234, "2": 0.9908}  # the prior's diversity ratio by position noise
    assert summary_value("diversity_ratio", ratios) == (
        "0.6234 at position noise 1, 0.9908 at position noise 2")
    assert summary_value("other", {"a": 0.123456, "b": 2}) == "a 0.1235, b 2"
    assert summary_value("spearman", 0.912345) == "0.9123"
    assert summary_value("space", "dna") == "dna"


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
