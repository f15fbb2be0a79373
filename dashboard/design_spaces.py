"""The design space of the data sets and runs a page picks, and whether picked ones go together
(no Streamlit).

A prior and a reward model must be of one design space, and so must runs whose designs share
a chart or a download: DNA 12-mers, protein 32-mers and 6-d vectors are different things.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import pandas as pd

from braid_core.data import BRAID_COLUMNS, DataError, DataWarning, file_bytes, read_designs_bytes
from braid_core.runs import RunRecord, Workspace
from braid_core.spaces import NAMED_ALPHABETS, SequenceSpace, Space, names_differ
from dashboard import catalog, run_names


def read_files(*datasets: catalog.Dataset) -> dict[str, bytes]:
    """The bytes of the data sets' files by path, each read once, to be checked from; a file
    that cannot be read is left out (the job's own check reads it and says why)."""
    contents = {}
    for dataset in datasets:
        try:
            contents[dataset.path] = file_bytes(dataset.path)
        except (DataError, OSError):
            continue
    return contents


def dataset_space(dataset: catalog.Dataset, contents: Mapping[str, bytes]) -> Space | None:
    """The design space of a data set's file, from its bytes in `contents` (`read_files`),
    read as a training job reads it (its own alphabet, else the one inferred); None when the
    file could not be read or holds no designs (the job's own check then says why)."""
    if dataset.path not in contents:
        return None
    with warnings.catch_warnings():  # its warnings were shown when it was stored
        warnings.simplefilter("ignore", DataWarning)
        try:
            return read_designs_bytes(contents[dataset.path], dataset.path, value_column=None,
                                      alphabet=dataset.alphabet).space
        except (DataError, OSError):  # as a format's own reader (Parquet's) may raise
            return None


def pair_alphabet(unlabeled: catalog.Dataset, offline: catalog.Dataset,
                  contents: Mapping[str, bytes] | None = None) -> str | None:  # fmt: skip
    """The alphabet to read both data sets of a design run in: the larger of the two where one
    holds the other's letters (e.g. ACGT and ACGTN), else the one either data set gives (None:
    each is read in the alphabet inferred from it). `contents`: the files' bytes where read
    already (`read_files`), else they are read here.

    Raises:
        ValueError: in words for the user, when the two are of different design spaces:
            another kind, length or dimension, two different named alphabets (DNA and
            protein), or letters neither of which holds the other's.
    """
    fallback = offline.alphabet or unlabeled.alphabet
    contents = read_files(unlabeled, offline) if contents is None else contents
    first, second = dataset_space(unlabeled, contents), dataset_space(offline, contents)
    if first is None or second is None:  # a file that cannot be read: the job's check says why
        return fallback
    larger = _larger_alphabet(first, second)
    if first != second and larger is None:
        letters_only = (isinstance(first, SequenceSpace) and isinstance(second, SequenceSpace)
                        and first.length == second.length)  # fmt: skip
        differ = names_differ(first, second)
        raise ValueError(
            f'these two data sets are not of the same design space: "{_called(unlabeled)}" '
            f'holds {first.describe()}, "{_called(offline)}" holds {second.describe()}'
            + (f" ({differ})" if differ else "") + ". Pick a matching pair"
            + (" (on the Data page, an upload's Alphabet field sets the letters it is read in)."
               if letters_only else "."))
    return fallback if first == second else larger


def _called(dataset: catalog.Dataset) -> str:
    """A data set as a message names it: an upload by the user's file name, the demo's by its
    label (its files are all called offline.csv or unlabeled.csv)."""
    return dataset.name if dataset.uploaded else dataset.label


def _larger_alphabet(first: Space, second: Space) -> str | None:
    """For sequences of one length whose letters nest and are not two named alphabets (DNA's
    letters are among protein's, yet DNA is no protein), the larger alphabet; else None."""
    if not (isinstance(first, SequenceSpace) and isinstance(second, SequenceSpace)
            and first.length == second.length):  # fmt: skip
        return None
    named = set(NAMED_ALPHABETS.values())
    if first.alphabet != second.alphabet and {first.alphabet, second.alphabet} <= named:
        return None
    small, large = sorted((first.alphabet, second.alphabet), key=len)
    return large if set(small) <= set(large) else None


def run_space(record: RunRecord, workspace: Workspace) -> Space | None:
    """The design space a run's designs are in: that of its prior, else of its reward model
    (their config.json says it); None when both are gone."""
    for what in ("prior", "reward"):
        model = run_names.model_of(record, workspace, what)
        space = catalog.saved_space(model) if model else None
        if space is not None:
            return space
    return None


def table_space_words(table: pd.DataFrame) -> str:
    """What a designs table shows of its space, in Space.describe's words, for a run whose
    models are gone: sequences and their length, or vectors and their dimension."""
    if "sequence" in table.columns and table["sequence"].notna().any():
        lengths = sorted(table["sequence"].dropna().astype(str).str.len().unique())
        return f"sequences of length {'/'.join(str(n) for n in lengths)}"
    columns = [c for c in table.columns if str(c).casefold() not in BRAID_COLUMNS
               and pd.api.types.is_float_dtype(table[c]) and table[c].notna().any()]  # fmt: skip
    return f"vectors of dimension {len(columns)}"


def runs_by_space(records: Sequence[RunRecord], workspace: Workspace,
                  tables: Mapping[str, pd.DataFrame]) -> dict[str, list[str]]:  # fmt: skip
    """The runs' ids grouped by their design space in words (`run_space`, else what the run's
    designs table in `tables`, by run id, shows), in the order first met."""
    groups: dict[str, list[str]] = {}
    for record in records:
        space = run_space(record, workspace)
        if space is not None:
            words = space.describe()
        elif record.id in tables:
            words = table_space_words(tables[record.id])
        else:
            continue
        groups.setdefault(words, []).append(record.id)
    return groups


def mixed_spaces_message(groups: Mapping[str, Sequence[str]]) -> str | None:
    """What to tell a user whose picked runs are of several design spaces (`runs_by_space`);
    None when they are of one."""
    if len(groups) < 2:
        return None
    parts = [f"{words}: {', '.join(f'[{run_id[-4:]}]' for run_id in ids)}"
             for words, ids in groups.items()]  # fmt: skip
    return (f"These runs designed in {len(groups)} different design spaces ("
            + "; ".join(parts) + "). Their r_hat and u come from different reward models and "
            "their designs are different things: pick runs of one design space to compare "
            "them. The CSV download holds them all (its `run` column says whose each design "
            "is); FASTA is offered only when every design is a sequence.")
