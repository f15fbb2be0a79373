"""A run's record in words (its summary, its error, what it was made from, its method), for the
terminal and the dashboard's Runs page."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from braid_core.methods import finetuned_method

# Summary values that are tables, and what their keys are: the prior's calibration gives the
# sample / data diversity ratio at each position noise tried.
KEYED_BY = {"diversity_ratio": "position noise"}


# The held-out correlations (rewards/metrics.py) are NaN where one side is all alike, e.g.
# held-out values of one level; why, in words ("nan" told a user nothing).
UNDEFINED = {
    "pearson": "the held-out values or the predictions are all alike",
    "spearman": "the held-out values or the predictions are all alike",
    "uncertainty_spearman": "the uncertainties or the held-out errors are all alike",
}


def undefined_reason(key: str, value: object) -> str | None:
    """Why the figure `key` of a summary is NaN, in words; None where it is a number (or NaN
    for no reason known)."""
    if isinstance(value, float) and math.isnan(value):
        return UNDEFINED.get(key)
    return None


def summary_lines(summary: Mapping[str, object]) -> list[str]:
    """A summary as "key: value" lines, values in words; the keys are those of the files."""
    return [f"{key}: {summary_value(key, value)}" for key, value in summary.items()]


def summary_value(key: str, value: object) -> str:
    """A run summary's value as people read it: numbers to 4 digits, a table as
    "0.62 at position noise 0.5, 0.99 at position noise 1" (not a Python dict), a correlation
    that is NaN as "n/a (why)"."""
    if why := undefined_reason(key, value):
        return f"n/a ({why})"
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


def parents_in_words(parents: Iterable[str], known: Mapping[str, str | None]) -> str:
    """The runs a run was made from, each once, with its name where it has one, and one
    deleted since (not among the `known` run ids, each with its name) marked so:
    "a (my prior), b (deleted)"."""

    def said(parent: str) -> str:
        if parent not in known:
            return f"{parent} (deleted)"
        return f"{parent} ({known[parent]})" if known[parent] else parent

    return ", ".join(said(parent) for parent in dict.fromkeys(parents))


def run_method(kind: str, config: Mapping[str, Any]) -> str | None:
    """The method of a run, as `braid design --method` names them: a design or baseline run's
    own, a reward fit's kind (boot, bonus), a fine-tuning run's from its c and its reward
    model's kind (a fine-tuning config records neither method nor kind), a sample run's that
    of the model it drew from (`sampled_method`); None for a prior."""
    if kind == "sample":  # a config recorded before "sampled" was: found from its folder now
        return str(config.get("sampled") or sampled_method(config.get("model"), "model"))
    if config.get("method"):
        return str(config["method"])
    settings = config.get("finetune")
    if kind == "finetune" and isinstance(settings, Mapping):
        return finetuned_method(settings.get("c", 0.0), _reward_kind(config.get("reward")),
                                settings.get("mode", "std"))
    return str(config["kind"]) if config.get("kind") else None


# What a sample run drew from, by what its command was given the model folder as (where the
# folder is no run's own): `braid prior sample` a prior, `braid sample` a fine-tuned model.
SAMPLED_AS = {"prior": "pretrained", "model": "model"}


def sampled_method(model: object, given_as: str) -> str:
    """What designs drawn from the saved model in the folder `model` are, as a method: a
    prior's "pretrained" (as `braid design --method` names drawing from one), a fine-tuned
    model's own method (strl, braid-bonus, braid-boot) where the folder is a run's own
    (runs/<id>/prior or runs/<id>/model); elsewhere what the command was given it as
    (`given_as`, a key of SAMPLED_AS): "pretrained" for a prior, "model" for a fine-tuned
    model, whose method its folder does not record."""
    if given_as not in SAMPLED_AS:
        raise ValueError(f"given_as must be one of {tuple(SAMPLED_AS)}, got {given_as!r}")
    folder = Path(model) if isinstance(model, str | Path) else None
    saved_by = _run_config(folder) if folder is not None else None
    if saved_by is not None and folder.name == "prior":  # a prior or design run's prior
        return SAMPLED_AS["prior"]
    if saved_by is not None and folder.name == "model":  # a fine-tuning or design run's
        if method := run_method("finetune", saved_by):  # a design run's config names its own
            return method
    return SAMPLED_AS[given_as]


def _run_config(folder: Path) -> Mapping[str, Any] | None:
    """The config of the run whose folder (<workspace>/runs/<id>) holds `folder`; None where
    `folder` is not in a run's folder, or that run is deleted."""
    if folder.parent.parent.name != "runs":
        return None
    try:
        config = json.loads((folder.parent / "config.json").read_text())
    except (OSError, ValueError):
        return None
    # a run's config names no bundle format (a saved model's own config.json does)
    return config if isinstance(config, dict) and "format" not in config else None


def _reward_kind(folder: object) -> str | None:
    """The kind (boot, bonus) its config.json gives a saved reward model; None where it
    cannot be read (deleted since)."""
    if not isinstance(folder, str):
        return None
    try:
        kind = json.loads((Path(folder) / "config.json").read_text()).get("kind")
    except (OSError, ValueError, AttributeError):
        return None
    return kind if isinstance(kind, str) else None
