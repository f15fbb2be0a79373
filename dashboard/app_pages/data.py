"""Data page: the built-in demo or an uploaded table, its validation report and summaries."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

from braid_core.data import DataError, OfflineData, of_file
from braid_core.runs import RunRecord
from braid_core.spaces import alphabet_name
from dashboard import catalog, charts, components, run_names, state, uploads
from dashboard.demo import DEMO_TASK

# braid_core.data.FORMATS, and any of them gzipped (the data layer reads the inner suffix).
UPLOAD_TYPES = ["csv", "tsv", "tab", "fa", "fasta", "fna", "faa", "parquet", "pq", "gz"]
# Taken by the uploader only for the data check to refuse them in words (export as CSV): a
# type the uploader refuses itself left the last file in it, and that file's error on screen
# as if it were this one's.
SPREADSHEETS = ("xlsx", "xls", "xlsm", "ods")
READ = "_upload_read"  # session key: the file and column options last read
UPLOAD_ERROR = "_upload_error"  # session key: (the error, the data set shown when it was said)
CHOICE = "dataset_choice"  # session key of the data set picker (a file path)
SEQUENCE_COLUMN, VALUE_COLUMN = "upload_sequence_column", "upload_value_column"
ALPHABET = "upload_alphabet"
DEFAULT_VALUE_COLUMN = "value"
ADDED = "add_upload"  # session key of the uploader that adds designs (plus a counter)
REMOVE_ASKED = "_remove_asked"  # session key: the upload whose removal awaits a yes
RUNS_NAMED = 8  # runs a removal's question names one by one (the rest are counted)
# The data checks name the command line's options; this page's fields are what to change here.
FIELDS = {"--alphabet": "the Alphabet field under Column options for uploads",
          "--value-column": "the Value column field under Column options for uploads",
          "--sequence-column": "the Sequence column field under Column options for uploads"}


def in_page_terms(text: str) -> str:
    """A data check's message with this page's fields for the command line's options, shown
    letter for letter."""
    for option, field in FIELDS.items():
        # "--value-column yield" as "the Value column field ... set to 'yield'"
        text = re.sub(rf"{option} (?!to\b|set\b)([^\s),;]+)", rf"{field} set to '\1'", text)
        text = text.replace(option, field)
    return components.plain(text)


def upload_error(err: DataError) -> str:
    """A data check's error in this page's terms."""
    return in_page_terms(f"{err.path}: {err.problem}")


def letter_table(data: OfflineData) -> pd.DataFrame:
    """Per-position letter frequencies of a sequence data set (long format)."""
    one_hot = data.space.one_hot(data.x).float().mean(dim=0)  # (length, vocab)
    rows = [
        {"position": position + 1, "letter": letter, "frequency": float(one_hot[position, i])}
        for position in range(one_hot.shape[0])
        for i, letter in enumerate(data.space.alphabet)
    ]
    return pd.DataFrame(rows)


def value_reading(value_column: str) -> dict[str, Any]:
    """How to read values with the Value column field as typed, as `braid data check` reads
    them with --value-column: the field's default, `value`, reads a file without one as
    unlabeled; a column the user named must be there (a file without it was loaded as
    unlabeled, the values unread); empty: unlabeled."""
    if value_column in ("", DEFAULT_VALUE_COLUMN):
        return {"value_column": value_column or None}
    return {"value_column": value_column, "require_values": True}


def handle_upload() -> None:
    """Validate a new upload; on success store it and select it, on failure say why."""
    with st.expander("Column options for uploads"):
        left, middle, right = st.columns(3)
        # Kept across pages: a visit to another page between uploads keeps them.
        keep = state.keep_across_pages
        sequence_column = left.text_input("Sequence column", **keep(SEQUENCE_COLUMN, "sequence"))
        value_column = middle.text_input("Value column (empty: unlabeled)",
                                         **keep(VALUE_COLUMN, DEFAULT_VALUE_COLUMN))  # fmt: skip
        alphabet = right.text_input("Alphabet (empty: infer; dna, rna, protein or letters)",
                                    **keep(ALPHABET, ""))  # fmt: skip
        st.caption("A `measurements` column (FASTA: `measurements=` in the header), where a "
                   "file has one, says how many measurements each value is the mean of, so "
                   "that a design measured again is averaged fairly. The reward model then "
                   "tells its measurement noise from its own misfit.")
        st.caption("Rows with a blank value (designs not measured) are kept apart: the "
                   "measured rows are a data set with values, for the reward model, and all "
                   "rows are stored as an unlabeled data set too, for the prior.")
        st.caption("A change here reads a file the uploader below refused again.")
    upload = st.file_uploader("Upload a design table (CSV, TSV, FASTA or Parquet; gzipped too)",
                              type=[*UPLOAD_TYPES, *SPREADSHEETS],
                              key="upload")  # fmt: skip
    if upload is None:
        return
    options = {"sequence_column": sequence_column.strip() or "sequence",
               **value_reading(value_column.strip()),
               "alphabet": alphabet.strip() or None}
    # Read once per file; a file refused (a value column it lacks) is read again when a field
    # is changed as its error advised. One already loaded is not: fields set ahead of the next
    # upload would otherwise re-read it and move the picker back to it.
    reading = (upload.file_id, *sorted(options.items()))
    last = st.session_state.get(READ)
    new_file = last is None or last[0] != upload.file_id
    refused = st.session_state.get(UPLOAD_ERROR) is not None
    if new_file or (last != reading and refused):
        st.session_state[READ] = reading
        st.session_state[UPLOAD_ERROR] = None
        try:
            stored = uploads.store_upload(state.workspace().root, upload.getvalue(),
                                          upload.name, **options)  # fmt: skip
        except DataError as err:
            # Said while the data set shown is the one shown now: a later pick, a file
            # added or one loaded (a new error) replaces it.
            st.session_state[UPLOAD_ERROR] = (upload_error(err), st.session_state.get(CHOICE))
        else:
            st.session_state[CHOICE] = stored.path
            loaded(upload.name, stored)
    error = st.session_state.get(UPLOAD_ERROR)
    if error and error[1] == st.session_state.get(CHOICE):
        st.error(f"{components.plain(upload.name)} was not loaded; the data shown below is "
                 f"unchanged. {error[0]}")  # fmt: skip


def loaded(name: str, stored: catalog.Dataset) -> None:
    """Says an upload was loaded, as what; in yellow where its check found something to read
    first (e.g. values that look like a measurement in a column not read), which the data
    set's view below lists."""
    said = f"Loaded {name}: {stored.label}"
    if stored.warnings:
        count = len(stored.warnings)
        st.warning(components.plain(f"{said}, with {count} warning{'s' * (count > 1)}: read "
                                    f"{'them' if count > 1 else 'it'} below before training "
                                    "on it."))
    else:
        st.success(components.plain(said))


def show(dataset: catalog.Dataset) -> None:
    try:
        data = state.offline_data(dataset.path, dataset.labeled, dataset.alphabet)
    except DataError as err:
        st.error(components.plain(f"{err.path}: {err.problem}"))
        return
    cols = st.columns(3)
    measured = data.report.measurements
    cols[0].metric("designs", f"{len(data):,}", help=f"values that are means of {measured:,} "
                   "measurements in all" if measured else None)  # fmt: skip
    # A short value: a metric cuts long text ("sequences of length 32 over protein").
    space = data.space
    short = (f"{space.length} × {alphabet_name(space.alphabet)}" if hasattr(space, "length")
             else f"{space.dim}-d vectors")
    cols[1].metric("design space", short, help=space.describe())
    if data.y is not None:
        top = int(data.y.argmax())
        behind = data.measurement_counts()[top]
        # With replicates, a best value measured once may be one lucky measurement.
        cols[2].metric("best value", f"{float(data.y[top]):.4g}",
                       help=f"the mean of {behind:.0f} measurements" if behind > 1
                       else "one measurement" if measured else None)  # fmt: skip
    # An upload's own check names the user's file and counts its duplicates before merging.
    for note in data.report.notes if dataset.notes is None else dataset.notes:
        st.info(in_page_terms(of_file(note, dataset.name)))
    for warning in data.report.warnings if dataset.warnings is None else dataset.warnings:
        # merged duplicates, a plateau, a value column
        st.warning(in_page_terms(of_file(warning, dataset.name)))
    left, right = st.columns(2)
    if data.y is not None:
        left.altair_chart(charts.value_histogram(pd.Series(data.y.numpy())), width="stretch")
    if hasattr(data.space, "alphabet"):
        right.altair_chart(charts.letter_frequencies(letter_table(data)), width="stretch")
    else:  # vectors: how each column's numbers spread, in its own units
        frame = data.to_frame()  # the coordinates first, then the values
        right.altair_chart(charts.coordinate_histograms(frame.iloc[:, :data.space.dim]))
    # No index: it would count the designs kept (duplicates merged) from 0, while messages
    # name the file's rows from 1.
    st.dataframe(data.to_frame().head(1000), width="stretch", height=260, hide_index=True)
    add_designs(dataset)


def add_designs(dataset: catalog.Dataset) -> None:
    """An uploader that combines a file (the designs measured since, say) with this data set
    into a new one, which is then shown; this one stays as it is."""
    what = "designs with values" if dataset.labeled else "designs"
    with st.expander(f"Add {what} to this data set (e.g. new measurements)"):
        read_with = "vector columns" if dataset.holds_vectors else "alphabet"  # vectors: none
        st.caption(f"Read with this data set's {read_with} and the column options above; a "
                   "design in both is kept once with the mean of its measurements (a "
                   "`measurements` column, where a file has one, says how many each value "
                   "stands for). The result is a new data set, picked for training; this one "
                   "is kept.")
        # A fresh key after each file added empties the uploader for the next one.
        key = f"{ADDED}_{st.session_state.get('_added', 0)}"
        st.file_uploader("File to add", type=[*UPLOAD_TYPES, *SPREADSHEETS], key=key,
                         on_change=combine, args=(dataset, key))  # fmt: skip
        if st.session_state.get("_add_error"):
            st.error(f"Nothing was added; the data set is unchanged. "
                     f"{st.session_state['_add_error']}")  # fmt: skip


def combine(dataset: catalog.Dataset, key: str) -> None:
    """The uploader's callback: it runs before the page, so it may switch the picker."""
    upload = st.session_state.get(key)
    st.session_state["_add_error"] = None
    if upload is None:
        return
    # Designs added to a labeled set need values; to an unlabeled one, none are read.
    value_column = (st.session_state.get(VALUE_COLUMN, DEFAULT_VALUE_COLUMN).strip()
                    or DEFAULT_VALUE_COLUMN)
    sequence_column = st.session_state.get(SEQUENCE_COLUMN, "sequence").strip() or "sequence"
    try:
        combined = uploads.add_to_dataset(
            state.workspace().root, dataset, upload.getvalue(), upload.name,
            sequence_column=sequence_column,
            value_column=value_column if dataset.labeled else None,
            # rows without a value: designs not measured, left out (as braid data merge does)
            require_values=dataset.labeled, labeled_rows=dataset.labeled,
        )  # fmt: skip
    except DataError as err:
        st.session_state["_add_error"] = upload_error(err)
    else:
        st.session_state[CHOICE] = combined.path
        state.record_added(dataset.path, combined.path)  # the other pages' pickers follow
        st.session_state["_added"] = st.session_state.get("_added", 0) + 1
        st.toast(f"Added {upload.name}: {combined.label}")


@st.fragment
def removal_panel(dataset: catalog.Dataset) -> None:
    """A button that removes the upload shown, after a question that names the runs made from
    it; none for the built-in demo's files. A fragment: asking and keeping it rerun this panel
    alone (their buttons' callbacks set the question before the rerun), a removal the whole
    page (the pickers lose the upload)."""
    if not dataset.uploaded:
        return
    if st.session_state.get(REMOVE_ASKED) != dataset.path:
        st.button("Remove this upload", key="remove_upload", on_click=_ask_removal,
                  args=(dataset.path,), help="Deletes its file from the workspace; runs made "
                  "from it keep their results. Asks first.")  # fmt: skip
        return
    ws = state.workspace()
    runs = run_names.made_from_data(state.records(ws), ws, dataset.path)
    live = [r for r in runs if state.is_live(r)]
    st.warning(components.plain(removal_question(dataset, runs, live)))
    row = st.container(horizontal=True)  # the two answers side by side, Remove first
    removing = row.button("Remove", key="remove_upload_yes", type="primary", disabled=bool(live))
    row.button("Keep it", key="remove_upload_no", on_click=_ask_removal, args=(None,))
    if removing:
        try:
            uploads.remove_upload(dataset)
        except OSError as err:  # the question stays, to try again or keep it
            st.error(components.plain(f"{dataset.name} was not removed; it is as it was: "
                                      f"{err.strerror or err}."))  # fmt: skip
            return
        _ask_removal(None)
        st.toast(f"Removed {dataset.name}")
        st.rerun()


def _ask_removal(path: str | None) -> None:
    """Ask about removing the upload at `path`; None: ask nothing."""
    st.session_state[REMOVE_ASKED] = path


def removal_question(dataset: catalog.Dataset, runs: list[RunRecord], live: list[RunRecord]
                     ) -> str:  # fmt: skip
    """What removing an upload does, asked before it is done: the runs made from it (`runs`,
    of which `live` are still going and hold it up) and what becomes of them."""
    asked = f"Remove {dataset.label}? Its file is deleted from the workspace for good."
    if live:
        going = ", ".join(run_names.run_label(r) for r in live)
        return (f"{asked} Runs still going were made from it and read it: {going}. Wait until "
                "they end (or cancel them on the Runs page) to remove it.")
    if not runs:
        return f"{asked} No run was made from it."
    named = ", ".join(run_names.run_label(r) for r in runs[:RUNS_NAMED])
    more = f" and {len(runs) - RUNS_NAMED} more" if len(runs) > RUNS_NAMED else ""
    made = "1 run was" if len(runs) == 1 else f"{len(runs)} runs were"
    return (f"{asked} {made} made from it: {named}{more}. They keep what they made, their "
            "copies of its data included, and their labels will say it was removed. New runs "
            "from a reward model fitted on it read this file, not those copies: fine-tuning "
            "goes without it (its designs get no novelty and may repeat measured ones), and "
            "baselines and prior samples cannot start. Upload the same file again under its "
            "name to bring it back.")


def render() -> None:
    st.title("Data")
    st.caption(
        "Offline designs with measured values, plus unlabeled valid designs for the prior. "
        f"The built-in demo is the `{DEMO_TASK}` benchmark task; uploads are checked and kept "
        "in the workspace until you remove them (the demo stays)."
    )
    handle_upload()
    datasets = catalog.all_datasets(state.workspace().root)
    if not datasets:
        st.warning("No data yet: the demo files are missing and nothing was uploaded.")
        return
    # The widget's own state goes when the user visits another page; "_dataset" stays.
    paths = [d.path for d in datasets]
    remembered = st.session_state.get("_dataset")
    dataset = components.path_picker("Data set", datasets,
                                     paths.index(remembered) if remembered in paths else 0,
                                     key=CHOICE)  # fmt: skip
    st.session_state["_dataset"] = dataset.path
    removal_panel(dataset)  # here, not in `show`: a file that no longer reads can go too
    show(dataset)


render()
