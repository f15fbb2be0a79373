"""Design page: the whole pipeline as one background job, as `braid design` runs it.

Pre-train a prior on the unlabeled designs, fit the reward model on the labeled ones,
optimise, and hand over the best distinct designs, all within one time budget and with the
measured defaults. A finished run's prior and reward model are offered on the other pages (a
sweep of c and alpha on the Fine-tune page can start from them), its designs on Explore.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from braid_core import defaults
from braid_core.methods import METHODS
from braid_core.rewards import NETWORK_CHOICES
from braid_core.rewards.replicates import COUNT_WEIGHTINGS
from dashboard import budget, catalog, components, design_spaces, exports, run_names, state

NETWORKS = tuple(NETWORK_CHOICES)
ORACLE_AUTO = "the data's own, if known"
ORACLES = (ORACLE_AUTO, "none")
MOVED = "_design_unlabeled_moved"  # session key: (measured, pre-train pick, why it moved there)
DEVICES = ("auto", "cpu", "cuda")
# summary key -> column shown, in this order, with what it means. Short headers (the help
# says the rest) and the run's label cut at RUN_WIDTH px: eleven columns ran past a 1280 px
# window's (tests/browser/test_design_table_width.py); the whole label is in "Designs of".
SUMMARY_COLUMNS = {
    "predicted_mean_median": ("r_hat", "Median predicted reward r_hat of the designs."),
    "uncertainty_median": ("u", "Median uncertainty u of the designs' r_hat."),
    # without an oracle, the one figure r_hat can be held against
    "measured_best": ("D's best", "Best measured value of D, the value to beat: r_hat is "
                      "predicted on its scale."),
    "true_score_median": ("true", "Median true score (the oracle's) of the designs."),
    "true_score_max": ("best true", "Highest true score of the designs."),
    "validity": ("valid", "Share of the designs that are valid."),
    "fraction_above_offline_best": ("> D's best", "Share of the designs whose true score is "
                                    "above the best of the measured data D."),
    "elapsed_minutes": ("min", "Minutes the run took."),
}
RUN_WIDTH = 200
DESIGNS_COLUMN = "designs"  # "distinct of handed over", one column for two figures
SHORTFALL_COLUMN = "cut short"
PERCENT = ("validity", "fraction_above_offline_best")
FINISHED_FORMATS = {
    "run": st.column_config.TextColumn("run", width=RUN_WIDTH),
    DESIGNS_COLUMN: st.column_config.TextColumn(
        help="Distinct designs of those handed over."),
    **{shown: st.column_config.NumberColumn(  # figures to 4 significant digits
        shown, help=meaning, format="percent" if key in PERCENT else (
            "%.1f" if key == "elapsed_minutes" else "%.4g"))
       for key, (shown, meaning) in SUMMARY_COLUMNS.items()},
    SHORTFALL_COLUMN: st.column_config.TextColumn(
        help="The steps of the run its time budget ended early (a warning below the table "
        "says more)."),
}


@st.fragment
def design_form() -> None:
    """The run's settings and button. Not a st.form, which sends nothing before its button, so
    what was typed would be gone after a visit to another page; as a fragment, a change
    reruns this panel alone. Every setting is kept across pages (state.keep_across_pages)."""
    datasets = catalog.all_datasets(state.workspace().root)
    labeled = [d for d in datasets if d.labeled]
    if not labeled:
        st.info("Add designs with measured values (and, ideally, many unlabeled valid designs) "
                "on the Data page first.")
        return
    measured = labeled[catalog.preferred_dataset(labeled, labeled=True)]
    paths = [d.path for d in datasets]
    by_path = {d.path: d for d in datasets}
    keep = state.keep_across_pages
    components.follow_added_designs("design_offline", labeled)
    components.follow_added_designs("design_unlabeled", datasets)
    keep("design_offline", measured.path, [d.path for d in labeled])
    picked = by_path[st.session_state["design_offline"]]
    # The prior's designs start in the space of the measured ones picked, and follow a pick of
    # measured data in another space, saying so (a pick the user made first moved unsaid); a
    # pick made after stays (a mismatch is refused on launch).
    default = catalog.preferred_dataset(datasets, labeled=False, like=picked)
    current = by_path.get(state.kept_value("design_unlabeled"))
    # ... and to all the rows of a table measured in part, where the measured rows are picked.
    whole = by_path[paths[default]]
    if (components.default_moved("design_offline_space", (picked.space, picked.path))
            and current and current.path != whole.path and (
                catalog.same_table(whole, picked) or (
                    None not in (current.space, picked.space) and current.space != picked.space))):
        st.session_state["design_unlabeled"] = whole.path
        st.session_state[MOVED] = (picked.path, whole.path, moved_words(current, whole, picked))
    keep("design_unlabeled", paths[default], paths)
    with st.container(border=True):
        left, right = st.columns(2)
        with left:
            unlabeled = components.path_picker(
                "Valid designs to pre-train the prior on", datasets, default,
                key="design_unlabeled")  # fmt: skip
        with right:
            offline = components.path_picker(
                "Designs with measured values (the reward model's data)", labeled,
                labeled.index(measured), key="design_offline")
        moved = st.session_state.get(MOVED)
        if moved and moved[:2] == (offline.path, unlabeled.path):  # said until either changes
            st.info(components.plain(moved[2]))
        cols = st.columns(4)
        method = cols[0].selectbox(
            "Method", METHODS, **keep("design_method", defaults.METHOD, METHODS),
            help="braid-bonus / braid-boot: BRAID with either uncertainty; the others are the "
            "baselines, for comparison.")
        minutes = cols[1].number_input(
            "Time budget (minutes)", 0.1, 24 * 60.0, step=1.0, **keep("design_minutes", 10.0),
            help="For every step together: half pre-trains the prior, the rest fits the "
            "reward model, optimises and draws the designs.")
        num = cols[2].number_input("Designs", 1, 10_000, step=64, **keep("design_num", 128))
        seed = cols[3].number_input("Seed", 0, 10_000, **keep("design_seed", 0))
        oracle = st.selectbox(
            "Oracle for true scores", ORACLES, **keep("design_oracle", ORACLE_AUTO, ORACLES),
            help="For benchmark data (the demo, or a `braid task export`): score the designs "
            "with the task's oracle. Never used in training.")
        with st.expander("Settings (the defaults were measured on unseen tasks and need no "
                         "tuning)"):
            left, middle, right, far = st.columns(4)
            c = left.number_input("Conservatism c", 0.0, 100.0, step=0.25,
                                  **keep("design_c", float(defaults.C)),
                                  help="BRAID's weight on the uncertainty; the baselines rank "
                                  "their drawn designs by r_hat - c u. STRL is BRAID at c = 0.")
            # Vectors have a KL weight of their own (measured apart), kept apart too.
            vectors = offline.holds_vectors
            default_alpha = float(defaults.VECTOR_ALPHA if vectors else defaults.ALPHA)
            state.per_kind("design_alpha", "vectors" if vectors else "sequences", default_alpha)
            alpha = middle.number_input(
                "KL weight alpha", 0.001, 100.0, step=0.05, format="%.3f",
                **keep("design_alpha", default_alpha),
                help="BRAID and STRL only: how near the prior the fine-tuned model stays "
                f"(default {defaults.ALPHA:g} for sequences, {defaults.VECTOR_ALPHA:g} for "
                "vectors).")
            network = right.selectbox(
                "Reward network shape", NETWORKS,
                **keep("design_network", defaults.REWARD_NETWORK, NETWORKS))
            device = far.selectbox("Device", DEVICES,
                                   **keep("design_device", DEVICES[0], DEVICES))
            left, right = st.columns(2)
            keep("design_value_tilt", defaults.VALUE_TILT, components.TILTS)
            tilt = components.value_tilt_picker(left, defaults.VALUE_TILT,
                                                key="design_value_tilt")
            keep("design_count_weighting", defaults.COUNT_WEIGHTING, COUNT_WEIGHTINGS)
            weighting = components.count_weighting_picker(right, defaults.COUNT_WEIGHTING,
                                                          key="design_count_weighting")
        name = components.run_name_input("design_name")
        submitted = st.button("Launch the whole pipeline")
    if submitted:
        launch(unlabeled, offline, oracle=oracle, name=name, method=method,
               max_minutes=float(minutes), num_designs=int(num), seed=int(seed), c=float(c),
               alpha=float(alpha), reward_network=network, device=device,
               value_tilt=float(tilt), count_weighting=weighting)


def moved_words(was: catalog.Dataset, now: catalog.Dataset, measured: catalog.Dataset) -> str:
    """Why the designs to pre-train on moved from `was` to `now` as `measured` was picked."""
    if catalog.same_table(now, measured):
        return (f"The designs to pre-train the prior on moved from {was.name} to every row of "
                f"{now.name}, the table whose measured rows were picked.")
    return (f"The designs to pre-train the prior on moved from {was.name} to {now.name}: "
            f"{was.name} holds {was.space}, but the measured data picked, {measured.name}, "
            f"holds {measured.space}, and the prior must make the designs the reward model "
            "scores.")


def launch(unlabeled: catalog.Dataset, offline: catalog.Dataset, *, oracle: str,
           name: str | None, **options) -> None:  # fmt: skip
    """Check the choices as `braid design` does (a bad one is said here, before any job) and
    start the run."""
    from braid_core import pipeline

    task = (offline.task or unlabeled.task) if oracle == ORACLE_AUTO else None
    contents = design_spaces.read_files(unlabeled, offline)  # once, for both checks
    try:
        # Two design spaces first: read in one's alphabet, the other file was a wall of
        # letters outside it.
        alphabet = design_spaces.pair_alphabet(unlabeled, offline, contents)
        config = pipeline.design_config(unlabeled.path, offline.path, alphabet=alphabet,
                                        task=task, contents=contents, **options)  # fmt: skip
    except ValueError as err:
        st.error(f"Not started: {components.plain(str(err))}")
        return
    components.launch("design", config, name=name)


def shortfalls(record) -> list[budget.Shortfall]:
    """What this run's time budget cut short (its log says some of it, its files all)."""
    reward = state.json_file(state.workspace().run_path(record.id) / "reward" / "config.json")
    return budget.budget_shortfalls(record.config, record.summary, reward)


def finished_table(records) -> pd.DataFrame:
    """One row per finished run: its label and summary figures, in SUMMARY_COLUMNS' order
    whichever run comes first; a figure no run has is left out, one some lack is blank."""
    labels = run_names.run_labels(records, state.workspace())  # with their data, where it differs
    rows = []
    for record in records:
        row = {"run": labels[record.id], DESIGNS_COLUMN: designs_words(record.summary)}
        row.update({shown: record.summary.get(key)
                    for key, (shown, _) in SUMMARY_COLUMNS.items()})
        row[SHORTFALL_COLUMN] = ", ".join(s.step for s in shortfalls(record)) or None
        rows.append(row)
    columns = ["run", DESIGNS_COLUMN, *(shown for shown, _ in SUMMARY_COLUMNS.values()),
               SHORTFALL_COLUMN]
    return pd.DataFrame(rows, columns=columns).dropna(axis="columns", how="all")


def designs_words(summary) -> str | None:
    """"120 of 128": the distinct designs of those a run handed over (sequence runs record
    the share, `unique_fraction`; vector runs the count, `distinct_designs`)."""
    handed = summary.get("num_designs")
    if handed is None:
        return None
    distinct = summary.get("distinct_designs")
    if distinct is None and summary.get("unique_fraction") is not None:
        distinct = summary["unique_fraction"] * handed
    return f"{handed:.0f}" if distinct is None else f"{distinct:.0f} of {handed:.0f}"


def warn_of_shortfalls(record) -> None:
    """One warning when the run's time budget was too short for some of its steps."""
    found = shortfalls(record)
    if found:
        minutes = record.config.get("max_minutes")
        budget_words = f"its time budget ({minutes:g} min)" if minutes else "its time budget"
        st.warning(components.plain(
            f"{run_names.run_label(record)}: {budget_words} was too short. "
            + " ".join(s.message for s in found) + " A longer budget lets these steps finish."))


def downloads(done) -> None:
    """The designs of one finished run, best first, as CSV or FASTA."""
    by_id = {r.id: r for r in done}
    if components.default_moved("design_download_run", done[0].id):  # a run just finished
        st.session_state["design_download_run"] = done[0].id
    left, right = st.columns(2, vertical_alignment="bottom")
    labels = run_names.run_labels(done, state.workspace())
    run_id = left.selectbox("Designs of", list(by_id), key="design_download_run",
                            format_func=labels.get)
    warn_of_shortfalls(by_id[run_id])
    components.warn_of_reach([by_id[run_id]], labels)
    components.warn_of_weak_ranking([by_id[run_id]], labels)
    designs = state.run_table(state.workspace().run_path(run_id))
    if designs is None:
        left.caption("This run wrote no designs.")
        return
    stem = exports.download_stem("designs", [by_id[run_id].name or run_id])
    # Side by side: in a column each, FASTA sat a column's width away from CSV.
    buttons = right.container(horizontal=True)
    buttons.download_button("Download CSV", lambda: exports.designs_csv(designs),
                            file_name=f"{stem}.csv", mime="text/csv", on_click="ignore")
    if "sequence" in designs.columns:
        buttons.download_button("Download FASTA", lambda: exports.designs_fasta(designs),
                                file_name=f"{stem}.fasta", mime="text/plain",
                                on_click="ignore", help=exports.FASTA_HELP)  # fmt: skip


def render() -> None:
    st.title("Design")
    st.caption("The whole pipeline in one job, as `braid design` runs it: pre-train the prior "
               "on valid designs, fit the reward model with uncertainty on the measured ones, "
               "fine-tune by BRAID (conservative reward, KL to the prior) and hand over the "
               "best distinct designs, within one time budget.")  # fmt: skip
    design_form()
    st.subheader("In progress")
    components.live_runs(("design",), key="design",
                         metrics=("loss", "val_rmse", "reward", "kl", "true_score_median"))
    done = [r for r in state.records(state.workspace(), ("design",)) if r.status == "done"]
    if done:
        st.subheader("Finished")
        # placeholder "": a figure a run lacks (a vector run's true score) blank, not "None"
        st.dataframe(finished_table(done), width="stretch", hide_index=True, placeholder="",
                     column_config=FINISHED_FORMATS)
        downloads(done)
        st.caption("Their designs are on Explore too (plot, select, download); their priors "
                   "and reward models are offered on the Prior, Reward model and Fine-tune "
                   "pages, e.g. to sweep c and alpha from them.")


render()
