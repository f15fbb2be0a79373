"""What several `braid` commands share: option types and their help, the checks of --out made
before any work, and how errors and notes are printed (one plain sentence, no traceback)."""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from braid_core import defaults
from braid_core.limits import over_limit
from braid_core.runs import MAX_NAME_LENGTH, check_run_name

if TYPE_CHECKING:
    from braid_core.data import DataReport

SequenceColumn = Annotated[str, typer.Option(
    "--sequence-column", metavar="NAME", help="Column holding the sequences.")]
ValueColumn = Annotated[str, typer.Option(
    "--value-column", metavar="NAME", help="Column holding the values.")]
NamedValueColumn = Annotated[str | None, typer.Option(
    "--value-column", metavar="NAME", show_default=False,
    help="Column holding the values; a column named here must be in the file. Default: "
    "'value' when the file has one, else the designs are read as unlabeled.")]
LeftOutValueColumn = Annotated[str | None, typer.Option(
    "--value-column", metavar="NAME", show_default=False,
    help="Column holding the values, left out of the designs (every row is a design, with a "
    "value or blank); a column named here must be in the file. Default: 'value' when the "
    "file has one.")]
Alphabet = Annotated[str | None, typer.Option(
    "--alphabet", metavar="LETTERS",
    help="protein, dna, rna or the letters themselves; inferred if omitted.")]
Device = Annotated[str, typer.Option(
    "--device", metavar="DEVICE", help='"auto" (CUDA if present), "cpu", "cuda".')]


def _cores_or_fewer(threads: int | None) -> int | None:
    """--threads, with a word when it exceeds this machine's cores (it slows torch down)."""
    cores = os.cpu_count() or 1
    if threads is not None and threads > cores:
        say(f"note: --threads {threads} is more than this machine's {cores} CPU cores; torch's "
            "threads will contend for them (slower, not faster)")
    return threads


Threads = Annotated[
    int | None, typer.Option("--threads", min=1, metavar="N", callback=_cores_or_fewer,
                             help="CPU threads for torch (default: torch's own).")
]
Seed = Annotated[int, typer.Option("--seed", metavar="N", help="Seed of every random draw.")]


def _at_most(field: str) -> Callable[[int | None], int | None]:
    """The callback of an option whose value has a limit (`field`, a key of limits.LIMITS):
    past it, a usage error before any work, in the words FinetuneConfig refuses it with (a
    count of designs: only the command line limits it)."""

    def refuse_past_limit(value: int | None) -> int | None:
        if value is not None and (problem := over_limit(field, value)):
            raise typer.BadParameter(problem)
        return value

    return refuse_past_limit


NumDesigns = Annotated[int, typer.Option(
    "--num-designs", min=1, metavar="N", callback=_at_most("designs"),
    help=f"Designs to write (at most {defaults.MAX_DESIGNS:,}).")]
DesignCount = Annotated[int, typer.Option(
    "--num", min=1, metavar="N", callback=_at_most("designs"),
    help=f"Number of designs (at most {defaults.MAX_DESIGNS:,}).")]
FinetuneSteps = Annotated[int, typer.Option(
    "--steps", min=1, metavar="N", callback=_at_most("steps"),
    help=f"Fine-tuning steps (at most {defaults.MAX_STEPS:,}).")]
BatchSize = Annotated[int, typer.Option(
    "--batch", min=1, metavar="N", callback=_at_most("batch_size"),
    help=f"Designs per step (at most {defaults.MAX_BATCH:,}).")]
ChainSteps = Annotated[int, typer.Option(
    "--chain-steps", min=1, metavar="N", callback=_at_most("sampling_steps"),
    help="Sequences: reverse steps of the training chains (designs use the prior's own; at "
    f"most {defaults.MAX_CHAIN_STEPS:,}).")]
TiltCompletions = Annotated[int, typer.Option(
    "--tilt-completions", min=0, metavar="N", callback=_at_most("tilt_completions"),
    help="Tilted estimator: value each letter by the soft value over this many completions of "
    "each state drawn from the prior (0: around the chain's own design; at most "
    f"{defaults.MAX_TILT_COMPLETIONS:,}).")]
CsvFile = Annotated[Path, typer.Option("--out", metavar="FILE", help="CSV file to write.")]
ALPHA_HELP = (f"KL weight (std of y per nat); default {defaults.ALPHA:g} for sequences, "
              f"{defaults.VECTOR_ALPHA:g} for vectors.")
NETWORK_HELP = ('Sequences: the reward net\'s shape, "auto" (a dilated and a wide net are '
                'fitted, the one of lower validation error kept), "average" (both fitted, '
                'their predictions averaged), "dilated" or "wide".')
RewardNetwork = Annotated[str, typer.Option("--network", metavar="NETWORK", help=NETWORK_HELP)]
TILT_HELP = ("How much the reward fit weighs the top of the data: each design's squared error "
             "counts exp(TILT x q), q its value's rank from 0 (lowest) to 1 (highest); 0 weighs "
             "every design alike.")
ValueTilt = Annotated[float, typer.Option(
    "--value-tilt", metavar="TILT", min=0.0, max=defaults.MAX_VALUE_TILT, help=TILT_HELP)]
COUNT_HELP = ("How a value that is the mean of several measurements (a `measurements` column, "
              "or a design found more than once) weighs in the reward fit: none (every design "
              "alike), counts (n measurements weigh n), estimated (1 / (misfit + noise / n), "
              "both variances estimated from a first fit's held-out errors). In tests on "
              "simulated replicates neither ranked designs reliably better than 'none' (the "
              "gains were within the spread between seeds), so 'none' is the default.")
CountWeighting = Annotated[str, typer.Option(
    "--count-weighting", metavar="MODE", help=COUNT_HELP)]
TASK_HELP = ("a task of `braid task list`, or any Ehrlich instance written LENGTH:MOTIFS:SEED "
             "(e.g. 56:3:23).")
OracleTask = Annotated[str | None, typer.Option(
    "--task", metavar="TASK", help=f"Score designs by this task's oracle: {TASK_HELP}")]
PoolSize = Annotated[int | None, typer.Option(
    "--pool", min=1, metavar="N", show_default=False, callback=_at_most("designs"),
    help=f"Designs drawn before the best --num-designs distinct ones by conservative score are "
    f"kept, leaving out any already in the offline data (default {defaults.POOL_FACTOR} x "
    "--num-designs; equal to it: no selection, the designs as drawn).")]


def _run_name(value: str | None) -> str | None:
    """--name as the run will keep it (the spaces around it dropped), or a usage error:
    an empty name (say, of a shell variable left unset) is refused, not a run left unnamed."""
    if value is None:
        return None
    try:
        return check_run_name(value)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None


RunName = Annotated[str | None, typer.Option(
    "--name", metavar="NAME", callback=_run_name, show_default=False,
    help=f"A name for the run, shown by `braid runs list` and the dashboard's Runs page, and "
    f"taken by `braid runs show` (at most {MAX_NAME_LENGTH} characters; several runs may "
    "share one).")]


def fail(message: str) -> typer.Exit:
    """Print a user-facing error and return the exit to raise."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


# The config fields that the library's checks name (FinetuneConfig, PriorConfig, the pipeline's
# configs), as the options the user typed.
FIELD_OPTIONS = {
    "alpha": "--alpha", "batch_size": "--batch", "c": "--c", "estimator": "--estimator",
    "lr": "--lr", "max_minutes": "--max-minutes", "sampling_steps": "--chain-steps",
    "steps": "--steps", "support_floor": "--support-floor",
    "tilt_completions": "--tilt-completions", "tilt_floor": "--tilt-floor",
    "tilt_value": "--tilt-value",
}
_FIELD_CHECK = re.compile(r"^(\w+)(?= must )")  # "tilt_floor must be in [0, 1), got 1.5"
_CHOICES = re.compile(r"\(('[^']*'(?:, '[^']*')*),?\)")  # a tuple of names: ('a', 'b')


def config_error(error: Exception) -> typer.Exit:
    """`fail` with a config check's message in the terms of the command line: the field it
    starts with as the option typed, a tuple of choices as a plain list."""
    message = _FIELD_CHECK.sub(lambda m: FIELD_OPTIONS.get(m[1], m[1]), str(error))
    message = _CHOICES.sub(lambda m: ", ".join(re.findall(r"'([^']*)'", m[1])), message)
    return fail(message)


def say(message: str) -> None:
    typer.echo(message, err=True)


def _writable_place(out: Path) -> None:
    """Refuse an --out below a file, or in a folder this user cannot write: found before the
    work, not by a traceback after it."""
    place = out.absolute()
    while not place.exists():
        place = place.parent
    if place != out.absolute() and not place.is_dir():
        raise fail(f"--out {out}: {place} is a file, not a folder")
    if not os.access(place if place.is_dir() else place.parent, os.W_OK):
        raise fail(f"--out {out}: {place} cannot be written to by this user")


def csv_out(out: Path, inputs: Mapping[str, Path] | None = None) -> Path:
    """`out` once a CSV file can be written there, checked before any work: not a folder,
    named .csv (a .fasta or .tsv would get CSV inside), and none of the command's `inputs`
    (option -> file: the user's measured data would be replaced by designs)."""
    _writable_place(out)
    if out.is_dir():
        raise fail(f"--out {out} is a folder; give a file name ending in .csv")
    if out.suffix.lower() != ".csv":
        raise fail(f"--out {out}: designs are written as CSV; give a file name ending in .csv")
    for option, path in (inputs or {}).items():
        if out.resolve() == Path(path).resolve():
            raise fail(f"--out {out} is the {option} file; write the designs elsewhere")
    return out


def no_files_of_others(out: Path, names: tuple[str, ...], ours: Path, holds: str) -> None:
    """Refuse an --out folder that already holds files this command writes there (`names`)
    unless they came with an earlier bundle of this kind in `ours`: they may be the user's
    own (the data the command reads, kept in that folder)."""
    if bundle_format(ours) == holds:
        return
    for name in names:
        if (out / name).exists():
            raise fail(f"--out {out} already holds {name}, which this command writes there "
                       "(perhaps your own data); give another folder")


def folder_out(out: Path, holds: str | None = None) -> Path:
    """`out` once a folder can be written there, checked before any work: not a file, and
    not a folder holding another bundle. `holds` names the bundle format this command saves
    into `out` itself (one of that kind is replaced, as retraining into it means); None: the
    command saves files beside no bundle, so any bundle there (a prior, a reward model) is
    someone else's."""
    _writable_place(out)
    if out.exists() and not out.is_dir():
        raise fail(f"--out {out} is a file; give a folder")
    if not (out / "config.json").is_file():
        return out
    found = bundle_format(out)
    if holds is None:
        if found is not None:
            raise fail(f"--out {out} already holds a {found} bundle; give another folder")
    elif found != holds:
        what = f"a {found} bundle" if found else "another config.json"
        raise fail(f"--out {out} already holds {what}; give another folder")
    else:  # retraining into it, as asked: said, not silent
        say(f"--out {out} holds a {holds} bundle already: it is replaced when the run ends")
    return out


# Where a run keeps its saved models, inside its folder: a prior or design run's prior, a
# reward or design run's reward model, a fine-tuning run's model.
RUN_BUNDLES = ("prior", "reward", "model")


def bundle_format(folder: Path) -> str | None:
    """The "format" its config.json names (e.g. braid-prior), None if it names none."""
    try:
        found = json.loads((folder / "config.json").read_text()).get("format")
    except (OSError, ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None


def bundle_in(folder: Path, option: str, holds: str, made_by: str) -> Path:
    """`folder` once it holds a saved bundle of the format `holds`, checked before a run is
    recorded: a missing folder, or a bundle of another kind (a reward model given as
    --prior), is refused with what to give instead, not left as a failed run."""
    give = f"give the folder {made_by} wrote"
    # a run's folder (runs/<id>) holds its models in folders of their own
    inside = [folder / part for part in RUN_BUNDLES if bundle_format(folder / part) == holds]
    if inside:
        give = f"give {inside[0]}, the run's own (or the folder {made_by} wrote)"
    if not (folder / "config.json").is_file():
        raise fail(f"{option} {folder}: no saved model there (no config.json); {give}")
    found = bundle_format(folder)
    if found != holds:
        what = f"a {found} bundle" if found else "another config.json"
        raise fail(f"{option} {folder} holds {what}, not a {holds} one; {give}")
    return folder


def data_in(path: Path, *, value_column: str | None, **options: Any) -> DataReport:
    """What reading `path` as designs (with values in `value_column`, when given) found,
    checked before a run is recorded: a bad file is refused with its error, not left as a
    failed run. Its warnings are said once, by the run that reads it again."""
    from braid_core.data import DataError, DataWarning, check_designs

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            # a named value column must be there; the error lists the file's columns
            return check_designs(path, value_column=value_column,
                                 require_values=value_column is not None, **options)
    except (DataError, FileNotFoundError) as err:
        raise fail(str(err)) from None
