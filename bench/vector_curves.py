"""Fine-tuning curves of vector priors: does more fine-tuning help, and is it stable?

Session 39 found every 10-minute `braid design` run on the vector tasks below the same seed's
3-minute one. This takes the prior and reward model of one `braid design` run (its workspace,
kept), fine-tunes the prior against the reward for a fixed number of steps (no time limit, so
the machine's load changes the time taken, not the result) and records every step's metrics
with the task's oracle probe every 5 steps: the true score and validity of the step's batch
(the oracle never feeds back into training). Settings of FinetuneConfig are given as JSON, one
curve each, e.g. '{"vector_chain_grad": 10}'.

    python bench/vector_curves.py design --task shell-bumps-4 --seed 0 --max-minutes 10 \
        --folder /tmp/vc/shell4_s0_m10
    python bench/vector_curves.py curve --folder /tmp/vc/shell4_s0_m10 --steps 250 \
        --settings '{}' '{"vector_chain_grad": 10}' --tag s40_curves_shell4_m10
    python bench/vector_curves.py --report s40_curves_shell4_m10
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))  # vector_design.py sits beside this script
from vector_design import design_command, vector_task, workspace_env  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
WINDOW = 25  # steps per row of the report


def design(args: argparse.Namespace) -> None:
    """One `braid design` run whose workspace (prior, reward model, metrics) is kept."""
    folder = Path(args.folder)
    unlabeled, offline = vector_task(args.task).export(folder / "data", seed=0)
    command = design_command(unlabeled, offline, folder, "braid-bonus", args.seed,
                             args.max_minutes, threads=1)
    with open(folder / "log.txt", "w") as log:
        subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT,
                       env=workspace_env(folder))
    (folder / "task.json").write_text(json.dumps({"task": args.task, "seed": args.seed,
                                                  "max_minutes": args.max_minutes}))


def curve(folder: Path, steps: int, settings: dict) -> dict:
    """Fine-tune the design run's prior for `steps` steps with `settings` over its own."""
    from braid_core.diffusion.prior import Prior
    from braid_core.evaluate import oracle_probe
    from braid_core.finetune import FinetuneConfig, finetune
    from braid_core.pipeline.configs import finetune_config
    from braid_core.rewards import load_reward

    made = json.loads((folder / "task.json").read_text())
    [run] = (folder / "workspace" / "runs").glob("*-design-*")
    config = json.loads((run / "config.json").read_text())
    prior = Prior.load(run / "prior", map_location="cpu")
    reward = load_reward(run / "reward", device="cpu")
    own = finetune_config(run / "prior", run / "reward", c=config["c"], alpha=config["alpha"],
                          steps=steps, probe_every=5, device="cpu")["finetune"]
    cfg = FinetuneConfig(**{**own, **settings})
    rows: list[dict] = []
    start = time.perf_counter()
    finetune(prior, reward, cfg, generator=torch.Generator().manual_seed(config["seed"]),
             on_step=lambda step, metrics: rows.append({"step": step, **metrics}),
             probe=oracle_probe(vector_task(made["task"])))
    return {**made, "settings": settings, "steps": steps, "rows": rows,
            "seconds": time.perf_counter() - start}


def windows(rows: list[dict]) -> list[dict]:
    """Means over each WINDOW steps: r_c, KL, gradient norm; the probe's true score median
    and validity over the probed steps among them."""
    out = []
    for first in range(0, len(rows), WINDOW):
        part = rows[first:first + WINDOW]
        probed = [r for r in part if "true_score_median" in r]

        def mean(key: str, among: list[dict]) -> float:
            return sum(r[key] for r in among) / len(among) if among else float("nan")

        out.append({"steps": f"{part[0]['step']}-{part[-1]['step']}",
                    "r_c": mean("reward", part), "kl": mean("kl", part),
                    "grad_norm": mean("grad_norm", part),
                    "true_median": mean("true_score_median", probed),
                    "valid": mean("valid_fraction", probed)})
    return out


def report(tags: list[str]) -> str:
    lines = []
    for tag in tags:
        for item in json.loads((RESULTS / f"{tag}.json").read_text())["curves"]:
            lines += [f"\n{item['task']} seed {item['seed']}, prior of a {item['max_minutes']:g}"
                      f"-minute run, settings {json.dumps(item['settings'])} "
                      f"({item['seconds']:.0f} s)\n",
                      "| steps | r_c | KL | grad norm | probe true median | probe valid |",
                      "|---|---|---|---|---|---|"]
            lines += [f"| {w['steps']} | {w['r_c']:.3f} | {w['kl']:.1f} | {w['grad_norm']:.1f} | "
                      f"{w['true_median']:.3f} | {w['valid']:.1%} |"
                      for w in windows(item["rows"])]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", nargs="+", metavar="TAG", help="print the curves' tables")
    sub = parser.add_subparsers(dest="command")
    made = sub.add_parser("design", help="one braid design run, its workspace kept")
    made.add_argument("--task", required=True)
    made.add_argument("--seed", type=int, default=0)
    made.add_argument("--max-minutes", type=float, default=10.0)
    made.add_argument("--folder", required=True)
    tuned = sub.add_parser("curve", help="fine-tuning curves from a design run's models")
    tuned.add_argument("--folder", required=True)
    tuned.add_argument("--steps", type=int, default=250)
    tuned.add_argument("--settings", nargs="+", default=["{}"],
                       help="FinetuneConfig fields as JSON, one curve each")
    tuned.add_argument("--tag", required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.report:
        print(report(args.report))
    elif args.command == "design":
        design(args)
    elif args.command == "curve":
        curves = [curve(Path(args.folder), args.steps, json.loads(s)) for s in args.settings]
        command = " ".join(["python", "bench/vector_curves.py", *sys.argv[1:]])
        (RESULTS / f"{args.tag}.json").write_text(json.dumps(
            {"command": command, "curves": curves}))
        print(report([args.tag]))
    else:
        parser.error("give design, curve or --report")


if __name__ == "__main__":
    main()
