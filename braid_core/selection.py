"""Which designs to hand over: the best distinct ones of a larger pool by conservative score.

A sampler's designs are draws, some weaker than others; drawing a pool several times larger
than asked and keeping the designs with the highest conservative score r_hat - c u (no oracle,
the same score the fine-tuning maximised) is the last, cheap step of optimisation. Repeats are
dropped first: a design listed twice tells a scientist nothing new. Measured in
bench/results/finetune_defaults.md ("Session 13"). For the same reason a design already in the
offline data D (already measured) is left out before choosing (`leave_out_known`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import Tensor


def top_distinct(designs: Tensor, scores: Tensor, num: int) -> Tensor:
    """Indices of `num` designs, best first: the highest-scoring distinct designs, then (only
    when the pool holds fewer distinct designs than `num`) the best repeats.

    Args:
        designs: (n, ...) tokens or vectors; rows are compared exactly.
        scores: (n,) higher is better.
        num: how many to keep (at most n).
    """
    if len(designs) != len(scores):
        raise ValueError(f"{len(designs)} designs but {len(scores)} scores")
    if not 0 < num <= len(designs):
        raise ValueError(f"cannot keep {num} of {len(designs)} designs")
    order = torch.argsort(scores.detach().cpu(), descending=True, stable=True)
    seen_above = repeats(designs.detach().cpu()[order])
    return torch.cat([order[~seen_above], order[seen_above]])[:num]


def repeats(designs: Tensor) -> Tensor:
    """(n,) bool: True where a row equals an earlier row (rows compared exactly)."""
    rows = designs.detach().cpu().reshape(len(designs), -1)
    seen: set[bytes] = set()
    marks = []
    for row in rows:
        key = row.numpy().tobytes()
        marks.append(key in seen)
        seen.add(key)
    return torch.tensor(marks, dtype=torch.bool)


def _row_keys(designs: Tensor) -> list[bytes]:
    # float64 bytes, as the data's duplicate merging compares: tokens and vectors alike exactly
    rows = designs.detach().cpu().reshape(len(designs), -1).double().numpy()
    return [row.tobytes() for row in rows]


def found_in(designs: Tensor, reference: Tensor) -> Tensor:
    """(n,) bool: True where a row of `designs` equals a row of `reference` (e.g. the offline
    data D), compared exactly; for sequences, the designs of novelty 0."""
    keys = set(_row_keys(reference))
    return torch.tensor([key in keys for key in _row_keys(designs)], dtype=torch.bool)


class NewDesigns(NamedTuple):
    """A pool without the designs a reference (D) holds already."""

    pool: Tensor  # (m, ...) the pool's rows not in the reference, in the pool's order
    left_out: int  # rows left out because the reference holds them
    none_new: bool  # every row was in the reference: `pool` is then the whole pool, unfiltered


def leave_out_known(pool: Tensor, reference: Tensor) -> NewDesigns:
    """The rows of `pool` not in `reference` (rows compared exactly, as `found_in` does). A pool
    that holds no new row at all comes back whole, `none_new` set: handing over known designs,
    which the caller says, is more use than handing over none."""
    is_known = found_in(pool, reference)
    if bool(is_known.all()):
        return NewDesigns(pool, 0, True)
    return NewDesigns(pool[~is_known.to(pool.device)], int(is_known.sum()), False)


def count_distinct(designs: Tensor) -> int:
    """How many different rows `designs` holds (rows compared exactly)."""
    return len(torch.unique(designs.detach().reshape(len(designs), -1), dim=0))


def draw_pool(draw: Callable[[int], Tensor], num: int, pool_size: int,
              max_seconds: float | None = None, *, extend_to: int | None = None,
              reference: Tensor | None = None) -> Tensor:
    """Up to `pool_size` designs from `draw(n)`, in chunks of `num`: always the first chunk,
    then more while the time budget (from the call) lasts. With `extend_to`, drawing goes on
    past `pool_size`, up to `extend_to` designs, while the pool holds fewer than `num`
    distinct ones (not counting rows of `reference`, which `leave_out_known` will leave out):
    a concentrated sampler would otherwise hand over repeats.

    Args:
        draw: draws n designs (its randomness is the caller's).
        num: designs wanted in the end (the chunk size, and the fewest drawn).
        pool_size: designs drawn when enough of them differ.
        max_seconds: no new chunk is started after this long; None: no limit.
        extend_to: most designs drawn in all (at least pool_size); None: pool_size.
        reference: designs that do not count as distinct (the offline data D); None: none.
    """
    if num < 1 or pool_size < num:
        raise ValueError(f"the pool ({pool_size}) must hold at least the {num} designs wanted "
                         "(and num >= 1)")
    if extend_to is not None and extend_to < pool_size:
        raise ValueError(f"extend_to ({extend_to}) must be at least the pool ({pool_size})")
    start = time.monotonic()
    chunks = [draw(num)]
    drawn = num
    limit = pool_size if extend_to is None else extend_to
    while drawn < limit:
        if drawn >= pool_size and _count_new(torch.cat(chunks), reference) >= num:
            break
        elapsed = time.monotonic() - start
        per_design = elapsed / drawn
        size = min(num, limit - drawn)
        if max_seconds is not None and elapsed + per_design * size > max_seconds:
            break
        chunks.append(draw(size))
        drawn += size
    return torch.cat(chunks)


def _count_new(designs: Tensor, reference: Tensor | None) -> int:
    """Distinct rows of `designs` not in `reference`."""
    if reference is not None:
        designs = designs[~found_in(designs, reference).to(designs.device)]
    return count_distinct(designs) if len(designs) else 0
