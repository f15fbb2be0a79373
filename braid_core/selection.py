"""Which designs to hand over: the best distinct ones of a larger pool by conservative score.

A sampler's designs are draws, some weaker than others; drawing a pool several times larger
than asked and keeping the designs with the highest conservative score r_hat - c u (no oracle,
the same score the fine-tuning maximised) is the last, cheap step of optimisation. Repeats are
dropped first: a design listed twice tells a scientist nothing new. Measured in
bench/results/finetune_defaults.md ("Session 13").
"""

from __future__ import annotations

import time
from collections.abc import Callable

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


def count_distinct(designs: Tensor) -> int:
    """How many different rows `designs` holds (rows compared exactly)."""
    return len(torch.unique(designs.detach().reshape(len(designs), -1), dim=0))


def draw_pool(draw: Callable[[int], Tensor], num: int, pool_size: int,
              max_seconds: float | None = None, *, extend_to: int | None = None) -> Tensor:
    """Up to `pool_size` designs from `draw(n)`, in chunks of `num`: always the first chunk,
    then more while the time budget (from the call) lasts. With `extend_to`, drawing goes on
    past `pool_size`, up to `extend_to` designs, while the pool holds fewer than `num`
    distinct ones: a concentrated sampler would otherwise hand over repeats.

    Args:
        draw: draws n designs (its randomness is the caller's).
        num: designs wanted in the end (the chunk size, and the fewest drawn).
        pool_size: designs drawn when enough of them differ.
        max_seconds: no new chunk is started after this long; None: no limit.
        extend_to: most designs drawn in all (at least pool_size); None: pool_size.
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
        if drawn >= pool_size and count_distinct(torch.cat(chunks)) >= num:
            break
        elapsed = time.monotonic() - start
        per_design = elapsed / drawn
        size = min(num, limit - drawn)
        if max_seconds is not None and elapsed + per_design * size > max_seconds:
            break
        chunks.append(draw(size))
        drawn += size
    return torch.cat(chunks)
