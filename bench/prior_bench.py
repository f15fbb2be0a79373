"""Benchmark of the sequence prior on Ehrlich instances (the bar: >= 95 % valid samples).

For each instance: pre-train a prior on its 20,000-sequence unlabeled set within the time
budget, draw samples, and measure validity (no banned transition), exact copies of training
sequences, diversity (mean pairwise Hamming distance, beside that of the training data),
training and sampling time. Prints a table and writes markdown + json under bench/results/
with the command that made them.

    python bench/prior_bench.py                       # the default recipe, 5 instances
    python bench/prior_bench.py --minutes 4 --instances ehrlich-20-32
    python bench/prior_bench.py --config '{"width": 96}' --sampling '{"order": "random"}'
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
import tempfile
import time
import warnings
from pathlib import Path

import torch

from braid_core.data import DataWarning, read_designs
from braid_core.diffusion.prior import PriorConfig
from braid_core.diffusion.train import train_prior
from braid_core.runtime import make_generator, set_cpu_threads
from braid_core.tasks.ehrlich import EhrlichTask

# name -> (length, motifs, seed); the two named tasks and three other family members.
INSTANCES = {
    "ehrlich-20-32": (32, 2, 0),
    "ehrlich-20-64": (64, 4, 0),
    "ehrlich-20-40-m3-s1": (40, 3, 1),
    "ehrlich-20-56-m2-s2": (56, 2, 2),
    "ehrlich-20-64-m4-s3": (64, 4, 3),
}
RESULTS = Path(__file__).resolve().parent / "results"


def unlabeled_set(task: EhrlichTask, seed: int) -> torch.Tensor:
    """The task's unlabeled CSV, as a user holds it, read back through `read_designs`.

    Only the unlabeled file is used (DESIGN.md §2 protocol: 20,000 chain samples; duplicates
    are merged by the reader).
    """
    with tempfile.TemporaryDirectory() as folder:
        unlabeled, _ = task.export(Path(folder), seed=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            data = read_designs(unlabeled, value_column=None, alphabet="protein")
    return data.x


def mean_pairwise_hamming(x: torch.Tensor, max_rows: int = 500) -> float:
    """Mean Hamming distance over distinct pairs of the first `max_rows` rows."""
    x = x[:max_rows]
    n = x.shape[0]
    distance = (x[:, None, :] != x[None, :, :]).sum(-1).float()
    return float(distance.sum() / (n * (n - 1)))


def bench_instance(name: str, config: PriorConfig, sampling: dict, num_samples: int,
                   seed: int, save_dir: Path | None = None) -> dict:
    """Train on one instance and measure its samples."""
    length, motifs, task_seed = INSTANCES[name]
    task = EhrlichTask(num_states=20, length=length, num_motifs=motifs, motif_length=4,
                       seed=task_seed)
    x = unlabeled_set(task, seed)
    losses: list[float] = []
    start = time.perf_counter()
    prior = train_prior(x, task.space, config, device=torch.device("cpu"),
                        generator=make_generator(seed, "cpu"),
                        on_step=lambda step, metrics: losses.append((step, metrics["loss"])))
    train_s = time.perf_counter() - start
    start = time.perf_counter()
    samples = prior.sample(num_samples, generator=make_generator(seed + 1, "cpu"), **sampling)
    sample_s = time.perf_counter() - start
    variants = {}  # other samplers on the same prior: order x (L/2 or L reverse steps)
    for order, noise in (("random", 0.0), ("confidence", 0.0), ("confidence", 1.0)):
        for steps, label in ((length // 2, "L/2"), (length, "L")):
            variant = prior.sample(256, generator=make_generator(seed + 2, "cpu"),
                                   num_steps=steps, order=order, position_noise=noise)
            sampler = f"{order}{'+noise' if noise else ''} {label}"
            variants[sampler] = float(task.is_valid(variant).float().mean())
            variants[sampler + " diversity"] = mean_pairwise_hamming(variant)
    if save_dir is not None:
        prior.save(save_dir / name)
    train_rows = {tuple(row) for row in x.tolist()}
    copies = sum(tuple(row) in train_rows for row in samples.tolist()) / num_samples
    return {
        "instance": name, "length": length, "motifs": motifs, "task_seed": task_seed,
        "valid": float(task.is_valid(samples).float().mean()),
        "copies": copies,
        "unique": len({tuple(row) for row in samples.tolist()}) / num_samples,
        "diversity": mean_pairwise_hamming(samples),
        "train_diversity": mean_pairwise_hamming(x),
        "train_s": train_s, "steps": losses[-1][0] if losses else 0,
        "final_loss": losses[-1][1] if losses else float("nan"),
        "sample_s": sample_s, "num_samples": num_samples, "validity_by_sampler": variants,
    }


def sampler_table(rows: list[dict]) -> str:
    """Validity of 256 samples of each trained prior under other samplers."""
    names = list(rows[0]["validity_by_sampler"])
    head = "| instance | " + " | ".join(names) + " |\n|---|" + "---|" * len(names) + "\n"
    return head + "".join(
        f"| {r['instance']} | "
        + " | ".join(f"{r['validity_by_sampler'][n]:.1f}" if "diversity" in n
                     else f"{100 * r['validity_by_sampler'][n]:.1f} %" for n in names) + " |\n"
        for r in rows)


def markdown_table(rows: list[dict]) -> str:
    head = ("| instance | valid | copies | unique | diversity (train) | train s | steps "
            "| loss | sample s |\n|---|---|---|---|---|---|---|---|---|\n")
    return head + "".join(
        f"| {r['instance']} | {100 * r['valid']:.1f} % | {100 * r['copies']:.1f} % "
        f"| {100 * r['unique']:.1f} % | {r['diversity']:.1f} ({r['train_diversity']:.1f}) "
        f"| {r['train_s']:.0f} | {r['steps']} | {r['final_loss']:.3f} "
        f"| {r['sample_s']:.1f} |\n" for r in rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", nargs="+", default=list(INSTANCES), choices=INSTANCES)
    parser.add_argument("--minutes", type=float, default=None, help="training budget override")
    parser.add_argument("--config", default="{}", help="JSON PriorConfig overrides")
    parser.add_argument("--sampling", default="{}", help="JSON sample() overrides")
    parser.add_argument("--num-samples", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tag", default="prior_bench", help="result file name stem")
    parser.add_argument("--save-dir", type=Path, default=None, help="save each prior here")
    args = parser.parse_args(argv)
    set_cpu_threads(args.threads)
    config = PriorConfig(**json.loads(args.config))
    if args.minutes is not None:
        config = dataclasses.replace(config, max_minutes=args.minutes)
    sampling = json.loads(args.sampling)
    rows = []
    command = "python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *sys.argv[1:]])
    for name in args.instances:
        rows.append(bench_instance(name, config, sampling, args.num_samples, args.seed,
                                   args.save_dir))
        print(markdown_table(rows[-1:]).splitlines()[-1], flush=True)
        write_results(rows, command, config, sampling, args)


def write_results(rows: list[dict], command: str, config: PriorConfig, sampling: dict,
                  args: argparse.Namespace) -> None:
    """Rewrite the markdown and json results (after every instance: a long run keeps them)."""
    table = markdown_table(rows)
    table += "\nValidity by sampler (order-steps), same priors, 256 samples:\n\n"
    table += sampler_table(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    header = (f"# Prior benchmark\n\nCommand: `{command}`\n\nConfig: `{dataclasses.asdict(config)}`"
              f"\n\nSampling overrides: `{sampling}`; CPU threads: {args.threads}\n\n")
    (RESULTS / f"{args.tag}.md").write_text(header + table)
    (RESULTS / f"{args.tag}.json").write_text(json.dumps(
        {"command": command, "config": dataclasses.asdict(config), "sampling": sampling,
         "threads": args.threads, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
