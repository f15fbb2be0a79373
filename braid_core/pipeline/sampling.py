"""The sample step: designs drawn from a saved prior or fine-tuned model into a CSV file, as
`braid sample` and `braid prior sample` record it (no reward model: the designs as drawn)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from braid_core.data import write_designs_csv
from braid_core.diffusion.prior import Prior
from braid_core.pipeline.data_checks import recorded_path
from braid_core.pipeline.reporter import Reporter
from braid_core.runs.summary import sampled_method
from braid_core.runtime import check_device, make_generator, resolve_device
from braid_core.spaces import SequenceSpace

# Designs per draw between two reports: a multiple of Prior.sample's own batch (512), so that
# the designs are those of one call with the same seed.
CHUNK = 1024


def sample_config(model: Path | str, *, num: int, seed: int = 0, device: str = "auto",
                  given_as: str = "model") -> dict[str, Any]:  # fmt: skip
    """The config of a sample run: `num` designs drawn with `seed` from the saved prior or
    fine-tuned model in the folder `model` (a fine-tuned model is saved as a prior is), given
    as "prior" (`braid prior sample`) or "model" (`braid sample`). It records what was drawn
    from as "sampled" (runs.summary.sampled_method, for the method column of the run lists):
    found now, while the fine-tuning run and its reward model that say it are there."""
    if num < 1:
        raise ValueError(f"num must be at least 1, got {num}")
    folder = Path(recorded_path(model))
    return {"model": str(folder), "num": int(num), "seed": int(seed),
            "device": check_device(device), "sampled": sampled_method(folder, given_as)}


def run_sample(config: Mapping[str, Any], out: Path, report: Reporter) -> dict[str, Any]:
    """Draw the designs into out/designs.csv (column `sequence`, or the vector columns the
    prior's data named, x0, x1, ... by default),
    a chunk at a time; each chunk reports the designs drawn so far as its step."""
    device = resolve_device(config["device"])
    prior = Prior.load(config["model"], map_location=device)
    num = config["num"]
    is_sequence = isinstance(prior.space, SequenceSpace)
    generator = make_generator(config["seed"], device)
    report.stage = "sample"
    report.phase("drawing designs", total=num, unit="design")
    parts: list = []  # decoded strings, or float vectors on the CPU
    with torch.no_grad():
        for start in range(0, num, CHUNK):
            chunk = prior.sample(min(CHUNK, num - start), generator=generator)
            parts.append(prior.space.decode(chunk) if is_sequence else chunk.cpu())
            drawn = start + len(chunk)
            report.step(drawn, {})
            report.progress(drawn / num, f"drew {drawn} of {num} designs")
    report.phase(None)
    designs = [s for part in parts for s in part] if is_sequence else torch.cat(parts)
    names = None if is_sequence else prior.space.names
    write_designs_csv(out / "designs.csv", designs, names=names)
    return {"designs": num, "space": prior.space.describe()}
