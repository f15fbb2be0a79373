"""The verdict rule behind bench/results/targets.md (bench/targets.py, bench/paired.py)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import paired  # noqa: E402
import targets  # noqa: E402


def runs(medians: list[float], validity: float = 1.0, steps: int | None = None) -> dict:
    """{seed: row} with the given per-seed medians."""
    return {seed: {"true_score_median": m, "validity": validity, "finetune_steps": steps}
            for seed, m in enumerate(medians)}


def test_paired_summary_is_the_mean_per_seed_difference_and_its_standard_error():
    a, b = runs([0.5, 0.6, 0.7]), runs([0.4, 0.6, 0.8])
    result = paired.summary(a, b, "true_score_median")
    assert result["difference"] == pytest.approx(0.0)
    assert result["standard_error"] == pytest.approx(0.1 / 3 ** 0.5)
    assert (result["higher"], result["level"], result["lower"]) == (1, 1, 1)


def test_seed_range_labels_count_as_the_method_and_other_notes_do_not():
    assert paired.matches("braid-bonus (seeds 6-9)", "braid-bonus")
    assert not paired.matches("braid-bonus (c 1, session 21)", "braid-bonus")


@pytest.mark.parametrize(("braid", "base", "verdict"), [
    ([0.50, 0.60, 0.70], [0.50, 0.55, 0.70], "met"),
    # below by 0.010 with a standard error of 0.006: within two standard errors
    ([0.50, 0.60, 0.70], [0.52, 0.60, 0.71], "level within noise (below by 0.010)"),
    ([0.40, 0.50, 0.60], [0.50, 0.60, 0.70], "missed by 0.100"),
])
def test_at_equal_validity_the_paired_median_decides(braid, base, verdict):
    assert targets.compare(runs(braid), runs(base))[1] == verdict


def test_a_less_valid_baseline_does_not_count_and_the_verdict_says_what_it_bought():
    figures, verdict = targets.compare(runs([0.5, 0.5, 0.5], 0.99), runs([0.9, 0.8, 0.9], 0.80))
    assert verdict == ("met on validity: the baseline is 0.367 higher in median "
                       "but 19.0 points less valid")
    assert "valid 99.0% vs 80.0%" in figures


def test_comparisons_with_a_fine_tuned_baseline_name_both_step_counts():
    figures, _ = targets.compare(runs([0.5, 0.6], steps=540), runs([0.5, 0.6]), fine_tuned=True)
    assert figures.endswith("fine-tuning steps 540 vs not recorded")


def test_family_verdict_counts_passes_and_says_where_the_misses_lie():
    passes = [True, True, False, True, False]
    figures, verdict = targets.family_figures(passes, [False, False, True, True, True])
    assert figures.startswith("3 of 5 pass (60%")
    assert "without a plateau: 2 of 2, with one: 1 of 3" in figures
    assert verdict == "missed on 2 of 5 (each with a plateau D)"
    # A miss without a plateau is not explained away; all passing is met.
    _, verdict = targets.family_figures(passes, [False, False, False, True, True])
    assert verdict == "missed on 2 of 5"
    assert targets.family_figures([True, True], [False, True])[1] == "met"
