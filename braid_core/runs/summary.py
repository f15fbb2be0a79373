"""A run summary's values in words, for the terminal and the dashboard's Runs page."""

from __future__ import annotations

from collections.abc import Mapping

# Summary values that are tables, and what their keys are: the prior's calibration gives the
# sample / data diversity ratio at each position noise tried.
KEYED_BY = {"diversity_ratio": "position noise"}


def summary_lines(summary: Mapping[str, object]) -> list[str]:
    """A summary as "key: value" lines, values in words; the keys are those of the files."""
    return [f"{key}: {summary_value(key, value)}" for key, value in summary.items()]


def summary_value(key: str, value: object) -> str:
    """A run summary's value as people read it: numbers to 4 digits, a table as
    "0.62 at position noise 0.5, 0.99 at position noise 1" (not a Python dict)."""
    if isinstance(value, Mapping):
        by = KEYED_BY.get(key)
        return ", ".join(f"{_number(v)} at {by} {k}" if by else f"{k} {_number(v)}"
                         for k, v in value.items())
    return _number(value)


def _number(value: object) -> str:
    """Counts as whole numbers (summaries keep them as floats: 20000.0 read "2e+04"), other
    numbers to 4 significant digits."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}" if isinstance(value, float) else str(value)
