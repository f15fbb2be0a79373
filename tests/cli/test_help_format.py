"""`braid ... --help` for every command (braid_core/cli/help_format.py): values named as users
read them, nothing that points into the source tree, the exit statuses said."""

from __future__ import annotations

import re

import typer
from cli_files import runner

from braid_core.cli import app

# What typer prints where no metavar names a value: a Python type in angle brackets (<bool>,
# <path>, <list[Path]>, <int range>) or click's upper-case type names ([PATH], INTEGER).
RAW_TYPE = re.compile(r"<[a-z][\w\[\], |]*>|\b(PATH|TEXT|INTEGER|FLOAT|BOOLEAN)\b")


def command_paths(command, path=()):
    """Every command and group under `command`, hidden ones too, as the words that reach it."""
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from command_paths(sub, (*path, name))


def test_every_help_names_values_in_words_and_points_to_no_repository_file():
    paths = list(command_paths(typer.main.get_command(app)))
    assert ("data", "merge") in paths and ("run-job",) in paths and len(paths) > 15
    for path in paths:
        result = runner.invoke(app, [*path, "--help"], terminal_width=100)
        assert result.exit_code == 0, (path, result.output)
        assert not RAW_TYPE.search(result.output), (path, RAW_TYPE.findall(result.output))
        assert "bench/" not in result.output, path
    merge = runner.invoke(app, ["data", "merge", "--help"], terminal_width=100).output
    assert "FILES  Design tables" in merge and "--out FILE " in merge
    weighting = " ".join(runner.invoke(app, ["design", "--help"]).output.split())
    assert "--count-weighting MODE" in weighting and "so 'none' is the default" in weighting


def test_the_list_of_commands_keeps_each_summary_whole():
    result = runner.invoke(app, ["--help"], terminal_width=80)
    text = " ".join(result.output.split())
    assert "Draw designs from a fine-tuned model (the `model` folder of `braid finetune`)." in (
        text)
    commands = result.output.split("Commands:")[1]
    assert "..." not in commands, commands


def test_the_exit_statuses_are_said_at_the_top_and_hold_for_each_kind_of_error(tmp_path):
    text = " ".join(runner.invoke(app, ["--help"]).output.split())
    assert "Exit status: 0 done; 1 braid refused what it was given" in text
    assert "2 the command line could not be read" in text
    # a run stopped as it runs: by Ctrl-C, or by `braid runs cancel` from another shell
    assert "130 a run was interrupted (Ctrl-C), 143 it was stopped by `braid runs cancel`" in text
    missing = tmp_path / "none.csv"
    refused = runner.invoke(app, ["data", "check", str(missing)])
    assert refused.exit_code == 1 and refused.output.startswith("error: "), refused.output
    # A usage error: click's plain words, the message whole on its own line, no box around it.
    usage = runner.invoke(app, ["design", "--num-designs", "0"], terminal_width=40)
    assert usage.exit_code == 2
    assert "\nError: Invalid value for '--num-designs': " in usage.output, usage.output
    assert "╭" not in usage.output
