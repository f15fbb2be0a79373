"""The steps one at a time: `braid prior train|sample`, `braid reward train`, `braid finetune`
and `braid sample`, each recorded as a run (named by --name), run in this process and copied
to --out (the two that draw designs from a saved model: sampling.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from braid_core import defaults
from braid_core.cli.local_runs import copy_out, run_here
from braid_core.cli.options import (
    ALPHA_HELP,
    Alphabet,
    BatchSize,
    ChainSteps,
    CountWeighting,
    CsvFile,
    DesignCount,
    Device,
    FinetuneSteps,
    LeftOutValueColumn,
    NumDesigns,
    OracleTask,
    PoolSize,
    RewardNetwork,
    RunName,
    Seed,
    SequenceColumn,
    Threads,
    TiltCompletions,
    ValueColumn,
    ValueTilt,
    bundle_in,
    config_error,
    data_in,
    fail,
    folder_out,
    no_files_of_others,
    say,
)
from braid_core.cli.reward_data import reward_data
from braid_core.cli.sampling import sample_designs

if TYPE_CHECKING:
    from braid_core.data import DataReport

prior_app = typer.Typer(help="Pre-train and sample the diffusion prior.", no_args_is_help=True)
reward_app = typer.Typer(help="Fit reward models with uncertainty.", no_args_is_help=True)


@prior_app.command("train")
def prior_train(
    data: Annotated[Path, typer.Option(
        "--data", metavar="FILE", help="Unlabeled (or labeled) valid designs.")],
    out: Annotated[Path, typer.Option(
        "--out", metavar="DIR", help="Folder to save the prior into.")],
    sequence_column: SequenceColumn = "sequence",
    value_column: LeftOutValueColumn = None,
    alphabet: Alphabet = None,
    max_minutes: Annotated[
        float, typer.Option("--max-minutes", metavar="MINUTES",
                            help="Wall-clock budget for pre-training.")
    ] = 6.0,
    seed: Seed = 0,
    device: Device = "auto",
    threads: Threads = None,
    name: RunName = None,
) -> None:
    """Pre-train the diffusion prior on the designs of a file (values, if any, are ignored:
    with vectors named by their columns, name the column of values by --value-column)."""
    from braid_core import pipeline
    from braid_core.runtime import set_cpu_threads

    set_cpu_threads(threads)
    from braid_core.diffusion.prior import FORMAT as PRIOR_FORMAT

    folder_out(out, holds=PRIOR_FORMAT)
    found = prior_designs(data, value_column, sequence_column=sequence_column,
                          alphabet=alphabet)
    try:
        config = pipeline.prior_config(data, sequence_column=sequence_column,
                                       alphabet=alphabet, max_minutes=max_minutes, seed=seed,
                                       device=device, space=found.space)  # fmt: skip
    except ValueError as err:
        raise config_error(err) from None
    folder = run_here("prior", config, total_seconds=max_minutes * 60.0, desc="pre-training",
                      name=name)
    copy_out(folder / "prior", out)


def prior_designs(data: Path, value_column: str | None, **options: Any) -> DataReport:
    """What reading `data` as the designs a prior trains on found: every row, the value column
    (`value_column`, else `value` where the file has one) left out of the coordinates of
    vectors named by their columns, and a note saying which column that was (or, with none,
    that every column of numbers is a coordinate). A column named but not in the file is
    refused with the file's columns, as `braid data check` refuses it."""
    from braid_core.pipeline.data_checks import column_in_file
    from braid_core.spaces import VectorSpace

    values = value_column or "value"
    column = column_in_file(data, values, options.get("sequence_column", "sequence"))
    if value_column is not None and column is None:
        data_in(data, value_column=value_column, **options)  # refused, naming the columns
    found = data_in(data, value_column=None, skip_columns=(values,), **options)
    names = found.space.names if isinstance(found.space, VectorSpace) else ()
    if column is not None and names:
        say(f"note: column {column!r} is read as the values: left out of the designs' "
            "coordinates (the prior learns the designs alone)")
    elif len(names) > 1:
        say(f"note: each of the {len(names)} columns of numbers of {data} is a coordinate of "
            "the designs; if one holds measured values, name it by --value-column")
    return found


@prior_app.command("sample")
def prior_sample(
    prior_dir: Annotated[Path, typer.Option(
        "--prior", metavar="DIR", help="Folder of a saved prior.")],
    num: DesignCount,
    out: CsvFile,
    seed: Seed = 0,
    device: Device = "auto",
    threads: Threads = None,
    name: RunName = None,
) -> None:
    """Draw designs from a saved prior into a CSV file (column `sequence`)."""
    sample_designs(prior_dir, num, out, seed, device, threads, "--prior", name)


def sample(
    model: Annotated[Path, typer.Option(
        "--model", metavar="DIR", help="Folder of a fine-tuned model.")],
    num: DesignCount,
    out: CsvFile,
    seed: Seed = 0,
    device: Device = "auto",
    threads: Threads = None,
    name: RunName = None,
) -> None:
    """Draw designs from a fine-tuned model (the `model` folder of `braid finetune`)."""
    sample_designs(model, num, out, seed, device, threads, "--model", name)


@reward_app.command("train")
def reward_train(
    data: Annotated[Path, typer.Option(
        "--data", metavar="FILE", help="Labeled designs (sequence, value).")],
    out: Annotated[Path, typer.Option(
        "--out", metavar="DIR", help="Folder to save the reward model into.")],
    kind: Annotated[str, typer.Option(
        "--kind", metavar="KIND", help="boot (ensemble) or bonus.")] = (
        defaults.REWARD_KIND),
    sequence_column: SequenceColumn = "sequence",
    value_column: ValueColumn = "value",
    alphabet: Alphabet = None,
    seed: Seed = 0,
    device: Device = "auto",
    threads: Threads = None,
    network: RewardNetwork = defaults.REWARD_NETWORK,
    value_tilt: ValueTilt = defaults.VALUE_TILT,
    count_weighting: CountWeighting = defaults.COUNT_WEIGHTING,
    max_minutes: Annotated[float | None, typer.Option("--max-minutes", metavar="MINUTES", help=(
        "Limit on the whole fit; each network keeps its best weights when its share runs "
        "out. Default: none (networks stop when validation stops improving)."))] = None,
    name: RunName = None,
) -> None:
    """Fit a reward model with uncertainty; prints held-out quality and calibration."""
    from braid_core import pipeline
    from braid_core.data import DataError
    from braid_core.runtime import set_cpu_threads

    set_cpu_threads(threads)
    if kind not in ("boot", "bonus"):
        raise fail(f"--kind must be boot or bonus, got {kind!r}")
    from braid_core.rewards.io import FORMAT as REWARD_FORMAT

    folder_out(out, holds=REWARD_FORMAT)
    no_files_of_others(out, ("heldout.csv", "offline.csv"), out, REWARD_FORMAT)
    try:  # reads the data: a bad file, or too few values, is refused before a run
        config = pipeline.reward_config(data, sequence_column=sequence_column,
                                        value_column=value_column, alphabet=alphabet,
                                        kind=kind, seed=seed, device=device, network=network,
                                        value_tilt=value_tilt, count_weighting=count_weighting,
                                        max_minutes=max_minutes)
    except (DataError, FileNotFoundError) as err:  # the file's own words, as data check says
        raise fail(str(err)) from None
    except ValueError as err:
        raise config_error(err) from None
    folder = run_here("reward", config, total_seconds=None, desc="reward model", name=name)
    copy_out(folder / "reward", out)
    for table in ("heldout.csv", "offline.csv"):  # predictions on D, for plots and Explore
        copy_out(folder / table, out / table)
    from braid_core.files import read_bundle_meta
    from braid_core.rewards.io import CONFIG_FILE, FORMAT, describe_network

    meta = read_bundle_meta(out / CONFIG_FILE, FORMAT, "reward model")
    typer.echo(f"network: {describe_network(meta)}")  # the shape kept, and how it was chosen


def finetune(
    prior: Annotated[Path, typer.Option(
        "--prior", metavar="DIR", help="Folder of the pre-trained prior.")],
    reward: Annotated[Path, typer.Option(
        "--reward", metavar="DIR", help="Folder of the reward model.")],
    out: Annotated[Path, typer.Option(
        "--out", metavar="DIR", help="Folder for the model and designs.")],
    c: Annotated[float, typer.Option(
        "--c", metavar="C", help="Conservatism weight on u(x).")] = defaults.C,
    alpha: Annotated[float | None, typer.Option(
        "--alpha", metavar="ALPHA", show_default=False, help=ALPHA_HELP)] = None,
    steps: FinetuneSteps = defaults.STEPS,
    batch: BatchSize = defaults.BATCH,
    estimator: Annotated[str, typer.Option(
        "--estimator", metavar="ESTIMATOR", help="Sequences: tilted (reward-gradient targets "
        "per step), reinforce (score function) or relaxed (straight-through).")] = (
        defaults.ESTIMATOR),
    lr: Annotated[float | None, typer.Option(
        "--lr", metavar="RATE", help="Adam learning rate (default: the estimator's: " + ", ".join(
            f"{k} {v:g}" for k, v in defaults.LEARNING_RATES.items()) + ").",
        show_default=False)] = None,
    tilt_floor: Annotated[float, typer.Option(
        "--tilt-floor", metavar="P", help="Tilted estimator: letters the prior gives less than "
        "this probability get no tilt (0: off).")] = defaults.TILT_FLOOR,
    support_floor: Annotated[float, typer.Option(
        "--support-floor", metavar="P", help="Sequences: the fine-tuned model never draws a "
        "letter the prior gives less than this probability (0: off).")] = defaults.SUPPORT_FLOOR,
    tilt_value: Annotated[str, typer.Option(
        "--tilt-value", metavar="MODE", help="Tilted estimator: score each letter change exactly "
        "(substitution), by the reward's gradient (gradient), or exactly where length x "
        f"letters <= {defaults.SUBSTITUTION_MAX_CHANGES} (auto).")] = defaults.TILT_VALUE,
    tilt_completions: TiltCompletions = defaults.TILT_COMPLETIONS,
    chain_steps: ChainSteps = defaults.CHAIN_STEPS,
    num_designs: NumDesigns = 128,
    pool: PoolSize = None,
    task: OracleTask = None,
    offline: Annotated[Path | None, typer.Option(
        "--offline", metavar="FILE", help="The measured data (for the designs' novelty, and to "
        "leave out designs already measured). Default: the data the reward model was fitted "
        "on, where found (its run's, or the copy `braid reward train` wrote beside it).")] = None,
    value_column: Annotated[str | None, typer.Option(
        "--value-column", metavar="NAME", show_default=False, help="Column of the --offline "
        "file holding the values; a column named here must be in it. Default: 'value' where "
        "the file has one.")] = None,
    seed: Seed = 0,
    max_minutes: Annotated[float | None, typer.Option(
        "--max-minutes", metavar="MINUTES", show_default=False, help="Stop fine-tuning at "
        "this many minutes, before --steps where it comes first (drawing the designs comes "
        "after it). Default: no limit.")] = None,
    device: Device = "auto",
    threads: Threads = None,
    name: RunName = None,
) -> None:
    """Fine-tune a prior by the BRAID objective; writes OUT/model and OUT/designs.csv."""
    from braid_core import pipeline
    from braid_core.memory import available_memory
    from braid_core.runtime import set_cpu_threads

    set_cpu_threads(threads)
    from braid_core.diffusion.prior import FORMAT as PRIOR_FORMAT
    from braid_core.rewards.io import FORMAT as REWARD_FORMAT

    folder_out(out)  # not a prior's or a reward model's own folder
    folder_out(out / "model", holds=PRIOR_FORMAT)  # a fine-tuned model is saved as a prior is
    no_files_of_others(out, ("designs.csv",), out / "model", PRIOR_FORMAT)
    bundle_in(prior, "--prior", PRIOR_FORMAT, "braid prior train")
    bundle_in(reward, "--reward", REWARD_FORMAT, "braid reward train")
    if value_column is not None and offline is None:  # the data found is read by `value`
        raise fail("--value-column names the column of values of the --offline file; give "
                   "--offline FILE too")
    found = None
    if offline is None:
        from braid_core.runs import Workspace, default_workspace_root

        found = reward_data(reward, Workspace(default_workspace_root()))
        offline = found.path if found is not None else None
    try:
        config = pipeline.finetune_config(prior, reward, c=c, alpha=alpha, steps=steps,
                                          batch_size=batch, num_designs=num_designs, seed=seed,
                                          task=task, offline=offline, device=device,
                                          estimator=estimator, lr=lr, tilt_floor=tilt_floor,
                                          support_floor=support_floor, tilt_value=tilt_value,
                                          tilt_completions=tilt_completions,
                                          sampling_steps=chain_steps, pool_size=pool,
                                          value_column=value_column, max_minutes=max_minutes,
                                          memory=available_memory())  # run in this process
    except ValueError as err:
        raise config_error(err) from None
    if found is not None:  # said once the command is accepted: a refusal comes first
        say(f"--offline: {found.path}, the data the reward model was fitted on ({found.whose})")
    elif offline is None:
        say("note: without --offline (the reward model's data), the designs get no novelty "
            "(distance to the measured designs) and designs already measured are not left "
            "out of them")
    # the default (16) on a shorter design, e.g. an 8-mer, is not the user's to mend
    if chain_steps != defaults.CHAIN_STEPS and (
            note := chain_steps_note(chain_steps, pipeline.prior_space(prior))):
        say(note)
    folder = run_here("finetune", config, total_seconds=None, desc="fine-tuning", name=name)
    copy_out(folder / "model", out / "model")
    copy_out(folder / "designs.csv", out / "designs.csv")


def chain_steps_note(chain_steps: int, space) -> str | None:
    """Where --chain-steps exceeds the positions of a sequence design, that the chain runs
    one step per position: a step that would unmask no position is dropped
    (masked.unmask_counts), so the number asked for is not the number run."""
    from braid_core.spaces import SequenceSpace

    if not isinstance(space, SequenceSpace) or chain_steps <= space.length:
        return None
    return (f"note: --chain-steps {chain_steps:,} is more than the {space.length} positions of "
            f"a design; a chain takes at most one step per position, so it runs "
            f"{space.length}")

