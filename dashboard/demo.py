"""Where the built-in demo's files live (shipped in assets/, made by `braid task export`)."""

from __future__ import annotations

from pathlib import Path

DEMO_TASK = "ehrlich-20-32"
ASSETS = Path(__file__).resolve().parent.parent / "assets"
DEMO_DIR = ASSETS / "demo" / DEMO_TASK
DEMO_OFFLINE = DEMO_DIR / "offline.csv"
DEMO_UNLABELED = DEMO_DIR / "unlabeled.csv"
DEMO_PRIOR = ASSETS / "priors" / DEMO_TASK
DEMO_REWARD = ASSETS / "rewards" / DEMO_TASK
