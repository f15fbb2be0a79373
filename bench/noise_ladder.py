"""The unmasking order's noise against validity and diversity, per prior (issue 3).

For each (instance, prior folder): draw 128 designs at each position noise of the ladder that
`braid_core.diffusion.calibrate` climbs, and in random order, and measure validity (the
instance's oracle), diversity against the data's (the ratio the calibration reads), unique
fraction, the most frequent letter's share and the median true score. Also prints which noise
the calibration keeps for that prior. Writes bench/results/<tag>.{md,json}.

    python bench/noise_ladder.py --priors ehrlich-20-64=assets/priors/ehrlich-20-64
    python bench/noise_ladder.py --priors 56:3:23=DIR    # DIR from `braid prior train`
    python bench/noise_ladder.py --scan 300              # which seeds have self-looping chains
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
from pathlib import Path

import torch
from prior_bench import unlabeled_set  # bench/ is on the path when run as a script

from braid_core.diffusion.calibrate import NOISE_LADDER, calibrate_position_noise
from braid_core.diffusion.prior import Prior
from braid_core.evaluate import mean_pairwise_distance
from braid_core.runtime import make_generator, set_cpu_threads
from braid_core.tasks import ehrlich_instance, task_from_spec

RESULTS = Path(__file__).resolve().parent / "results"


def ladder_rows(spec: str, folder: str, num: int) -> list[dict]:
    task = task_from_spec(spec)
    data = unlabeled_set(task, seed=0)
    prior = Prior.load(folder)
    prior = dataclasses.replace(prior, config=dataclasses.replace(prior.config, position_noise=1.0))
    kept, trials = calibrate_position_noise(prior, data, generator=make_generator(0, "cpu"))
    if not trials:
        raise SystemExit(f"{folder}: random order or diversity_floor 0, nothing is calibrated")
    data_diversity = trials[0].data_diversity  # the calibration's own reference
    rows = []
    for noise in (*NOISE_LADDER, "random"):
        generator = make_generator(1, "cpu")
        if noise == "random":
            x = prior.sample(num, generator=generator, order="random")
        else:
            x = prior.sample(num, generator=generator, position_noise=noise)
        share = torch.bincount(x.flatten(), minlength=prior.space.vocab_size).max() / x.numel()
        rows.append({
            "instance": spec, "sampler": f"noise {noise}" if noise != "random" else "random",
            "kept": noise == kept.config.position_noise,
            "validity": float(task.is_valid(x).float().mean()),
            "diversity_ratio": mean_pairwise_distance(x, prior.space) / data_diversity,
            "unique": len({tuple(r) for r in x.tolist()}) / num,
            "top_letter_share": float(share),
            "true_score_median": float(task.score(x).median()),
        })
    return rows


def repeat_probability(seed: int) -> float:
    """P(x_{i+1} = x_i) of an Ehrlich chain at stationarity (the transition matrix depends
    on the seed only; length and motifs are placeholders)."""
    task = ehrlich_instance(48, 2, seed)
    return float((task.stationary * task.transition_matrix.diag()).sum())


def scan(num_seeds: int) -> str:
    """How many of seeds 0..num_seeds-1 give chains that repeat letters often."""
    probs = sorted(((repeat_probability(s), s) for s in range(num_seeds)), reverse=True)
    lines = [f"P(repeat) over seeds 0-{num_seeds - 1}:"]
    for bar in (0.1, 0.2, 0.3):
        share = sum(p >= bar for p, _ in probs) / num_seeds
        lines.append(f"  >= {bar}: {share:.1%} of seeds")
    lines.append("  highest: " + ", ".join(f"seed {s} {p:.2f}" for p, s in probs[:10]))
    return "\n".join(lines)


def markdown(rows: list[dict], command: str) -> str:
    lines = ["# Position noise of the unmasking order", "", f"Command: `{command}`", "",
             "128 designs per sampler; `kept` marks the noise `calibrate_position_noise` "
             "chooses (smallest noise whose diversity ratio reaches 0.8).", "",
             "| instance | sampler | kept | validity | diversity / data | unique | "
             "top letter share | median true score |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['instance']} | {r['sampler']} | {'yes' if r['kept'] else ''} | "
                     f"{r['validity']:.1%} | {r['diversity_ratio']:.2f} | {r['unique']:.0%} | "
                     f"{r['top_letter_share']:.2f} | {r['true_score_median']:.4g} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--priors", nargs="+", default=[], help="INSTANCE=PRIOR_DIR ...")
    parser.add_argument("--scan", type=int, default=0, help="print P(repeat) over this many seeds")
    parser.add_argument("--num", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tag", default="noise_ladder")
    args = parser.parse_args()
    set_cpu_threads(args.threads)
    if args.scan:
        print(scan(args.scan))
        return
    if not args.priors:
        parser.error("give --priors INSTANCE=DIR ... or --scan N")
    rows = []
    for pair in args.priors:
        spec, folder = pair.split("=", 1)
        rows += ladder_rows(spec, folder, args.num)
        print(markdown(rows, ""), flush=True)
    command = "python " + " ".join(shlex.quote(a) for a in ["bench/noise_ladder.py", *sys.argv[1:]])
    (RESULTS / f"{args.tag}.md").write_text(markdown(rows, command))
    (RESULTS / f"{args.tag}.json").write_text(json.dumps({"command": command, "rows": rows},
                                                         indent=1))


if __name__ == "__main__":
    main()
