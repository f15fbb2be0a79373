"""Designs predicted far past the measured best are said to be the reward model's
extrapolation; designs near the measured range are not."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from braid_core.data import OfflineData
from braid_core.evaluate import nearest_gaps
from braid_core.pipeline import reach_figures, reach_note
from braid_core.pipeline.steps import _score_and_write
from braid_core.rewards.conservative import Prediction
from braid_core.spaces import SequenceSpace, VectorSpace


class _ScoreIsFirstToken:
    """A stand-in reward model: r_hat is the first token, u is 0.5."""

    device = torch.device("cpu")

    def predict(self, x):
        return Prediction(x[:, 0].float(), torch.full((len(x),), 0.5))


def test_designs_predicted_far_past_the_measured_best_are_said_to_be_extrapolation(tmp_path):
    space = SequenceSpace("ACGT", 3)
    # D: values 0 to 1 (median 0.5); the designs are predicted at 3 (T = token 3): past the
    # best by 2, where the best stands 0.5 above the median.
    measured = OfflineData.from_tensors(
        space, torch.tensor([[0, 0, 0], [1, 0, 0], [0, 1, 0]]), torch.tensor([0.0, 0.5, 1.0]))
    designs = torch.tensor([[3, 3, 3], [3, 3, 2], [3, 2, 2]])
    prior = SimpleNamespace(space=space)
    summary = _score_and_write(designs, prior, _ScoreIsFirstToken(), 1.0, "std",
                               offline=measured, task=None, out=tmp_path)  # fmt: skip
    assert summary["measured_best"] == 1.0 and summary["measured_median"] == 0.5
    assert summary["predicted_mean_max"] == 3.0 and summary["design_length"] == 3.0
    note = reach_note(summary)
    assert note == (
        "the designs handed over are predicted at a median of 3, far past the best "
        "measured value (1; the measured median is 0.5); they differ from the nearest "
        "measured design in 3 of 3 positions on average; the reward model saw no value above "
        "1, so these predictions are its extrapolation (their median uncertainty u is 0.5): "
        "measure a few of these designs before many, or raise c to keep the designs nearer "
        "the measured ones; every design's u is the same (0.5, the uncertainty's cap): they "
        "are further from the measured designs than it tells apart, so c lowers every score "
        "alike and does not choose among them")
    # u that differs among the designs says nothing of a cap (a tester's run had every u at
    # BRAID-Bonus's cap, 2.63, and the note did not say so)
    apart = {**summary, "uncertainty_min": 0.3}
    assert reach_note(apart) == note.split("; every design's u")[0]


def test_designs_near_the_measured_range_say_nothing():
    # ehrlich-20-32's BRAID designs (bench/results/design_bench_e32.json): predicted median
    # 0.25 against D's best 0.188 and median 0, a true median of 0.56.
    benchmark = {"predicted_mean_median": 0.25, "measured_best": 0.188, "measured_median": 0.0}
    assert reach_note(benchmark) is None
    # Just past the bar: predicted past the best by more than the best stands above the median.
    past = reach_note({**benchmark, "predicted_mean_median": 0.377, "predicted_mean_max": 0.5})
    assert past.startswith("the designs handed over are predicted at a median of 0.377 (up to "
                           "0.5), far past the best measured value (0.188;")
    # No D, no values, or every value alike: nothing to compare with.
    assert reach_note({"predicted_mean_median": 9.0}) is None
    assert reach_note({**benchmark, "measured_median": 0.188, "predicted_mean_median": 9.0}) \
        is None


def test_the_figures_skip_missing_values_and_vectors_have_no_length():
    table = pd.DataFrame({"x0": [0.1, 0.2], "predicted_mean": [2.0, 4.0]})
    figures = reach_figures(table, np.array([1.0, np.nan, 3.0, 2.0]))
    assert figures == {"predicted_mean_max": 4.0, "measured_best": 3.0, "measured_median": 2.0}
    assert reach_figures(table, np.array([np.nan])) == {"predicted_mean_max": 4.0}
    assert reach_figures(table, None) == {"predicted_mean_max": 4.0}


def _summary_of(designs: list[list[int]], tmp_path) -> dict:
    """The summary `_score_and_write` leaves for these designs (rows as handed over, repeats
    included), against D of values 0, 0.5 and 1 (best 1, median 0.5); r_hat = first token."""
    space = SequenceSpace("ACGT", 3)
    measured = OfflineData.from_tensors(
        space, torch.tensor([[0, 0, 0], [1, 0, 0], [0, 1, 0]]), torch.tensor([0.0, 0.5, 1.0]))
    return _score_and_write(torch.tensor(designs), SimpleNamespace(space=space),
                            _ScoreIsFirstToken(), 1.0, "std", offline=measured, task=None,
                            out=tmp_path)  # fmt: skip


def test_where_one_design_fills_most_rows_the_note_is_of_the_distinct_designs(tmp_path):
    # Three distinct designs, predicted at 3, 2 and 1; the first fills 5 of the 7 rows, which
    # made the rows' median 3, the maximum ("a median of 3", as if most designs were there).
    summary = _summary_of([[3, 3, 3]] * 5 + [[2, 2, 2], [1, 1, 1]], tmp_path)
    assert summary["distinct_designs"] == 3 and summary["distinct_predicted_mean_median"] == 2
    assert summary["predicted_mean_median"] == 3  # the rows' figures stay as they were
    note = reach_note(summary)
    assert note.startswith(
        "the 3 distinct designs handed over (4 of the 7 rows repeat one of them) are predicted "
        "at a median of 2 (up to 3), far past the best measured value (1; the measured median "
        "is 0.5); they differ from the nearest measured design in 2.67 of 3 positions on "
        "average;")
    # The rule is the distinct designs' too: one far design repeated is not a far median.
    assert reach_note(_summary_of([[3, 3, 3]] * 5 + [[1, 1, 1], [0, 2, 2]], tmp_path)) is None


def test_one_design_in_every_row_is_said_to_be_one(tmp_path):
    summary = _summary_of([[3, 3, 3]] * 4, tmp_path)
    assert reach_note(summary) == (
        "the one distinct design handed over (3 of the 4 rows repeat it) is predicted at 3, "
        "far past the best measured value (1; the measured median is 0.5); it differs from "
        "the nearest measured design in 3 of 3 positions; the reward model saw no value above "
        "1, so this prediction is its extrapolation (its uncertainty u is 0.5): measure the "
        "design first, or raise c to keep the designs nearer the measured ones")


class _ScoreIsFirstCoordinate:
    """A stand-in vector reward model: r_hat is x0, u is 0.01 (small, as BRAID-Bonus's far
    from D)."""

    device = torch.device("cpu")

    def predict(self, x):
        return Prediction(x[:, 0].double(), torch.full((len(x),), 0.01))


def _grid_data(space: VectorSpace) -> OfflineData:
    """D: a 10 x 10 grid of spacing 0.1 on [0, 0.9]^2, valued by x0 (best 0.9, median 0.45)."""
    axis = torch.arange(10, dtype=torch.float64) / 10
    x = torch.cartesian_prod(axis, axis)
    return OfflineData.from_tensors(space, x, x[:, 0].clone())


def test_vector_designs_far_from_every_measured_one_are_said_to_be_far(tmp_path):
    space = VectorSpace(2)
    measured = _grid_data(space)
    # predicted at 1.2-1.3, within the reach rule (best 0.9 + 0.45), but about 3 from D, where
    # D's designs stand 0.1 from their neighbours
    designs = torch.tensor([[1.2, 3.0], [1.3, 3.1]], dtype=torch.float64)
    summary = _score_and_write(designs, SimpleNamespace(space=space), _ScoreIsFirstCoordinate(),
                               0.5, "std", offline=measured, task=None, out=tmp_path)
    assert summary["measured_spacing"] == pytest.approx(0.1)
    # The note measures in standard deviations of D's columns (0.2887 each): 2.12 and 2.24
    # from D's corner (0.9, 0.9) are 7.35 and 7.75, the spacing 0.1 is 0.346.
    assert summary["standard_spacing"] == pytest.approx(0.1 / 0.28868, rel=1e-4)
    assert summary["standard_novelty_mean"] == pytest.approx(7.55, abs=0.01)
    note = reach_note(summary)
    assert note is not None and "far past" not in note
    assert note.startswith("the designs handed over lie far outside the measured data, so "
                           "their predicted values are guesses: measure a few of these designs "
                           "before many. They lie 7.55 from the nearest measured design on "
                           "average (in standard deviations of each measured column), 22 times "
                           "the spacing of the measured designs (95 % of them have a neighbour "
                           "within 0.346)")
    assert "That far out a small u is no comfort" in note


def test_vector_designs_far_along_a_column_of_small_numbers_are_said_to_be_far(tmp_path):
    # D: a pressure-like column ~ 1e6 +- 1e5 beside a pH-like one ~ 7 +- 0.5. The designs sit
    # among D's pressures but 10 pH standard deviations out: in the data's units they are
    # near (the pressures decide alone), in standard deviations of each column far.
    space = VectorSpace(2)
    z = torch.randn(200, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    x = z * torch.tensor([1e5, 0.5], dtype=torch.float64) + torch.tensor([1e6, 7.0])
    measured = OfflineData.from_tensors(space, x, z[:, 0].clone())
    designs = torch.stack([x[:8, 0], torch.full((8,), 12.0, dtype=torch.float64)], 1)
    summary = _score_and_write(designs, SimpleNamespace(space=space), _ScoreIsFirstCoordinate(),
                               0.5, "std", offline=measured, task=None, out=tmp_path)
    assert summary["novelty_mean"] < summary["measured_spacing"]  # raw units: near
    note = reach_note(summary)
    assert note is not None and "far outside the measured data" in note
    assert "(in standard deviations of each measured column)" in note


def test_vector_designs_among_the_measured_ones_say_nothing(tmp_path):
    space = VectorSpace(2)
    designs = torch.tensor([[0.55, 0.35], [0.85, 0.05]], dtype=torch.float64)
    summary = _score_and_write(designs, SimpleNamespace(space=space), _ScoreIsFirstCoordinate(),
                               0.5, "std", offline=_grid_data(space), task=None, out=tmp_path)
    assert summary["measured_spacing"] == pytest.approx(0.1)
    assert reach_note(summary) is None


def test_far_and_far_past_the_best_are_said_in_one_note():
    summary = {"predicted_mean_median": 5.0, "measured_best": 1.0, "measured_median": 0.5,
               "novelty_mean": 4.0, "measured_spacing": 0.2, "num_designs": 8}
    note = reach_note(summary)
    assert note.startswith("the designs handed over are predicted at a median of 5")
    assert ("; they also lie far outside the measured data: 4 from the nearest measured design "
            "on average (in the data's units), 20 times the spacing") in note
    assert note.count("the designs handed over") == 1


def test_the_nearest_gaps_leave_out_each_row_itself_and_sample_a_large_d():
    x = torch.tensor([[0.0, 0.0], [0.0, 3.0], [4.0, 0.0], [4.0, 0.0]])
    assert nearest_gaps(x).tolist() == [3.0, 3.0, 0.0, 0.0]  # the repeated row stands at 0
    many = torch.arange(50, dtype=torch.float64)[:, None] * torch.tensor([[1.0, 0.0]])
    sampled = nearest_gaps(many, max_rows=5)
    assert len(sampled) == 5 and sampled.tolist() == [1.0] * 5
