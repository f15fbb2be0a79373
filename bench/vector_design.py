"""`braid design` on the vector tasks, each method as users run it: which one should vectors
default to?

The default method (braid-bonus) was chosen on sequences. Session 36 (vector_uncertainty.md)
measured that Bonus's u understates the error of a non-linear truth far from D (Boot's less),
on reward fits alone. This runs the whole command on the vector tasks: toy-2d (a ring, linear
reward: the fit extrapolates correctly) and shell-bumps-6 (a shell in R^6, a sum of bumps: it
does not; shell-bumps-D is the same shell in R^D). For each task, method and seed: export the
task's files (data seed 0), run `braid design --method M --seed S --max-minutes X --threads T`
in a subprocess (its own workspace; the oracle never reaches it), then score the designs it
wrote with the task's oracle. Rows carry task, method and seed, so bench/paired.py compares
methods seed by seed.

    python bench/vector_design.py --tasks shell-bumps-6 --methods braid-bonus,braid-boot \
        --seeds 0,1,2 --max-minutes 3 --threads 1 --tag vector_design_a
    python bench/vector_design.py --report vector_design_a vector_design_b \
        --out bench/results/vector_design.md
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch

from braid_core.data import read_designs
from braid_core.evaluate import design_table, summarize
from braid_core.tasks import ShellBumpsTask, get_task

sys.path.insert(0, str(Path(__file__).parent))  # paired.py sits beside this script
from paired import per_seed, read, summary  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
FIGURES = ("validity", "true_score_median", "true_score_max", "offline_best",
           "fraction_above_offline_best", "novelty_mean", "diversity")
DEFAULT_METHOD = "braid-bonus"


def vector_task(name: str):
    """A registered task, or the shell in another dimension, "shell-bumps-D" (D >= 2)."""
    prefix = "shell-bumps-"
    if name.startswith(prefix) and name[len(prefix):].isdigit():
        return ShellBumpsTask(dim=int(name[len(prefix):]))
    return get_task(name)


def design_command(unlabeled: Path, offline: Path, folder: Path, method: str, seed: int,
                   max_minutes: float, threads: int, alpha: float | None = None) -> list[str]:
    """`braid design` on a task's exported files, writing folder/designs.csv; run it with
    `workspace_env(folder)`."""
    command = [sys.executable, "-m", "braid_core.cli", "design", "--unlabeled", str(unlabeled),
               "--offline", str(offline), "--out", str(folder / "designs.csv"),
               "--method", method, "--seed", str(seed), "--max-minutes", str(max_minutes),
               "--threads", str(threads), "--device", "cpu"]
    if alpha is not None:  # a probe of the KL weight, not a default
        command += ["--alpha", str(alpha)]
    return command


def workspace_env(folder: Path) -> dict[str, str]:
    """The environment of a run whose workspace is folder/workspace (kept there)."""
    return {**os.environ, "BRAID_HOME": str(folder / "workspace")}


def run_one(task_name: str, method: str, seed: int, args: argparse.Namespace,
            folder: Path) -> dict:
    """One `braid design` run, scored by the task's oracle."""
    task = vector_task(task_name)
    unlabeled, offline = task.export(folder / "data", seed=0)
    command = design_command(unlabeled, offline, folder, method, seed, args.max_minutes,
                             args.threads, args.alpha)
    out = folder / "designs.csv"
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=folder, stdout=subprocess.DEVNULL,
                   env=workspace_env(folder))
    minutes = (time.perf_counter() - start) / 60.0
    data = read_designs(offline)
    columns = list(data.space.names)
    designs = torch.tensor(pd.read_csv(out)[columns].to_numpy(), dtype=torch.float32)
    table = design_table(designs, data.space, offline_x=data.x, task=task)
    figures = summarize(table, designs, data.space, offline_y=data.y)
    label = args.label or (method if args.alpha is None else f"{method} alpha {args.alpha:g}")
    return {"task": task_name, "method": label, "seed": seed, "minutes": minutes,
            **{k: figures[k] for k in FIGURES}}


def run(args: argparse.Namespace) -> None:
    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    rows: list[dict] = []
    cases = [(t, m, s) for t in args.tasks.split(",") for s in _ints(args.seeds)
             for m in args.methods.split(",")]
    for task_name, method, seed in cases:
        with tempfile.TemporaryDirectory() as folder:
            rows.append(run_one(task_name, method, seed, args, Path(folder)))
        print(json.dumps(rows[-1]), flush=True)
        (RESULTS / f"{args.tag}.json").write_text(json.dumps(
            {"command": command, "threads": args.threads, "max_minutes": args.max_minutes,
             "rows": rows}, indent=1) + "\n")


def report(tags: list[str], against: str = DEFAULT_METHOD) -> str:
    """Every row, the means per task and method, and each method paired against `against`
    (a method's label, default the default method) seed by seed."""
    rows = read(tags)
    commands = [json.loads((RESULTS / f"{tag}.json").read_text())["command"] for tag in tags]
    lines = ["# `braid design` on the vector tasks (bench/vector_design.py)", "",
             "Commands (one CPU thread each, on the shared 2-core machine):", "",
             *[f"- `{c}`" for c in commands], "",
             f"`python bench/vector_design.py --report {' '.join(tags)} "
             f"--against '{against}'` wrote this file.", "",
             "## Means over seeds", "",
             "| task | method | seeds | " + " | ".join(FIGURES) + " | minutes |",
             "|" + "---|" * (len(FIGURES) + 4)]
    keys = sorted({(r["task"], r["method"]) for r in rows})
    for task_name, method in keys:
        mine = [r for r in rows if r["task"] == task_name and r["method"] == method]
        means = [sum(r[k] for r in mine) / len(mine) for k in (*FIGURES, "minutes")]
        lines.append(f"| {task_name} | {method} | {len(mine)} | "
                     + " | ".join(f"{v:.3f}" for v in means) + " |")
    lines += ["", f"## Paired against {against} (mean difference over seeds, its "
              "standard error, seeds higher / level / lower)", "",
              "| task | method | median | validity | max |", "|---|---|---|---|---|"]
    for task_name, method in keys:
        if method == against:
            continue
        a, b = per_seed(rows, task_name, method), per_seed(rows, task_name, against)
        if not set(a) & set(b):
            continue
        cells = []
        for figure in ("true_score_median", "validity", "true_score_max"):
            s = summary(a, b, figure)
            cells.append(f"{s['difference']:+.3f} ± {s['standard_error']:.3f} "
                         f"({s['higher']}/{s['level']}/{s['lower']} of {s['seeds']})")
        lines.append(f"| {task_name} | {method} | " + " | ".join(cells) + " |")
    lines += ["", "## Every run", "",
              "| task | method | seed | " + " | ".join(FIGURES) + " | minutes |",
              "|" + "---|" * (len(FIGURES) + 4)]
    for r in sorted(rows, key=lambda r: (r["task"], r["method"], r["seed"])):
        lines.append(f"| {r['task']} | {r['method']} | {r['seed']} | "
                     + " | ".join(f"{r[k]:.3f}" for k in (*FIGURES, "minutes")) + " |")
    return "\n".join(lines) + "\n"


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="toy-2d,shell-bumps-6")
    parser.add_argument("--methods", default="braid-bonus,braid-boot,strl,pretrained")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--max-minutes", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--alpha", type=float, default=None,
                        help="passed to `braid design --alpha`; default: the command's own")
    parser.add_argument("--label", default=None, help="the rows' method label (default: the "
                        "method, and alpha where given), e.g. to tell two versions of the code "
                        "apart (run one with PYTHONPATH set to a copy of the tree)")
    parser.add_argument("--tag", default="vector_design")
    parser.add_argument("--report", nargs="+", metavar="TAG",
                        help="write the report of these results files instead of running")
    parser.add_argument("--out", default=None, help="with --report: the Markdown file")
    parser.add_argument("--against", default=DEFAULT_METHOD,
                        help="with --report: the method label the others are paired against")
    args = parser.parse_args()
    if args.report:
        text = report(args.report, args.against)
        if args.out:
            Path(args.out).write_text(text)
        print(text)
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    run(args)


if __name__ == "__main__":
    main()
