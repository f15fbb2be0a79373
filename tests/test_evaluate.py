"""Design tables and summary metrics, with and without an oracle."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from braid_core.evaluate import design_table, mean_pairwise_distance, min_hamming, summarize
from braid_core.rewards.conservative import Prediction
from braid_core.runtime import make_generator
from braid_core.spaces import SequenceSpace, VectorSpace
from braid_core.tasks.ehrlich import EhrlichTask


class FixedReward(nn.Module):
    kind, metrics = "stub", {}

    def __init__(self, space):
        super().__init__()
        self.space = space

    @property
    def device(self):
        return torch.device("cpu")

    def predict(self, x: Tensor) -> Prediction:
        x = x.float()
        return Prediction(x.mean(-1), torch.full((x.shape[0],), 0.5), None)


def test_hamming_helpers():
    a = torch.tensor([[0, 1, 2], [0, 0, 0]])
    ref = torch.tensor([[0, 1, 1], [2, 2, 2]])
    assert min_hamming(a, ref).tolist() == [1, 2]
    assert mean_pairwise_distance(a, SequenceSpace("ABC", 3)) == pytest.approx(2.0)


def test_table_and_summary_with_an_oracle():
    task = EhrlichTask(num_states=20, length=32, num_motifs=2, motif_length=4, seed=0)
    valid = task.sample_valid(20, make_generator(0))
    invalid = valid.clone()
    banned = task.banned.nonzero()[0]  # one banned transition (a, b)
    invalid[:, 0], invalid[:, 1] = banned[0], banned[1]
    designs = torch.cat([valid, task.optimal_solution()[None], invalid[:5]])
    offline_y = torch.tensor([0.0, 0.25, 0.5])
    table = design_table(designs, task.space, reward=FixedReward(task.space), c=2.0,
                         offline_x=valid[:3], task=task)
    assert len(table) == 26
    assert (table["conservative_score"] == table["predicted_mean"] - 1.0).all()
    assert table["valid"].sum() == 21
    assert table["novelty"].iloc[0] == 0  # the first design is in the offline set
    summary = summarize(table, designs, task.space, offline_y=offline_y)
    assert summary["validity"] == pytest.approx(21 / 26)
    assert summary["true_score_max"] == 1.0  # the optimum
    assert summary["fraction_above_offline_best"] >= 1 / 26
    assert summary["copies_of_offline"] == pytest.approx(3 / 26)


def test_vectors_get_coordinate_columns_and_no_oracle_figures():
    designs = torch.randn(10, 3, generator=make_generator(0))
    table = design_table(designs, VectorSpace(3))
    assert list(table.columns) == ["x0", "x1", "x2"]
    named = VectorSpace(3, ("temperature", "pH", "salt"))  # the data's own column names
    assert list(design_table(designs, named).columns) == ["temperature", "pH", "salt"]
    summary = summarize(table, designs, VectorSpace(3))
    assert "validity" not in summary and summary["diversity"] > 0


def test_vectors_get_the_euclidean_distance_to_the_nearest_offline_design_as_novelty():
    # Float64, off the origin: cdist's fast path (a matrix product) puts a copy of a row at up
    # to ~1e-6 from it, not 0, and copies_of_offline counts novelty 0.
    def draw(n: int, seed: int) -> Tensor:
        return 30 + 10 * torch.randn(n, 6, generator=make_generator(seed), dtype=torch.float64)

    offline = draw(100, 1)
    shifted = offline[10:11] + torch.tensor([3.0, 4, 0, 0, 0, 0], dtype=torch.float64)
    designs = torch.cat([offline[:10], shifted, draw(29, 2)])
    table = design_table(designs, VectorSpace(6), offline_x=offline)
    expected = torch.cdist(designs.double(), offline.double(),
                           compute_mode="donot_use_mm_for_euclid_dist").min(1).values
    assert table["novelty"].to_numpy() == pytest.approx(expected.numpy())
    assert (table["novelty"].iloc[:10] == 0).all()
    assert table["novelty"].iloc[10] == pytest.approx(5.0)  # 5 from offline[10], in its units
    summary = summarize(table, designs, VectorSpace(6))
    assert summary["novelty_mean"] == pytest.approx(float(expected.mean()))
    assert summary["copies_of_offline"] == pytest.approx(10 / 40)
