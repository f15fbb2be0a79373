"""The memory estimate of designs held until written, worked out by hand."""

from __future__ import annotations

import pytest

from braid_core.memory import POOL_OBJECT_BYTES, check_fits, held_bytes
from braid_core.spaces import SequenceSpace, VectorSpace


def test_held_bytes_counts_written_designs_and_their_pool():
    dna = SequenceSpace("ACGT", 10)
    assert held_bytes(100, dna) == 100 * (57 + 3 * 11)  # a string, twice in the CSV text
    # a pooled design: four int64 rows of 10 tokens and its Python objects
    assert held_bytes(100, dna, pool=400) - held_bytes(100, dna) == 400 * (
        4 * 8 * 10 + POOL_OBJECT_BYTES)
    vectors = VectorSpace(3)
    assert held_bytes(10, vectors, pool=40) == 10 * 3 * 52 + 40 * (4 * 4 * 3 + POOL_OBJECT_BYTES)


def test_check_fits_refuses_more_than_is_available_only():
    check_fits("--num 5", 2_000, 2_000)
    check_fits("--num 5", 10**12, None)  # not known: not checked
    with pytest.raises(ValueError, match=r"^--num 5: the designs would need about 2\.5 GB of "
                       r"memory until written, and this machine has 1 MB available; ask for "
                       r"fewer at a time"):
        check_fits("--num 5", 2_500_000_000, 1_000_000)
