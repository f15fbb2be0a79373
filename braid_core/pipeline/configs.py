"""The JSON configs of the pipeline steps, and the checks that refuse a bad one before any job.

A builder checks what would fail a step minutes in (unknown names, values out of range, a prior,
reward model, oracle or data file of another design space) and returns a plain dict, stored
with the run, from which the step can be repeated.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from braid_core import defaults as defaults_module
from braid_core.data import DataError, DataReport, check_designs
from braid_core.diffusion.prior import PriorConfig, saved_space
from braid_core.finetune import FinetuneConfig, check_estimator
from braid_core.memory import check_fits, held_bytes, pool_advice
from braid_core.methods import FINETUNED_METHODS, METHODS
from braid_core.pipeline.data_checks import (
    check_file,
    check_same_space,
    constant_value,
    data_spec,
    enough_to_fit,
    recorded_path,
    report_and_column,
    unlabeled_report,
)
from braid_core.rewards.io import saved_reward_space
from braid_core.rewards.replicates import COUNT_WEIGHTINGS
from braid_core.rewards.train import network_settings
from braid_core.runtime import check_device
from braid_core.spaces import SequenceSpace, Space, VectorSpace, names_differ

# The defaults of `braid design` and the dashboard's sliders (measured: braid_core/defaults.py).
DEFAULT_C = defaults_module.C
DEFAULT_ALPHA = defaults_module.ALPHA  # sequences; vectors: DEFAULT_VECTOR_ALPHA
DEFAULT_VECTOR_ALPHA = defaults_module.VECTOR_ALPHA
DEFAULT_STEPS = defaults_module.STEPS
DEFAULT_BATCH = defaults_module.BATCH
DEFAULT_REWARD_KIND = defaults_module.REWARD_KIND
DEFAULT_REWARD_NETWORK = defaults_module.REWARD_NETWORK
DEFAULT_VALUE_TILT = defaults_module.VALUE_TILT
DEFAULT_COUNT_WEIGHTING = defaults_module.COUNT_WEIGHTING
DEFAULT_METHOD = defaults_module.METHOD
DESIGN_MAX_STEPS = defaults_module.DESIGN_MAX_STEPS
POOL_FACTOR = defaults_module.POOL_FACTOR


def default_alpha(space: Space | None) -> float:
    """The KL weight measured for designs of `space` (sequences' where it is not known)."""
    return DEFAULT_VECTOR_ALPHA if isinstance(space, VectorSpace) else DEFAULT_ALPHA


def defaults() -> dict[str, Any]:
    """The good defaults of `braid design` (c, alpha, steps, batch, reward model), for the
    dashboard's forms; alpha is the sequences', "vector_alpha" the vectors'."""
    return {"c": DEFAULT_C, "alpha": DEFAULT_ALPHA, "vector_alpha": DEFAULT_VECTOR_ALPHA,
            "steps": DEFAULT_STEPS,
            "batch_size": DEFAULT_BATCH, "reward_kind": DEFAULT_REWARD_KIND,
            "reward_network": DEFAULT_REWARD_NETWORK, "value_tilt": DEFAULT_VALUE_TILT,
            "count_weighting": DEFAULT_COUNT_WEIGHTING, "pool_factor": POOL_FACTOR}


def prior_config(data: str | Path, *, sequence_column: str = "sequence",
                 alphabet: str | None = None, max_minutes: float = 6.0, seed: int = 0,
                 device: str = "auto", space: Space | None = None) -> dict[str, Any]:
    """Pre-train a prior on the designs of `data` (values ignored; the file is not read here:
    its job says what is wrong with it); `space`: its designs' space where the caller read it
    (vectors are recorded without a sequence column)."""
    prior = dataclasses.replace(PriorConfig(), max_minutes=max_minutes)
    return {"data": data_spec(data, sequence_column, None, alphabet, space),
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
    if max_minutes is not None and not 0 < max_minutes < math.inf:
        raise ValueError(f"--max-minutes must be a finite number > 0, got {max_minutes}")
    # Values missing, too few or all alike fail here too: the Reward model page recorded a
    # failed run.
    report = check_designs(data, sequence_column=sequence_column, value_column=value_column,
                           alphabet=alphabet, require_values=True, labeled_rows=True)
    enough_to_fit(data, report)
    return {"data": data_spec(data, sequence_column, value_column, alphabet, report.space,
                              labeled_rows=report.rows_without_value > 0),
            "kind": kind, "seed": seed, "device": check_device(device), "network": network,
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
                    alpha: float | None = None, steps: int = DEFAULT_STEPS,
                    batch_size: int = DEFAULT_BATCH, num_designs: int = 128, seed: int = 0,
                    task: str | None = None, offline: str | Path | None = None,
                    max_minutes: float | None = None, device: str = "auto",
                    pool_size: int | None = None, memory: int | None = None,
                    value_column: str | None = None, **extra: Any) -> dict[str, Any]:
    """Fine-tune `prior` against `reward`, then draw `pool_size` designs (default
    POOL_FACTOR x `num_designs`) and keep the best `num_designs` distinct ones by r_c;
    `alpha` None: the prior's space's (`default_alpha`); `memory`: bytes the designs may take
    in the process that runs it (None: not checked); `value_column`: the column of the
    `offline` file's values (`offline_spec`)."""
    space = prior_space(prior)
    alpha = default_alpha(space) if alpha is None else alpha
    finetune = FinetuneConfig(c=c, alpha=alpha, steps=steps, batch_size=batch_size,
                              max_minutes=max_minutes, **extra)
    _pool_fits(num_designs, pool_size, space, memory)
    check_models(space, reward)
    check_estimator(finetune, space)
    return {"prior": recorded_path(prior), "reward": recorded_path(reward),
            "finetune": dataclasses.asdict(finetune), "num_designs": num_designs,
            "pool_size": _pool_size(num_designs, pool_size), "seed": seed,
            "task": _task_name(task, space, "the prior makes"),
            "offline": offline_spec(offline, space, value_column),
            "device": check_device(device)}


def finetune_sweep(prior: str | Path, reward: str | Path,
                   settings: Sequence[tuple[float, float, int]], **common: Any
                   ) -> list[dict[str, Any]]:  # fmt: skip
    """`finetune_config` for each (c, alpha, seed) of a sweep, with the models, the oracle and
    the offline file checked once (reading a large file for every run would take minutes).

    Args:
        settings: at least one (c, alpha, seed).
        common: the other finetune_config keywords, alike for every run.
    """
    (c, alpha, seed), *others = settings
    first = finetune_config(prior, reward, c=c, alpha=alpha, seed=seed, **common)
    finetune, space = FinetuneConfig(**first["finetune"]), prior_space(prior)
    configs = [first]
    for c, alpha, seed in others:
        setting = dataclasses.replace(finetune, c=c, alpha=alpha)
        check_estimator(setting, space)
        configs.append({**first, "seed": seed, "finetune": dataclasses.asdict(setting)})
    return configs


def _task_name(task: str | None, space: Space | None = None, what: str = "") -> str | None:
    """`task` unchanged once it names a task or an Ehrlich instance whose designs are in
    `space` (when given; `what` names its owner): a wrong one fails here, not after minutes of
    pre-training or fine-tuning."""
    if task:
        try:
            oracle = oracle_task(task)
        except KeyError as err:
            raise ValueError(err.args[0]) from None
        if space is not None and oracle.space != space:
            differ = names_differ(oracle.space, space)
            raise ValueError(f"the oracle {task} scores {oracle.space.describe()}, but {what} "
                             f"{space.describe()}{f' ({differ})' if differ else ''}: give the "
                             "task the designs come from")
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


def offline_spec(offline: str | Path | None, space: Space | None,
                 value_column: str | None = None) -> dict[str, Any] | None:
    """The offline data (for novelty, and the baselines' starting points) as a data spec read
    in the prior's `space`: with its alphabet, so letters inferred apart cannot number tokens
    differently. `value_column`: the column of its values, which must be there (None: `value`,
    where the file has one). Raises ValueError (a DataError names the file and row) when the
    file holds other designs than the prior makes. Not checked without a space (prior not
    saved yet)."""
    if not offline:
        return None
    values = value_column or "value"
    if space is None:
        return data_spec(offline, "sequence", values, None)
    alphabet = space.alphabet if isinstance(space, SequenceSpace) else None
    report = check_designs(offline, alphabet=alphabet, value_column=values,
                           require_values=value_column is not None, labeled_rows=True)
    found = report.space
    if found != space:
        differ = names_differ(found, space)
        raise ValueError(f"the offline designs in {offline} are {found.describe()}, but the "
                         f"prior makes {space.describe()}{f' ({differ})' if differ else ''}: "
                         f"give the data the prior was made for{_values_among(found, space)}")
    return data_spec(offline, "sequence", values, alphabet, space,
                     labeled_rows=report.rows_without_value > 0)


def _values_among(found: Space, made: Space) -> str:
    """Where the offline vectors are the prior's columns and one more, that this one may be
    the values (not named `value`, so read as a coordinate)."""
    if not (isinstance(found, VectorSpace) and isinstance(made, VectorSpace) and made.names):
        return ""
    extra = [name for name in found.names if name not in made.names]
    if len(extra) != 1 or len(found.names) != len(made.names) + 1:
        return ""
    return (f"; if its column {extra[0]!r} holds the measured values, name it as the value "
            f"column (--value-column {extra[0]})")


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
        differ = names_differ(made, scored)
        raise ValueError(f"the prior makes {made.describe()}, but the reward model scores "
                         f"{scored.describe()}{f' ({differ})' if differ else ''}: pick a prior "
                         "and a reward model of the same design space")


def _pool_fits(num_designs: int, pool_size: int | None, space: Space | None,
              memory: int | None) -> None:
    """Refuse designs and their pool (`pool_size`, None: the default) that would not fit in
    `memory` bytes (None, or a space not known: not checked), naming the option to lower."""
    if memory is None or space is None:
        return
    pool = _pool_size(num_designs, pool_size)
    what = (f"--pool {pool:,}" if pool_size is not None
            else f"--num-designs {num_designs:,} (a pool of {pool:,})")
    check_fits(what, held_bytes(num_designs, space, pool=pool), memory,
               pool_advice(num_designs, space, pool, memory))


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
    return {"method": method, "prior": recorded_path(prior),
            "reward": recorded_path(reward), "num_designs": num_designs,
            # the top of D by measured value is what offline-best means: no pool
            "pool_size": (num_designs if method == "offline-best"
                          else _pool_size(num_designs, pool_size)), "seed": seed,
            "task": _task_name(task, space, "the prior makes"),
            "offline": offline_spec(offline, space), "c": c,
            "device": check_device(device), "options": dict(options or {})}


def design_config(unlabeled: str | Path, offline: str | Path, *, method: str = DEFAULT_METHOD,
                  sequence_column: str = "sequence", value_column: str = "value",
                  alphabet: str | None = None, c: float | None = None,
                  alpha: float | None = None, num_designs: int = 128, seed: int = 0,
                  max_minutes: float = 10.0, task: str | None = None,
                  device: str = "auto", pool_size: int | None = None,
                  reward_network: str = DEFAULT_REWARD_NETWORK,
                  value_tilt: float = DEFAULT_VALUE_TILT,
                  count_weighting: str = DEFAULT_COUNT_WEIGHTING,
                  memory: int | None = None,
                  contents: Mapping[str, bytes] | None = None) -> dict[str, Any]:
    """The whole pipeline: pre-train, fit the reward, optimise, draw a pool (default
    POOL_FACTOR x `num_designs`), keep the best `num_designs` distinct designs by r_c, score;
    `memory`: bytes the designs may take in the process that runs it (None: not checked);
    `contents`: the bytes of either file where the caller has read it already, by its path
    as given (the Design page reads both to pair their alphabets), checked without reading
    it again; `alpha` None: the designs' space's (`default_alpha`)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    network_settings(reward_network)
    check_device(device)
    if not 0 < max_minutes < math.inf:  # NaN fails too
        raise ValueError(f"--max-minutes must be a finite number > 0, got {max_minutes}")
    # Settings and files that would fail a step fail here, not after minutes of pre-training:
    # c and alpha out of range, offline designs without values, designs in two spaces
    # (another length, alphabet or vector size), an oracle for other designs.
    if c is not None and not 0 <= c < math.inf:
        raise ValueError(f"c must be a finite number >= 0, got {c}")
    if method in FINETUNED_METHODS and alpha is not None and not 0 < alpha < math.inf:
        raise ValueError(f"alpha must be a finite number > 0, got {alpha}")
    contents = contents or {}
    offline_report, offline_column, unlabeled_found, unlabeled_column = _design_files(
        unlabeled, offline, contents, sequence_column, value_column, alphabet)
    # The pretrained method ranks no pool where the values are all alike (_design_pool): it
    # draws from the prior, and its reward model only fills the table's columns.
    constant = method == "pretrained" and constant_value(offline_report) is not None
    enough_to_fit(offline, offline_report, allow_constant=constant)
    space = offline_report.space
    check_same_space(unlabeled_found, offline_report)
    _pool_fits(num_designs, pool_size, space, memory)
    if task:
        _task_name(task, space, "the offline designs are")
    return {"unlabeled": data_spec(unlabeled, unlabeled_column, None, alphabet, space),
            "offline": data_spec(offline, offline_column, value_column, alphabet, space,
                                 labeled_rows=offline_report.rows_without_value > 0),
            "method": method, "c": DEFAULT_C if c is None else c,
            "alpha": default_alpha(space) if alpha is None else alpha,
            "num_designs": num_designs,
            "pool_size": _design_pool(num_designs, pool_size, unranked=constant),
            "seed": seed, "max_minutes": max_minutes, "task": _task_name(task), "device": device,
            "reward_network": reward_network, "value_tilt": value_tilt_choice(value_tilt),
            "count_weighting": count_weighting_choice(count_weighting)}


def _design_files(unlabeled: str | Path, offline: str | Path, contents: Mapping[str, bytes],
                  sequence_column: str, value_column: str, alphabet: str | None
                  ) -> tuple[DataReport, str, DataReport, str]:  # fmt: skip
    """Both files of `braid design` checked, each with the sequence column it is read by:
    `sequence_column`, or the default one where only the other file has the column named
    (data_checks.default_column_instead). The values the reward model is fitted on are read
    first: a missing column is named with the file's own columns, as `braid data check` and
    `reward train` name it."""

    def read_offline(column: str) -> DataReport:  # rows without a value: not measured
        return check_file(offline, contents, sequence_column=column, value_column=value_column,
                          alphabet=alphabet, require_values=True, labeled_rows=True)

    def unlabeled_as_named() -> DataReport | None:
        try:
            return check_file(unlabeled, contents, sequence_column=sequence_column,
                              value_column=None)
        except DataError:
            return None

    offline_report, offline_column = report_and_column(
        read_offline, offline, unlabeled_as_named, contents, sequence_column)
    found, unlabeled_column = report_and_column(
        lambda column: unlabeled_report(unlabeled, contents, column, alphabet,
                                        offline_report.space, value_column),
        unlabeled, lambda: offline_report, contents, sequence_column)
    return offline_report, offline_column, found, unlabeled_column


def _design_pool(num_designs: int, pool_size: int | None, *, unranked: bool) -> int:
    """The pool of a design run; `unranked` (the pretrained method on values all alike): the
    designs as drawn, as a reward model fitted on such values would rank a pool by its noise."""
    if not unranked:
        return _pool_size(num_designs, pool_size)
    if pool_size is not None and pool_size > num_designs:
        raise ValueError(f"--pool {pool_size}: a pool is ranked by the reward model, and none "
                         "can be learned from values all alike; leave --pool out (the designs "
                         "are kept as the prior draws them)")
    return num_designs


def oracle_task(name: str | None):
    if not name:
        return None
    from braid_core.tasks import task_from_spec

    return task_from_spec(name)
