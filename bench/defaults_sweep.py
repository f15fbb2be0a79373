"""One fine-tuning configuration on one task, fitting its reward model if needed (issue 3).

The runs behind braid_core/defaults.py: a prior (shipped, or saved by
`python bench/prior_bench.py --save-dir DIR`), a reward model of the chosen kind fitted on the
task's offline set (cached under --work; or a fitted one, --reward DIR), fine-tuning within
the config's time budget, then 128 designs scored by the oracle. Prints metric rows and one
RESULT line (JSON) that `--table` gathers from log files into markdown.

    python bench/defaults_sweep.py ehrlich-20-32 bonus '{"steps": 5000, "max_minutes": 3}'
    python bench/defaults_sweep.py 40:3:1 bonus '{...}' --prior DIR/ehrlich-20-40-m3-s1
    python bench/defaults_sweep.py ehrlich-20-32 boot '{...}' --reward assets/rewards/ehrlich-20-32
    python bench/defaults_sweep.py --table LOG [LOG ...]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import NamedTuple

from braid_core import pipeline
from braid_core.data import read_designs
from braid_core.diffusion.prior import Prior
from braid_core.evaluate import design_table, oracle_probe, summarize
from braid_core.finetune import FinetuneConfig, finetune
from braid_core.rewards import RewardModel, load_reward
from braid_core.runtime import make_generator, set_cpu_threads
from braid_core.tasks import Task, task_from_spec

ASSETS = Path(__file__).resolve().parent.parent / "assets" / "priors"
FIGURES = ("validity", "true_score_median", "true_score_max", "fraction_above_offline_best",
           "diversity", "predicted_minus_true")


class Setup(NamedTuple):
    """One task's data, prior and (cached) reward model, as `defaults_sweep` runs use them."""

    task: Task
    unlabeled_csv: Path
    offline_csv: Path
    prior: Prior
    reward: RewardModel


def prepare(args: argparse.Namespace) -> Setup:
    """The task of args.task, its exported data, its prior and a reward model of args.kind."""
    spec = args.task
    task = task_from_spec(spec)
    root = args.work / spec.replace(":", "-")
    unlabeled_csv, offline_csv = task.export(root / "data", seed=0)
    # A fitted reward model (e.g. assets/rewards/<task>), or one fitted here once and cached.
    reward_folder = args.reward or root / f"reward-{args.kind}-{args.seed}" / "reward"
    if not reward_folder.exists():
        metrics = pipeline.run_reward(pipeline.reward_config(offline_csv, kind=args.kind,
                                                             seed=args.seed),
                                      reward_folder.parent, pipeline.Reporter())
        print("REWARD", json.dumps({k: round(v, 3) for k, v in metrics.items()}), flush=True)
    prior = Prior.load(args.prior or ASSETS / spec)
    return Setup(task, unlabeled_csv, offline_csv, prior, load_reward(reward_folder))


def tune_and_report(setup: Setup, args: argparse.Namespace, overrides: dict, *,
                    tuning_reward: RewardModel | None = None, extra: dict | None = None,
                    start: float | None = None) -> None:
    """Fine-tune by `overrides` (against `tuning_reward`, default the setup's), sample 128
    designs, score them with the setup's reward model and the oracle, print the RESULT line
    (its config: overrides plus `extra`; its minutes: since `start`, default now)."""
    start = time.time() if start is None else start
    cfg = FinetuneConfig(**{"probe_every": 20, **overrides})

    def on_step(step, metrics):
        if "true_score_median" in metrics and step % 20 == 0:
            print(json.dumps({"step": step, **{k: round(v, 4) for k, v in metrics.items()}}),
                  flush=True)

    prior, task = setup.prior, setup.task
    tuned = finetune(prior, tuning_reward or setup.reward, cfg,
                     generator=make_generator(args.seed), on_step=on_step,
                     probe=oracle_probe(task))
    designs = tuned.sample(128, generator=make_generator(args.seed + 1))
    offline = read_designs(setup.offline_csv)
    table = design_table(designs, prior.space, reward=setup.reward, c=cfg.c,
                         offline_x=offline.x, task=task)
    summary = summarize(table, designs, prior.space, offline_y=offline.y)
    print("RESULT", json.dumps({
        "inst": args.task, "kind": args.kind, "seed": args.seed,
        "config": {**overrides, **(extra or {})},
        "minutes": round((time.time() - start) / 60, 2),
        **{k: round(summary[k], 4) for k in FIGURES if k in summary}}), flush=True)


def run(args: argparse.Namespace) -> None:
    set_cpu_threads(args.threads)
    tune_and_report(prepare(args), args, json.loads(args.config))


def tabulate(logs: list[Path]) -> str:
    """The RESULT lines of logs as one markdown table."""
    rows = [json.loads(line.split("RESULT", 1)[1]) for log in logs
            for line in log.read_text().splitlines() if line.startswith("RESULT")]
    head = "| task | reward | seed | config | " + " | ".join(FIGURES) + " |\n"
    lines = [head + "|---|---|---|---|" + "---|" * len(FIGURES)]
    for row in rows:
        config = ", ".join(f"{k} {v}" for k, v in row["config"].items()
                           if k not in ("steps", "probe_every"))
        lines.append(f"| {row['inst']} | {row['kind']} | {row['seed']} | {config} | "
                     + " | ".join(f"{row.get(k, float('nan')):.3g}" for k in FIGURES) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", nargs="?", help="a task name or length:motifs:seed")
    parser.add_argument("kind", nargs="?", choices=("boot", "bonus"))
    parser.add_argument("config", nargs="?", help="JSON FinetuneConfig overrides")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prior", type=Path, default=None)
    parser.add_argument("--reward", type=Path, default=None,
                        help="a fitted reward model folder to use instead of fitting one")
    parser.add_argument("--work", type=Path, default=Path("bench-work"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--table", type=Path, nargs="+", default=None)
    args = parser.parse_args()
    if args.table:
        print(tabulate(args.table))
    elif args.task and args.kind and args.config:
        run(args)
    else:
        parser.error("give TASK KIND CONFIG, or --table LOG ...")


if __name__ == "__main__":
    main()
