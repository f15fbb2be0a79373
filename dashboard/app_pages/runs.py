"""Runs page: every run of the workspace (dashboard- or CLI-started), status, logs, cancel."""

from __future__ import annotations

import json

import streamlit as st

from braid_core import jobs
from braid_core.runs.summary import parents_in_words
from dashboard import catalog, components, final_numbers, run_names, state


def confirm_delete(run_id: str, place) -> None:
    """Deleting removes the run's folder for good: ask first, naming the runs made from it."""
    ws = state.workspace()
    children = ws.made_from(run_id)
    made = (f" Runs made from it keep their own files but no longer find it: "
            f"{', '.join(children)}." if children else "")
    place.warning(f"Delete run {run_id} and its files?{made}")
    yes, no = place.columns(2)
    if yes.button("Delete", key=f"delete-yes-{run_id}", type="primary"):
        del st.session_state["delete_asked"]
        ws.delete_run(run_id)
        st.toast(f"Run {run_id} deleted")
        st.rerun()
    if no.button("Keep it", key=f"delete-no-{run_id}"):
        del st.session_state["delete_asked"]
        st.rerun()


def details(run_id: str) -> None:
    ws = state.workspace()
    record = ws.record(run_id)
    st.markdown(f"**{run_names.run_label(record)}** · {record.kind} · status **{record.status}**")
    if record.error:
        st.error(components.plain(components.run_error(record)))
    left, right = st.columns(2)
    if state.is_live(record):
        if left.button("Cancel this run", key=f"cancel-run-{run_id}"):
            st.toast(f"Run {run_id} is {jobs.cancel(ws, run_id)}")
            st.rerun()
    elif st.session_state.get("delete_asked") == run_id:
        confirm_delete(run_id, left)
    elif left.button("Delete this run", key=f"delete-run-{run_id}"):
        st.session_state["delete_asked"] = run_id
        st.rerun()
    if record.parents:
        right.caption("Made from: " + parents_in_words(record.parents,
                                                         {r.id: r.name for r in ws.list_runs()}))
    if files := run_names.data_files(record, ws):  # an upload removed since says so
        right.caption(components.plain("Data: " + ", ".join(map(catalog.data_name, files))))
    tab_config, tab_summary, tab_log = st.tabs(["Config", "Summary", "Log"])
    tab_config.code(json.dumps(record.config, indent=2), language="json")
    if record.summary:  # in words; the config stays JSON, to read back or rerun
        tab_summary.dataframe(final_numbers.summary_rows(record.summary), hide_index=True)
    else:
        tab_summary.caption(f"No summary: the run is {record.status}; a finished run "
                            "records its figures here.")
    # Wrapped: a note (e.g. the reward fit cut short) is one long line.
    tab_log.code(components.log_tail(ws.run_path(run_id)) or "(empty)", language="text",
                 wrap_lines=True)


def render() -> None:
    st.title("Runs")
    ws = state.workspace()
    st.caption(f"Workspace: {ws.root} (set BRAID_HOME to use another). Runs started from the "
               "command line appear here too.")  # fmt: skip
    records = state.records(ws)
    components.live_runs(None, key="runs")
    if not records:
        st.info("No runs yet.")
        return
    kinds = sorted({r.kind for r in records})
    shown = st.multiselect("Kinds", kinds, default=kinds)
    records = [r for r in records if r.kind in shown]
    st.dataframe(components.run_status_table(records), width="stretch", hide_index=True,
                 column_config=components.RUN_TABLE_COLUMNS)
    ids = [r.id for r in records]
    if ids:
        # No status in the label: a picked option keeps the label it was picked with, so a
        # status there would go stale (it is in the table above and the heading below).
        labels = {r.id: run_names.run_label(r) for r in records}
        run_id = st.selectbox("Run details", ids, key="runs_detail",
                              format_func=lambda i: f"{i} · {labels[i]}")  # fmt: skip
        details(run_id)


render()
