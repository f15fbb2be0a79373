"""The steps' helpers: the designs kept from a drawn pool, the table written, progress."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pandas as pd
import torch
from pipeline_files import KeptNotes, KeptProgress, write_sequences

from braid_core import pipeline
from braid_core.diffusion.prior import PriorConfig
from braid_core.pipeline.steps import (
    _best_of_pool,
    _new_of_pool,
    _score_and_write,
    calibration_note,
    pool_notes,
    prior_time_note,
    reward_time_note,
    run_prior,
    run_reward,
)
from braid_core.rewards.conservative import Prediction
from braid_core.spaces import SequenceSpace


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
    chosen = _best_of_pool(pool, model, 1.0, "std", 4, choose=True)
    assert chosen[:, 0].tolist() == [3, 2, 1, 1]  # distinct first, the repeat fills in
    as_drawn = _best_of_pool(pool, model, 1.0, "std", 4, choose=False)
    assert as_drawn[:, 0].tolist() == [1, 3, 1, 2]


def test_designs_of_the_offline_data_are_left_out_and_never_fill_repeats():
    # A tester's #1 design (and 11 repeat rows) was one they had measured already. Here the
    # best-scoring design [4, 0] is measured, and so is [2, 0], drawn twice.
    pool = torch.tensor([[4, 0], [1, 0], [2, 0], [4, 0], [3, 0], [2, 0], [1, 0], [4, 0]])
    measured = torch.tensor([[4, 0], [2, 0], [0, 3]])
    new = _new_of_pool(pool, measured)
    assert new.left_out == 5 and not new.none_new
    chosen = _best_of_pool(new.pool, _ScoreIsFirstToken(), 1.0, "std", 3, choose=True)
    assert chosen[:, 0].tolist() == [3, 1, 1]  # the repeat that fills in is a new design
    notes = pool_notes(3, 8, 8, 2, left_out=5, handed=3)
    assert notes == ["5 of the 8 pool designs were already in the offline data and were left "
                     "out", "the fine-tuned model drew only 2 distinct new designs in 8: the "
                     "best repeats fill the other 1 of the 3 asked for (a larger alpha keeps "
                     "it broader)"]
    assert _new_of_pool(pool, None).pool is pool  # no offline data: nothing to leave out


def test_a_pool_with_no_new_design_hands_over_what_there_is_and_says_so():
    pool = torch.tensor([[4, 0], [2, 0], [4, 0]])
    new = _new_of_pool(pool, torch.tensor([[4, 0], [2, 0]]))
    assert new.none_new and new.left_out == 0 and new.pool is pool
    chosen = _best_of_pool(new.pool, _ScoreIsFirstToken(), 1.0, "std", 2, choose=True)
    assert chosen[:, 0].tolist() == [4, 2]
    measured_note, = pool_notes(2, 3, 3, 2, none_new=True, handed=2)
    assert measured_note == ("all 3 pool designs are already in the offline data: with no new "
                             "design to choose from, the best of these measured designs are "
                             "handed over")
    # Fewer new designs (repeats counted) than asked: all of them, and the note says how many.
    fewer, = pool_notes(4, 8, 8, 1, handed=2)
    assert fewer.endswith("only 1 distinct design in 8: with their repeats, 2 of the 4 asked "
                          "for are handed over (a larger alpha keeps it broader)")


def test_the_designs_table_marks_designs_listed_above_already(tmp_path):
    designs = torch.tensor([[3, 0], [2, 0], [3, 0], [1, 1], [3, 0]])  # a short pool's repeats
    prior = SimpleNamespace(space=SequenceSpace("ACGT", 2))
    summary = _score_and_write(designs, prior, _ScoreIsFirstToken(), 1.0, "std", offline=None,
                               task=None, out=tmp_path)  # fmt: skip
    table = pd.read_csv(tmp_path / "designs.csv")
    assert table["sequence"].tolist() == ["TA", "GA", "TA", "CC", "TA"]
    assert table["repeat"].tolist() == [False, False, True, False, True]
    assert summary["unique_fraction"] == 3 / 5


def test_a_reward_fit_reports_progress_as_it_goes(tmp_path):
    data = write_sequences(tmp_path / "d.csv", values=True)
    report = KeptProgress()
    run_reward(pipeline.reward_config(data, kind="bonus", device="cpu"), tmp_path, report)
    # Before: a bar stuck at 0 % until the fit ended. Two networks (the "auto" shapes), so
    # the last report is past half; it never goes back.
    fractions = report.fractions
    assert len(fractions) > 3 and fractions == sorted(fractions)
    assert fractions[0] == 0.0 and 0.5 < fractions[-1] <= 1.0


def test_a_pool_cut_short_or_concentrated_is_said():
    assert pool_notes(16, 64, 64, 16) == []
    cut, = pool_notes(16, 64, 32, 16)  # the log said nothing of a pool drawn in part
    assert "draw 32 of the 64 pool designs" in cut and "best of those 32" in cut
    cut, repeated = pool_notes(16, 64, 16, 5)
    assert "only 5 distinct designs in 16" in repeated and "other 11 of the 16" in repeated


def test_a_low_held_out_coverage_is_explained():
    # A tester read "coverage_2u: 0.09545" as a broken model: it is what u measures.
    note = calibration_note({"coverage_2u": 0.09545})
    assert note.startswith("held-out calibration: 10% of held-out values lie within 2u")
    assert "not the noise of one measurement" in note
    assert calibration_note({"coverage_2u": 0.8}) is None and calibration_note({}) is None


def _tiny_prior(data, **settings) -> dict:
    """A prior step's config with a tiny network and no noise calibration (fast)."""
    prior = PriorConfig(width=8, depth=1, batch_size=16, diversity_floor=0.0, **settings)
    return {"data": str(data), "seed": 0, "device": "cpu", "prior": dataclasses.asdict(prior)}


def test_a_pretraining_cut_short_by_its_time_limit_is_said_and_recorded(tmp_path):
    # A tester's `braid design --max-minutes 0.01` gave 6 % valid designs and no word why.
    data = write_sequences(tmp_path / "d.csv")
    report = KeptNotes()
    summary = run_prior(_tiny_prior(data, warmup_steps=1000, max_minutes=0.002), tmp_path,
                        report)  # fmt: skip
    steps = summary["prior_steps"]
    assert summary["prior_cut_by_time"] is True and 0 < steps < 1000
    note, = [n for n in report.notes if n.startswith("pre-training")]
    assert note.startswith(f"pre-training reached its time limit (0.002 min) after {steps} of "
                           "its 1000 warm-up steps: the prior has barely learnt the data")
    assert "a larger --max-minutes" in note
    assert note == prior_time_note(summary)  # the words a reader of the summary gets


def test_a_pretraining_ended_past_its_warm_up_says_nothing(tmp_path):
    data = write_sequences(tmp_path / "d.csv")
    report = KeptNotes()
    # 23 steps, reported every 10: the count recorded is the steps taken, not the last report.
    summary = run_prior(_tiny_prior(data, warmup_steps=10, max_steps=23), tmp_path, report)
    assert summary["prior_cut_by_time"] is False and summary["prior_steps"] == 23
    assert not [n for n in report.notes if n.startswith("pre-training")]
    assert prior_time_note(summary) is None and prior_time_note({}) is None


def test_the_time_notes_read_from_recorded_numbers():
    recorded = {"prior_cut_by_time": True, "prior_steps": 30.0, "prior_warmup_steps": 100,
                "prior_max_minutes": 0.005}  # a summary read back: counts as floats
    assert "limit (0.005 min) after 30 of its 100 warm-up steps" in prior_time_note(recorded)
    note = reward_time_note({"networks_cut_by_time": 2.0}, 0.25)
    assert note.startswith("the reward fit reached its time limit (0.25 min): 2 network(s)")
    assert reward_time_note({"networks_cut_by_time": 0.0}, 0.25) is None


def test_the_notes_of_each_data_file_name_their_file(tmp_path):
    # `braid design --unlabeled U.csv --offline D.csv` said "alphabet inferred: ..." and
    # "1 row of nothing but commas ... skipped" without saying of which file; and the second
    # file's "alphabet inferred" note, said alike, was dropped as said already.
    unlabeled = tmp_path / "U.csv"
    unlabeled.write_text("# exported 2024-05-01\nsequence\nACGT\nAGGT\nTTTT\n")
    offline = tmp_path / "D.csv"
    offline.write_text("sequence,value\nACGT,1\n,\nAGGT,2\nTTTT,3\n")
    report = KeptNotes()
    for path in (offline, unlabeled):
        pipeline.read_data(str(path), report)
    # paths as configs record them (absolute)
    said = {str(path): [n for n in report.notes if n.startswith(f"{path}: ")]
            for path in (unlabeled, offline)}  # fmt: skip
    assert len(said[str(unlabeled)]) + len(said[str(offline)]) == len(report.notes)
    assert any("comment line" in note for note in said[str(unlabeled)])
    assert any("nothing but commas" in note for note in said[str(offline)])
    assert all(any("alphabet inferred" in note for note in notes) for notes in said.values())


def test_a_reward_fit_says_its_held_out_ranking_and_when_it_barely_ranks(tmp_path):
    # A tester's design run had a reward model of held-out Spearman -0.03 and said only its
    # calibration: its designs followed the model's noise without a word of it.
    frame = pd.read_csv(write_sequences(tmp_path / "d.csv", values=True))
    # the values shuffled over the designs: nothing to learn
    frame["value"] = frame["value"].sample(frac=1.0, random_state=3).to_numpy()
    frame.to_csv(tmp_path / "shuffled.csv", index=False)
    report = KeptNotes()
    config = pipeline.reward_config(tmp_path / "shuffled.csv", kind="bonus", device="cpu",
                                    network="dilated")
    metrics = run_reward(config, tmp_path, report)
    assert metrics["spearman"] < pipeline.WEAK_SPEARMAN
    line, weak = [n for n in report.notes if n.startswith(("held-out quality", "the reward"))]
    assert line == (f"held-out quality on 20 held-out designs: Pearson {metrics['pearson']:.3f}, "
                    f"Spearman {metrics['spearman']:.3f} (1 would rank them as measured, 0 not "
                    "at all)")
    assert weak.startswith(f"the reward model barely ranks held-out designs (Spearman "
                           f"{metrics['spearman']:.2f}, below 0.2): designs chosen by it follow "
                           "its noise")
    assert "more measured designs" in weak and "value column" in weak


def test_the_weak_ranking_note_reads_recorded_metrics():
    assert pipeline.weak_ranking_note({"spearman": 0.2}) is None
    assert pipeline.weak_ranking_note({"spearman": float("nan")}) is None  # said elsewhere
    assert pipeline.weak_ranking_note({}) is None and pipeline.heldout_line({}) is None
    assert "(Spearman -0.03, below 0.2)" in pipeline.weak_ranking_note({"spearman": -0.033})
    assert pipeline.heldout_line({"pearson": -0.139, "spearman": -0.033}) == (
        "held-out quality: Pearson -0.139, Spearman -0.033 (1 would rank them as measured, 0 "
        "not at all)")


def test_a_vector_reward_fit_ends_its_phase_before_its_notes_and_omits_the_shape_index(
        tmp_path):
    # `braid reward train` printed its calibration line above its progress line, and its
    # summary said "network_choice: 0" of vectors, which have one shape (an MLP).
    rng = torch.Generator().manual_seed(0)
    x = torch.randn(60, 3, generator=rng)
    frame = pd.DataFrame(x.numpy(), columns=["x0", "x1", "x2"]).assign(value=x[:, 0].numpy())
    frame.to_csv(tmp_path / "v.csv", index=False)
    said: list = []

    class Ordered(KeptNotes):
        def phase(self, label):
            said.append(("phase", label))

        def note(self, message):
            said.append(("note", message.split(":")[0]))

    summary = run_reward(pipeline.reward_config(tmp_path / "v.csv", kind="bonus",
                                                device="cpu"), tmp_path, Ordered())
    assert said[:3] == [("phase", "reward model"), ("phase", None),
                        ("note", "held-out quality on 12 held-out designs")]
    assert "network_choice" not in summary and "spearman" in summary
