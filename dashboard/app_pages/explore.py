"""Explore page: predicted mean vs uncertainty of the designs of runs and baselines.

Iso-lines of r_hat - c * u follow the c slider at once (no job reruns); a brush on the chart
selects designs into the table, and the selection (or everything) downloads as CSV or FASTA
with the runs' configs as JSON. The offline data is a grey backdrop on the chart, listed in
the table only on request: the designs are what one would make and measure. The chosen runs
and c are in the URL (?run=..&c=..).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from braid_core.runs import RunRecord
from dashboard import charts, components, design_spaces, exports, run_names, state

RANK_HELP = ("Conservative reward r_c = r_hat - c u at the slider's c; the table lists the "
             "designs best first.")
HELPER_COLUMNS = ["row", "score", "offline"]  # added for the chart, left out of downloads
TABLE_ROWS = 1000  # rows shown in the table (downloads have all)
# The table's first columns, where present: the rank before the design, so that in a 1024 px
# window it is in sight beside the source without scrolling sideways.
FIRST_COLUMNS = ["source", "conservative_at_c", "sequence"]
# The chosen runs and c: named run= and c= in the URL, as on the Fine-tune page, but kept
# under keys of their own (the pages shared "c" and "run": a c set for the iso-lines was
# launched with, and Fine-tune's run picker dropped runs it does not list).
RUNS_KEY, C_KEY = "explore_run", "explore_c"
# The table's headers for the designs tables' columns (downloads keep the column names)
COLUMN_TITLES = {"predicted_mean": "r_hat",
                 # three significant digits: u of 0.00036 and 0.00055 both read 0.0005 rounded
                 "uncertainty": st.column_config.NumberColumn("u", format="%.3g"),
                 "repeat": "repeat",
                 "value": "measured value",
                 "true_score": st.column_config.NumberColumn(
                     "true score",
                     help="The oracle's score. Blank: an invalid design (the oracle scores it "
                     "-inf; the downloads' `valid` column says so too), or a run no oracle "
                     "scores."),
                 "novelty": st.column_config.NumberColumn(
                     "novelty",
                     help="Distance to the nearest design of the offline data D: positions "
                     "that differ for sequences, Euclidean distance (in the data's units) for "
                     "vectors. 0: D holds this design.")}


def offline_points(records: list[RunRecord]) -> tuple[pd.DataFrame | None, str]:
    """The offline data on the same axes: the reward model's predictions on it.

    Looks for a table `offline` (value, predicted_mean, uncertainty) in each run, then in the
    reward model's folder and its run folder; falls back to the reward's held-out table.

    Returns:
        The table and what it is ("offline data" or "held-out offline data"), or None and
        why there is none to show.
    """
    ws = state.workspace()
    folders: list[Path] = [ws.run_path(r.id) for r in records]
    rewards = [Path(r.config["reward"]) for r in records if r.config.get("reward")]
    for reward in rewards:
        folders += [reward, reward.parent]
    for name, what in (("offline", charts.OFFLINE), ("heldout", "held-out offline data")):
        for folder in folders:
            table = state.run_table(folder, name)
            if table is not None and {"predicted_mean", "uncertainty"} <= set(table.columns):
                return table, what
    deleted = [reward for reward in rewards if not reward.exists()]
    if deleted:  # its predictions on the offline data went with it
        where = (f"run {deleted[0].parent.name}" if deleted[0].parent.parent == ws.root / "runs"
                 else str(deleted[0]))  # fmt: skip
        return None, (f"the reward model that scored these designs ({where}) has been deleted, "
                      "and its predictions on the offline data with it.")
    return None, "no reward predictions on it were saved."


def design_frame(records: list[RunRecord], labels: dict[str, str]) -> pd.DataFrame:
    """The chosen runs' designs, each row's source its run's label (`labels`, by run id)."""
    ws = state.workspace()
    parts = []
    for record in records:
        table = state.run_table(ws.run_path(record.id))
        if table is not None:
            parts.append(table.assign(source=labels[record.id], run=record.id))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def table_rows(selected: pd.DataFrame, with_offline: bool) -> pd.DataFrame:
    """The rows the table lists: the designs, best r_c first, then (with_offline) the offline
    points, the same way; the source, r_c at the slider's c and the design come first."""
    parts = [selected[~selected["offline"]]] + ([selected[selected["offline"]]]
                                                 if with_offline else [])  # fmt: skip
    rows = pd.concat([part.sort_values("conservative_at_c", ascending=False) for part in parts])
    rows = exports.blank_invalid_scores(rows.drop(columns=HELPER_COLUMNS))
    # A column blank on every row says nothing (the offline rows' values, without them)
    rows = rows.dropna(axis=1, how="all")
    rows = rows.drop(columns=said_elsewhere(rows))
    first = [column for column in FIRST_COLUMNS if column in rows.columns]
    return rows[first + [column for column in rows.columns if column not in first]]


def said_elsewhere(rows: pd.DataFrame) -> list[str]:
    """The columns of `rows` the table leaves out (the downloads keep them): with them, a
    32-letter design's table ran past a 1280 px window's and cut its novelty short.

    `run`, the run id: the source names the run. `conservative_score`, r_c at the run's c:
    the table ranks by r_c at the slider's c, which starts at the run's. `valid` beside a
    true score: an invalid design's is blank. `repeat` where no row repeats a design.
    """
    left_out = [column for column in ("run", "conservative_score") if column in rows]
    if "valid" in rows and "true_score" in rows:
        left_out.append("valid")
    if "repeat" in rows and not rows["repeat"].eq(True).any():
        left_out.append("repeat")
    return left_out


def downloads(frame: pd.DataFrame, records: list[RunRecord]) -> None:
    designs = exports.designs_to_download(frame, HELPER_COLUMNS)
    fasta = designs.drop(columns="source", errors="ignore")  # `run`, its id, says it
    used = [r for r in records if r.id in set(designs.get("run", []))]
    st.caption(f"{len(designs):,} designs to download (offline data points are left out).")
    # Named after the runs (all were "designs.csv": a second download overwrote the first).
    names = [r.name or r.id for r in used]
    stem = exports.download_stem("designs", names)
    # One row, side by side: in columns of their own they sat a column's width apart.
    row = st.container(horizontal=True, vertical_alignment="center")
    # on_click="ignore": a rerun on click would drop the other buttons' deferred files.
    row.download_button("Download CSV", lambda: exports.designs_csv(designs),
                        file_name=f"{stem}.csv", mime="text/csv",
                        on_click="ignore")  # fmt: skip
    # Vector designs among sequence ones had "nan" as their FASTA sequence: no FASTA then.
    if exports.all_sequences(designs):
        row.download_button("Download FASTA", lambda: exports.designs_fasta(fasta),
                            file_name=f"{stem}.fasta", mime="text/plain",
                            on_click="ignore", help=exports.FASTA_HELP)  # fmt: skip
    row.download_button("Download run configs (JSON)",
                        lambda: exports.configs_json({r.id: r.config for r in used}),
                        file_name=f"{exports.download_stem('configs', names)}.json",
                        mime="application/json", on_click="ignore")  # fmt: skip
    if not exports.all_sequences(designs) and "sequence" in designs.columns:
        st.caption("No FASTA: vector designs are among these. Pick sequence runs only.")


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
    state.bound_runs(RUNS_KEY, ids, run_names.comparable_runs(records, ws, 3), param="run")
    labels = run_names.run_labels(records, ws)  # names models and data where runs differ in them
    chosen_ids = st.multiselect("Runs and baselines", ids, key=RUNS_KEY, format_func=labels.get)
    state.to_url(RUNS_KEY, chosen_ids, param="run")
    chosen = [by_id[i] for i in chosen_ids]
    designs = design_frame(chosen, labels)
    mixed = design_spaces.mixed_spaces_message(design_spaces.runs_by_space(
        chosen, ws, dict(tuple(designs.groupby("run"))) if len(designs) else {}))
    if mixed:  # the weightier warning: other reward models follow from it
        st.warning(mixed)
    else:  # the offline points come from the first run whose reward model's table is there
        components.warn_of_mixed_rewards(chosen, ", and the offline data shown are scored by "
                                         "one of them alone. Compare runs of one reward model.")
    components.warn_of_reach(chosen, labels)
    components.warn_of_weak_ranking(chosen, labels)
    default_c = run_names.settings(chosen[0].config).get("c") if chosen else None
    default_c = state.pipeline_defaults()["c"] if default_c is None else default_c
    grid, _ = state.bound_number(C_KEY, state.with_value(state.C_GRID, default_c), default_c,
                                 param="c")
    c = st.select_slider("Conservatism c for the iso-lines", grid, key=C_KEY,
                         format_func=state.format_number)  # fmt: skip
    state.to_url(C_KEY, c, param="c")
    if not len(designs):
        st.info("Pick runs that have written designs.")
        return
    offline, what = offline_points(chosen)
    if offline is None:
        st.caption(f"Offline data not shown: {what}")
    frame = charts.scatter_frame(designs, offline, what or charts.OFFLINE)
    scored = frame.loc[~frame["offline"], "score"].notna().any()
    colour_by = "run"
    if scored:
        colour_by = st.radio("Colour the designs by", ["run", "score"], horizontal=True,
                             key="explore_colour",
                             format_func={"run": "run", "score": "true score"}.get)  # fmt: skip
    event = st.altair_chart(charts.design_scatter(frame, c, colour_by), width="stretch",
                            on_select="rerun", key="explore_scatter")  # fmt: skip
    selected = charts.apply_selection(frame, event.selection if event else None)
    selected = selected.assign(conservative_at_c=selected["predicted_mean"]
                               - c * selected["uncertainty"])  # fmt: skip
    whole = len(selected) == len(frame)
    points = f"{len(selected):,} point{'' if len(selected) == 1 else 's'}"
    st.subheader("All designs" if whole else f"Selection: {points}")
    with_offline = offline is not None and st.toggle(
        f"List the {what} too", key="explore_offline_rows",
        help="The table lists the designs of the chosen runs, best r_hat - c u first; the "
        "offline points, shown in grey on the chart, follow them when this is on.")
    rows = table_rows(selected, with_offline)
    # placeholder "": a missing cell (an invalid design's true score) blank, as the column's
    # help and the downloads have it, not "None"
    st.dataframe(rows.head(TABLE_ROWS), width="stretch", hide_index=True, height=320,
                 placeholder="",
                 column_config={**COLUMN_TITLES,
                                "source": st.column_config.TextColumn(width="medium"),
                                "conservative_at_c": st.column_config.NumberColumn(
                                    f"r_c at c = {c:g}", help=RANK_HELP)})
    if len(rows) > TABLE_ROWS:
        st.caption(f"The table lists the first {TABLE_ROWS:,} of {len(rows):,} rows; the "
                   "downloads below hold every design.")
    downloads(selected, chosen)

render()
