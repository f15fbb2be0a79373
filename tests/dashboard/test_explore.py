"""The Explore page: its table, labels and messages (AppTest), and the labels it takes from
catalog."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from dashboard_runs import finished_finetune

from braid_core import pipeline
from braid_core.runs import Workspace
from dashboard import catalog


def finetune_of(workspace: Workspace, reward: Path, demo: Path) -> str:
    """A finished fine-tuning run scored by `reward`, with three designs."""
    run = workspace.create_run("finetune", pipeline.finetune_config(demo / "priors", reward))
    run.write_designs(pd.DataFrame({"sequence": ["ACDE" * 8] * 3, "predicted_mean": 1.0,
                                    "uncertainty": 0.1, "conservative_score": 0.95}))
    workspace.set_status(run.id, "running")
    workspace.set_status(run.id, "done")
    return run.id


def test_runs_of_two_reward_models_are_labelled_by_their_reward_model(demo, workspace):
    shutil.copytree(demo / "rewards", demo / "rewards2")
    first = finished_finetune(workspace, demo, c=0.5, alpha=0.01, seed=0)
    other = finetune_of(workspace, demo / "rewards2", demo)
    labels = catalog.run_labels(workspace.list_runs(), workspace)
    assert labels[first].endswith(" · reward: shipped rewards")
    assert labels[other].endswith(" · reward: rewards2")
    # One reward model: nothing to tell apart, so no suffix.
    alone = catalog.run_labels([workspace.record(first)], workspace)
    assert alone[first] == catalog.run_label(workspace.record(first))


def reward_run(workspace: Workspace, demo: Path) -> str:
    """A finished reward run whose model is a copy of the demo's."""
    reward = workspace.create_run("reward", {"data": str(demo / "demo" / "offline.csv")})
    shutil.copytree(demo / "rewards", workspace.run_path(reward.id) / "reward")
    workspace.set_status(reward.id, "running")
    workspace.set_status(reward.id, "done")
    return reward.id


def test_a_reward_run_is_named_as_its_run_label_ends(demo, workspace):
    reward = reward_run(workspace, demo)
    first = finished_finetune(workspace, demo, c=0.5, alpha=0.01, seed=0)
    other = finetune_of(workspace, workspace.run_path(reward) / "reward", demo)
    records = [workspace.record(first), workspace.record(other)]
    assert catalog.model_suffixes(records, workspace)[other] == f" · reward: reward [{reward[-4:]}]"
    workspace.delete_run(reward)
    suffix = catalog.model_suffixes(records, workspace)[other]
    assert suffix == f" · reward: deleted run [{reward[-4:]}]"
