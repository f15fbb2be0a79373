"""Runs page: every run of the workspace (dashboard- or CLI-started), status, logs, cancel."""

from __future__ import annotations

import json

import streamlit as st

from braid_core import jobs
from dashboard import catalog, components, state


def details(run_id: str) -> None:
    ws = state.workspace()
    record = ws.record(run_id)
    st.markdown(f"**{catalog.run_label(record)}** · {record.kind} · status **{record.status}**")
    if record.error:
        st.error(record.error)
    left, right = st.columns(2)
    if state.is_live(record):
        if left.button("Cancel this run", key=f"cancel-run-{run_id}"):
            st.toast(f"Run {run_id} is {jobs.cancel(ws, run_id)}")
            st.rerun()
    elif left.button("Delete this run", key=f"delete-run-{run_id}"):
        ws.delete_run(run_id)
        st.rerun()
    if record.parents:
        right.caption("Made from: " + ", ".join(record.parents))
    tab_config, tab_summary, tab_log = st.tabs(["Config", "Summary", "Log"])
    tab_config.code(json.dumps(record.config, indent=2), language="json")
    tab_summary.code(json.dumps(record.summary, indent=2), language="json")
    tab_log.code(components.log_tail(ws.run_path(run_id)) or "(empty)", language="text")


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
    st.dataframe(components.run_status_table(records), width="stretch", hide_index=True)
    ids = [r.id for r in records]
    if ids:
        run_id = st.selectbox("Run details", ids, key="runs_detail",
                              format_func=lambda i: f"{i} ({ws.record(i).status})")  # fmt: skip
        details(run_id)


render()
