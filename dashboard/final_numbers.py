"""The Compare view's "Final numbers per setting": run summaries pooled over seeds, as text.

Pure pandas (testable without Streamlit): one row per setting, its figures as "mean +- std"
over the seeds, titled for people and ordered with what a comparison turns on first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from braid_core.runs.summary import summary_value

# Summary keys as the comparison table titles them, in its order (the figures a comparison
# of runs turns on first); True: a fraction, shown as a percentage.
SUMMARY_COLUMNS: dict[str, tuple[str, bool]] = {
    "true_score_median": ("true score (median)", False),
    "true_score_max": ("true score (best)", False),
    "fraction_above_offline_best": ("above the best offline value", True),
    "validity": ("valid", True),
    "reward": ("conservative reward r_c", False),
    "predicted_mean_median": ("r_hat (median)", False),
    "uncertainty_median": ("u (median)", False),
    "conservative_score_median": ("r_hat - c u (median)", False),
    "kl": ("KL to the prior", False),
    "novelty_mean": ("novelty (mean distance to D)", False),
    "copies_of_offline": ("copies of offline designs", True),
    "unique_fraction": ("distinct", True),
    "diversity": ("diversity (mean pairwise distance)", False),
    "predicted_minus_true": ("r_hat - true score (mean)", False),
    "true_score_mean": ("true score (mean)", False),
    "offline_best": ("best offline value", False),
    "num_designs": ("designs", False),
    "distinct_designs": ("distinct designs", False),
    "pool_size": ("pool drawn", False),
}


def _pooled(values: pd.Series, percent: bool) -> str:
    """"mean +- std" of one figure over seeds ("mean" alone where they agree); "" if none."""
    values = values.dropna() * (100.0 if percent else 1.0)
    if not len(values):
        return ""
    mean, std = values.mean(), values.std(ddof=1)
    if percent:
        return f"{mean:.1f}%" if values.nunique() == 1 else f"{mean:.1f}% +- {std:.2g}%"
    return f"{mean:.4g}" if values.nunique() == 1 else f"{mean:.4g} +- {std:.2g}"


def group_summary(summaries: Mapping[str, Mapping[str, Any]], groups: Mapping[str, str]
                  ) -> pd.DataFrame:  # fmt: skip
    """Numbers of each run's summary pooled over seeds: "mean +- std" per group and key
    ("mean" alone where the seeds agree), fractions as percentages, "" where a group has none.

    Args:
        summaries: run label -> summary dict (non-numbers are ignored).
        groups: run label -> group label.
    Returns:
        One row per group: group, runs, then one text column per numeric summary key, titled
        and ordered as SUMMARY_COLUMNS says (other keys after, underscores as spaces).
    """
    rows = []
    for label, summary in summaries.items():
        numbers = {k: float(v) for k, v in summary.items()
                   if isinstance(v, int | float) and not isinstance(v, bool)}  # fmt: skip
        rows.append({"group": groups[label], **numbers})
    if not rows:
        return pd.DataFrame(columns=["group", "runs"])
    frame = pd.DataFrame(rows)
    keys = [k for k in SUMMARY_COLUMNS if k in frame.columns]
    keys += [k for k in frame.columns if k not in keys and k != "group"]
    table = []
    # sort=False: groups in the order of their first run, as the curves' legend lists them
    for group, part in frame.groupby("group", sort=False):
        row: dict[str, Any] = {"group": group, "runs": len(part)}
        for key in keys:
            title, percent = SUMMARY_COLUMNS.get(key, (key.replace("_", " "), False))
            row[title] = _pooled(part[key], percent)
        table.append(row)
    return pd.DataFrame(table)


def without_numbers(table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """`group_summary`'s table split: the groups with at least one figure, and the names of
    those with none (a run cancelled before its summary), which would be rows of blanks."""
    figures = table.drop(columns=["group", "runs"])
    empty = (figures == "").all(axis=1) if len(figures.columns) else pd.Series(True, table.index)
    return table[~empty].reset_index(drop=True), list(table.loc[empty, "group"])


def summary_rows(summary: Mapping[str, Any]) -> pd.DataFrame:
    """One run's summary as (figure, value) rows in words: titled and ordered as the
    comparison table titles them, fractions as percentages, the rest as `summary_value`
    gives it (numbers to 4 digits, a table in words)."""
    keys = [k for k in SUMMARY_COLUMNS if k in summary]
    keys += [k for k in summary if k not in SUMMARY_COLUMNS]
    rows = []
    for key in keys:
        title, percent = SUMMARY_COLUMNS.get(key, (key.replace("_", " "), False))
        value = summary[key]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        text = ("" if value is None else f"{100.0 * value:.1f}%" if percent and number
                else summary_value(key, value))
        rows.append({"figure": title, "value": text})
    return pd.DataFrame(rows, columns=["figure", "value"])
