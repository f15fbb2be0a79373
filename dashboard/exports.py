"""Downloads of design tables: CSV and FASTA with every column, and run configs as JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from braid_core.data import blank_invalid_scores, float32_text

SEQUENCE = "sequence"
FASTA_HELP = ("Each design once: rows that repeat a design to fill the number asked for "
              "are left out (the CSV keeps them, marked in its repeat column).")
REPEAT = "repeat"  # designs tables mark a design listed above already (pipeline)
NOVELTY = "novelty"  # distance to the nearest offline design (braid_core.evaluate)
MAX_NAMED = 3  # runs a download's file name names (the rest are counted)


def designs_to_download(frame: pd.DataFrame, helper_columns: Sequence[str]) -> pd.DataFrame:
    """The designs among Explore's points (column `offline` False), best r_hat - c u at the
    slider's c first as the table lists them (`conservative_at_c`, where present), without
    the chart's `helper_columns` or columns empty for every design. `conservative_at_c` is
    left out where it repeats every design's `conservative_score` (the slider's c is each
    run's own): the CSV held the same numbers twice under two names."""
    designs = frame[~frame["offline"]].drop(columns=list(helper_columns))
    if "conservative_at_c" in designs.columns:
        designs = designs.sort_values("conservative_at_c", ascending=False, kind="stable")
        if "conservative_score" in designs.columns and np.allclose(
                designs["conservative_at_c"], designs["conservative_score"],
                rtol=1e-6, atol=0.0, equal_nan=True):
            designs = designs.drop(columns="conservative_at_c")
    return designs.dropna(axis=1, how="all")


def designs_csv(frame: pd.DataFrame) -> bytes:
    """All columns, as UTF-8 CSV without the index; an invalid design's true score empty,
    float32 numbers in their shortest digits (`float32_text`)."""
    text = float32_text(blank_invalid_scores(whole_novelty(frame)))
    return text.to_csv(index=False).encode("utf-8")


def whole_novelty(frame: pd.DataFrame) -> pd.DataFrame:
    """Sequence designs' novelty counts positions: a whole number (12, as the command line's
    CSV writes it), where a table joined with others (the offline points, a run without
    novelty) had made it 12.0. Vectors' novelty is a distance and stays as it is."""
    if NOVELTY not in frame.columns or not all_sequences(frame):
        return frame
    counts = frame[NOVELTY].dropna()
    if not counts.eq(counts.round()).all():
        return frame
    return frame.assign(**{NOVELTY: frame[NOVELTY].astype("Int64")})


def download_stem(what: str, runs: Sequence[str]) -> str:
    """A download's file name without its suffix, after the runs it comes from (their names,
    or ids): `what-<run>`, several joined by "+", past MAX_NAMED counted."""
    names = [re.sub(r"[^A-Za-z0-9_.=-]+", "_", run).strip("_") for run in dict.fromkeys(runs)]
    if not names:
        return what
    more = f"+{len(names) - MAX_NAMED}-more" if len(names) > MAX_NAMED else ""
    return f"{what}-{'+'.join(names[:MAX_NAMED])}{more}"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value).replace(" ", "_")


def _missing(value: Any) -> bool:
    """An empty cell of the CSV: NaN, None or pd.NA (e.g. the true score of a design no oracle
    scored, or of an invalid one)."""
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def all_sequences(frame: pd.DataFrame) -> bool:
    """Whether every row has a sequence, so that the table has a FASTA form."""
    return SEQUENCE in frame.columns and bool(frame[SEQUENCE].notna().all())


def designs_fasta(frame: pd.DataFrame, id_prefix: str = "design") -> bytes:
    """One FASTA record per row but repeats (`repeat` True: a design its run listed above
    already, to fill the number asked for; a synthesis order wants each once); every other
    column goes into the header as key=value, but for cells the CSV leaves empty (an invalid
    design's true score, the oracle's columns of a run no oracle scored): those are left out,
    not written as "nan".

    `braid_core.data.read_designs` reads the values back from `value=` (or any key given as
    the value column), so a download can be uploaded again.

    Raises:
        ValueError: a row has no sequence (vector designs, alone or among sequence designs,
            have no FASTA form; a record of "nan" would be read as a sequence).
    """
    if SEQUENCE not in frame.columns:
        raise ValueError("FASTA needs a 'sequence' column; vector designs download as CSV")
    missing = int(frame[SEQUENCE].isna().sum())
    if missing:
        raise ValueError(f"FASTA needs a sequence in every row; {missing} of {len(frame)} have "
                         "none (vector designs?): download them as CSV")
    if REPEAT in frame.columns:
        frame = frame[~frame[REPEAT].fillna(False).astype(bool)]
    frame = blank_invalid_scores(frame)
    others = [column for column in frame.columns if column != SEQUENCE]
    lines = []
    for number, row in enumerate(frame.itertuples(index=False), start=1):
        values = dict(zip(frame.columns, row, strict=True))
        fields = " ".join(f"{key}={_cell(values[key])}" for key in others
                          if not _missing(values[key]))
        lines.append(f">{id_prefix}{number} {fields}".rstrip())
        lines.append(str(values[SEQUENCE]))
    return ("\n".join(lines) + "\n").encode("utf-8")


def configs_json(configs: Mapping[str, Mapping[str, Any]]) -> bytes:
    """Run id -> config, pretty JSON."""
    return (json.dumps({k: dict(v) for k, v in configs.items()}, indent=2) + "\n").encode()
