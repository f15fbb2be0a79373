"""How much memory designs take until they are written, and the check that refuses, before any
work, more than this machine has: the one estimate of `braid sample`, `braid prior sample` and
`braid design` (whose pool of drawn designs is held until the best are chosen)."""

from __future__ import annotations

import os

from braid_core.spaces import SequenceSpace, Space

# Python objects per pooled design beside its rows (the keys and marks of the repeat checks,
# list and set slots): measured with selection.draw_pool, leave_out_known and top_distinct on
# pools of 200,000 and 400,000 designs (sequences of 32 and 64 letters, vectors of 8 and 64).
POOL_OBJECT_BYTES = 850


def held_bytes(num: int, space: Space, pool: int = 0) -> int:
    """Memory `num` designs of `space` take until written, about, and a `pool` of designs drawn
    to choose them from.

    A written sequence of `width` letters is a Python string (49 bytes + 1 a letter, and its
    place in a list) and twice in the CSV text (the string, then its bytes); a vector of
    `width` numbers is float32, float64 and two copies of ~20 characters a number. A pooled
    design is four copies of its row (the pool, the rows not in the data, them sorted by
    score, a key for the repeat checks: int64 tokens or float32 numbers) and
    POOL_OBJECT_BYTES. A pool drawn on past its size for want of distinct designs
    (defaults.POOL_EXTEND) takes more.
    """
    is_sequence = isinstance(space, SequenceSpace)
    width = space.length if is_sequence else space.dim
    per_design = 57 + 3 * (width + 1) if is_sequence else width * (4 + 8 + 2 * 20)
    per_pooled = 4 * (8 if is_sequence else 4) * width + POOL_OBJECT_BYTES
    return num * per_design + pool * per_pooled


FEWER = "ask for fewer at a time (run again with another --seed for more)"


def check_fits(what: str, needed: int, available: int | None, advice: str = FEWER) -> None:
    """Raise ValueError, starting with `what` (the option and count asked for, e.g. "--num
    100,000") and ending with `advice`, when `needed` bytes exceed `available` (None: not
    known, not checked)."""
    if available is not None and needed > available:
        raise ValueError(f"{what}: the designs would need about {_size(needed)} of memory "
                         f"until written, and this machine has {_size(available)} available; "
                         f"{advice}")


def pool_advice(num: int, space: Space, pool: int, available: int) -> str:
    """What to ask for when `num` designs and their `pool` do not fit in `available` bytes:
    a smaller pool (most of the memory), naming one that fits where one of at least `num`
    does, and fewer designs at a time."""
    room = (available - held_bytes(num, space)) // held_bytes(0, space, pool=1)
    if num <= room < pool:
        return (f"ask for a smaller --pool (it holds most of the memory: --pool {room:,} "
                "fits), or for fewer designs at a time (run again with another --seed for more)")
    return ("ask for fewer designs at a time, with a smaller --pool (it holds most of the "
            "memory; run again with another --seed for more)")


def available_memory() -> int | None:
    """Bytes of memory free for a new process (Linux's MemAvailable, else all of the
    machine's memory); None where neither can be read."""
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _size(num_bytes: float) -> str:
    return f"{num_bytes / 1e9:.3g} GB" if num_bytes >= 1e9 else f"{num_bytes / 1e6:.3g} MB"
