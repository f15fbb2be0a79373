"""`braid design`: the whole pipeline in one command, run in this process."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from braid_core import defaults
from braid_core.cli.local_runs import copy_out, run_here
from braid_core.cli.options import (
    ALPHA_HELP,
    NETWORK_HELP,
    Alphabet,
    CountWeighting,
    Device,
    NumDesigns,
    OracleTask,
    PoolSize,
    RunName,
    Seed,
    SequenceColumn,
    Threads,
    ValueColumn,
    ValueTilt,
    config_error,
    csv_out,
    say,
)


def design(
    unlabeled: Annotated[Path, typer.Option(
        "--unlabeled", metavar="FILE", help="Valid designs (no values).")],
    offline: Annotated[Path, typer.Option(
        "--offline", metavar="FILE", help="Designs with measured values.")],
    out: Annotated[Path, typer.Option("--out", metavar="FILE", help="CSV file for the designs.")],
    method: Annotated[str, typer.Option(
        "--method", metavar="METHOD", help="braid-boot, braid-bonus, strl, guidance, ddom, proxy "
        "or pretrained.")] = defaults.METHOD,
    sequence_column: SequenceColumn = "sequence",
    value_column: ValueColumn = "value",
    alphabet: Alphabet = None,
    c: Annotated[float | None, typer.Option(
        "--c", metavar="C", show_default=False,
        help=f"Conservatism weight (default {defaults.C:g}; STRL always 0).")] = None,
    alpha: Annotated[float | None, typer.Option(
        "--alpha", metavar="ALPHA", show_default=False, help=ALPHA_HELP)] = None,
    num_designs: NumDesigns = 128,
    pool: PoolSize = None,
    seed: Seed = 0,
    max_minutes: Annotated[float, typer.Option(
        "--max-minutes", metavar="MINUTES", help="Budget, all steps; drawing the "
        "--num-designs designs themselves goes on past it.")] = 10.0,
    task: OracleTask = None,
    device: Device = "auto",
    threads: Threads = None,
    reward_network: Annotated[str, typer.Option(
        "--reward-network", metavar="NETWORK", help=NETWORK_HELP)] = (
        defaults.REWARD_NETWORK),
    value_tilt: ValueTilt = defaults.VALUE_TILT,
    count_weighting: CountWeighting = defaults.COUNT_WEIGHTING,
    name: RunName = None,
) -> None:
    """The whole pipeline in one command: pre-train, fit the reward, optimise, sample."""
    from braid_core import pipeline
    from braid_core.memory import available_memory
    from braid_core.runtime import set_cpu_threads

    set_cpu_threads(threads)
    csv_out(out, {"--unlabeled": unlabeled, "--offline": offline})
    try:
        config = pipeline.design_config(
            unlabeled, offline, method=method, sequence_column=sequence_column,
            value_column=value_column, alphabet=alphabet, c=c, alpha=alpha,
            num_designs=num_designs, seed=seed, max_minutes=max_minutes, task=task,
            pool_size=pool, device=device, reward_network=reward_network,
            value_tilt=value_tilt, count_weighting=count_weighting,
            memory=available_memory())  # it runs in this process
    except ValueError as err:
        raise config_error(err) from None
    for option, key in (("--unlabeled", "unlabeled"), ("--offline", "offline")):
        if (column := config[key]["sequence_column"]) not in (sequence_column, None):
            say(f"note: {option} {config[key]['path']} has no column {sequence_column!r}; its "
                f"designs are read from its column {column!r}")
    folder = run_here("design", config, total_seconds=max_minutes * 60.0, desc=method,
                      name=name)
    copy_out(folder / "designs.csv", out)
