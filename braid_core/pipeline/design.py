"""`braid design`: every step in one process, within one time budget."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from braid_core import defaults as defaults_module
from braid_core.diffusion.prior import PriorConfig
from braid_core.methods import FINETUNED_METHODS, method_knobs
from braid_core.pipeline.configs import DESIGN_MAX_STEPS, finetune_config
from braid_core.pipeline.data_checks import check_same_space, constant_value, values_phrase
from braid_core.pipeline.reporter import Reporter
from braid_core.pipeline.steps import (
    configured_pool,
    read_data,
    run_baseline,
    run_finetune,
    run_prior,
    run_reward,
)

# Shares of --max-minutes: pre-training, then reward fitting, fine-tuning and drawing the pool
# of designs in what is left (SAMPLING_SHARE of it for the pool).
PRIOR_SHARE = 0.5
REWARD_SHARE = 0.5  # at most, of what pre-training leaves
SAMPLING_SHARE = defaults_module.SAMPLING_SHARE


def run_design(config: Mapping[str, Any], out: Path, report: Reporter) -> dict[str, Any]:
    """`braid design`: every step in one process, within the time budget."""
    start_time = time.monotonic()
    budget_s = 60.0 * config["max_minutes"]
    report.budget = (start_time, budget_s)
    method, seed, device = config["method"], config["seed"], config["device"]
    # The offline set is read first: a bad file fails before minutes of pre-training.
    offline = read_data(config["offline"], report)
    unlabeled = read_data(config["unlabeled"], report)
    # configs recorded before design_config checked this
    check_same_space(unlabeled.report, offline.report)
    if constant_value(offline.report) is not None:  # the pretrained method alone
        report.note(f"all measured designs have {values_phrase(offline.report)}: no reward can be "
                    f"learned from them, so the {config['num_designs']:,} designs are kept as "
                    "the prior draws them (no pool ranked by a reward model), and their "
                    "predicted_mean and uncertainty say nothing of them")
    prior_cfg = {"data": config["unlabeled"], "seed": seed, "device": device,
                 "prior": dataclasses.asdict(dataclasses.replace(
                     PriorConfig(), max_minutes=PRIOR_SHARE * config["max_minutes"]))}
    pretraining = {k: v for k, v in run_prior(prior_cfg, out, report).items()
                   if k.startswith("prior_")}  # fmt: skip
    reward_kind = "bonus" if method == "braid-bonus" else "boot"
    # The fit may take up to REWARD_SHARE of what pre-training left; it usually needs far less.
    reward_minutes = REWARD_SHARE * (budget_s - (time.monotonic() - start_time)) / 60.0
    run_reward({"data": config["offline"], "kind": reward_kind, "seed": seed,
                "device": device, "network": config.get("reward_network", "auto"),
                "value_tilt": config.get("value_tilt", 0.0),
                "count_weighting": config.get("count_weighting", "none"),
                "max_minutes": max(reward_minutes, 0.01)}, out, report)
    left_minutes = max(budget_s - (time.monotonic() - start_time), 0.05 * budget_s) / 60.0
    pool_size = configured_pool(config)
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
    if note := overrun_note(summary["elapsed_minutes"], config["max_minutes"],
                            config["num_designs"]):
        report.note(note)
    return {**summary, **pretraining}


def overrun_note(minutes: float, max_minutes: float, num: int) -> str | None:
    """The words for a run that went well past its time limit (by a tenth and half a minute):
    the designs asked for are drawn and scored whatever the limit; None otherwise."""
    if minutes <= 1.1 * max_minutes or minutes - max_minutes <= 0.5:
        return None
    return (f"the run took {minutes:.1f} min, past its time limit (--max-minutes "
            f"{max_minutes:g}): the limit bounds pre-training, the reward fit, the "
            f"optimisation and the pool beyond the {num:,} designs asked for, and those are "
            "drawn and scored whatever it; ask for fewer designs or give more minutes")
