"""Runs and jobs: `start` records a step and launches it in the background, `execute` runs it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from braid_core import jobs
from braid_core.pipeline.design import run_design
from braid_core.pipeline.reporter import PhaseCallback, Reporter, StepCallback
from braid_core.pipeline.sampling import run_sample
from braid_core.pipeline.steps import run_baseline, run_finetune, run_prior, run_reward
from braid_core.runs import Run, Workspace

STEPS: dict[str, Callable[[Mapping[str, Any], Path, Reporter], dict[str, Any]]] = {
    "prior": run_prior, "reward": run_reward, "finetune": run_finetune,
    "baseline": run_baseline, "design": run_design, "sample": run_sample,
}


def start(ws: Workspace, kind: str, config: Mapping[str, Any], *, parents=(),
          name: str | None = None) -> str:
    """Record a run and launch it as a background process; returns the run id."""
    if kind not in STEPS:
        raise ValueError(f"unknown step {kind!r}; known: {', '.join(STEPS)}")
    run = ws.create_run(kind, dict(config), name=name, parents=parents)
    jobs.launch(ws, run.id, jobs.cli_command("run-job", run.id))
    return run.id


def execute(ws: Workspace, run: Run, on_step: StepCallback | None = None,
            on_phase: PhaseCallback | None = None) -> dict[str, Any]:
    """Run a recorded step in this process, into its run folder; stores the summary.
    `on_step` gets each metric row, `on_phase` each phase's name as it begins (None: ends)."""
    summary = STEPS[run.kind](run.config, run.path, Reporter(run, on_step, on_phase))
    ws.set_summary(run.id, summary)
    return summary
