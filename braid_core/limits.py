"""The most a command or a fine-tuning run may ask for, and the one wording that refuses more.

`braid`'s options refuse a value past its limit as a usage error before any work
(braid_core/cli/options.py), FinetuneConfig (the library, the dashboard, a recorded run) as a
ValueError; both say `over_limit`'s words. The limits, and the measurements behind them, are
in braid_core/defaults.py. No heavy imports: `braid --help` shows them without torch.
"""

from __future__ import annotations

from braid_core import defaults

# By FinetuneConfig's field names ("designs": what one command draws, `--num`, `--num-designs`,
# `--pool`): the limit, and what it spares the user, in words.
LIMITS: dict[str, tuple[int, str]] = {
    "steps": (defaults.MAX_STEPS, "over a day on a CPU at ~50 steps a minute; the reward "
              "curve flattens within a few hundred"),
    "batch_size": (defaults.MAX_BATCH, "a step keeps every design's chain and gradients in "
                   "memory at once, ~6.5 GB for 4,096 of length 100; more steps see more "
                   "designs"),
    "sampling_steps": (defaults.MAX_CHAIN_STEPS, "a chain takes at most one step per position "
                       "of the sequence, so more change nothing"),
    "tilt_completions": (defaults.MAX_TILT_COMPLETIONS, "every state of the batch's chains "
                         "scores them all at once: 256 made a step 24x as long, and time and "
                         "memory grow with them"),
    "designs": (defaults.MAX_DESIGNS, "drawing them can take an hour on a CPU; for more, run "
                "the command again with another --seed"),
}


def over_limit(field: str, value: int) -> str | None:
    """None where `value` is within the limit of `field` (a key of LIMITS), else why not:
    "must be at most 100,000 (over a day on a CPU ...), got 1,000,000". The caller names what
    it refuses first, as its user knows it: FinetuneConfig the field, the command line the
    option (typer's "Invalid value for '--steps': ")."""
    most, why = LIMITS[field]
    return None if value <= most else f"must be at most {most:,} ({why}), got {value:,}"
