"""How `braid ... --help` reads: click's plain layout (typer's `rich_markup_mode=None`: a flag
shows no value, where typer's panels print `<bool>` even beside --help), values named as users
read them (FILE, DIR, N: each option's metavar), the exit statuses said once.

Two things typer would otherwise print, which `BraidGroup` changes for every command below it:
an argument's Python type beside its name (`FILE <path>`, `FILES <list[Path]>`; the metavar
says it already), and a command's summary in the list of commands cut off at the terminal's
width ("Draw designs from a fine-tuned model (the `model` folder of..."; the whole first
paragraph is kept, wrapped).
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperArgument, TyperGroup

EXIT_CODES = ("Exit status: 0 done; 1 braid refused what it was given (a file, a folder, an "
              "option's value) or the run failed, said after 'error:'; 2 the command line "
              "could not be read (an unknown option, a missing value, a number outside the "
              "range the command's --help gives), said after 'Error:'; 130 a run was "
              "interrupted (Ctrl-C), 143 it was stopped by `braid runs cancel` (from another "
              "shell), either way recorded as cancelled and nothing written to --out.")


class BraidGroup(TyperGroup):
    """The `braid` group: the help of every command below it as the module docstring says."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_help(self)

    def invoke(self, ctx: Any) -> Any:
        """As typer's, but Ctrl-C outside a run (while a large file is read) says what it
        did, where typer exits with 130 unsaid; a run catches its own first, to record
        itself as cancelled."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            typer.echo("interrupted (Ctrl-C); nothing was written", err=True)
            raise typer.Exit(130) from None


def _plain_help(command: Any) -> None:
    """Arguments named by their metavar alone, and whole summaries, in `command` and below."""
    for param in command.params:
        if isinstance(param, TyperArgument) and param.metavar is not None:
            param.display_type_rich = _no_type
    if command.help and not command.short_help:
        command.short_help = " ".join(command.help.split("\n\n")[0].split())
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)


def _no_type(ctx: Any) -> None:
    return None
