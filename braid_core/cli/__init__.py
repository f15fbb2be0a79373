"""`braid`: every pipeline step from the command line (typer).

Errors a user can fix (bad files, bad options) are printed as one plain sentence and exit with
status 1; nothing here prints a traceback for them. A command line click cannot parse (an
unknown option, a missing value) exits with status 2, in click's own words. A run stopped as
it runs exits with 130 (Ctrl-C) or 143 (`braid runs cancel` from another shell).

This module only builds the `braid` app (and its --version) from the command groups:
`datasets` (data, task), `models` (prior, reward, finetune, sample), `design` and `runs`
(runs, run-job).
"""

from __future__ import annotations

from importlib import metadata
from typing import Annotated

import typer

from braid_core.cli import datasets, design, models, runs
from braid_core.cli.help_format import EXIT_CODES, BraidGroup

app = typer.Typer(
    name="braid",
    help="BRAID Studio: offline design optimisation with conservatively fine-tuned diffusion."
    f"\n\n{EXIT_CODES}",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's plain help and errors: see help_format.py
    cls=BraidGroup,
)


def installed_version() -> str:
    """The installed package's version; braid_core's own when run from a source tree that
    was never installed."""
    try:
        return metadata.version("braid-studio")
    except metadata.PackageNotFoundError:
        from braid_core import __version__

        return __version__


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"braid {installed_version()}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_print_version,
        help="Print the version and exit.")] = False,
) -> None:
    pass  # the options of `braid` itself; the commands do the work


app.add_typer(datasets.data_app, name="data")
app.add_typer(datasets.task_app, name="task")
app.add_typer(models.prior_app, name="prior")
app.add_typer(models.reward_app, name="reward")
app.add_typer(runs.runs_app, name="runs")
app.command("sample")(models.sample)
app.command("finetune")(models.finetune)
app.command("design")(design.design)
app.command("run-job", hidden=True)(runs.run_job)

__all__ = ["app"]
