"""Widgets shared by several pages: launching a job, the live-progress panel, run pickers."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pandas as pd
import streamlit as st

from braid_core import jobs
from braid_core.data import DataError
from braid_core.rewards import NETWORK_CHOICES, RewardTrainConfig
from braid_core.rewards.replicates import COUNT_WEIGHTINGS
from braid_core.runs import MAX_NAME_LENGTH, RunRecord
from braid_core.runs.summary import error_in_words, run_method
from braid_core.spaces import SequenceSpace, Space, names_differ
from dashboard import catalog, curves, run_names, state

LAUNCHED = "_launched_runs"  # session key: run ids started here and not yet seen ended
FINISHED = "_finished_runs"  # session key: run ids seen ending here, for a page to pick up
CANCELLED = "_cancelled_runs"  # session key: live panel key -> (run label, status) cancelled there
LIVE_CURVES = ("reward", "uncertainty", "kl", "true_score_median", "loss")
# Where a cancelled run's log and files are (pages with more to show say so instead).
CANCELLED_LEFT = "Its log and the files it wrote so far are on the Runs page."
CURVES_PER_ROW = 3  # small charts side by side; each fits its column at 1024 px as at 1280


def plain(text: str) -> str:
    """`text` as Streamlit should show it, letter for letter: Markdown's marks escaped, so a
    `**` quoted from a user's file stays two stars instead of turning the rest bold."""
    return re.sub(r"([\\`*_\[\]<>#|~$])", r"\\\1", text)


def launch(kind: str, config: Mapping[str, Any], *, parents: Sequence[str] = (),
           name: str | None = None) -> str | None:  # fmt: skip
    """Start a background job through braid_core.pipeline; errors shown in plain words.

    Returns:
        The new run id, or None if it could not start.
    """
    try:
        from braid_core import pipeline

        run_id = pipeline.start(state.workspace(), kind, dict(config), parents=parents, name=name)
    except (ImportError, KeyError, ValueError, OSError) as err:
        st.error(f"The {kind} job did not start: {plain(str(err))}")
        return None
    st.toast(f"Started {kind} run {run_id}")
    st.session_state.pop(CANCELLED, None)  # a cancel said before is old news now
    # Watched from here on, even if it ends before the live panel's next look (live_runs).
    st.session_state[LAUNCHED] = [*st.session_state.get(LAUNCHED, ()), run_id]
    return run_id


def run_name_input(key: str) -> str | None:
    """A launch form's optional run name, kept across pages: at most MAX_NAME_LENGTH
    characters, as `--name` takes on the command line; None when left empty."""
    name = st.text_input("Run name (optional)", max_chars=MAX_NAME_LENGTH,
                         **state.keep_across_pages(key, ""))
    return name.strip() or None


def _fraction(record: RunRecord, frame: pd.DataFrame, progress: dict | None) -> float | None:
    if progress and "fraction" in progress:
        return float(progress["fraction"])
    steps = run_names.settings(record.config).get("steps")
    if steps and "step" in frame.columns and len(frame):
        return float(frame["step"].max()) / float(steps)
    return None


def live_card(record: RunRecord, metrics: Sequence[str] = LIVE_CURVES, panel: str = "") -> None:
    """One running run: status, progress bar, metric curves and a Cancel button; what the
    Cancel did is said in its live panel (`panel`, its key) after the card has gone."""
    ws = state.workspace()
    path = ws.run_path(record.id)
    with st.container(border=True):
        head, button = st.columns([5, 1])
        head.markdown(f"**{run_names.run_label(record)}** · {record.kind} · status: "
                      f"**{record.status}**")  # fmt: skip
        if button.button("Cancel", key=f"cancel-{record.id}", help=f"Stop run {record.id}"):
            final = jobs.cancel(ws, record.id)
            # Not a toast: the rerun below dropped it, and the run left the panel unsaid.
            st.session_state[CANCELLED] = {**st.session_state.get(CANCELLED, {}),
                                           panel: (run_names.run_label(record), final)}
            st.rerun()  # the whole page: run lists and comparisons change too
        frame = current_stage(state.metrics(path))
        progress = state.progress(path)
        fraction = _fraction(record, frame, progress)
        if fraction is not None:
            text = (progress or {}).get("message") or f"{fraction:.0%}"
            st.progress(min(max(fraction, 0.0), 1.0), text=text)
        if "shape" in frame.columns and len(frame):  # a reward fit
            st.caption(reward_fit_words(frame.iloc[-1], record.config))
        if not metrics:  # e.g. drawing samples: a progress bar at most
            return
        long = curves.long_metrics({run_names.run_label(record): frame}, metrics)
        if len(long):  # no legend: the card's heading names its one run
            draw_curves(curves.metric_curves(long, height=120), legend=False)
        else:
            st.caption("Waiting for the first metrics ...")


def draw_curves(grid: curves.CurveGrid, legend: bool = True) -> None:
    """The small charts CURVES_PER_ROW to a row, each as wide as its column, then the legend
    they share (no chart has its own)."""
    for start in range(0, len(grid.charts), CURVES_PER_ROW):
        row = grid.charts[start:start + CURVES_PER_ROW]
        for column, chart in zip(st.columns(CURVES_PER_ROW), row, strict=False):
            column.altair_chart(chart, width="stretch")
    if legend:
        st.altair_chart(grid.legend, width="stretch")


def reward_fit_words(row: Mapping[str, Any], config: Mapping[str, Any]) -> str:
    """Which network a reward fit is on, in words, from its last metric row (its "shape" and
    "head" count from 0) and its run's config (a reward or a design run)."""
    choice = config.get("network") or config.get("reward_network") or "auto"
    kind = config.get("kind") or ("bonus" if config.get("method") == "braid-bonus" else "boot")
    network, alternatives, combine = NETWORK_CHOICES.get(choice, NETWORK_CHOICES["auto"])
    names = {shapes[0]: name for name, shapes in NETWORK_CHOICES.items() if not shapes[1]}
    sequences = fits_sequences(config)  # reads the run's data file (cached)
    shapes = (network, *alternatives) if sequences else (network,)
    shape = min(int(row.get("shape", 0)), len(shapes) - 1)
    heads = RewardTrainConfig().num_heads if kind == "boot" else 1
    head = f", bootstrap head {int(row.get('head', 0)) + 1} of {heads}" if heads > 1 else ""
    if len(shapes) == 1:
        named = f" ({names[network]})" if sequences else ""
        return f"Fitting the network{named}{head}."
    kept = ("the one of lower validation error is kept" if combine == "choose"
            else "both are kept, averaged")
    return (f"Fitting network shape {shape + 1} of {len(shapes)} ({names[shapes[shape]]})"
            f"{head}. Each shape is fitted in turn and {kept}.")


def fits_sequences(config: Mapping[str, Any]) -> bool:
    """Whether a reward or design run's labeled data are sequences (vectors have one network
    shape); True when the file cannot be read here."""
    spec = config.get("data") or config.get("offline") or {}
    if "sequence_column" in spec and spec["sequence_column"] is None:
        return False  # recorded as vectors (older configs say "sequence" for either)
    try:
        data = state.offline_data(spec["path"], True, spec.get("alphabet"))
    except (DataError, KeyError, OSError):
        return True
    return isinstance(data.space, SequenceSpace)


def current_stage(frame: pd.DataFrame) -> pd.DataFrame:
    """The metric rows of the step under way. A run of several steps (a design run: prior,
    reward model, fine-tuning) logs each with its own step count and curves."""
    if "stage" not in frame.columns or not len(frame):
        return frame
    # Columns only an earlier step logged (the reward fit's "shape") are dropped: empty here.
    return frame[frame["stage"] == frame["stage"].iloc[-1]].dropna(axis=1, how="all")


def cancelled_words(label: str, final: str, left: str) -> str:
    """What a Cancel did, said where the run's card was; `left` says where what the run left
    (its curves so far, its log) can be seen."""
    if final == "cancelled":
        return f"{label} was cancelled. {left}"
    return f"{label} had ended ({final}) before it could be cancelled. {left}"


@st.fragment(run_every=state.LIVE_EVERY)
def live_runs(kinds: Sequence[str] | None, key: str, metrics: Sequence[str] = LIVE_CURVES,
              name: str | None = None, left: str = CANCELLED_LEFT) -> None:  # fmt: skip
    """Runs of these kinds (and of this name, when given) that are still going, refreshed
    every LIVE_EVERY; the last run cancelled here is said (until the next launch), and
    `left` says where to see what it left.

    When a run finishes (one launched in this session counts even if it ended before this
    panel saw it going), its id joins FINISHED and the whole page reruns, so lists of
    finished runs and comparisons pick it up.
    """
    ours = [r for r in state.records(state.workspace(), kinds) if name is None or r.name == name]
    records = [r for r in ours if state.is_live(r)]
    live = {r.id for r in records}
    seen = f"_live_{key}"
    launched = set(st.session_state.get(LAUNCHED, ())) & {r.id for r in ours}
    ended = (set(st.session_state.get(seen, ())) | launched) - live
    st.session_state[seen] = sorted(live)
    if ended:
        st.session_state[LAUNCHED] = [i for i in st.session_state.get(LAUNCHED, ())
                                      if i not in ended]
        st.session_state[FINISHED] = sorted({*st.session_state.get(FINISHED, ()), *ended})
        st.rerun()
    if cancelled := st.session_state.get(CANCELLED, {}).get(key):
        st.info(plain(cancelled_words(*cancelled, left)))
    if not records:
        st.caption("No runs in progress.")
        return
    st.caption(f"{len(records)} run(s) in progress; updated every {state.LIVE_EVERY}.")
    for record in records:
        live_card(record, metrics, key)


class Choice(Protocol):
    """What a picker lists: a data set or a model, named by its path."""

    @property
    def label(self) -> str: ...

    @property
    def path(self) -> str: ...


ChoiceT = TypeVar("ChoiceT", bound=Choice)


def default_moved(key: str, default: Any) -> bool:
    """Whether the default of widget `key` differs from the one it had when last shown in
    this session (e.g. a run finished meanwhile); remembers this one."""
    seen = f"_default_{key}"
    moved = seen in st.session_state and st.session_state[seen] != default
    st.session_state[seen] = default
    return moved


def path_picker(label: str, choices: Sequence[ChoiceT], default: int, key: str,
                follow_new: bool = False) -> ChoiceT:  # fmt: skip
    """A selectbox over data sets or models whose options are their paths, not positions.

    Lists come newest first, so a run finishing or a file uploaded while the page is open
    inserts at the top; an index would then silently point at another item (also between
    showing it and launching). `default` is the index picked the first time and whenever the
    picked path has gone. With `follow_new` (the model pickers), a default that changes while
    the page is open (a model just trained) is picked too; a data set the user picked stays."""
    paths = [choice.path for choice in choices]
    # The pick as it was when the page was last shown in this session (another page dropped
    # it, and the model pickers went back to the newest model: a launch used that one).
    kept = state.keep_across_pages(key, paths[default], paths)
    if follow_new and default_moved(key, paths[default]):
        st.session_state[key] = paths[default]
    path = st.selectbox(label, paths, **kept,
                        format_func=lambda p: choices[paths.index(p)].label)  # fmt: skip
    return choices[paths.index(path)]


def follow_added_designs(key: str, datasets: Sequence[catalog.Dataset]) -> None:
    """Move data set picker `key` to the data set made by adding designs to the one it holds
    on the Data page, saying so (`state.follow_added`): training on the old one after adding
    the new measurements would leave them out without a word."""
    moved = state.follow_added(key, [d.path for d in datasets])
    if moved is None:
        return
    by_path = {d.path: d for d in datasets}
    old = by_path.get(moved[0])
    st.info(f"Picked {by_path[moved[1]].label}: designs were added to "
            f"{old.label if old else 'the data set picked'} on the Data page. Pick the "
            "old one to use it as it was.")


def model_picker(label: str, choices: Sequence[catalog.ModelChoice], key: str,
                 space: Space | None = None, made_with: catalog.ModelChoice | None = None
                 ) -> catalog.ModelChoice | None:  # fmt: skip
    """A path_picker over priors or reward models, on the newest run's model (else the
    shipped one), of `space` where one is, and on a newer one when it appears; with
    `made_with` (the prior picked), on the model its run made beside it where there is one,
    following a new pick of it. None (with a hint) when there are none."""
    if not choices:
        st.warning(f"No {label.lower()} yet: train one on its page first.")
        return None
    default = catalog.newest_model(choices, space)
    if made_with is not None and made_with.run_id is not None:
        default = next((i for i, choice in enumerate(choices)
                        if choice.run_id == made_with.run_id), default)
    return path_picker(label, choices, default, key, follow_new=True)


def needs_removed_data(reward: catalog.ModelChoice, why: str) -> str:
    """Why a launch cannot start from a reward model whose data was removed as an upload;
    `why` says what the launch needs the data for."""
    return (f"This reward model's data, {catalog.source_name(reward.data or '')}, was "
            f"removed on the Data page, and {why}: upload the same file again under its name "
            "to bring it back.")


def models_fit(made: Space | None, reward: catalog.ModelChoice) -> bool:
    """Whether the reward model scores the designs the prior makes (`made`, its space); if
    not, says so."""
    scored = catalog.saved_space(reward.path)
    if made is None or scored is None or made == scored:
        return True
    differ = names_differ(made, scored)
    st.warning(f"This prior makes {made.describe()}, but this reward model scores "
               f"{scored.describe()}{f' ({differ})' if differ else ''}: pick a prior and a "
               "reward model of the same design space.")
    return False


# RewardTrainConfig.value_tilt choices (pipeline.value_tilt_choice) and count_weighting
# choices, in words: the Reward model and Design pages offer both.
TILTS = (0.0, 1.0, 2.0, 4.0)
COUNT_LABELS = {
    "none": "every design alike",
    "counts": "by the number of measurements",
    "estimated": "by the noise the measurements leave (estimated)",
}


def warn_of_mixed_rewards(records: Sequence[RunRecord], then: str) -> None:
    """A warning when `records` were scored by more than one reward model; `then` says what
    else it means on this page and what to do."""
    rewards = {run_names.reward_of(r, state.workspace()) for r in records}
    if len(rewards) > 1:
        st.warning(f"These runs were scored by {len(rewards)} different reward models: their "
                   f"r_hat and u are on different scales (or for other designs){then}")


def warn_of_reach(records: Sequence[RunRecord], labels: Mapping[str, str]) -> None:
    """One warning naming the runs whose designs are predicted far past the measured best
    (the pipeline's `reach_note`, as the run's log says it); nothing where none is."""
    from braid_core.pipeline import reach_note

    found = [(labels.get(r.id, r.id), note) for r in records if (note := reach_note(r.summary))]
    if found:
        st.warning("\n\n".join(plain(f"{label}: {note[0].upper()}{note[1:]}.")
                                for label, note in found))


def warn_of_weak_ranking(records: Sequence[RunRecord], labels: Mapping[str, str]) -> None:
    """One warning naming the runs whose reward model barely ranks its held-out designs (the
    pipeline's `weak_ranking_note`, as the run's log says it); nothing where none does."""
    from braid_core.pipeline import weak_ranking_note

    found = []
    for record in records:
        model = run_names.reward_of(record, state.workspace())
        meta = state.json_file(Path(model) / "config.json") if model else None
        if meta and (note := weak_ranking_note(meta.get("metrics", {}))):
            found.append((labels.get(record.id, record.id), note))
    if found:
        st.warning("\n\n".join(plain(f"{label}: {note[0].upper()}{note[1:]}.")
                                for label, note in found))


def value_tilt_picker(place: Any, default: float, key: str) -> float:
    """The reward fit's weight on the top of the data, picked in `place` (e.g. a column);
    `default` where the session holds no value for `key` (state.keep_across_pages may)."""
    # No index=: Streamlit warns of a default beside a value the session set.
    st.session_state.setdefault(key, default if default in TILTS else TILTS[0])
    return place.selectbox(
        "Weight on the top of the data", TILTS, key=key,
        format_func=lambda t: "off: every design alike" if t == 0 else f"tilt {t:g}",
        help="A tilt t weighs each design's error by exp(t q), q its value's rank in the data "
        "(0 lowest, 1 highest): the fit spends itself where fine-tuning leaves the data, at "
        "the top.")


def count_weighting_picker(place: Any, default: str, key: str) -> str:
    """How values measured more than once weigh in the reward fit, picked in `place`;
    `default` where the session holds no value for `key`."""
    st.session_state.setdefault(key, default)
    return place.selectbox(
        "Values measured more than once", COUNT_WEIGHTINGS, format_func=COUNT_LABELS.get,
        key=key,
        help="Where a value is the mean of several measurements (a `measurements` column, or "
        "a design found more than once), its noise is smaller. 'estimated' fits once, reads "
        "the measurement noise and the fit's own misfit off the held-out errors, then weighs "
        "a value measured n times by 1 / (misfit + noise / n). Data measured once each fits "
        "alike either way. On simulated replicates neither weighting beat 'every design "
        "alike' reliably: which network shape validation keeps mattered more.")


def run_error(record: RunRecord) -> str:
    """A failed run's error as `braid runs show` says it (its message, not its Python
    class); empty for a run without one."""
    return error_in_words(record.error) if record.error else ""


def run_status_table(records: Sequence[RunRecord]) -> pd.DataFrame:
    """Runs as a table for st.dataframe: id, label, kind, method (as `braid runs list` names
    it: a fine-tuning run's from its c and reward model), status, times, error. The times
    without the year (the id holds the whole date), and the end without the day where the run
    ended on the day it started: the whole date twice ran the table past a 1280 px window."""
    rows = [
        {"run": r.id, "label": run_names.run_label(r), "kind": r.kind,
         "method": run_method(r.kind, r.config) or "", "status": r.status,
         "created": _short_time(r.created), "finished": _short_time(r.finished, r.created),
         "error": run_error(r)}
        for r in records
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["run", "label", "kind", "method", "status", "created",
                                       "finished", "error"])  # fmt: skip


# Widths for the Runs page's table: with the other columns, 1280 px (tests/browser/
# test_design_table_width.py); a longer label or error is cut, and shown whole below it.
RUN_TABLE_COLUMNS = {"label": st.column_config.TextColumn(width=180),
                     "error": st.column_config.TextColumn(width=90)}


def _short_time(stamp: str | None, since: str | None = None) -> str:
    """"12-07 16:47" of an ISO time stamp ("" for None); "16:47" where `since` was that day."""
    if not stamp:
        return ""
    day, clock = stamp[5:10], stamp[11:16]
    return clock if since and since[:10] == stamp[:10] else f"{day} {clock}"


def log_tail(run_path: Path, lines: int = 40) -> str:
    """The end of a run's log.txt."""
    try:
        text = (Path(run_path) / "log.txt").read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
