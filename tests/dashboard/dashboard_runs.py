"""Helpers for the dashboard tests: the app's path, stand-in sequences and finished runs.

Not a conftest: `from conftest import` finds whichever test folder's conftest came first.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from braid_core import pipeline
from braid_core.runs import Workspace

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
ALPHABET = "ACDEFGHIKLMNPQRSTVWY"


def random_sequences(rng: np.random.Generator, n: int, length: int = 32) -> list[str]:
    letters = np.array(list(ALPHABET))
    return ["".join(rng.choice(letters, length)) for _ in range(n)]



def finished_finetune(
    ws: Workspace,
    demo: Path,
    *,
    c: float,
    alpha: float,
    seed: int,
    num_designs: int = 40,
    steps: int = 5,
    reward: Path | None = None,
) -> str:
    """A finetune run as a job would leave it: metrics, designs table, summary, done.
    Its reward model is `reward`, by default the demo's."""
    config = pipeline.finetune_config(
        demo / "priors",
        reward or demo / "rewards",
        c=c,
        alpha=alpha,
        steps=steps,
        seed=seed,
        task="ehrlich-20-32",
    )
    run = ws.create_run("finetune", config)
    rng = np.random.default_rng(seed)
    for step in range(1, steps + 1):
        run.append_metrics(
            {
                "step": step,
                "loss": 1.0 / step,
                "reward": 0.1 * step + seed,
                "predicted_mean": 0.2 * step,
                "uncertainty": 0.05,
                "kl": 0.01 * step,
            }
        )
    mean, spread = rng.random(num_designs), rng.random(num_designs) * 0.3
    table = pd.DataFrame(
        {
            "sequence": random_sequences(rng, num_designs),
            "predicted_mean": mean,
            "uncertainty": spread,
            "conservative_score": mean - c * spread,
            "true_score": np.where(rng.random(num_designs) < 0.1, -np.inf, mean),
            "valid": True,
        }
    )
    run.write_designs(table)
    ws.set_status(run.id, "running")
    ws.set_summary(run.id, {"true_score_median": float(np.median(mean)), "designs": num_designs})
    ws.set_status(run.id, "done")
    return run.id
