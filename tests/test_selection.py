"""Keeping the best distinct designs of a pool (braid_core.selection)."""

from __future__ import annotations

import pytest
import torch

from braid_core.selection import count_distinct, draw_pool, repeats, top_distinct


def test_top_distinct_keeps_the_best_designs_once_each_best_first() -> None:
    designs = torch.tensor([[0, 1], [2, 3], [0, 1], [1, 1], [2, 3]])
    scores = torch.tensor([0.5, 0.9, 0.8, 0.1, 0.7])
    # [2, 3] (rows 1, 4) and [0, 1] (rows 0, 2) are each kept once, at their best row.
    assert top_distinct(designs, scores, 3).tolist() == [1, 2, 3]


def test_top_distinct_fills_in_with_the_best_repeats_when_too_few_are_distinct() -> None:
    designs = torch.tensor([[0], [0], [1], [0]])
    scores = torch.tensor([0.1, 0.3, 0.2, 0.4])
    assert top_distinct(designs, scores, 4).tolist() == [3, 2, 1, 0]


def test_top_distinct_compares_vectors_exactly() -> None:
    designs = torch.tensor([[0.5, 1.0], [0.5, 1.0], [0.5, 1.0 + 1e-6]])
    assert top_distinct(designs, torch.tensor([3.0, 2.0, 1.0]), 2).tolist() == [0, 2]


def test_repeats_marks_rows_seen_above_exactly() -> None:
    designs = torch.tensor([[0.5, 1.0], [0.5, 1.0 + 1e-6], [0.5, 1.0], [2.0, 0.0], [0.5, 1.0]])
    assert repeats(designs).tolist() == [False, False, True, False, True]


@pytest.mark.parametrize("num", [0, 4])
def test_top_distinct_refuses_impossible_counts(num: int) -> None:
    with pytest.raises(ValueError, match="cannot keep"):
        top_distinct(torch.zeros(3, 2), torch.zeros(3), num)
    with pytest.raises(ValueError, match="3 designs but 2 scores"):
        top_distinct(torch.zeros(3, 2), torch.zeros(2), 1)


def test_draw_pool_draws_chunks_of_num_up_to_the_pool_size() -> None:
    sizes = []

    def draw(n: int) -> torch.Tensor:
        sizes.append(n)
        return torch.full((n, 2), len(sizes))

    pool = draw_pool(draw, 4, 10)
    assert sizes == [4, 4, 2]
    assert pool.shape == (10, 2) and pool[:, 0].tolist() == [1] * 4 + [2] * 4 + [3] * 2


def test_draw_pool_stops_after_the_first_chunk_when_no_time_is_left() -> None:
    sizes = []

    def draw(n: int) -> torch.Tensor:
        sizes.append(n)
        return torch.zeros(n, 3)

    assert len(draw_pool(draw, 5, 50, max_seconds=0.0)) == 5
    assert sizes == [5]
    with pytest.raises(ValueError, match="must hold at least"):
        draw_pool(draw, 5, 4)


def test_draw_pool_extends_a_pool_with_too_few_distinct_designs_until_it_has_them() -> None:
    # A sampler that repeats itself: each chunk holds 2 new designs, drawn 4 times each.
    sizes = []

    def draw(n: int) -> torch.Tensor:
        sizes.append(n)
        new = torch.arange(2 * len(sizes) - 2, 2 * len(sizes))
        return new.repeat_interleave(n // 2)[:, None]

    pool = draw_pool(draw, 8, 16, extend_to=64)
    # 16 drawn hold 4 distinct; drawing goes on until 8 differ (4 chunks), not to 64.
    assert sizes == [8, 8, 8, 8] and count_distinct(pool) == 8
    sizes.clear()
    assert len(draw_pool(draw, 8, 16, extend_to=24)) == 24  # the cap holds: 6 distinct
    distinct_draws = draw_pool(lambda n: torch.rand(n, 1), 8, 16, extend_to=64)
    assert len(distinct_draws) == 16  # enough of them differ: the pool alone
    with pytest.raises(ValueError, match="extend_to"):
        draw_pool(draw, 8, 16, extend_to=12)
