"""Benchmark report: every method x seeds on the benchmark tasks (issue 3, DESIGN.md §2).

Per task: the offline protocol's files (seed 0 export, as a user holds them), one prior
pre-trained on the unlabeled CSV (the shipped one in assets/priors/<task> when present, else
trained here), then per seed: both reward models fitted on D, and 128 designs from each
method, all through `braid_core.pipeline` (the code `braid design` runs). Methods share the
prior, the reward model and the fine-tuning budget. The true score and validity come from the
task's oracle, which no method sees. Writes bench/results/design_bench.{md,json} and the
per-step curves of STRL and BRAID (design_curves.json), with the command that made them.

    python bench/design_bench.py                                   # the full report
    python bench/design_bench.py --tasks ehrlich-20-32 --seeds 0 --methods braid-boot strl
    python bench/design_bench.py --tasks tfbind8 --prior tfbind8=DIR     # a saved prior
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

from braid_core import defaults, pipeline
from braid_core.rewards import NETWORK_CHOICES
from braid_core.runtime import set_cpu_threads
from braid_core.tasks import get_task

RESULTS = Path(__file__).resolve().parent / "results"
ASSETS = Path(__file__).resolve().parent.parent / "assets" / "priors"
# Bench-only variants: "strl-bonus" is STRL (c = 0) on BRAID-Bonus's reward model, where
# "strl" reads the Boot ensemble's mean, so c is the only difference from braid-bonus;
# "guidance-bonus" and "proxy-bonus" are those baselines on the Bonus model too (the product
# runs them on the Boot model), so the reward model is the same for all four;
# "guidance-floor" is Guidance sampling with BRAID's support floor (defaults.SUPPORT_FLOOR).
METHODS = ("braid-boot", "braid-bonus", "strl", "strl-bonus", "guidance", "guidance-bonus",
           "guidance-floor", "ddom", "proxy", "proxy-bonus", "pretrained", "offline-best")
# unique_fraction: distinct designs among those handed over (a collapsed sampler's repeats
# fill the rest, and would otherwise lift the median unseen).
COLUMNS = ("validity", "true_score_median", "true_score_max", "fraction_above_offline_best",
           "unique_fraction", "novelty_mean", "diversity", "predicted_minus_true")


def reward_kind(method: str) -> str:
    """The reward model a method reads: "bonus" for the -bonus variants, else "boot"."""
    return "bonus" if method.endswith("-bonus") else "boot"


class Recorder(pipeline.Reporter):
    """Keeps the metric rows of a step in memory (for the curves) and prints progress and notes."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label, self.rows = label, []

    def step(self, step, metrics):
        self.rows.append({"step": step, **metrics})
        if "true_score_median" in metrics:
            print(f"  {self.label} step {step}: reward {metrics.get('reward', 0):.4f} "
                  f"kl {metrics.get('kl', 0):.2f} true median {metrics['true_score_median']:.4f}"
                  f" valid {metrics['valid_fraction']:.2f}", flush=True)

    def note(self, message):
        # The pipeline's notes (e.g. a model that drew too few distinct designs) belong in the
        # benchmark's log beside the figures they qualify.
        print(f"  {self.label}: {message}", flush=True)


def prepare_task(name: str, folder: Path, prior_minutes: float,
                 given: str | None = None) -> tuple[Path, Path, Path]:
    """(offline.csv, unlabeled.csv, prior folder) for a task: the given, shipped or a new prior."""
    unlabeled, offline = get_task(name).export(folder / "data", seed=0)
    if given is not None:
        return offline, unlabeled, Path(given)
    shipped = ASSETS / name
    if (shipped / "model.safetensors").is_file():
        return offline, unlabeled, shipped
    print(f"{name}: pre-training a prior for {prior_minutes} min", flush=True)
    config = pipeline.prior_config(unlabeled, max_minutes=prior_minutes)
    pipeline.run_prior(config, folder, pipeline.Reporter())
    return offline, unlabeled, folder / "prior"


def run_method(method: str, task: str, seed: int, prior: Path, rewards: dict[str, Path],
               offline: Path, args: argparse.Namespace, out: Path) -> tuple[dict, list]:
    """128 designs of one method; returns (summary, metric rows)."""
    recorder = Recorder(f"{task} {method} seed {seed}")
    start = time.perf_counter()
    reward = rewards[reward_kind(method)]
    if method in ("braid-boot", "braid-bonus", "strl", "strl-bonus"):
        c = 0.0 if method.startswith("strl") else args.c
        config = pipeline.finetune_config(
            prior, reward, c=c, alpha=args.alpha, steps=args.steps, num_designs=args.num_designs,
            seed=seed, task=task, offline=offline, max_minutes=args.finetune_minutes,
            probe_every=args.probe_every, device=args.device,
            pool_size=args.pool_factor * args.num_designs, **args.finetune_options)
        summary = pipeline.run_finetune(config, out, recorder)
        # Time-budgeted: how many steps the budget bought depends on the machine and its load.
        summary["finetune_steps"] = len(recorder.rows)
    else:
        floor = method == "guidance-floor"
        options = {"support_floor": defaults.SUPPORT_FLOOR} if floor else None
        config = pipeline.baseline_config(
            method.removesuffix("-bonus").removesuffix("-floor"), prior, reward,
            num_designs=args.num_designs, seed=seed, task=task, offline=offline, c=args.c,
            device=args.device, options=options,
            pool_size=args.pool_factor * args.num_designs)
        config["max_seconds"] = 60.0 * args.finetune_minutes
        summary = pipeline.run_baseline(config, out, recorder)
    summary["seconds"] = time.perf_counter() - start
    return summary, recorder.rows


def markdown(rows: list[dict]) -> str:
    """Mean (and spread over seeds) of each figure per task and method."""
    shown = (*COLUMNS, "finetune_steps", "seconds")
    head = ("| task | method | seeds | " + " | ".join(shown) + " |\n|---|---|---|"
            + "---|" * len(shown) + "\n")
    lines = []
    for task in dict.fromkeys(r["task"] for r in rows):
        for method in dict.fromkeys(r["method"] for r in rows if r["task"] == task):
            group = [r for r in rows if r["task"] == task and r["method"] == method]
            cells = []
            for column in shown:
                values = [r[column] for r in group if column in r]
                if not values:
                    cells.append("–")
                elif len(values) == 1:
                    cells.append(f"{values[0]:.3g}")
                else:
                    cells.append(f"{statistics.mean(values):.3g} ± {statistics.stdev(values):.2g}")
            lines.append(f"| {task} | {method} | {len(group)} | " + " | ".join(cells) + " |")
    return head + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["ehrlich-20-32", "ehrlich-20-64",
                                                       "tfbind8"])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--c", type=float, default=pipeline.DEFAULT_C)
    parser.add_argument("--alpha", type=float, default=pipeline.DEFAULT_ALPHA)
    parser.add_argument("--steps", type=int, default=pipeline.DESIGN_MAX_STEPS,
                        help="cap; by default the time budget ends fine-tuning, as in braid design")
    parser.add_argument("--finetune-minutes", type=float, default=3.0)
    parser.add_argument("--finetune-options", type=json.loads, default={}, metavar="JSON",
                        help="further FinetuneConfig fields for the fine-tuned methods, e.g. "
                        "'{\"tilt_value\": \"substitution\"}' (a trial, not a default)")
    parser.add_argument("--prior-minutes", type=float, default=6.0)
    parser.add_argument("--prior", action="append", default=[], metavar="TASK=DIR",
                        help="use this saved prior for TASK instead of the shipped or a new one")
    parser.add_argument("--num-designs", type=int, default=128)
    parser.add_argument("--pool-factor", type=int, default=pipeline.POOL_FACTOR,
                        help="draw this many times --num-designs, keep the best distinct ones "
                        "by r_c (1: the designs as drawn)")
    parser.add_argument("--probe-every", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--reward-network", default=pipeline.DEFAULT_REWARD_NETWORK,
                        choices=list(NETWORK_CHOICES), help="sequence reward net shape(s)")
    parser.add_argument("--tag", default="design_bench")
    args = parser.parse_args(argv)
    set_cpu_threads(args.threads)
    command = "python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *sys.argv[1:]])
    rows, curves = [], {}
    given_priors = dict(spec.split("=", 1) for spec in args.prior)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for task in args.tasks:
            try:
                offline, _, prior = prepare_task(task, Path(scratch) / task, args.prior_minutes,
                                                 given_priors.get(task))
            except FileNotFoundError as err:  # tfbind8 not prepared
                print(f"{task}: skipped ({err})", flush=True)
                continue
            for seed in args.seeds:
                rewards = {}
                # Fit only the models the chosen methods read (every method's designs are
                # ranked or reported by one; reward_kind says which).
                for kind in sorted({reward_kind(m) for m in args.methods}):
                    folder = Path(scratch) / task / f"reward-{kind}-{seed}"
                    config = pipeline.reward_config(offline, kind=kind, seed=seed,
                                                    device=args.device,
                                                    network=args.reward_network)
                    metrics = pipeline.run_reward(config, folder, Recorder("reward"))
                    print(f"{task} seed {seed} reward {kind}: pearson {metrics['pearson']:.3f}"
                          f" spearman {metrics['spearman']:.3f}", flush=True)
                    rewards[kind] = folder / "reward"
                for method in args.methods:
                    out = Path(scratch) / task / f"{method}-{seed}"
                    summary, steps = run_method(method, task, seed, prior, rewards, offline,
                                                args, out)
                    rows.append({"task": task, "method": method, "seed": seed, **summary})
                    curves[f"{task}/{method}/{seed}"] = steps
                    print(f"{task} {method} seed {seed}: " + ", ".join(
                        f"{k} {summary[k]:.3g}" for k in COLUMNS if k in summary), flush=True)
                    write(rows, curves, command, args)
    print(markdown(rows))


def write(rows: list[dict], curves: dict, command: str, args: argparse.Namespace) -> None:
    """Rewrite the results after every method, so a long run leaves what it finished."""
    device = "cuda" if args.device != "cpu" and torch.cuda.is_available() else "cpu"
    header = (f"# Design benchmark\n\nCommand: `{command}`\n\nDevice: {device}, CPU threads "
              f"{args.threads}. {args.num_designs} designs per method and seed (the best distinct "
              f"ones by r_c of {args.pool_factor * args.num_designs} drawn; offline-best: the "
              f"top of D); mean ± std over seeds.\n\n")
    (RESULTS / f"{args.tag}.md").write_text(header + markdown(rows))
    (RESULTS / f"{args.tag}.json").write_text(json.dumps(
        {"command": command, "args": vars(args), "rows": rows}, indent=1, default=str) + "\n")
    write_curves(args.tag, curves)


def write_curves(tag: str, curves: dict) -> None:
    """bench/results/<tag>_curves.json, floats to 5 significant digits: the per-step rows
    only feed the figure, and full precision doubled the file."""
    def rounded(value):
        return float(f"{value:.5g}") if isinstance(value, float) else value

    compact = {key: [{name: rounded(value) for name, value in row.items()} for row in rows]
               for key, rows in curves.items()}
    (RESULTS / f"{tag}_curves.json").write_text(json.dumps(compact) + "\n")


if __name__ == "__main__":
    main()
