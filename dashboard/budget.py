"""What a finished run's time budget cut short, in words, read from the files the run left.

The numbers are on record: the run's summary keeps `prior_cut_by_time` (with the steps
pre-training reached) and `pool_size` (the designs drawn, against the config's `pool_size`
asked for); the reward model's config.json keeps `networks_cut_by_time`. The words are the
pipeline's own (`prior_time_note`, `reward_time_note`, `pool_time_note`: the run's log says
the same), with the command line's option named as this app's field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from braid_core.pipeline import pool_time_note, prior_time_note, reward_time_note

# The pipeline's notes name the command line's option; the Design page's field is this.
OPTION_FIELDS = {"--max-minutes": "Time budget"}


class Shortfall(NamedTuple):
    """One step the time budget ended early."""

    step: str  # short name, for a table column: "pre-training", "reward fit", "pool"
    message: str  # what it means, for a warning


def as_sentence(note: str) -> str:
    """A pipeline note (lower-case, no full stop, options as typed) as this app says it."""
    for option, field in OPTION_FIELDS.items():
        note = note.replace(option, field)
    return note[0].upper() + note[1:] + "."


def budget_shortfalls(config: Mapping[str, Any], summary: Mapping[str, Any],
                      reward_meta: Mapping[str, Any] | None) -> list[Shortfall]:  # fmt: skip
    """The steps of a run that its time limit cut short.

    Args:
        config: the run's config (its `pool_size`: designs asked to draw).
        summary: the run's summary (its `pool_size`: designs drawn; `num_designs`; the
            `prior_*` fields of pre-training).
        reward_meta: the run's reward model config.json, or None when it has none.
    """
    notes = {"pre-training": prior_time_note(summary)}
    if reward_meta:
        minutes = (reward_meta.get("config") or {}).get("max_minutes")
        notes["reward fit"] = reward_time_note(reward_meta.get("metrics", {}), minutes)
    asked, drawn = config.get("pool_size"), summary.get("pool_size")
    kept = summary.get("num_designs", config.get("num_designs"))  # a float in summaries
    if asked and drawn is not None and kept is not None:  # configs before pools lack one
        notes["pool"] = pool_time_note(int(kept), int(asked), int(drawn))
    return [Shortfall(step, as_sentence(note)) for step, note in notes.items() if note]
