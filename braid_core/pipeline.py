"""The pipeline steps as functions of a JSON config, shared by the CLI, jobs and the dashboard.

Each step reads its inputs from files (data tables, prior and reward folders), writes its
outputs into one folder (a run folder of the workspace, or a folder the user names), and
reports through a `Reporter`. A config is a plain dict, stored with the run, so a run can be
repeated from its config alone. `start` launches a step as a background job
(`python -m braid_core.cli run-job <id>`); `execute` is what that job runs.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from braid_core import defaults as defaults_module
from braid_core import jobs
from braid_core.data import OfflineData, check_designs, read_designs
from braid_core.diffusion.prior import Prior, PriorConfig, saved_space
from braid_core.finetune import FinetuneConfig
from braid_core.methods import FINETUNED_METHODS, METHODS, method_knobs
from braid_core.rewards.io import saved_reward_space
from braid_core.rewards.replicates import COUNT_WEIGHTINGS
from braid_core.rewards.train import network_settings
from braid_core.runs import Run, Workspace
from braid_core.runtime import check_device, make_generator, resolve_device
from braid_core.selection import count_distinct, draw_pool, top_distinct
from braid_core.spaces import SequenceSpace, Space

KINDS = ("prior", "reward", "finetune", "baseline", "design")
# The defaults of `braid design` and the dashboard's sliders (measured: braid_core/defaults.py).
DEFAULT_C = defaults_module.C
DEFAULT_ALPHA = defaults_module.ALPHA
DEFAULT_STEPS = defaults_module.STEPS
DEFAULT_BATCH = defaults_module.BATCH
DEFAULT_REWARD_KIND = defaults_module.REWARD_KIND
DEFAULT_REWARD_NETWORK = defaults_module.REWARD_NETWORK
DEFAULT_VALUE_TILT = defaults_module.VALUE_TILT
DEFAULT_COUNT_WEIGHTING = defaults_module.COUNT_WEIGHTING
DEFAULT_METHOD = defaults_module.METHOD
DESIGN_MAX_STEPS = defaults_module.DESIGN_MAX_STEPS
POOL_FACTOR = defaults_module.POOL_FACTOR

StepCallback = Callable[[int, Mapping[str, float]], None]


class Reporter:
    """Where a step sends its metric rows and progress: a run, a progress bar, or nothing."""

    def __init__(self, run: Run | None = None, on_step: StepCallback | None = None) -> None:
        self.run = run
        self.on_step = on_step
        self.stage = ""
        self._said: set[str] = set()  # `braid design` reads each file in two steps
        # (start, seconds): a run of several steps under one budget (`braid design`) reports
        # the share of the budget used, not each step's own fraction.
        self.budget: tuple[float, float] | None = None

    def step(self, step: int, metrics: Mapping[str, float]) -> None:
        row = {"stage": self.stage, **metrics} if self.stage else dict(metrics)
        if self.run is not None:
            self.run.log_step(step, row)
        if self.on_step is not None:
            self.on_step(step, metrics)

    def note(self, message: str) -> None:
        """A line for the user (the terminal, or the run's log.txt for a background job);
        on a terminal, above the command line's progress bar rather than inside it. A note
        said before in this run is not repeated."""
        if message in self._said:
            return
        self._said.add(message)
        tqdm.write(message, file=sys.stderr)
        sys.stderr.flush()  # a background job's log.txt is read while it runs

    def progress(self, fraction: float, message: str) -> None:
        if self.budget is not None:
            start, seconds = self.budget
            fraction = (time.monotonic() - start) / seconds
        if self.run is not None:
            self.run.write_progress({"fraction": min(max(fraction, 0.0), 1.0),
                                     "message": message, "time": time.time()})


# ---- configs -------------------------------------------------------------------------------

def defaults() -> dict[str, Any]:
    """The good defaults of `braid design` (c, alpha, steps, batch, reward model), for the
    dashboard's forms."""
    return {"c": DEFAULT_C, "alpha": DEFAULT_ALPHA, "steps": DEFAULT_STEPS,
            "batch_size": DEFAULT_BATCH, "reward_kind": DEFAULT_REWARD_KIND,
            "reward_network": DEFAULT_REWARD_NETWORK, "value_tilt": DEFAULT_VALUE_TILT,
            "count_weighting": DEFAULT_COUNT_WEIGHTING, "pool_factor": POOL_FACTOR}


def _data(path: str | Path, sequence_column: str, value_column: str | None,
          alphabet: str | None) -> dict[str, Any]:
    return {"path": str(Path(path).absolute()), "sequence_column": sequence_column,
            "value_column": value_column, "alphabet": alphabet}


def prior_config(data: str | Path, *, sequence_column: str = "sequence",
                 alphabet: str | None = None, max_minutes: float = 6.0, seed: int = 0,
                 device: str = "auto") -> dict[str, Any]:
    """Pre-train a prior on the designs of `data` (values ignored)."""
    prior = dataclasses.replace(PriorConfig(), max_minutes=max_minutes)
    return {"data": _data(data, sequence_column, None, alphabet),
            "prior": dataclasses.asdict(prior), "seed": seed, "device": check_device(device)}


def reward_config(data: str | Path, *, sequence_column: str = "sequence",
                  value_column: str = "value", alphabet: str | None = None,
                  kind: str = DEFAULT_REWARD_KIND, seed: int = 0,
                  device: str = "auto",
                  network: str = DEFAULT_REWARD_NETWORK,
                  value_tilt: float = DEFAULT_VALUE_TILT,
                  count_weighting: str = DEFAULT_COUNT_WEIGHTING,
                  max_minutes: float | None = None) -> dict[str, Any]:
    """Fit a reward model with uncertainty on the labeled designs of `data`; `network`
    names the sequence net's shape (rewards.NETWORK_CHOICES; "auto": chosen by validation),
    `value_tilt` how much the fit weighs the top of the data (RewardTrainConfig.value_tilt),
    `count_weighting` how a mean of several measurements weighs (rewards/replicates.py),
    `max_minutes` a limit on the whole fit (None: the networks stop by validation alone)."""
    network_settings(network)  # an unknown name fails here, not minutes into a job
    if max_minutes is not None and not max_minutes > 0:
        raise ValueError(f"--max-minutes must be positive, got {max_minutes}")
    return {"data": _data(data, sequence_column, value_column, alphabet), "kind": kind,
            "seed": seed, "device": check_device(device), "network": network,
            "value_tilt": value_tilt_choice(value_tilt),
            "count_weighting": count_weighting_choice(count_weighting),
            "max_minutes": max_minutes}


def count_weighting_choice(weighting: str) -> str:
    """A known RewardTrainConfig.count_weighting, or ValueError listing them."""
    if weighting not in COUNT_WEIGHTINGS:
        raise ValueError(f"unknown count weighting {weighting!r}; choose one of "
                         f"{', '.join(COUNT_WEIGHTINGS)}")
    return weighting


def value_tilt_choice(tilt: float) -> float:
    """The reward fit's value tilt as a config records it: from 0 to MAX_VALUE_TILT (defaults).

    Raises:
        ValueError: anything else, saying what is accepted.
    """
    try:
        number = float(tilt)
    except (TypeError, ValueError):
        number = math.nan
    if not 0 <= number <= defaults_module.MAX_VALUE_TILT:
        raise ValueError(f"the value tilt must be a number from 0 to "
                         f"{defaults_module.MAX_VALUE_TILT:g}, got "
                         f"{tilt!r}")
    return number


def finetune_config(prior: str | Path, reward: str | Path, *, c: float = DEFAULT_C,
                    alpha: float = DEFAULT_ALPHA, steps: int = DEFAULT_STEPS,
                    batch_size: int = DEFAULT_BATCH, num_designs: int = 128, seed: int = 0,
                    task: str | None = None, offline: str | Path | None = None,
                    max_minutes: float | None = None, device: str = "auto",
                    pool_size: int | None = None, **extra: Any) -> dict[str, Any]:
    """Fine-tune `prior` against `reward`, then draw `pool_size` designs (default
    POOL_FACTOR x `num_designs`) and keep the best `num_designs` distinct ones by r_c."""
    finetune = FinetuneConfig(c=c, alpha=alpha, steps=steps, batch_size=batch_size,
                              max_minutes=max_minutes, **extra)
    space = prior_space(prior)
    check_models(space, reward)
    return {"prior": str(Path(prior).absolute()), "reward": str(Path(reward).absolute()),
            "finetune": dataclasses.asdict(finetune), "num_designs": num_designs,
            "pool_size": _pool_size(num_designs, pool_size), "seed": seed,
            "task": _task_name(task, space, "the prior makes"),
            "offline": offline_spec(offline, space), "device": check_device(device)}


def _task_name(task: str | None, space: Space | None = None, what: str = "") -> str | None:
    """`task` unchanged once it names a task or an Ehrlich instance whose designs are in
    `space` (when given; `what` names its owner): a wrong one fails here, not after minutes of
    pre-training or fine-tuning."""
    if task:
        try:
            oracle = _task(task)
        except KeyError as err:
            raise ValueError(err.args[0]) from None
        if space is not None and oracle.space != space:
            raise ValueError(f"the oracle {task} scores {oracle.space.describe()}, but {what} "
                             f"{space.describe()}: give the task the designs come from")
    return task


def prior_space(prior: str | Path) -> Space | None:
    """The design space a saved prior makes; None for a prior not saved yet, or unreadable
    (not checked here: the job that loads it says why)."""
    try:
        return saved_space(prior)
    except (OSError, ValueError, KeyError):
        return None


def check_oracle(task: str | None, prior: str | Path) -> str | None:
    """`task` once its oracle is known and scores the designs `prior` makes; raises ValueError
    saying why not."""
    return _task_name(task, prior_space(prior), "the prior makes")


def offline_spec(offline: str | Path | None, space: Space | None) -> dict[str, Any] | None:
    """The offline data (for novelty, and the baselines' starting points) as a data spec read
    in the prior's `space`: with its alphabet, so letters inferred apart cannot number tokens
    differently. Raises ValueError (a DataError names the file and row) when the file holds
    other designs than the prior makes. Not checked without a space (prior not saved yet)."""
    if not offline:
        return None
    if space is None:
        return _data(offline, "sequence", "value", None)
    alphabet = space.alphabet if isinstance(space, SequenceSpace) else None
    found = check_designs(offline, alphabet=alphabet).space
    if found != space:
        raise ValueError(f"the offline designs in {offline} are {found.describe()}, but the "
                         f"prior makes {space.describe()}: give the data the prior was made for")
    return _data(offline, "sequence", "value", alphabet)


def check_models(made: Space | None, reward: str | Path) -> None:
    """Raises ValueError, saying what each holds, when the prior makes designs of another
    space (`made`) than `reward` scores: such a pair would fail inside the job, after it
    started. Models not saved yet, or unreadable, are not checked (the job that loads them
    says why)."""
    try:
        scored = saved_reward_space(reward)
    except (OSError, ValueError, KeyError):
        return
    if made is not None and made != scored:
        raise ValueError(f"the prior makes {made.describe()}, but the reward model scores "
                         f"{scored.describe()}: pick a prior and a reward model of the same "
                         "design space")


def _pool_size(num_designs: int, pool_size: int | None) -> int:
    pool_size = POOL_FACTOR * num_designs if pool_size is None else pool_size
    if pool_size < num_designs:
        raise ValueError(f"the pool ({pool_size} designs) must hold at least the "
                         f"{num_designs} designs wanted")
    return pool_size


def baseline_config(method: str, prior: str | Path, reward: str | Path, *,
                    num_designs: int = 128, seed: int = 0, task: str | None = None,
                    offline: str | Path | None = None, c: float = DEFAULT_C,
                    device: str = "auto", options: Mapping[str, Any] | None = None,
                    pool_size: int | None = None) -> dict[str, Any]:
    """Designs from a baseline (pretrained, offline-best, guidance, ddom, proxy); `options`
    are fields of its config class (e.g. {"support_floor": 0.03} for guidance). Like
    fine-tuning, it yields `pool_size` designs and the best `num_designs` distinct ones by
    r_c (with this c) are kept."""
    space = prior_space(prior)
    check_models(space, reward)
    return {"method": method, "prior": str(Path(prior).absolute()),
            "reward": str(Path(reward).absolute()), "num_designs": num_designs,
            # the top of D by measured value is what offline-best means: no pool
            "pool_size": (num_designs if method == "offline-best"
                          else _pool_size(num_designs, pool_size)), "seed": seed,
            "task": _task_name(task, space, "the prior makes"),
            "offline": offline_spec(offline, space), "c": c,
            "device": check_device(device), "options": dict(options or {})}


# ---- steps ---------------------------------------------------------------------------------

def read_data(spec: str | Mapping[str, Any], report: Reporter | None = None) -> OfflineData:
    """Read a data table (a data spec with its columns and alphabet, or a path with the default
    columns). With a reporter, the report's notes (inferred alphabet, duplicates) go to the
    user (a reporter says each note once)."""
    if isinstance(spec, str):
        spec = _data(spec, "sequence", "value", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the same notes are in the report
        data = read_designs(spec["path"], sequence_column=spec["sequence_column"],
                            value_column=spec["value_column"], alphabet=spec["alphabet"])
    if report is not None:
        for line in data.report.messages():
            report.note(line)
    return data


def run_prior(config: Mapping[str, Any], out: Path, report: Reporter) -> dict[str, Any]:
    """Pre-train and save the prior into out/prior."""
    from braid_core.diffusion.calibrate import calibrate_position_noise, describe_trials
    from braid_core.diffusion.train import train_prior

    device = resolve_device(config["device"])
    data = read_data(config["data"], report)
    prior_cfg = PriorConfig(**config["prior"])
    budget = 60.0 * prior_cfg.max_minutes

    def on_step(step: int, metrics: Mapping[str, float]) -> None:
        report.step(step, metrics)
        report.progress(metrics["elapsed_s"] / budget, f"pre-training, step {step}")

    report.stage = "prior"
    generator = make_generator(config["seed"], device)
    prior = train_prior(data.x, data.space, prior_cfg, device=device, generator=generator,
                        on_step=on_step)
    summary = {"designs": len(data), "space": data.space.describe()}
    prior, trials = calibrate_position_noise(prior, data.x.to(device), generator=generator)
    if trials:
        report.note(describe_trials(trials, prior.config.position_noise))
        summary["position_noise"] = prior.config.position_noise
        summary["diversity_ratio"] = {f"{t.position_noise:g}": round(t.ratio, 4)
                                      for t in trials}
    prior.save(out / "prior")
    return summary


def run_reward(config: Mapping[str, Any], out: Path, report: Reporter) -> dict[str, Any]:
    """Fit and save the reward model into out/reward; the held-out split as a table."""
    import pandas as pd

    from braid_core.rewards import RewardTrainConfig, save_reward, train_reward

    device = resolve_device(config["device"])
    data = read_data(config["data"], report)
    # Configs recorded before the choice existed fitted both shapes, as "auto" does, and
    # weighed every design alike.
    shape = network_settings(config.get("network", "auto"))
    tilt = float(config.get("value_tilt", 0.0))
    weighting = config.get("count_weighting", "none")
    reward_cfg = RewardTrainConfig(kind=config["kind"], seed=config["seed"], value_tilt=tilt,
                                   count_weighting=weighting,
                                   max_minutes=config.get("max_minutes"), **shape)
    report.stage = "reward"
    weighing = f", weighing the top of the data (value tilt {tilt:g})" if tilt else ""
    report.progress(0.0, f"fitting the reward model{weighing}")
    model = train_reward(data, reward_cfg, device=device,
                         generator=make_generator(config["seed"], device), on_step=report.step)
    if "noise_variance" in model.metrics:
        report.note(f"held-out errors: one measurement's noise variance "
                    f"{model.metrics['noise_variance']:.4g}, the fit's misfit "
                    f"{model.metrics['misfit_variance']:.4g} (replicates shrink the first, "
                    "not the second)")
    if model.metrics.get("count_weighted") == 0.0:
        report.note("the estimated count weighting saw no measurement noise that replicates "
                    "reduce in its first fit's held-out errors, so every value was weighed alike")
    if model.metrics.get("networks_cut_by_time"):
        report.note(f"the reward fit reached its time limit ({reward_cfg.max_minutes:.2g} "
                    f"min): {model.metrics['networks_cut_by_time']:.0f} network(s) stopped "
                    "before their validation error stopped improving; more minutes would let "
                    "them finish")
    save_reward(model, out / "reward")  # its train_config records the shape it kept
    heldout = pd.DataFrame({k: v.numpy() for k, v in model.heldout.items()})
    _write_table(out, heldout, "heldout")
    # Every offline design with the model's view of it: the Explore page's overlay.
    from braid_core.evaluate import design_table

    offline = design_table(data.x, data.space, reward=model)
    offline.insert(len(offline.columns) - 3, "value", data.exact_values())
    _write_table(out, offline, "offline")
    return {**model.metrics, "value_tilt": tilt}


def run_finetune(config: Mapping[str, Any], out: Path, report: Reporter) -> dict[str, Any]:
    """Fine-tune, save out/model, sample and score designs into out/designs.*."""
    from braid_core.evaluate import oracle_probe
    from braid_core.finetune import finetune, run_fraction
    from braid_core.rewards import load_reward

    device = resolve_device(config["device"])
    prior = Prior.load(config["prior"], map_location=device)
    reward = load_reward(config["reward"], device=device)
    cfg = FinetuneConfig(**config["finetune"])
    task = _task(config.get("task"))
    generator = make_generator(config["seed"], device)

    def on_step(step: int, metrics: Mapping[str, float]) -> None:
        report.step(step, metrics)
        report.progress(run_fraction(step, metrics["elapsed_s"], cfg),
                        f"fine-tuning, step {step}")

    report.stage = "finetune"
    tuned = finetune(prior, reward, cfg, generator=generator, on_step=on_step,
                     probe=oracle_probe(task) if task is not None else None)
    tuned.save(out / "model")
    report.progress(1.0, "sampling designs")
    num, pool_size = config["num_designs"], _configured_pool(config)
    choose = pool_size > num
    pool = draw_pool(lambda n: tuned.sample(n, generator=generator), num, pool_size,
                     config.get("max_sampling_seconds"),
                     extend_to=defaults_module.POOL_EXTEND * pool_size if choose else None)
    designs = _best_of_pool(pool, reward, cfg.c, cfg.mode, num, choose=choose)
    distinct = count_distinct(designs)
    if distinct < num:
        report.note(f"the fine-tuned model drew only {distinct} distinct designs in "
                    f"{len(pool)}: the best repeats fill the other {num - distinct} of the "
                    f"{num} asked for (a larger alpha keeps it broader)")
    offline = read_data(config["offline"]) if config.get("offline") else None
    return {**_score_and_write(designs, tuned, reward, cfg.c, cfg.mode, offline=offline,
                               task=task, out=out), "pool_size": len(pool),
            "distinct_designs": distinct}


def run_baseline(config: Mapping[str, Any], out: Path, report: Reporter) -> dict[str, Any]:
    """Designs from a baseline method into out/designs.*."""
    from braid_core.baselines import get_baseline
    from braid_core.rewards import load_reward

    device = resolve_device(config["device"])
    prior = Prior.load(config["prior"], map_location=device)
    reward = load_reward(config["reward"], device=device)
    if not config.get("offline"):
        raise ValueError(f"the {config['method']} baseline needs the offline data (--offline)")
    offline = read_data(config["offline"])
    baseline = get_baseline(config["method"])
    report.stage = config["method"]
    report.progress(0.0, f"running {config['method']}")
    num, pool_size = config["num_designs"], _configured_pool(config)
    pool = baseline.run(prior, reward, offline, pool_size,
                        config=baseline.config_class(**config.get("options", {})),
                        generator=make_generator(config["seed"], device), device=device,
                        on_step=report.step, max_seconds=config.get("max_seconds"))
    designs = _best_of_pool(pool, reward, config["c"], "std", min(num, len(pool)),
                            choose=pool_size > num)
    return {**_score_and_write(designs, prior, reward, config["c"], "std", offline=offline,
                               task=_task(config.get("task")), out=out),
            "pool_size": len(pool)}


def _configured_pool(config: Mapping[str, Any]) -> int:
    """Designs a run config asks to draw; configs saved before the pool have no pool_size,
    and their designs were the ones drawn."""
    return config.get("pool_size") or config["num_designs"]


def _best_of_pool(pool: torch.Tensor, reward, c: float, mode: str, num: int, *,
                  choose: bool) -> torch.Tensor:
    """The `num` best distinct designs of `pool` by the conservative score, best first; the
    first `num` as drawn when `choose` is False (no pool was asked for). A pool that the time
    limit cut to `num` designs is still ranked, so the order never depends on timing."""
    from braid_core.rewards.conservative import conservative_reward, predict_in_chunks

    if not choose:
        return pool[:num]
    with torch.no_grad():
        scores = conservative_reward(predict_in_chunks(reward, pool), c, mode)
    return pool[top_distinct(pool, scores, num).to(pool.device)]


def _score_and_write(designs: torch.Tensor, prior: Prior, reward, c: float, mode: str, *,
                     offline: OfflineData | None, task, out: Path) -> dict[str, Any]:
    """The designs table (with the oracle's columns when there is a task) and its summary."""
    from braid_core.evaluate import design_table, summarize

    table = design_table(designs.cpu(), prior.space, reward=reward, c=c, mode=mode,
                         offline_x=offline.x if offline else None, task=task)
    _write_table(out, table, "designs")
    summary = summarize(table, designs.cpu(), prior.space,
                        offline_y=offline.y if offline is not None else None)
    return {k: v for k, v in summary.items() if not (isinstance(v, float) and math.isnan(v))}


def _write_table(out: Path, table, name: str) -> None:
    from braid_core.files import atomic_write

    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / f"{name}.csv", lambda p: table.to_csv(p, index=False))
    atomic_write(out / f"{name}.parquet", lambda p: table.to_parquet(p, index=False))


def _task(name: str | None):
    if not name:
        return None
    from braid_core.tasks import task_from_spec

    return task_from_spec(name)


# Shares of --max-minutes: pre-training, then reward fitting, fine-tuning and drawing the pool
# of designs in what is left (SAMPLING_SHARE of it for the pool).
PRIOR_SHARE = 0.5
REWARD_SHARE = 0.5  # at most, of what pre-training leaves
SAMPLING_SHARE = defaults_module.SAMPLING_SHARE


def design_config(unlabeled: str | Path, offline: str | Path, *, method: str = DEFAULT_METHOD,
                  sequence_column: str = "sequence", value_column: str = "value",
                  alphabet: str | None = None, c: float | None = None,
                  alpha: float = DEFAULT_ALPHA, num_designs: int = 128, seed: int = 0,
                  max_minutes: float = 10.0, task: str | None = None,
                  device: str = "auto", pool_size: int | None = None,
                  reward_network: str = DEFAULT_REWARD_NETWORK,
                  value_tilt: float = DEFAULT_VALUE_TILT,
                  count_weighting: str = DEFAULT_COUNT_WEIGHTING) -> dict[str, Any]:
    """The whole pipeline: pre-train, fit the reward, optimise, draw a pool (default
    POOL_FACTOR x `num_designs`), keep the best `num_designs` distinct designs by r_c, score."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    network_settings(reward_network)
    check_device(device)
    if max_minutes <= 0:
        raise ValueError(f"--max-minutes must be positive, got {max_minutes}")
    # Settings and files that would fail a step fail here, not after minutes of pre-training:
    # c and alpha out of range, offline designs without values, designs in two spaces
    # (another length, alphabet or vector size), an oracle for other designs.
    if c is not None and not c >= 0:
        raise ValueError(f"c must be >= 0, got {c}")
    if method in FINETUNED_METHODS and not alpha > 0:
        raise ValueError(f"alpha must be > 0, got {alpha}")
    report = check_designs(offline, sequence_column=sequence_column,
                           value_column=value_column, alphabet=alphabet)
    if report.value_column is None:
        raise ValueError(f"{offline} has no column {value_column!r} with measured values, which "
                         "the reward model is fitted on (--value-column names it)")
    space = report.space
    _same_space(check_designs(unlabeled, sequence_column=sequence_column, value_column=None,
                              alphabet=alphabet).space, space)
    if task:
        _task_name(task, space, "the offline designs are")
    return {"unlabeled": _data(unlabeled, sequence_column, None, alphabet),
            "offline": _data(offline, sequence_column, value_column, alphabet),
            "method": method, "c": DEFAULT_C if c is None else c, "alpha": alpha,
            "num_designs": num_designs, "pool_size": _pool_size(num_designs, pool_size),
            "seed": seed, "max_minutes": max_minutes, "task": _task_name(task), "device": device,
            "reward_network": reward_network, "value_tilt": value_tilt_choice(value_tilt),
            "count_weighting": count_weighting_choice(count_weighting)}


def _same_space(unlabeled: Space, offline: Space) -> None:
    if unlabeled != offline:
        # Letters inferred apart (e.g. one file without some letter) one alphabet can mend.
        letters = (isinstance(unlabeled, SequenceSpace) and isinstance(offline, SequenceSpace)
                   and unlabeled.length == offline.length)
        raise ValueError(f"the unlabeled designs ({unlabeled.describe()}) and the offline "
                         f"designs ({offline.describe()}) are not in the same space; "
                         + ("give both one alphabet (--alphabet)" if letters else
                            "pick designs of the same kind and length"))


def run_design(config: Mapping[str, Any], out: Path, report: Reporter) -> dict[str, Any]:
    """`braid design`: every step in one process, within the time budget."""
    start_time = time.monotonic()
    budget_s = 60.0 * config["max_minutes"]
    report.budget = (start_time, budget_s)
    method, seed, device = config["method"], config["seed"], config["device"]
    # The offline set is read first: a bad file fails before minutes of pre-training.
    offline = read_data(config["offline"], report)
    unlabeled = read_data(config["unlabeled"], report)
    _same_space(unlabeled.space, offline.space)  # configs recorded before design_config checked
    prior_cfg = {"data": config["unlabeled"], "seed": seed, "device": device,
                 "prior": dataclasses.asdict(dataclasses.replace(
                     PriorConfig(), max_minutes=PRIOR_SHARE * config["max_minutes"]))}
    run_prior(prior_cfg, out, report)
    reward_kind = "bonus" if method == "braid-bonus" else "boot"
    # The fit may take up to REWARD_SHARE of what pre-training left; it usually needs far less.
    reward_minutes = REWARD_SHARE * (budget_s - (time.monotonic() - start_time)) / 60.0
    run_reward({"data": config["offline"], "kind": reward_kind, "seed": seed,
                "device": device, "network": config.get("reward_network", "auto"),
                "value_tilt": config.get("value_tilt", 0.0),
                "count_weighting": config.get("count_weighting", "none"),
                "max_minutes": max(reward_minutes, 0.01)}, out, report)
    left_minutes = max(budget_s - (time.monotonic() - start_time), 0.05 * budget_s) / 60.0
    pool_size = _configured_pool(config)
    common = {"prior": str(out / "prior"), "reward": str(out / "reward"),
              "num_designs": config["num_designs"], "seed": seed, "task": config["task"],
              "offline": config["offline"], "device": device}
    # What is left: optimisation, then drawing the pool (SAMPLING_SHARE), then a twentieth
    # for scoring and writing the designs.
    optimise_minutes = (0.95 - SAMPLING_SHARE) * left_minutes
    if method in FINETUNED_METHODS:
        c = config["c"] if "c" in method_knobs(method) else 0.0
        tune = finetune_config(common["prior"], common["reward"], c=c, alpha=config["alpha"],
                               steps=DESIGN_MAX_STEPS, max_minutes=optimise_minutes,
                               pool_size=pool_size,
                               # the oracle probe's time is outside the fine-tuning budget
                               probe_every=0, **{
                                   k: v for k, v in common.items()
                                   if k not in ("prior", "reward", "offline")})
        tune["offline"] = common["offline"]
        tune["max_sampling_seconds"] = 60.0 * SAMPLING_SHARE * left_minutes
        summary = run_finetune(tune, out, report)
    else:
        summary = run_baseline({**common, "method": method, "c": config["c"],
                                "pool_size": pool_size,
                                "max_seconds": 60.0 * optimise_minutes}, out, report)
    summary["elapsed_minutes"] = (time.monotonic() - start_time) / 60.0
    return summary


STEPS: dict[str, Callable[[Mapping[str, Any], Path, Reporter], dict[str, Any]]] = {
    "prior": run_prior, "reward": run_reward, "finetune": run_finetune,
    "baseline": run_baseline, "design": run_design,
}


# ---- runs and jobs -------------------------------------------------------------------------

def start(ws: Workspace, kind: str, config: Mapping[str, Any], *, parents=(),
          name: str | None = None) -> str:
    """Record a run and launch it as a background process; returns the run id."""
    if kind not in STEPS:
        raise ValueError(f"unknown step {kind!r}; known: {', '.join(STEPS)}")
    run = ws.create_run(kind, dict(config), name=name, parents=parents)
    jobs.launch(ws, run.id, jobs.cli_command("run-job", run.id))
    return run.id


def execute(ws: Workspace, run: Run, on_step: StepCallback | None = None) -> dict[str, Any]:
    """Run a recorded step in this process, into its run folder; stores the summary."""
    summary = STEPS[run.kind](run.config, run.path, Reporter(run, on_step))
    ws.set_summary(run.id, summary)
    return summary
