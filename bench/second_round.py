"""Further rounds: does adding earlier rounds' measured designs to D help `braid design`?

The plateau warning tells a user whose D is a pile at its best value that measuring some new
designs and adding them to the data is what gives it a rank above the pile. This measures that
advice as a user would follow it, with the real command line and every default: round 1 is
`braid design` on the instance's exported files; its designs are "measured" by the oracle
(which the commands never see; an infeasible design is measured as 0, no function); `braid data
merge` adds them to D; round 2 is `braid design` on the merged file, and so on. Every round
is scored against the *original* D's best (the pile the user wanted to beat) and the prior's
samples.
Writes bench/results/<tag>.{md,json}.

    python bench/second_round.py --instances 37:2:1461 35:2:7340 --threads 1
    python bench/second_round.py --instances 48:2:20 --rounds 3 --threads 1
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
from braid_core.diffusion.prior import Prior
from braid_core.runtime import make_generator, set_cpu_threads
from braid_core.tasks import task_from_spec

sys.path.insert(0, str(Path(__file__).parent))  # unseen_design sits beside this script
from unseen_design import RESULTS, _score, markdown, verdict  # noqa: E402


def cli(*args: str, folder: Path, threads: int | None = None) -> None:
    """The real command line in a subprocess, recording into the folder's own workspace."""
    command = [sys.executable, "-m", "braid_core.cli", *args]
    if threads is not None:
        command += ["--threads", str(threads)]
    subprocess.run(command, check=True, cwd=folder,
                   env={**os.environ, "BRAID_HOME": str(folder / "workspace")})  # fmt: skip


def design(unlabeled: Path, offline: Path, out: Path, args: argparse.Namespace,
           folder: Path) -> tuple[torch.Tensor, float]:  # fmt: skip
    """`braid design` with every default but the budget; its designs as tokens, and minutes."""
    start = time.perf_counter()
    cli("design", "--unlabeled", str(unlabeled), "--offline", str(offline), "--out", str(out),
        "--max-minutes", str(args.max_minutes), "--device", "cpu", folder=folder,
        threads=args.threads)  # fmt: skip
    space = read_designs(offline).space
    tokens = torch.as_tensor(space.encode(pd.read_csv(out)["sequence"].tolist()))
    return tokens, (time.perf_counter() - start) / 60.0


def run_instance(spec: str, args: argparse.Namespace, folder: Path) -> list[dict]:
    """A row per round and one for round 1's prior, all against the original D.

    Round k + 1 runs on D plus every design measured in rounds 1..k, merged one round at a time
    with `braid data merge`, as a lab going round after round would."""
    task = task_from_spec(spec)
    unlabeled, offline = task.export(folder / "data", seed=0)
    data = read_designs(offline)
    space = data.space
    rows: list[dict] = []
    current = offline
    best_measured = float("-inf")  # the best design measured in the rounds before this one
    for round_number in range(1, args.rounds + 1):
        designs, minutes = design(unlabeled, current, folder / f"round{round_number}.csv", args,
                                  folder)  # fmt: skip
        earlier = "round 1" if round_number == 2 else f"rounds 1-{round_number - 1}"
        label = "round 1" if round_number == 1 else (
            f"round {round_number} (D + {earlier} measured)")
        rows.append(_score(label, designs, task, data, spec, minutes))
        if round_number > 1:
            rows[-1]["measured_best_before"] = best_measured
        measured = task.score(designs).double()
        measured = torch.where(torch.isfinite(measured), measured, torch.zeros_like(measured))
        best_measured = max(best_measured, float(measured.max()))
        if round_number == args.rounds:
            break
        measured_file = folder / f"measured{round_number}.csv"
        pd.DataFrame({"sequence": space.decode(designs), "value": measured.numpy()}).to_csv(
            measured_file, index=False)
        merged = folder / f"d{round_number + 1}.csv"
        cli("data", "merge", str(current), str(measured_file), "--out", str(merged),
            folder=folder)  # fmt: skip
        current = merged
    runs = sorted((folder / "workspace" / "runs").glob("*-design-*"))  # ids start with the time
    prior_folder = runs[0] / "prior"
    with torch.no_grad():
        # as many as a round hands over (every round draws --num-designs)
        samples = Prior.load(prior_folder).sample(len(designs), generator=make_generator(0))
    prior_row = _score("round 1's prior's samples", samples, task, data, spec, None)
    for row in rows:
        row["verdict"] = verdict(row, prior_row)
    return rows + [prior_row]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", nargs="+", required=True,
                        help="length:motifs:seed of each Ehrlich instance")
    parser.add_argument("--rounds", type=int, default=2,
                        help="rounds of design, measure and merge (2: one extra round)")
    parser.add_argument("--max-minutes", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tag", default="second_round")
    args = parser.parse_args()
    set_cpu_threads(args.threads)
    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    rows: list[dict] = []
    for spec in args.instances:
        with tempfile.TemporaryDirectory() as folder:
            rows += run_instance(spec, args, Path(folder))
        print(markdown(rows), flush=True)
        header = (f"# {args.rounds} rounds of `braid design` on unseen Ehrlich instances\n\n"
                  f"Command: `{command}`\n\nDevice: cpu, {args.threads} CPU threads. Oracle "
                  "figures against the original D (offline_best: its best value).\n\n")
        (RESULTS / f"{args.tag}.md").write_text(header + markdown(rows))
        (RESULTS / f"{args.tag}.json").write_text(json.dumps(
            {"command": command, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
