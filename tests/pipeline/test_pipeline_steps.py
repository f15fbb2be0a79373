"""The steps' helpers: the designs kept from a drawn pool, the table written, progress."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import torch
from pipeline_files import write_sequences

from braid_core import pipeline
from braid_core.pipeline.reporter import Reporter
from braid_core.pipeline.steps import (
    _best_of_pool,
    _score_and_write,
    calibration_note,
    pool_notes,
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


def test_the_designs_table_marks_designs_listed_above_already(tmp_path):
    designs = torch.tensor([[3, 0], [2, 0], [3, 0], [1, 1], [3, 0]])  # a short pool's repeats
    prior = SimpleNamespace(space=SequenceSpace("ACGT", 2))
    summary = _score_and_write(designs, prior, _ScoreIsFirstToken(), 1.0, "std", offline=None,
                               task=None, out=tmp_path)  # fmt: skip
    table = pd.read_csv(tmp_path / "designs.csv")
    assert table["sequence"].tolist() == ["TA", "GA", "TA", "CC", "TA"]
    assert table["repeat"].tolist() == [False, False, True, False, True]
    assert summary["unique_fraction"] == 3 / 5


class KeptProgress(Reporter):
    """A reporter that keeps every progress fraction it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.fractions: list[float] = []

    def progress(self, fraction: float, message: str) -> None:
        self.fractions.append(fraction)


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
