"""`braid design` (pipeline/design.py): all steps under one budget, in a real tiny run."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from pipeline_files import KeptNotes, write_sequences

from braid_core import pipeline


def test_a_tiny_budget_says_the_prior_was_barely_trained_and_records_it(tmp_path):
    # --max-minutes 0.01 leaves pre-training 0.3 s: far from its 100 warm-up steps. The run
    # says so, and its summary keeps the fact for the Design page.
    unlabeled = write_sequences(tmp_path / "u.csv", num=200)
    offline = write_sequences(tmp_path / "o.csv", num=60, seed=1, values=True)
    config = pipeline.design_config(unlabeled, offline, max_minutes=0.01, num_designs=8,
                                    device="cpu")  # fmt: skip
    report = KeptNotes()
    tuned: list[int] = []  # the fine-tuning steps reported as metric rows (designs drawn
    # after them are counted without one)
    report.on_step = lambda step, row: tuned.append(step) if row and "kl" in row else None
    summary = pipeline.run_design(config, tmp_path / "out", report)
    assert summary["prior_cut_by_time"] is True
    assert summary["prior_steps"] < summary["prior_warmup_steps"] == 100
    assert summary["prior_max_minutes"] == pipeline.PRIOR_SHARE * 0.01
    assert pipeline.prior_time_note(summary) in report.notes
    # and how far fine-tuning got in what the budget left it, far short of its step limit
    assert summary["finetune_steps"] == tuned[-1] < pipeline.DESIGN_MAX_STEPS


def two_letter_files(tmp_path):
    """Unlabeled: the 16 two-letter DNA designs; offline: 12 of them, the best-valued, so
    only AA, AT, TA and TT are new."""
    designs = ["".join(pair) for pair in itertools.product("ACGT", repeat=2)]
    unlabeled = tmp_path / "u.csv"
    pd.DataFrame({"sequence": designs * 4}).to_csv(unlabeled, index=False)
    measured = [d for d in designs if d not in NEW]
    offline = tmp_path / "o.csv"
    pd.DataFrame({"sequence": measured,
                  "value": [d.count("G") + d.count("C") for d in measured]}).to_csv(
        offline, index=False)
    return unlabeled, offline


NEW = ["AA", "AT", "TA", "TT"]


# A large alpha keeps the fine-tuned model near the prior, which draws all 16 designs alike.
@pytest.mark.parametrize("method", ["braid-bonus", "pretrained"])
def test_no_design_of_the_offline_data_is_handed_over(tmp_path, method):
    # A tester's #1 design, and its 11 repeat rows, were a design they had measured. Here the
    # offline data holds 12 of the 16 two-letter DNA designs, the best-valued among them, so
    # most of the pool is measured.
    unlabeled, offline = two_letter_files(tmp_path)
    # 9 s: at 3 s a loaded machine's time limit let the pool stop at its first 8 designs,
    # with few new among them (none, one time in ten)
    config = pipeline.design_config(unlabeled, offline, method=method, alpha=100.0,
                                    max_minutes=0.15,
                                    num_designs=8, device="cpu")  # fmt: skip
    report = KeptNotes()
    summary = pipeline.run_design(config, tmp_path / "out", report)
    table = pd.read_csv(tmp_path / "out" / "designs.csv")
    assert set(table["sequence"]) <= set(NEW) and (table["novelty"] > 0).all()
    # repeats of new ones only (fewer than 8 rows where the pool held fewer new designs)
    assert table["repeat"].sum() == len(table) - table["sequence"].nunique()
    assert summary["copies_of_offline"] == 0.0
    left_out = summary["left_out_as_measured"]
    assert 0 < left_out < summary["pool_size"]
    assert (f"{left_out} of the {summary['pool_size']} pool designs were already in the "
            "offline data and were left out") in report.notes


def test_proxy_in_a_space_smaller_than_its_pool_hands_over_the_new_designs_it_found(tmp_path):
    # The GA crashed here (torch.cat of no unseen child), then refused 16 distinct designs
    # for a pool of 32; it hands over the 4 new ones, and says fewer than asked.
    unlabeled, offline = two_letter_files(tmp_path)
    config = pipeline.design_config(unlabeled, offline, method="proxy", max_minutes=0.05,
                                    num_designs=8, device="cpu")  # fmt: skip
    report = KeptNotes()
    summary = pipeline.run_design(config, tmp_path / "out", report)
    table = pd.read_csv(tmp_path / "out" / "designs.csv")
    assert sorted(table["sequence"]) == NEW and summary["left_out_as_measured"] == 12
    assert ("the proxy baseline found 4 designs to hand over, fewer than the 8 asked for"
            in report.notes)


def test_vector_designs_get_their_euclidean_distance_to_the_offline_data(tmp_path):
    # Sequences had a novelty column and figure; vector designs had none.
    rng = np.random.default_rng(0)
    unlabeled, offline = tmp_path / "u.csv", tmp_path / "o.csv"
    pd.DataFrame(rng.normal(size=(64, 2)), columns=["x0", "x1"]).to_csv(unlabeled, index=False)
    measured = pd.DataFrame(rng.normal(size=(24, 2)), columns=["x0", "x1"])
    measured.assign(value=measured["x0"]).to_csv(offline, index=False)
    config = pipeline.design_config(unlabeled, offline, method="pretrained", max_minutes=0.05,
                                    num_designs=8, device="cpu")  # fmt: skip
    summary = pipeline.run_design(config, tmp_path / "out", KeptNotes())
    table = pd.read_csv(tmp_path / "out" / "designs.csv")
    designs = table[["x0", "x1"]].to_numpy()
    nearest = np.linalg.norm(designs[:, None] - measured.to_numpy()[None], axis=-1).min(1)
    # float32 digits, as the CSV writes them: a design of a prior trained this briefly may lie
    # thousands out, where float32 resolves 1e-4, not 1e-5
    assert table["novelty"].to_numpy() == pytest.approx(nearest, rel=1e-6, abs=1e-5)
    assert summary["novelty_mean"] == pytest.approx(nearest.mean(), rel=1e-6, abs=1e-5)


def test_designs_an_oracle_finds_mostly_invalid_are_said_to_be(tmp_path):
    # a 2-minute `braid design --task ehrlich-20-32` on the demo handed over 76.6 % valid
    # designs without a word of it; here a prior of a second's training does worse
    from braid_core.tasks import get_task

    files = {path.stem: path for path in get_task("ehrlich-20-32").export(tmp_path / "task")}
    config = pipeline.design_config(files["unlabeled"], files["offline"], max_minutes=0.02,
                                    num_designs=16, task="ehrlich-20-32", device="cpu")
    report = KeptNotes()
    summary = pipeline.run_design(config, tmp_path / "out", report)
    assert summary["validity"] < 0.95
    said = pipeline.validity_note(summary, "ehrlich-20-32", tuned=True)
    assert said in report.notes and said.startswith(
        f"only {summary['validity']:.1%} of the designs are valid by the oracle of "
        "ehrlich-20-32, below the 95% BRAID aims at: a prior pre-trained longer")
    assert pipeline.validity_note({**summary, "validity": 0.96}, "ehrlich-20-32",
                                  tuned=True) is None
    assert pipeline.validity_note({"true_score_median": 0.1}, None, tuned=False) is None
