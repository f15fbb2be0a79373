"""What a finished run's time budget cut short, in words, read from the files the run left.

The pipeline says it in the run's log; the numbers are on record too: the reward model's
config.json keeps `networks_cut_by_time`, and the summary's `pool_size` counts the designs
drawn against the config's `pool_size` asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple


class Shortfall(NamedTuple):
    """One step the time budget ended early."""

    step: str  # short name, for a table column: "reward fit", "pool"
    message: str  # what it means, for a warning


def budget_shortfalls(config: Mapping[str, Any], summary: Mapping[str, Any],
                      reward_meta: Mapping[str, Any] | None) -> list[Shortfall]:  # fmt: skip
    """The steps of a run that its time limit cut short.

    Args:
        config: the run's config (its `pool_size`: designs asked to draw).
        summary: the run's summary (its `pool_size`: designs drawn; `num_designs`).
        reward_meta: the run's reward model config.json, or None when it has none.
    """
    found = []
    metrics = (reward_meta or {}).get("metrics", {})
    if cut := metrics.get("networks_cut_by_time"):
        minutes = ((reward_meta or {}).get("config") or {}).get("max_minutes")
        limit = f" ({minutes:.2g} min)" if minutes else ""
        found.append(Shortfall("reward fit", f"The reward fit reached its time limit{limit}: "
                               f"{cut:.0f} network(s) stopped before their validation error "
                               "stopped improving."))
    asked, drawn = config.get("pool_size"), summary.get("pool_size")
    if asked and drawn is not None and drawn < asked:
        kept = summary.get("num_designs", config.get("num_designs"))  # a float in summaries
        found.append(Shortfall("pool", f"Only {drawn:.0f} of the {asked} pool designs were "
                               f"drawn in time, so the {kept:.0f} designs handed over were "
                               f"picked from {drawn:.0f}, not {asked}."))
    return found
