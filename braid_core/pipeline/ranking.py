"""How well a reward model ranks its held-out designs, in words: the line `braid design` and
`braid reward train` print beside the calibration note, and the warning for a model that
barely ranks them, read from the metrics a model records (its config.json), so the command
line, the Reward model page and the Design page say it alike.

A first user's design run had a reward model of held-out Spearman -0.03: the run said only its
calibration, and its designs followed the model's noise without a word of it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

# Below this held-out Spearman a model barely ranks designs. Its standard error under no
# ranking at all is about 1 / sqrt(n - 1): 0.23 for the 20 held-out designs of a 100-design
# table, 0.14 for 50. So below 0.2 the ranking is within about one standard error of none on
# such tables, and even where it is real it orders few pairs: 0.2 puts 56 % of pairs of
# designs in the right order, 0 puts half.
WEAK_SPEARMAN = 0.2


def heldout_line(metrics: Mapping[str, float]) -> str | None:
    """The held-out accuracy in one line: Pearson and Spearman of prediction and measured
    value, on how many designs; None where a model recorded none (older models)."""
    if "spearman" not in metrics or "pearson" not in metrics:
        return None
    on = f" on {metrics['n_val']:.0f} held-out designs" if "n_val" in metrics else ""
    return (f"held-out quality{on}: Pearson {metrics['pearson']:.3f}, "
            f"Spearman {metrics['spearman']:.3f} (1 would rank them as measured, 0 not at all)")


def weak_ranking_note(metrics: Mapping[str, float]) -> str | None:
    """The words for a reward model whose held-out Spearman is below WEAK_SPEARMAN; None
    where it ranks better, or where the correlation is undefined (values all alike: the
    data checks say so)."""
    spearman = metrics.get("spearman")
    if spearman is None or math.isnan(spearman) or spearman >= WEAK_SPEARMAN:
        return None
    return (f"the reward model barely ranks held-out designs (Spearman {spearman:.2f}, "
            f"below {WEAK_SPEARMAN:g}): designs chosen by it follow its noise more than the "
            "measured values, and their predicted values say little. What helps: more "
            "measured designs, or ones more different from each other; a check that the "
            "value column is the measurement meant (not an id, or a column with values of "
            "mixed units); and a look at the held-out plot on the Reward model page")
