"""Cached loaders and the few pieces of UI state (session_state and URL query parameters).

Everything a page shows comes from the workspace (`$BRAID_HOME` or ./braid-workspace), so a
reload or a server restart shows the same runs. Loaders are keyed by path and file
modification time, so a file a job rewrites is read again and an unchanged one is not.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from braid_core import jobs
from braid_core.data import OfflineData, read_designs
from braid_core.runs import FINISHED, RunRecord, Workspace, default_workspace_root

C_GRID = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)
ALPHA_GRID = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
LIVE_EVERY = "2s"  # how often live views re-read the metrics files


@st.cache_resource(max_entries=4)
def _open_workspace(root: str) -> Workspace:
    workspace = Workspace(root)
    jobs.reconcile(workspace)  # once per server and workspace: runs that died while we were down
    return workspace


def workspace() -> Workspace:
    """The workspace of this server ($BRAID_HOME or ./braid-workspace), reconciled once."""
    return _open_workspace(str(default_workspace_root()))


def pipeline_defaults() -> dict[str, Any]:
    """c, alpha, steps, batch_size, reward_kind: the measured defaults (braid_core.defaults)."""
    from braid_core import pipeline

    return pipeline.defaults()


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


@st.cache_data(max_entries=64, show_spinner=False)
def _read_table(path: str, mtime_ns: int) -> pd.DataFrame:
    return pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)


def run_table(run_path: Path, name: str = "designs") -> pd.DataFrame | None:
    """A run's table `<name>.parquet` (or .csv), cached by file time; None if not written."""
    for suffix in (".parquet", ".csv"):
        path = Path(run_path) / f"{name}{suffix}"
        if path.is_file():
            return _read_table(str(path), _mtime(path))
    return None


@st.cache_data(max_entries=256, show_spinner=False)
def _read_metrics(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    rows = []
    with open(path, "rb") as file:
        for line in file.read().split(b"\n")[:-1]:  # a last line without newline is unfinished
            try:
                rows.append(json.loads(line))
            except ValueError:
                continue
    return pd.DataFrame([row for row in rows if isinstance(row, dict)])


def metrics(run_path: Path) -> pd.DataFrame:
    """A run's metrics rows (as `Run.metrics_frame`), cached by file time and size."""
    path = Path(run_path) / "metrics.jsonl"
    try:
        stat = path.stat()
    except FileNotFoundError:
        return pd.DataFrame()
    return _read_metrics(str(path), stat.st_mtime_ns, stat.st_size)


def progress(run_path: Path) -> dict[str, Any] | None:
    """progress.json of a run, or None (never cached: it is tiny and changes every step)."""
    try:
        return json.loads((Path(run_path) / "progress.json").read_text())
    except (FileNotFoundError, ValueError):
        return None


@st.cache_resource(max_entries=8, show_spinner=False)
def _read_data(
    path: str, mtime_ns: int, value_column: str | None, alphabet: str | None
) -> OfflineData:
    return read_designs(path, value_column=value_column, alphabet=alphabet)


def offline_data(path: str, labeled: bool = True, alphabet: str | None = None) -> OfflineData:
    """A validated data file (shared, never mutated); raises DataError."""
    return _read_data(path, _mtime(Path(path)), "value" if labeled else None, alphabet)


def oracle_fits(prior_path: str, task: str) -> bool:
    """Whether the task's oracle (a name or an Ehrlich LENGTH:MOTIFS:SEED) scores the designs
    this prior makes (`pipeline.check_oracle`, which lets a prior it cannot read pass)."""
    return _oracle_fits(prior_path, _mtime(Path(prior_path) / "config.json"), task)


@st.cache_data(max_entries=256, show_spinner=False)
def _oracle_fits(prior_path: str, mtime_ns: int, task: str) -> bool:
    from braid_core import pipeline

    try:
        pipeline.check_oracle(task, prior_path)
    except ValueError:
        return False
    return True


def oracle_choices(prior_path: str) -> list[str]:
    """The named tasks whose oracle scores the designs this prior makes."""
    from braid_core.tasks import TASKS

    return [name for name in TASKS if oracle_fits(prior_path, name)]


@st.cache_data(max_entries=64, show_spinner=False)
def _read_json(path: str, mtime_ns: int) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def json_file(path: Path) -> dict[str, Any] | None:
    """A JSON file (e.g. a prior's config.json), or None if missing."""
    path = Path(path)
    return _read_json(str(path), _mtime(path)) if path.is_file() else None


def records(ws: Workspace, kinds: Sequence[str] | None = None) -> list[RunRecord]:
    """Index rows (newest first), with the status of running runs checked against /proc."""
    rows = [r for r in ws.list_runs() if kinds is None or r.kind in kinds]
    if any(r.status == "running" for r in rows):
        for record in rows:
            if record.status == "running":
                jobs.status(ws, record.id)  # marks it failed if its process is gone
        rows = [r for r in ws.list_runs() if kinds is None or r.kind in kinds]
    return rows


def is_live(record: RunRecord) -> bool:
    return record.status not in FINISHED


# ---- URL-bound values ------------------------------------------------------------------------


def nearest(grid: Sequence[float], value: float) -> float:
    """The grid value nearest to `value` on a log scale (0 only matches values <= 0)."""
    if value <= 0 or not math.isfinite(value):
        return min(grid, key=abs) if value <= 0 else grid[-1]
    positive = [g for g in grid if g > 0]
    return min(positive, key=lambda g: abs(math.log(g) - math.log(value)))


def with_value(grid: Sequence[float], value: float) -> tuple[float, ...]:
    """The grid with `value` added (kept sorted), so a default off the grid stays selectable."""
    return tuple(sorted({*grid, float(value)}))


def format_number(value: float) -> str:
    return f"{value:g}"


# The URL parameters this session has written. Two pages name their own values alike in the
# URL (Fine-tune's c and Explore's c), and a page switch may keep the query string: once
# written, a parameter holds what some page last put there, so it is read no more.
_WRITTEN_PARAMS = "_url_written"


def _linked(param: str) -> str | None:
    """The URL's `param` where it came with the link that opened this session, else None."""
    if param in st.session_state.get(_WRITTEN_PARAMS, ()):
        return None
    return st.query_params.get(param)


def bound_number(name: str, grid: Sequence[float], default: float,
                 param: str | None = None) -> tuple[tuple[float, ...], float]:
    """Prime the widget key `name` from the URL (?param=..., `param` by default `name`), or
    the value kept from the page's last showing, or `default`; returns the grid to offer
    (`grid` with that value) and the value.

    A value between two grid values (?alpha=0.07 written by hand, a run's own c) is kept and
    offered, not moved to the nearest grid value unsaid; one outside the grid's range is.
    Call before creating the widget with key=name; write the value back with `to_url`.
    """
    if name not in st.session_state:
        raw = _linked(param or name)
        try:
            value = float(raw) if raw is not None else kept_value(name, default)
        except ValueError:
            value = default
        st.session_state[name] = float(value)
    value = float(st.session_state[name])  # perhaps set by `per_kind`, for another grid
    if not (math.isfinite(value) and min(grid) <= value <= max(grid)):
        value = nearest(grid, value)
    st.session_state[name] = value
    return with_value(grid, value), value


def bound_runs(name: str, options: Sequence[str], default: Sequence[str],
               param: str | None = None) -> list[str]:
    """Prime the multiselect key `name` from ?param=id1,id2 (`param` by default `name`;
    unknown ids dropped), or the runs kept from the page's last showing, or `default`."""
    if name in st.session_state:
        chosen = st.session_state[name]
    else:
        raw = _linked(param or name)
        kept = kept_value(name)
        chosen = raw.split(",") if raw else (kept if kept is not None else default)
    # Set again even when present: a value left by another page's widget of this key is
    # otherwise dropped as this page's widget registers (seen after a fragment's rerun).
    st.session_state[name] = [run_id for run_id in chosen if run_id in options]
    return st.session_state[name]


def to_url(name: str, value: float | Sequence[str] | None, param: str | None = None) -> None:
    """Put widget `name`'s value into the URL as ?param= (`param` by default `name`) and keep
    it across pages; None removes it."""
    param = param or name
    # Kept as `keep_across_pages` keeps: `per_kind` finds it after a visit to another page.
    st.session_state[_kept_key(name)] = value
    st.session_state.setdefault(_WRITTEN_PARAMS, set()).add(param)
    if value is None or (isinstance(value, (list, tuple)) and not value):
        st.query_params.pop(param, None)
    elif isinstance(value, (list, tuple)):
        st.query_params[param] = ",".join(value)
    else:
        st.query_params[param] = format_number(value)


# ---- Widget values kept across pages ---------------------------------------------------------
# Streamlit drops a widget's value from session_state after any run that does not draw it, so
# a visit to another page sends a page's settings back to their defaults. A copy under a key of
# our own, which Streamlit leaves alone, gives them back on return.


def _kept_key(key: str) -> str:
    return f"_kept_{key}"


def kept_value(key: str, default: Any = None) -> Any:
    """Widget `key`'s value: as last drawn, else as kept from its page's last showing in this
    session (see `keep_across_pages`), else `default`."""
    if key in st.session_state:
        return st.session_state[key]
    return st.session_state.get(_kept_key(key), default)


def per_kind(key: str, kind: str, default: Any) -> None:
    """Give widget `key` a value of its own for each `kind` (e.g. the KL weight for sequences
    and for vectors): where `kind` differs from the one it was last drawn for, its value is
    kept as that kind's and the widget set to this kind's (`default` the first time). The
    first call of a session leaves the value as it is (from the URL, say). Call before
    `keep_across_pages` or `bound_number` (which fit the value to this kind's grid). One widget
    under one key, not one per kind: a key swapped under a number field at one place on the
    page had the browser send the field's minimum (0.001) as the new key's value."""
    kinds = st.session_state.setdefault(f"_per_kind_{key}", {})
    last = st.session_state.get(f"_kind_{key}")
    if last == kind:
        return
    st.session_state[f"_kind_{key}"] = kind
    if last is None:
        return
    kinds[last] = kept_value(key, default)
    value = kinds.get(kind, default)
    st.session_state[key] = value
    st.session_state[_kept_key(key)] = value


def _allowed(value: Any, default: Any, options: Collection[Any] | None) -> Any:
    """`value` if it is still one of `options` (for a list: the items that still are), else
    `default`."""
    if options is None:
        return value
    if isinstance(value, list):
        still = [item for item in value if item in options]
        return default if value and not still else still
    return value if value in options else default


def keep_across_pages(key: str, default: Any, options: Collection[Any] | None = None
                      ) -> dict[str, Any]:  # fmt: skip
    """Give widget `key` the value it had when its page was last shown in this session, or
    `default` (the first time, and when that value is no longer among `options`: a data set
    deleted since, an option no longer offered).

    Call right before drawing the widget, and draw it without a default of its own (no
    value=, index= or default=): the value set here is the one it shows.

    Returns:
        The widget's key= and an on_change= that keeps each change at once (also one sent
        with the very click that leaves the page), to pass on as `**keep_across_pages(...)`.
        A widget drawn by a helper that takes only key= (components.path_picker) is kept
        each time its page is drawn.
    """
    value = _allowed(kept_value(key, default), default, options)
    if key not in st.session_state or st.session_state[key] != value:
        st.session_state[key] = value
    _keep_copy(key)
    return {"key": key, "on_change": _keep_copy, "args": (key,)}


# Data set paths: a data set -> the one the Data page's "Add designs" made of it and more
ADDED_TO = "_added_to"


def record_added(base: str, combined: str) -> None:
    """Say that `combined` holds the data set `base` and designs added to it since."""
    st.session_state.setdefault(ADDED_TO, {})[base] = combined


def follow_added(key: str, options: Collection[str]) -> tuple[str, str] | None:
    """Where widget `key` holds a data set that designs were added to since (`record_added`),
    set it to the data set with them (the newest, where designs were added again), once per
    data set: picked again after, the older one stays. Returns (old path, new path), or None
    where nothing moved. Call before `keep_across_pages` draws the widget."""
    added = st.session_state.get(ADDED_TO, {})
    followed = st.session_state.setdefault(f"_followed_{key}", set())
    old = new = kept_value(key)
    while new in added and new not in followed:
        followed.add(new)
        new = added[new]
    if new == old or new not in options:
        return None
    st.session_state[key] = st.session_state[_kept_key(key)] = new
    return old, new


def _keep_copy(key: str) -> None:
    st.session_state[_kept_key(key)] = st.session_state[key]
