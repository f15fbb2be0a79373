"""The steps that each make one thing: a prior, a reward model, fine-tuned or baseline designs.

Each reads its inputs from files named in its config, writes into `out`, and returns a summary.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch

from braid_core import defaults as defaults_module
from braid_core.data import OfflineData, read_designs, write_table
from braid_core.diffusion.prior import Prior, PriorConfig
from braid_core.finetune import FinetuneConfig
from braid_core.pipeline.configs import oracle_task
from braid_core.pipeline.data_checks import DEFAULT_SEQUENCE_COLUMN, data_spec
from braid_core.pipeline.ranking import heldout_line, weak_ranking_note
from braid_core.pipeline.reach import (
    measured_spacing,
    reach_figures,
    reach_note,
    standard_figures,
)
from braid_core.pipeline.reporter import Reporter
from braid_core.pipeline.sampling import CHUNK as SAMPLE_CHUNK
from braid_core.rewards.train import network_settings
from braid_core.runtime import make_generator, resolve_device
from braid_core.selection import (
    NewDesigns,
    count_distinct,
    draw_pool,
    leave_out_known,
    repeats,
    top_distinct,
)
from braid_core.spaces import SequenceSpace


def read_data(spec: str | Mapping[str, Any], report: Reporter | None = None) -> OfflineData:
    """Read a data table (a data spec with its columns and alphabet, or a path with the default
    columns). With a reporter, the report's notes (inferred alphabet, duplicates) go to the
    user, each naming the file (`braid design` reads two; a reporter says each note once)."""
    if isinstance(spec, str):
        spec = data_spec(spec, DEFAULT_SEQUENCE_COLUMN, "value", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the same notes are in the report
        # vectors record no sequence column (None), older configs "sequence"
        data = read_designs(spec["path"],
                            sequence_column=spec["sequence_column"] or DEFAULT_SEQUENCE_COLUMN,
                            value_column=spec["value_column"], alphabet=spec["alphabet"],
                            feature_columns=spec.get("feature_columns"),
                            labeled_rows=spec.get("labeled_rows", False))
    if report is not None:
        for line in data.report.messages(named=True):
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
    reached = {"step": 0}  # the last report gives the steps taken

    def on_step(step: int, metrics: Mapping[str, float]) -> None:
        reached["step"] = step
        report.step(step, metrics)
        report.progress(metrics["elapsed_s"] / budget, f"pre-training, step {step}")

    report.stage = "prior"
    generator = make_generator(config["seed"], device)
    started = time.perf_counter()
    report.phase("pre-training")
    prior = train_prior(data.x, data.space, prior_cfg, device=device, generator=generator,
                        on_step=on_step)
    report.phase(None)
    timed_out = time.perf_counter() - started >= budget
    summary = {"designs": len(data), "space": data.space.describe(),
               **prior_training(prior_cfg, reached["step"], timed_out)}
    if note := prior_time_note(summary):
        report.note(note)
    prior, trials = calibrate_position_noise(prior, data.x.to(device), generator=generator)
    if trials:
        report.note(describe_trials(trials, prior.config.position_noise,
                                    prior.config.diversity_floor))
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
    doing = f"fitting the reward model{weighing}"
    report.progress(0.0, doing)

    def on_step(step: int, metrics: Mapping[str, float]) -> None:
        report.step(step, metrics)
        report.progress(metrics["done"], doing)

    report.phase("reward model")
    model = train_reward(data, reward_cfg, device=device,
                         generator=make_generator(config["seed"], device), on_step=on_step)
    report.phase(None)  # its notes follow its progress line
    if "noise_variance" in model.metrics:
        report.note(f"held-out errors: one measurement's noise variance "
                    f"{model.metrics['noise_variance']:.4g} "
                    f"(+- {model.metrics['noise_variance_se']:.2g} from "
                    f"{model.metrics['n_val']:.0f} held-out designs), the fit's misfit "
                    f"{model.metrics['misfit_variance']:.4g} (replicates shrink the first, "
                    "not the second)")
    for note in (heldout_line(model.metrics), calibration_note(model.metrics),
                 weak_ranking_note(model.metrics)):
        if note:
            report.note(note)
    if model.metrics.get("count_weighted") == 0.0:
        report.note("the estimated count weighting saw no measurement noise that replicates "
                    "reduce in its first fit's held-out errors, so every value was weighed alike")
    if note := reward_time_note(model.metrics, reward_cfg.max_minutes):
        report.note(note)
    save_reward(model, out / "reward")  # its train_config records the shape it kept
    heldout = pd.DataFrame({k: v.numpy() for k, v in model.heldout.items()})
    write_table(out, heldout, "heldout")
    # Every offline design with the model's view of it: the Explore page's overlay.
    from braid_core.evaluate import design_table

    # Without r_hat - c u: at c = 0 (no run's c is known here) it only repeated r_hat.
    offline = design_table(data.x, data.space, reward=model).drop(columns="conservative_score")
    offline.insert(len(offline.columns) - 2, "value", data.exact_values())  # before r_hat, u
    write_table(out, offline, "offline")
    summary = {**model.metrics, "value_tilt": tilt}
    if not isinstance(data.space, SequenceSpace):  # one shape (an MLP): its index, 0, said
        del summary["network_choice"]  # nothing (the model's config.json keeps it)
    return summary


def run_finetune(config: Mapping[str, Any], out: Path, report: Reporter) -> dict[str, Any]:
    """Fine-tune, save out/model, sample and score designs into out/designs.*."""
    from braid_core.evaluate import oracle_probe
    from braid_core.finetune import finetune, run_fraction
    from braid_core.rewards import load_reward

    device = resolve_device(config["device"])
    prior = Prior.load(config["prior"], map_location=device)
    reward = load_reward(config["reward"], device=device)
    cfg = FinetuneConfig(**config["finetune"])
    task = oracle_task(config.get("task"))
    generator = make_generator(config["seed"], device)
    reached = {"step": 0}  # a time limit may end fine-tuning before cfg.steps

    def on_step(step: int, metrics: Mapping[str, float]) -> None:
        reached["step"] = step
        report.step(step, metrics)
        report.progress(run_fraction(step, metrics["elapsed_s"], cfg),
                        f"fine-tuning, step {step}")

    report.stage = "finetune"
    report.phase("fine-tuning", total=cfg.steps)
    tuned = finetune(prior, reward, cfg, generator=generator, on_step=on_step,
                     probe=oracle_probe(task) if task is not None else None)
    tuned.save(out / "model")
    # MAX_STEPS (as `braid design` asks): as many steps as the time allows, nothing to say
    if reached["step"] < cfg.steps < defaults_module.MAX_STEPS and cfg.max_minutes is not None:
        report.note(f"fine-tuning reached its time limit ({cfg.max_minutes:g} min) after "
                    f"{reached['step']:,} of {cfg.steps:,} steps")
    report.progress(1.0, "sampling designs")
    num, pool_size = config["num_designs"], configured_pool(config)
    report.phase("drawing designs", total=pool_size, unit="design")
    choose = pool_size > num
    offline = read_data(config["offline"]) if config.get("offline") else None
    measured = offline.x.to(device) if offline is not None and choose else None
    if pool_size >= LARGE_DRAW:
        report.note(large_draw_note(num, pool_size))
    pool = draw_pool(_drawing(tuned, generator, report, pool_size), num, pool_size,
                     config.get("max_sampling_seconds"),
                     extend_to=defaults_module.POOL_EXTEND * pool_size if choose else None,
                     reference=measured)
    report.phase(None)
    new = _new_of_pool(pool, measured)
    designs = _best_of_pool(new.pool, reward, cfg.c, cfg.mode, min(num, len(new.pool)),
                            choose=choose)
    distinct = count_distinct(designs)
    for note in pool_notes(num, pool_size, len(pool), distinct, left_out=new.left_out,
                           none_new=new.none_new, handed=len(designs)):
        report.note(note)
    summary = _score_and_write(designs, tuned, reward, cfg.c, cfg.mode, offline=offline,
                               task=task, out=out)
    for note in (reach_note(summary), validity_note(summary, config.get("task"), tuned=True)):
        if note:
            report.note(note)
    return {**summary, "pool_size": len(pool), "distinct_designs": distinct,
            "left_out_as_measured": new.left_out, "finetune_steps": reached["step"]}


# The share of valid designs BRAID aims at (the target, DESIGN.md §2): below it, a
# run scored by an oracle says so, as a 2-minute `braid design` on the demo (76.6 %) did not.
VALID_TARGET = 0.95


def validity_note(summary: Mapping[str, Any], task: str | None, *,
                  tuned: bool) -> str | None:
    """The words for designs that the task's oracle finds valid less often than VALID_TARGET
    (`tuned`: fine-tuned designs, which a longer pre-training or more weight on staying near
    the prior keep valid); None where they are not, or no oracle scored them."""
    validity = summary.get("validity")
    if validity is None or validity >= VALID_TARGET:
        return None
    said = (f"only {validity:.1%} of the designs are valid by the oracle of {task}, below the "
            f"{VALID_TARGET:.0%} BRAID aims at")
    if not tuned:
        return said
    return (f"{said}: a prior pre-trained longer (a larger --max-minutes for `braid design`) "
            "knows valid designs better, and a larger alpha or c keeps the fine-tuned model "
            "nearer to them")


def prior_training(config: PriorConfig, steps: int, timed_out: bool) -> dict[str, Any]:
    """What a run's summary records of pre-training: its steps, and `prior_cut_by_time`,
    true when the time limit ended it before its learning-rate warm-up did. Such a prior has
    barely learnt the data: on the demo (ehrlich-20-32), default priors stopped after 30, 50
    and 100 steps drew 0.4 %, 48 % and 86 % valid designs; after 400, 98 %."""
    return {"prior_steps": steps, "prior_warmup_steps": config.warmup_steps,
            "prior_max_minutes": config.max_minutes,
            "prior_cut_by_time": timed_out and steps < config.warmup_steps}


def prior_time_note(summary: Mapping[str, Any]) -> str | None:
    """The words for a pre-training the time limit cut short (`prior_training`'s fields, as a
    run's summary keeps them); None where it was not."""
    if not summary.get("prior_cut_by_time"):
        return None
    return (f"pre-training reached its time limit ({summary['prior_max_minutes']:.2g} min) "
            f"after {summary['prior_steps']:.0f} of its {summary['prior_warmup_steps']:.0f} "
            "warm-up steps: the prior has barely learnt the "
            "data, and its designs may be mostly unlike them (invalid, where validity "
            "matters); give it more minutes (a larger --max-minutes): priors of a few "
            "minutes take over a thousand steps")


def reward_time_note(metrics: Mapping[str, float], max_minutes: float | None) -> str | None:
    """The words for a reward fit its time limit cut short (the reward model's metrics and
    its config's `max_minutes`); None where it was not."""
    if not metrics.get("networks_cut_by_time"):
        return None
    limit = f" ({max_minutes:.2g} min)" if max_minutes else ""
    return (f"the reward fit reached its time limit{limit}: "
            f"{metrics['networks_cut_by_time']:.0f} network(s) stopped before their "
            "validation error stopped improving; more minutes would let them finish")


def calibration_note(metrics: Mapping[str, float]) -> str | None:
    """What a low held-out coverage of mean +- 2u means (read as miscalibration, it alarmed
    users); None where u covers half the held-out errors or more."""
    coverage = metrics.get("coverage_2u")
    if coverage is None or coverage >= 0.5:
        return None
    return (f"held-out calibration: {coverage:.0%} of held-out values lie within 2u of the "
            "prediction (95 % if u were the whole error). u is the model's uncertainty about "
            "a design's mean value, which grows away from the designs it was fitted on, not "
            "the noise of one measurement; on designs like those it is small. c * u holds "
            "the fine-tuning back from designs far from the data.")


def pool_time_note(num: int, pool_size: int, drawn: int) -> str | None:
    """The words for a pool the time limit cut short; None where it was drawn whole."""
    if drawn >= pool_size:
        return None
    return (f"the time limit let the fine-tuned model draw {drawn} of the {pool_size} pool "
            f"designs: the {num} handed over are the best of those {drawn} (more minutes "
            "draw the whole pool)")


def repeats_note(num: int, drawn: int, distinct: int, *, new_only: bool = False,
                 handed: int | None = None) -> str | None:
    """The words for a pool too concentrated to give `num` distinct designs (`new_only`: not
    counting those of the offline data, left out); None otherwise. `handed`: the designs
    handed over, fewer than `num` when the pool held fewer new ones (default `num`)."""
    if distinct >= num:
        return None
    handed = num if handed is None else handed
    plural = "s" if distinct != 1 else ""
    new = " new" if new_only else ""
    drew = f"the fine-tuned model drew only {distinct} distinct{new} design{plural} in {drawn}"
    if handed < num:
        return (f"{drew}: with their repeats, {handed} of the {num} asked for are handed over "
                "(a larger alpha keeps it broader)")
    return (f"{drew}: the best repeats fill the other {num - distinct} of the {num} asked for "
            "(a larger alpha keeps it broader)")


def measured_note(drawn: int, left_out: int, none_new: bool) -> str | None:
    """The words for pool designs that were already in the offline data (measured): left out,
    or, where no design was new, handed over for want of others; None where none was."""
    if none_new:
        return (f"all {drawn} pool designs are already in the offline data: with no new design "
                "to choose from, the best of these measured designs are handed over")
    if not left_out:
        return None
    were = "was" if left_out == 1 else "were"
    return (f"{left_out} of the {drawn} pool designs {were} already in the offline data and "
            f"{were} left out")


def pool_notes(num: int, pool_size: int, drawn: int, distinct: int, *, left_out: int = 0,
               none_new: bool = False, handed: int | None = None) -> list[str]:
    """What the user should know of a drawn pool: cut short by the time limit, designs of the
    offline data left out (`left_out` of them; `none_new`: all were, and were kept), too
    concentrated to give `num` distinct new designs (`handed` over in the end)."""
    notes = (pool_time_note(num, pool_size, drawn), measured_note(drawn, left_out, none_new),
             repeats_note(num, drawn, distinct, new_only=left_out > 0, handed=handed))
    return [note for note in notes if note]


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
    report.phase(config["method"])
    num, pool_size = config["num_designs"], configured_pool(config)
    choose = pool_size > num
    pool = baseline.run(prior, reward, offline, pool_size,
                        config=baseline.config_class(**config.get("options", {})),
                        generator=make_generator(config["seed"], device), device=device,
                        on_step=report.step, max_seconds=config.get("max_seconds"))
    report.phase(None)
    # offline-best (no pool: its designs are D's by definition) keeps them as they are
    new = _new_of_pool(pool, offline.x.to(pool.device) if choose else None)
    if note := measured_note(len(pool), new.left_out, new.none_new):
        report.note(note)
    designs = _best_of_pool(new.pool, reward, config["c"], "std", min(num, len(new.pool)),
                            choose=choose)
    if len(designs) < num:  # a small design space, or a search cut short
        report.note(f"the {config['method']} baseline found {len(designs)} designs to hand "
                    f"over, fewer than the {num} asked for")
    summary = _score_and_write(designs, prior, reward, config["c"], "std", offline=offline,
                               task=oracle_task(config.get("task")), out=out)
    for note in (reach_note(summary), validity_note(summary, config.get("task"), tuned=False)):
        if note:
            report.note(note)
    return {**summary, "pool_size": len(pool), "left_out_as_measured": new.left_out}


# Pools from this size on are said before they are drawn: a million designs took minutes
# past `braid design`'s time budget, with the run's progress standing still.
LARGE_DRAW = 100_000


def large_draw_note(num: int, pool_size: int) -> str:
    """The words for a large pool, said before it is drawn."""
    return (f"drawing up to {pool_size:,} designs to choose the {num:,} asked for: the "
            f"{num:,} are drawn whatever the time limit (it bounds only the pool beyond them), "
            "which takes minutes on a CPU; progress counts the designs drawn")


def _drawing(model: Prior, generator: torch.Generator, report: Reporter,
             pool_size: int) -> Callable[[int], torch.Tensor]:
    """`model.sample` in chunks of SAMPLE_CHUNK (a multiple of its own batch, so the designs
    are those of one call), each chunk reported as progress: the designs drawn so far."""
    drawn = 0

    def draw(n: int) -> torch.Tensor:
        nonlocal drawn
        parts = []
        for begin in range(0, n, SAMPLE_CHUNK):
            parts.append(model.sample(min(SAMPLE_CHUNK, n - begin), generator=generator))
            drawn += len(parts[-1])
            report.count(drawn)
            report.progress(1.0, f"drawing designs: {drawn:,} of up to {pool_size:,}")
        return torch.cat(parts)

    return draw


def configured_pool(config: Mapping[str, Any]) -> int:
    """Designs a run config asks to draw; configs saved before the pool have no pool_size,
    and their designs were the ones drawn."""
    return config.get("pool_size") or config["num_designs"]


def _new_of_pool(pool: torch.Tensor, measured: torch.Tensor | None) -> NewDesigns:
    """The pool without the designs of the offline data D (`measured`, its designs): a user
    asks for new designs, and one of D (already measured, often the best-scoring by r_c) was
    handed over first and filled the repeat rows. None (no D, or no pool to choose from):
    the pool as it is."""
    if measured is None:
        return NewDesigns(pool, 0, False)
    return leave_out_known(pool, measured)


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
    """The designs table (with the oracle's columns when there is a task) and its summary.
    Column `repeat` marks a design listed above already: one drawn too often to fill the
    table with distinct ones, or kept as drawn (a baseline without a pool)."""
    from braid_core.evaluate import design_table, summarize

    table = design_table(designs.cpu(), prior.space, reward=reward, c=c, mode=mode,
                         offline_x=offline.x if offline else None, task=task)
    table["repeat"] = repeats(designs).numpy()
    write_table(out, table, "designs")
    summary = summarize(table, designs.cpu(), prior.space,
                        offline_y=offline.y if offline is not None else None)
    spacing = (measured_spacing(offline.x) if offline is not None
               and not isinstance(prior.space, SequenceSpace) else None)
    summary |= reach_figures(table, _measured_values(offline), spacing)
    if spacing is not None:
        summary |= standard_figures(designs.cpu(), offline.x, torch.as_tensor(table["repeat"]))
    return {k: v for k, v in summary.items() if not (isinstance(v, float) and math.isnan(v))}


def _measured_values(offline: OfflineData | None):
    """D's values as read (float64), or None without D or without values."""
    if offline is None or offline.y is None:
        return None
    return offline.values if offline.values is not None else offline.y.double().numpy()
