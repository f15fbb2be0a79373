"""A run's record in words (its summary, its error, what it was made from), for the terminal
and the dashboard's Runs page."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

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


# What a failed run's recorded error ("Type: message", jobs.describe_error) starts with.
_RECORDED = re.compile(r"(?P<kind>[A-Z]\w*(?:Error|Exception|Exit))(?:: ?(?P<message>.*))?\Z",
                       re.S)
# Errors the library raises for a user to act on (a bad file, option or model folder): their
# message says it all, as the command line prints it when the run is started there.
_USER_ERRORS = frozenset({"ValueError", "DataError", "KeyError", "FileNotFoundError",
                         "NotADirectoryError", "IsADirectoryError", "PermissionError"})


def error_in_words(error: str) -> str:
    """A failed run's recorded error as people read it: a user error's message alone (its
    type says nothing more), an exit status or lack of memory in words, anything else as a
    crash, with its type (news, then) and where the traceback is."""
    found = _RECORDED.match(error.strip())
    if found is None:  # recorded in words already (jobs.ENDED_WITHOUT_REPORT)
        return error
    kind, message = found["kind"], (found["message"] or "").strip()
    if kind == "KeyError" and len(message) > 1 and message[0] == message[-1] in "'\"":
        message = message[1:-1]  # str(KeyError) quotes its message
    if kind in _USER_ERRORS and message:
        return re.sub(r"^\[Errno \d+\] ", "", message)
    if kind == "SystemExit":
        return f"the run's process stopped ({message or 'no exit status'})"
    said = f": {message}" if message else ""
    if kind in ("MemoryError", "OutOfMemoryError"):
        return f"the run ran out of memory{said} (the traceback is in log.txt)"
    return f"the run crashed on an unexpected {kind}{said} (the traceback is in log.txt)"


def parents_in_words(parents: Iterable[str], known: Iterable[str]) -> str:
    """The runs a run was made from, each once, one deleted since (not among `known` run
    ids) marked so: "a, b (deleted)"."""
    present = set(known)
    return ", ".join(parent if parent in present else f"{parent} (deleted)"
                     for parent in dict.fromkeys(parents))
