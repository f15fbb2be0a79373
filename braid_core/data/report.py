"""What reading found and what went wrong: `DataError`, `DataWarning`, `DataReport`, and the
wording that messages share (rows quoted, long sequences clipped)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from braid_core.spaces import SequenceSpace, Space, alphabet_name, names_differ

SHOWN = 5  # offending rows quoted in one message


class DataError(ValueError):
    """A problem in a design file; `str(err)` is one plain message for the user.

    Attributes:
        path: the file, as given.
        problem: what is wrong, naming the first offending rows.
        rows: labels of all offending rows ("row 3", "record 7 (>seq7, line 13)"); may be empty.
    """

    def __init__(self, path: str, problem: str, rows: Sequence[str] = ()) -> None:
        self.path = str(path)
        self.problem = problem
        self.rows = list(rows)
        super().__init__(f"{self.path}: {problem}")


class DataWarning(UserWarning):
    """Something the user should know but that does not stop reading (duplicates merged,
    values piled at the best)."""


@dataclass(frozen=True)
class DuplicateGroup:
    """One design found on several rows; it is kept once."""

    design: str  # the sequence (upper case) or the vector as "(x0, x1, ...)"
    rows: tuple[str, ...]  # labels of the rows holding it, in file order
    values: tuple[float, ...]  # their values, averaged into one; empty when unlabeled
    index: int  # its position among the kept designs
    measurements: tuple[float, ...] = ()  # behind each value, when one is a mean of several


@dataclass(frozen=True)
class DataReport:
    """What reading a file found; `summary()` is what `braid data check` prints."""

    source: str  # file name, as given
    file_format: str  # "csv", "tsv", "fasta", "parquet" ("tensors" for from_tensors)
    space: Space  # the design space found (alphabet and length, or dimension)
    alphabet_inferred: bool  # True when the alphabet was guessed from the letters
    rows_read: int  # data rows (FASTA records) in the file
    num_designs: int  # distinct designs kept, after merging duplicates
    value_column: str | None  # column (FASTA: header key) the values came from; None: unlabeled
    value_range: tuple[float, float] | None  # (min, max) of the kept values
    columns_used: tuple[str, ...]  # columns read (FASTA: the sequence and value= fields)
    columns_ignored: tuple[str, ...]  # other columns in the file
    duplicates: tuple[DuplicateGroup, ...]  # designs found more than once
    notes: tuple[str, ...]  # informational: inferred alphabet, no value column
    warnings: tuple[str, ...]  # worth a look: merged duplicates, values piled at the best
    count_column: str | None = None  # column the measurement counts came from, if any
    measurements: int | None = None  # measurements behind the values, when more than designs
    alphabet_reason: str = ""  # why an inferred alphabet is protein: "because of 'N' (row 13)"
    rows_without_value: int = 0  # rows left out for want of a value (ReadOptions.labeled_rows)

    @property
    def labeled(self) -> bool:
        return self.value_column is not None

    @property
    def alphabet(self) -> str | None:
        """The letters in token order, or None for vectors."""
        return self.space.alphabet if isinstance(self.space, SequenceSpace) else None

    def read_as(self) -> str:
        """How the designs' alphabet was decided, for messages on files that differ: "dna
        (ACGT)", "protein because of 'N' (row 13)", "ACGTN (as given)"; vectors as described."""
        if not isinstance(self.space, SequenceSpace):
            return self.space.describe()
        name = alphabet_name(self.space.alphabet)
        letters = "" if name == self.space.alphabet else f" ({self.space.alphabet})"
        if not self.alphabet_inferred:
            return f"{name}{letters} (as given)" if letters else f"{name} (as given)"
        return f"{name} {self.alphabet_reason}" if self.alphabet_reason else f"{name}{letters}"

    def messages(self, *, named: bool = False) -> list[str]:
        """Notes then warnings, one line each; `named`: each names the file (`of_file`), for
        lines said apart from the summary, perhaps beside another file's."""
        def said(text: str) -> str:
            return of_file(text, self.source) if named else text

        return [*map(said, self.notes), *(f"warning: {said(w)}" for w in self.warnings)]

    def summary(self) -> str:
        """A few lines for people: counts, space, values, columns, notes and warnings."""
        inferred = " (alphabet inferred)" if self.alphabet_inferred else ""
        unit = "records" if self.file_format == "fasta" else "rows"
        behind = (f", standing for {self.measurements} measurements in all (designs measured "
                  "more than once hold their mean)" if self.measurements else "")
        # rows_read counts the measured rows alone where those without a value were left out
        rows = (f"{self.rows_read + self.rows_without_value} {unit}, {self.rows_read} measured"
                if self.rows_without_value else f"{self.rows_read} {unit}")
        lines = [
            f"{self.source}: {rows} -> {self.num_designs} designs, "
            f"{self.space.describe()}{inferred}",
            f"values: {self.value_range[0]:.6g} to {self.value_range[1]:.6g}{behind}"
            if self.value_range
            else "values: none (unlabeled designs)",
            self._fields_line(),
        ]
        return "\n".join(lines + self.messages())

    def _fields_line(self) -> str:
        """What was read: columns, or for FASTA the sequence lines and header fields."""
        ignored = self.columns_ignored
        if self.file_format != "fasta":
            return (f"columns used: {', '.join(self.columns_used)}"
                    + (f"; ignored: {', '.join(ignored)}" if ignored else ""))
        fields = [f"{c}=" for c in self.columns_used if c not in self.sequence_columns]
        used = "the sequence lines" + (f" and the header field{'s' * (len(fields) > 1)} "
                                       + ", ".join(fields) if fields else "")
        return (f"read: {used}"
                + (f"; header fields ignored: {', '.join(f'{c}=' for c in ignored)}"
                   if ignored else ""))

    @property
    def sequence_columns(self) -> tuple[str, ...]:
        """The columns the designs came from (those used, less values and counts)."""
        return tuple(c for c in self.columns_used
                     if c not in (self.value_column, self.count_column))


def space_mismatch(unlabeled: DataReport, offline: DataReport) -> str | None:
    """Why the unlabeled and the offline designs are not in one space, naming how each file's
    alphabet was decided (so the letter to mend is named); None when they are."""
    first, second = unlabeled.space, offline.space
    if first == second:
        return None
    head = "the unlabeled designs and the offline designs are not in the same space: "
    if (isinstance(first, SequenceSpace) and isinstance(second, SequenceSpace)
            and first.length == second.length):
        # Letters inferred apart (e.g. an N in one file) one alphabet can mend.
        return (f"{head}{unlabeled.source} was read as {unlabeled.read_as()}, {offline.source} "
                f"as {offline.read_as()}; mend the letters, or give both one alphabet "
                "(--alphabet)")
    if differ := names_differ(first, second):  # vectors alike but for their columns' names
        return (f"{head}{unlabeled.source} holds {first.describe()}, {offline.source} "
                f"{second.describe()}: {differ}; name the columns alike in both files")
    return (f"{head}{unlabeled.source} holds {first.describe()}, {offline.source} "
            f"{second.describe()}; pick designs of the same kind and length")


def of_file(text: str, name: str) -> str:
    """A note or warning that names its file, `name`: "2 rows ... skipped" reads as that file's
    beside another file's lines. One that names the file already, or a part of a combined set
    ("base.csv + more.csv"), is kept as it is."""
    files = [name, *name.split(" + ")]
    if any(text.startswith(f"{file}: ") for file in files):
        return text
    return f"{name}: {text}"


def unmeasured_note(left_out: int, column: str, file_format: str) -> str:
    """What `labeled_rows` says of the rows it left out for want of a value in `column`;
    nothing where it left out none."""
    if not left_out:
        return ""
    fasta = file_format == "fasta"
    rows = f"{left_out} {'record' if fasta else 'row'}{'' if left_out == 1 else 's'}"
    value = f"{column}=" if fasta else f"a value in column {column!r}"
    return (f"{rows} without {value} left out of the labeled designs (read as designs not "
            "measured)")


def designs_phrase(count: int) -> str:
    """'1 design', '3 designs'."""
    return f"{count} design" if count == 1 else f"{count} designs"


def clip_text(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
