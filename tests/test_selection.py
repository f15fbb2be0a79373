"""Keeping the best distinct designs of a pool (braid_core.selection)."""

from __future__ import annotations

import pytest
import torch

from braid_core.selection import (
    count_distinct,
    draw_pool,
    found_in,
    leave_out_known,
    repeats,
    top_distinct,
)


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


def test_found_in_compares_rows_exactly_tokens_and_vectors_alike() -> None:
    measured = torch.tensor([[0, 1], [2, 3]])
    assert found_in(torch.tensor([[2, 3], [3, 2], [0, 1]]), measured).tolist() == [
        True, False, True]
    vectors = torch.tensor([[0.5, 1.0]])  # float32, as read; float64 draws of it still match
    drawn = torch.tensor([[0.5, 1.0], [0.5, 1.0 + 1e-6]], dtype=torch.float64)
    assert found_in(drawn, vectors).tolist() == [True, False]


def test_leave_out_known_keeps_the_new_rows_in_order_and_counts_the_others() -> None:
    pool = torch.tensor([[1], [5], [2], [5], [3]])
    new = leave_out_known(pool, torch.tensor([[5], [9]]))
    assert new.pool[:, 0].tolist() == [1, 2, 3] and new.left_out == 2 and not new.none_new
    # Nothing new at all: the pool comes back whole, and says so.
    whole = leave_out_known(pool, torch.tensor([[1], [2], [3], [5]]))
    assert whole.pool.tolist() == pool.tolist() and whole.left_out == 0 and whole.none_new


def test_draw_pool_counts_only_new_designs_when_it_extends_a_pool() -> None:
    # Each chunk of 8 holds 4 distinct designs; those of the first chunk are all measured.
    sizes = []

    def draw(n: int) -> torch.Tensor:
        sizes.append(n)
        return torch.arange(4 * len(sizes) - 4, 4 * len(sizes)).repeat(2)[:n, None]

    draw_pool(draw, 8, 16, extend_to=64, reference=torch.arange(4)[:, None])
    # 16 drawn hold 8 distinct, 4 of them new: drawing goes on until 8 are new.
    assert sizes == [8, 8, 8]
    sizes.clear()
    draw_pool(draw, 8, 16, extend_to=64)
    assert sizes == [8, 8]
