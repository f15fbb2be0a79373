"""Explore page: predicted mean vs uncertainty of the designs of runs and baselines.

Iso-lines of r_hat - c * u follow the c slider at once (no job reruns); a brush on the chart
selects designs into the table, and the selection (or everything) downloads as CSV or FASTA
with the runs' configs as JSON. The chosen runs and c are in the URL (?run=..&c=..).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from braid_core.runs import RunRecord
from dashboard import catalog, charts, components, exports, state

HELPER_COLUMNS = ["row", "score"]  # added for the chart, left out of downloads
TABLE_ROWS = 1000  # rows shown in the table (downloads have all)


def offline_points(records: list[RunRecord]) -> tuple[pd.DataFrame | None, str]:
    """The offline data on the same axes: the reward model's predictions on it.

    Looks for a table `offline` (value, predicted_mean, uncertainty) in each run, then in the
    reward model's folder and its run folder; falls back to the reward's held-out table.
    """
    ws = state.workspace()
    folders: list[Path] = [ws.run_path(r.id) for r in records]
    for record in records:
        reward = record.config.get("reward")
        if reward:
            folders += [Path(reward), Path(reward).parent]
    for name, what in (("offline", "offline data"), ("heldout", "held-out offline data")):
        for folder in folders:
            table = state.run_table(folder, name)
            if table is not None and {"predicted_mean", "uncertainty"} <= set(table.columns):
                return table, what
    return None, ""


def design_frame(records: list[RunRecord]) -> pd.DataFrame:
    ws = state.workspace()
    parts = []
    for record in records:
        table = state.run_table(ws.run_path(record.id))
        if table is not None:
            parts.append(table.assign(source=catalog.run_label(record), run=record.id))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def downloads(frame: pd.DataFrame, records: list[RunRecord]) -> None:
    designs = frame[frame["source"] != "offline data"].drop(columns=HELPER_COLUMNS,
                                                            errors="ignore")  # fmt: skip
    designs = designs.dropna(axis=1, how="all")
    used = [r for r in records if r.id in set(designs.get("run", []))]
    st.caption(f"{len(designs):,} designs to download (offline data points are left out).")
    left, middle, right = st.columns(3)
    # on_click="ignore": a rerun on click would drop the other buttons' deferred files.
    left.download_button("Download CSV", lambda: exports.designs_csv(designs),
                         file_name="designs.csv", mime="text/csv",
                         on_click="ignore")  # fmt: skip
    if "sequence" in designs.columns:
        middle.download_button("Download FASTA", lambda: exports.designs_fasta(designs),
                               file_name="designs.fasta", mime="text/plain",
                               on_click="ignore")  # fmt: skip
    right.download_button("Download run configs (JSON)",
                          lambda: exports.configs_json({r.id: r.config for r in used}),
                          file_name="configs.json", mime="application/json",
                          on_click="ignore")  # fmt: skip


def render() -> None:
    st.title("Explore")
    st.caption("Each design at its predicted mean r_hat and uncertainty u. Dashed lines: "
               "equal conservative reward r_hat - c * u; drag on the chart to select.")  # fmt: skip
    ws = state.workspace()
    records = [r for r in state.records(ws, ("finetune", "baseline", "design"))
               if r.status == "done"]
    if not records:
        st.info("No designs yet: run the whole pipeline on the Design page, or fine-tuning or "
                "a baseline on the Fine-tune page.")
        return
    by_id = {r.id: r for r in records}
    ids = list(by_id)
    state.bound_runs("run", ids, catalog.comparable_runs(records, ws, 3))
    chosen_ids = st.multiselect("Runs and baselines", ids, key="run",
                                format_func=lambda i: catalog.run_label(by_id[i]))  # fmt: skip
    state.to_url("run", chosen_ids)
    chosen = [by_id[i] for i in chosen_ids]
    components.warn_of_mixed_rewards(chosen, ", and the offline data shown is the first one's. "
                                     "Compare runs of one reward model.")
    default_c = catalog.settings(chosen[0].config).get("c") if chosen else None
    default_c = state.pipeline_defaults()["c"] if default_c is None else default_c
    grid = state.with_value(state.C_GRID, default_c)
    state.bound_number("c", grid, default_c)
    c = st.select_slider("Conservatism c for the iso-lines", grid, key="c",
                         format_func=state.format_number)  # fmt: skip
    state.to_url("c", c)
    designs = design_frame(chosen)
    if not len(designs):
        st.info("Pick runs that have written designs.")
        return
    offline, what = offline_points(chosen)
    if offline is None:
        st.caption("Offline data not shown: no reward predictions on it were saved.")
    frame = charts.scatter_frame(designs, offline)
    if what and what != "offline data":
        frame["source"] = frame["source"].replace("offline data", what)
    event = st.altair_chart(charts.design_scatter(frame, c), width="stretch",
                            on_select="rerun", key="explore_scatter")  # fmt: skip
    selected = charts.apply_selection(frame, event.selection if event else None)
    selected = selected.assign(conservative_at_c=selected["predicted_mean"]
                               - c * selected["uncertainty"])  # fmt: skip
    selected = selected.sort_values("conservative_at_c", ascending=False)
    whole = len(selected) == len(frame)
    points = f"{len(selected):,} point{'' if len(selected) == 1 else 's'}"
    st.subheader("All designs" if whole else f"Selection: {points}")
    shown = selected.drop(columns=HELPER_COLUMNS).head(TABLE_ROWS)
    if "true_score" in shown.columns:  # an invalid design scores -inf: blank, `valid` says why
        scores = pd.to_numeric(shown["true_score"], errors="coerce")
        shown["true_score"] = scores.where(np.isfinite(scores))
    st.dataframe(shown, width="stretch", hide_index=True, height=320)
    downloads(selected, chosen)


render()
