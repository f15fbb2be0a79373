"""What the exact letter values of the "tilted" estimator cost against the gradient (issue 3).

`FinetuneConfig.tilt_value="substitution"` scores every single-letter change of each chain's
design (length x letters reward evaluations per design); "gradient" takes one backward pass of
the reward model per gradient-carrying state. This times full fine-tuning steps of both at the
defaults (batch 32, training chains of defaults.CHAIN_STEPS) over a grid of alphabet sizes and
lengths, with an untrained default prior and an untrained BRAID-Bonus reward net (the dilated
shape): the work per step does not depend on the weights. Prints the median step seconds
and their ratio; `defaults.SUBSTITUTION_MAX_CHANGES` is read off it. `--completions K ...`
adds the soft letter values over K completions per state (`tilt_completions`, with the
"auto" inner value: exact where the grid's changes per design allow, else first order).

    python bench/tilt_value_cost.py                    # 1 CPU thread
    python bench/tilt_value_cost.py --letters 4 20 --lengths 8 16 32 64 --device cuda
    python bench/tilt_value_cost.py --letters 4 20 --lengths 8 32 --completions 4 8
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys

import torch
from speed_bench import step_times

from braid_core.diffusion.prior import Prior, PriorConfig, build_network
from braid_core.finetune import FinetuneConfig
from braid_core.rewards.bonus import LastLayerBonus
from braid_core.rewards.train import DILATED_NET
from braid_core.runtime import resolve_device, set_cpu_threads
from braid_core.spaces import NAMED_ALPHABETS, SequenceSpace


def build(letters: int, length: int, device: torch.device, seed: int):
    """An untrained default prior and Bonus reward over `letters` x `length`."""
    torch.manual_seed(seed)  # entry-point script: fixes the untrained initial weights only
    space = SequenceSpace(NAMED_ALPHABETS["protein"][:letters], length)
    config = PriorConfig()
    prior = Prior(space, config, build_network(space, config).to(device).eval(), None)
    reward = LastLayerBonus(space, DILATED_NET).to(device).requires_grad_(False)
    return prior, reward


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, nargs="+", default=[4, 20])
    parser.add_argument("--lengths", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--completions", type=int, nargs="*", default=[],
                        help="also time soft letter values over K completions per state")
    parser.add_argument("--repeats", type=int, default=5, help="timed steps per setting")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    set_cpu_threads(args.threads)
    device = resolve_device(args.device)
    print(f"`python {' '.join(shlex.quote(a) for a in sys.argv)}` ({device}, "
          f"{args.threads} thread(s))\n")
    settings = {"gradient": {"tilt_value": "gradient"},
                "substitution": {"tilt_value": "substitution"},
                **{f"soft K={k}": {"tilt_value": "auto", "tilt_completions": k}
                   for k in args.completions}}
    print("| letters | length | changes per design | "
          + " | ".join(f"{name} s/step (x gradient)" for name in settings) + " |\n|"
          + "---|" * (3 + len(settings)))
    for letters in args.letters:
        for length in args.lengths:
            prior, reward = build(letters, length, device, args.seed)
            seconds = {}
            for name, options in settings.items():
                cfg = FinetuneConfig(steps=args.repeats + 1, probe_every=0, **options)
                seconds[name] = statistics.median(
                    step_times(prior, reward, cfg, warmup=1, seed=args.seed))
            cells = [f"{seconds[name]:.3f} ({seconds[name] / seconds['gradient']:.2f})"
                     for name in settings]
            print(f"| {letters} | {length} | {letters * length} | " + " | ".join(cells) + " |",
                  flush=True)


if __name__ == "__main__":
    main()
