"""A run summary's values in words (braid_core.runs.summary)."""

from __future__ import annotations

from braid_core.runs.summary import summary_value


def test_a_summary_table_is_printed_as_words_not_a_python_dict():
    ratios = {"1": 0.6234, "2": 0.9908}  # the prior's diversity ratio by position noise
    assert summary_value("diversity_ratio", ratios) == (
        "0.6234 at position noise 1, 0.9908 at position noise 2")
    assert summary_value("other", {"a": 0.123456, "b": 2}) == "a 0.1235, b 2"
    assert summary_value("spearman", 0.912345) == "0.9123"
    assert summary_value("space", "dna") == "dna"
