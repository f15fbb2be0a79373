"""Sequence designs: blanks, letters (alphabet given or inferred), one length; and the
warning when nucleotides with an ambiguity code or a stray letter were read as protein."""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

from braid_core.data.numeric import named_vectors, vector_advice, vector_numbering
from braid_core.data.report import SHOWN, DataError, clip_text
from braid_core.data.table import FileTable, ParsedDesigns, ReadOptions, is_blank
from braid_core.spaces import NAMED_ALPHABETS, SequenceSpace, alphabet_name, resolve_alphabet

IUPAC_AMBIGUITY = frozenset("NRYSWKMBDHV")  # nucleotide codes for several bases (N: any)
PROTEIN = NAMED_ALPHABETS["protein"]
LETTERS = re.compile(r"[A-Za-z]+")  # a cell that may be a sequence
ALPHABETS_NAMED = f"dna (ACGT), rna (ACGU) or protein ({PROTEIN})"
SHOWN_LETTERS = 3  # letters named, with their first rows, when telling why designs are protein


def sequence_designs(table: FileTable, options: ReadOptions) -> ParsedDesigns:
    """Sequences checked for blanks, letters (alphabet given or inferred) and one length."""
    column = table.find(options.sequence_column)
    if column is None:
        raise _missing_sequence_column(table, options)
    texts = ["" if is_blank(v) else str(v).strip() for v in table.frame[column]]
    if (options.kind is None and options.sequence_column != ReadOptions.sequence_column
            and _numbers_only(texts)):  # the column named holds numbers: vectors
        raise _numbers_not_sequences(table, options, column)
    empty = [i for i, text in enumerate(texts) if not text]
    if empty:
        where = "under its header" if table.file_format == "fasta" else f"in {column!r}"
        raise table.error(f"{table.count(len(empty))} without a sequence {where}", empty)
    letters, inferred = _alphabet(table, texts, options.alphabet)
    lengths = Counter(map(len, texts))
    length, common = lengths.most_common(1)[0]
    odd = [i for i, text in enumerate(texts) if len(text) != length]
    if odd:
        differ = "differs" if len(odd) == 1 else "differ"
        problem = (
            f"sequences must all have one length; {common} of {len(texts)} have length {length}"
            f" (the most common), but {table.count(len(odd))} {differ}"
        )
        raise table.error(problem, odd, lambda i: f"(length {len(texts[i])})")
    space = SequenceSpace(letters, length)
    keys = [text.upper() for text in texts]
    notes = [f"alphabet inferred: {alphabet_name(letters)} ({letters})"] if inferred else []
    reason = _protein_reason(table, keys) if inferred and letters == PROTEIN else ""
    return ParsedDesigns(space.encode(texts), keys, space, [column], inferred, notes, reason)


def _missing_sequence_column(table: FileTable, options: ReadOptions) -> DataError:
    """No sequence column: the columns there are, and which to name (--sequence-column, as
    the Data page rewrites it into its field) or to renumber (vectors from x0)."""
    name = options.sequence_column
    if options.kind is None and (numbering := vector_numbering(table)):
        return DataError(table.source, f"no column {name!r} with the sequences, nor x0 for "
                         f"vectors: {numbering}")
    holds_vectors = table.find("x0") is not None and options.kind == "sequence"
    what = ("with the sequences: its columns x0, x1, ... hold vectors, and sequences are "
            "wanted here" if holds_vectors else "with the sequences, nor columns of vectors")
    letters = [c for c in table.frame.columns if _letters_only(table.frame[c])]
    advice = (f"column {letters[0]!r} holds letters only: if these are the sequences, set "
              f"--sequence-column to {letters[0]!r}" if len(letters) == 1 else
              "if a column holds the sequences, set --sequence-column to its name")
    if options.kind is None:
        advice += f"; {vector_advice(table, options, name_text=not letters)}"
    return table.missing_column(name, what, "" if holds_vectors else advice)


def _numbers_only(texts: list[str]) -> bool:
    """Whether every filled cell is a number: a column of vector coordinates, no sequences."""
    filled = [text for text in texts if text]
    return bool(filled) and pd.to_numeric(pd.Series(filled), errors="coerce").notna().all()


def _numbers_not_sequences(table: FileTable, options: ReadOptions, column: str) -> DataError:
    """The sequence column named holds numbers: vectors, read as such from their columns."""
    named = named_vectors(table, options)
    how = ("a table whose columns but the value column (and measurements) all hold numbers is "
           "read as vectors, one coordinate per column")
    if named.columns and not named.text:
        shown = ", ".join(named.columns[:SHOWN]) + (" ..." if len(named.columns) > SHOWN else "")
        how += f" (here {shown})"
    return DataError(table.source, f"column {column!r} holds numbers, not sequences: for vectors, "
                     f"keep --sequence-column at its default, {ReadOptions.sequence_column}: "
                     f"{how}")


def _letters_only(cells: pd.Series) -> bool:
    """Whether every filled cell of a column is a word of letters (as a sequence is)."""
    filled = [str(cell).strip() for cell in cells if not is_blank(cell) and str(cell).strip()]
    return bool(filled) and all(LETTERS.fullmatch(cell) for cell in filled)


def _nucleotides(used: set[str]) -> str:
    """The nucleotide alphabet nearest the letters used: RNA where U is used and T is not."""
    return "ACGU" if "U" in used and "T" not in used else "ACGT"


def _protein_reason(table: FileTable, keys: list[str]) -> str:
    """Why designs were inferred to be protein: the first letters outside the nucleotides,
    each with the row it first appears in, e.g. "because of 'N' (row 13)"."""
    used = set("".join(keys))
    outside = sorted(used - set(_nucleotides(used)))
    shown = [f"{letter!r} ({table.labels[next(i for i, key in enumerate(keys) if letter in key)]})"
             for letter in outside[:SHOWN_LETTERS]]  # fmt: skip
    if len(outside) > SHOWN_LETTERS:
        shown.append(f"{len(outside) - SHOWN_LETTERS} more letters")
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
    return f"because of {listed}"


def _cased(letters: str) -> set[str]:
    """The letters in upper and lower case, as accepted in files."""
    return set(letters) | {ch.lower() for ch in letters if len(ch.lower()) == 1}


def _alphabet(table: FileTable, texts: list[str], alphabet: str | None) -> tuple[str, bool]:
    """The given alphabet (letters checked) or the first named one that fits every letter."""
    if alphabet is not None:
        try:
            letters = resolve_alphabet(alphabet)
        except ValueError as err:
            raise DataError(table.source, str(err)) from None
        prefix = f"letters outside the alphabet {alphabet_name(letters)} ({letters}) in"
        _check_letters(table, texts, letters, prefix, "fix them, or widen the alphabet")
        return letters, False
    used = set("".join(texts))
    for letters in NAMED_ALPHABETS.values():
        if used <= _cased(letters):
            return letters, True
    found = "".join(sorted({ch.upper() for ch in used}))
    unknown = f"cannot infer the alphabet: the letters {found} fit none of {ALPHABETS_NAMED}"
    if found == "ACGTU":  # DNA and RNA rows in one file, e.g. pasted from two sources
        raise _mixed_nucleotides(table, texts, unknown)
    name, letters, tied = _nearest_alphabet(texts)
    nearest = (f"the nearest, {name}," if not tied else
               f"{name} (and as many rows have letters outside {' and '.join(tied)})")
    hint = f"fix them, or give the alphabet (--alphabet) with every letter used, e.g. {found}"
    if odd := _no_sequence_letters(found):
        hint = f"fix them: {odd} belong in no sequence"
        if any(text.startswith("#") for text in texts):
            hint += ("; a row starting with '#' is a comment only above the header or with "
                     "nothing in its other fields: remove such rows")
    _check_letters(table, texts, letters, f"{unknown}; letters outside {nearest} in", hint)
    raise AssertionError("unreachable: some letter fits no alphabet")


def _no_sequence_letters(found: str) -> str:
    """What no sequence holds among the letters found, named ("digits and spaces"), or ''
    (a '-' or '*' may be a gap or a stop in a custom alphabet; these never are)."""
    kinds = [kind for kind, test in (("digits", str.isdigit), ("spaces", str.isspace),
                                     ("'#'", "#".__eq__)) if any(map(test, found))]  # fmt: skip
    return " and ".join(filter(None, (", ".join(kinds[:-1]), kinds[-1]))) if kinds else ""


def _mixed_nucleotides(table: FileTable, texts: list[str], unknown: str) -> DataError:
    """T (DNA) and U (RNA) in one file: the fewer rows are named as the odd ones out (one T
    among RNA rows); as many of each, both are."""
    with_t, with_u = ([i for i, text in enumerate(texts) if letter in text.upper()]
                      for letter in "TU")  # fmt: skip
    fix = ("write every T as U (or every U as T); or give the alphabet (--alphabet) with every "
           "letter used, ACGTU")
    if len(with_t) != len(with_u):
        name = "rna" if len(with_t) < len(with_u) else "dna"
        _check_letters(table, texts, NAMED_ALPHABETS[name], f"{unknown}; letters outside the "
                       f"nearest, {name}, in", f"T (DNA) and U (RNA) are mixed: {fix}")
    shown = {letter: ", ".join(table.labels[i] for i in rows[:SHOWN]) + (
        " ..." if len(rows) > SHOWN else "") for letter, rows in (("T", with_t), ("U", with_u))}
    problem = (f"{unknown}: DNA and RNA letters are mixed, T in {table.count(len(with_t))} "
               f"({shown['T']}) and U in as many ({shown['U']}){table.counted()}. "
               f"{fix[0].upper()}{fix[1:]}")
    return DataError(table.source, problem, [table.labels[i] for i in sorted(with_t + with_u)])


def _nearest_alphabet(texts: list[str]) -> tuple[str, str, list[str]]:
    """The named alphabet the fewest rows have letters outside of (so the rows named are the
    odd ones out: one T among RNA rows), then the one with the fewest letters outside it, then
    the first of dna, rna, protein; with the names of the others as near as it."""
    def distance(letters: str) -> tuple[int, int]:
        allowed = _cased(letters)
        rows = sum(not set(text) <= allowed for text in texts)
        return rows, len({ch.upper() for ch in "".join(texts)} - set(letters))

    distances = {name: distance(letters) for name, letters in NAMED_ALPHABETS.items()}
    name = min(distances, key=distances.__getitem__)  # the first of those tied
    tied = [other for other, d in distances.items() if other != name and d == distances[name]]
    return name, NAMED_ALPHABETS[name], tied


def nucleotide_warning(designs: ParsedDesigns, table: FileTable) -> str | None:
    """Nucleotides plus one or two other letters read as protein by the rule; the designs
    would then be optimised over 20 letters, so this is a warning, not a note. The letters are
    ambiguity codes (e.g. N: allow them) or stray ones (e.g. an E in one row: mend the rows,
    named by `table`'s labels; a letter in more than half the rows is no slip, and no
    warning). Only an inferred alphabet (never vectors) is judged."""
    if not designs.inferred or designs.space.alphabet != PROTEIN:
        return None
    used = set("".join(designs.keys))
    extra = "".join(sorted(used - set("ACGTU")))
    if not extra or len(extra) > 2 or used >= set("TU"):
        return None
    stray = [letter for letter in extra if letter not in IUPAC_AMBIGUITY]
    slips = [i for i, key in enumerate(designs.keys) if any(letter in key for letter in stray)]
    if any(2 * sum(letter in designs.keys[i] for i in slips) > len(designs.keys)
           for letter in stray):  # fmt: skip
        return None
    base = _nucleotides(used)
    only = "the only letter" if len(extra) == 1 else "the only letters"
    advice = []
    if stray:
        rows = "the row" if len(slips) == 1 else f"the {table.count(len(slips))}"
        named = " or ".join(map(repr, stray))
        where = "" if len(slips) == 1 else "; " + ", ".join(table.labels[i] for i in slips[:SHOWN])
        if len(slips) > SHOWN:  # the option as the Data page rewrites it into its field
            where += (f" and {len(slips) - SHOWN} more: with --alphabet set to {base}, the "
                      "check refuses them, each quoted with the letter's position")
        advice.append(f"mend {rows} with {named} (no nucleotide code{where})")
    if codes := "".join(letter for letter in extra if letter not in stray):
        advice.append(f"set --alphabet to {base}{codes}" + _mend_codes(designs, table, codes,
                                                                        base))
    return (f"{table.source}: read as protein {designs.reason}, {only} outside {base}: if "
            f"these are nucleic acids, {' and '.join(advice)}")


def _mend_codes(designs: ParsedDesigns, table: FileTable, codes: str, base: str) -> str:
    """Where ambiguity codes stand in a few rows only (one N in 200 8-mers): that the alphabet
    with them lets the designs use them too, and the other way, mending those rows; empty
    where they are common (an N in many rows is the data's own letter)."""
    rows = [i for i, key in enumerate(designs.keys) if any(code in key for code in codes)]
    if len(rows) > SHOWN or 20 * len(rows) > len(designs.keys):
        return ""
    named = ", ".join(table.labels[i] for i in rows)
    return (f" (then the designs may use {'it' if len(codes) == 1 else 'them'} too), or mend "
            f"{named} and set it to {base}")


def _check_letters(table: FileTable, texts: list[str], letters: str, prefix: str,
                   hint: str) -> None:  # fmt: skip
    allowed = _cased(letters)
    bad = {i: sorted(set(text) - allowed) for i, text in enumerate(texts)}
    rows = [i for i, letters_out in bad.items() if letters_out]
    if rows:

        def detail(i: int) -> str:
            where = 1 + min(texts[i].index(ch) for ch in bad[i])
            return f"{clip_text(texts[i])!r} has {''.join(bad[i])!r} (first at position {where})"

        raise table.error(f"{prefix} {table.count(len(rows))}", rows, detail, hint)
