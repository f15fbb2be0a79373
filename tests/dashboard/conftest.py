"""Fixtures for the dashboard tests: a temporary workspace and small stand-in demo assets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dashboard_runs import ALPHABET, random_sequences

from braid_core.runs import Workspace


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Small demo files, prior and reward config folders in tmp, patched into dashboard.demo."""
    from dashboard import demo as demo_module

    rng = np.random.default_rng(0)
    folder = tmp_path / "assets"
    (folder / "demo").mkdir(parents=True)
    offline = pd.DataFrame({"sequence": random_sequences(rng, 60), "value": rng.random(60)})
    offline.to_csv(folder / "demo" / "offline.csv", index=False)
    unlabeled = pd.DataFrame({"sequence": random_sequences(rng, 80)})
    unlabeled.to_csv(folder / "demo" / "unlabeled.csv", index=False)
    prior = folder / "priors"
    prior.mkdir(parents=True)
    space = {"kind": "sequence", "alphabet": ALPHABET, "length": 32}  # as ehrlich-20-32
    (prior / "config.json").write_text(
        json.dumps({"format": "braid-prior", "space": space,
                    "config": {"width": 32, "depth": 2, "position_noise": 3.0}})
    )
    reward = folder / "rewards"
    reward.mkdir()
    metrics = {"pearson": 0.8, "spearman": 0.75, "rmse": 0.1, "coverage_2u": 0.9}
    (reward / "config.json").write_text(
        json.dumps({"format": "braid-reward", "kind": "boot", "space": space, "metrics": metrics})
    )
    heldout = pd.DataFrame(
        {
            "measured": rng.random(30),
            "predicted_mean": rng.random(30),
            "uncertainty": rng.random(30) * 0.2,
        }
    )
    heldout.to_csv(reward / "heldout.csv", index=False)
    for name, value in (
        ("DEMO_OFFLINE", folder / "demo" / "offline.csv"),
        ("DEMO_UNLABELED", folder / "demo" / "unlabeled.csv"),
        ("DEMO_PRIOR", prior),
        ("DEMO_REWARD", reward),
    ):
        monkeypatch.setattr(demo_module, name, value)
    return folder


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """An empty workspace that the dashboard opens through $BRAID_HOME."""
    root = tmp_path / "workspace"
    monkeypatch.setenv("BRAID_HOME", str(root))
    return Workspace(root)
