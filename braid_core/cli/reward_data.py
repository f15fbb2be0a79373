"""The measured data a saved reward model was fitted on, for `braid finetune` without --offline
(the designs' novelty, and leaving out designs already measured).

A reward model is found in a run's own folder (runs/<id>/reward: the run's config.json beside
it records the data file), or where `braid reward train --out` copied it (no run's config
beside it: the run that wrote it is found by its saved model, and the folder holds offline.csv,
the designs it was fitted on with their values).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Written beside the model by a reward run, into its folder and into --out: each design it was
# fitted on, in the columns offline data is read by (sequence or x0, x1, ...; value).
DATA_COPY = "offline.csv"
# The runs whose folder holds a reward model of their own (in <run folder>/reward).
REWARD_RUNS = ("reward", "design")


@dataclass(frozen=True)
class RewardData:
    """A data file found for a reward model, and whose it is, in words for the user."""

    path: Path
    whose: str  # "its run's", "run <id>'s, which wrote this folder", ...


def reward_data(reward: Path, workspace=None) -> RewardData | None:
    """The data the reward model in the folder `reward` was fitted on: the file its run
    recorded, where still there and read by the default columns (sequence, value), else the
    copy the run wrote (DATA_COPY); None where neither is found. `workspace`: where to look
    for the run that wrote a copied folder (None: only the folder's own copy)."""
    reward = Path(reward)
    beside = _run_config(reward.parent / "config.json")
    if beside is not None:  # runs/<id>/reward
        return (_recorded_file(beside, "its run's")
                or _copy(reward.parent / DATA_COPY, "its run's copy of it"))
    run = run_that_wrote(reward, workspace) if workspace is not None else None
    found = (_recorded_file(run.config, f"run {run.id}'s, which wrote this folder")
             if run is not None else None)
    return found or _copy(reward / DATA_COPY, "the copy `braid reward train` wrote beside the "
                                              "model")


def _run_config(path: Path) -> dict[str, Any] | None:
    """A run's config.json that names a data file (a reward run's "data", a design run's
    "offline"), or None (no such file, or another config.json: a saved model's)."""
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict):
        return None
    return config if isinstance(_data_spec(config), dict) else None


def _data_spec(config: dict[str, Any]) -> Any:
    return config.get("data") or config.get("offline")


def _recorded_file(config: dict[str, Any], whose: str) -> RewardData | None:
    """The data file a run's `config` records, where it is still a file read by the columns
    offline data is read by (sequence or none for vectors, value) and all its rows; else
    None."""
    spec = _data_spec(config)
    if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
        return None
    from braid_core.pipeline.data_checks import read_by_defaults

    if not read_by_defaults(spec):  # e.g. a table measured in part: its rows with values
        return None
    path = Path(spec["path"])
    return RewardData(path, whose) if path.is_file() else None


def _copy(path: Path, whose: str) -> RewardData | None:
    return RewardData(path, whose) if path.is_file() else None


def run_that_wrote(reward: Path, workspace):
    """The run of `workspace` whose own reward model the folder `reward` is a copy of (its
    config.json, which holds the fit's figures, and its weights' size alike), or None."""
    from braid_core.rewards.io import CONFIG_FILE

    try:
        meta = (reward / CONFIG_FILE).read_bytes()
    except OSError:
        return None
    weights = {p.name: p.stat().st_size for p in reward.glob("*.safetensors")}
    for kind in REWARD_RUNS:
        for record in workspace.list_runs(kind=kind, status="done"):
            own = workspace.run_path(record.id) / "reward"
            try:
                same = ((own / CONFIG_FILE).read_bytes() == meta and weights == {
                    p.name: p.stat().st_size for p in own.glob("*.safetensors")})
            except OSError:
                continue
            if same:
                return record
    return None
