"""Helpers for the `braid` command-line tests: a runner and tiny design tables on disk.

Not a conftest: `from conftest import` finds whichever test folder's conftest came first.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

runner = CliRunner()


def write_sequences(path: Path, num: int, length: int, letters: str, seed: int = 0) -> Path:
    rng = random.Random(seed)
    rows = ["".join(rng.choice(letters) for _ in range(length)) for _ in range(num)]
    pd.DataFrame({"sequence": rows, "value": [rng.random() for _ in rows]}).to_csv(
        path, index=False
    )
    return path


def write_labeled(path: Path, num: int, seed: int = 0) -> Path:
    """DNA 8-mers whose value is the fraction of A: learnable by a tiny reward model."""
    rng = random.Random(seed)
    rows = ["".join(rng.choice("ACGT") for _ in range(8)) for _ in range(num)]
    values = [s.count("A") / 8 + rng.gauss(0, 0.02) for s in rows]
    pd.DataFrame({"sequence": rows, "value": values}).to_csv(path, index=False)
    return path


def wide_bonus_fit(data: Path) -> list[str]:
    """`braid reward train` of one BRAID-Bonus net of the wide shape on `data` (no --out)."""
    return ["reward", "train", "--data", str(data), "--alphabet", "dna", "--kind", "bonus",
            "--network", "wide", "--threads", "1"]


def write_bundle_configs(folder: Path) -> tuple[Path, Path]:
    """folder/prior and folder/reward holding only what the checks before a run read of a
    saved prior and reward model (DNA 8-mers): their config.json."""
    space = {"kind": "sequence", "alphabet": "ACGT", "length": 8}
    made = []
    for name, fmt in (("prior", "braid-prior"), ("reward", "braid-reward")):
        (folder / name).mkdir()
        (folder / name / "config.json").write_text(json.dumps({"format": fmt, "version": 1,
                                                               "space": space}))
        made.append(folder / name)
    return made[0], made[1]
