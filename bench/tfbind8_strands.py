"""TFBind8: does the oracle's reverse-complement symmetry help the reward model? (no fine-tuning)

SIX6's table scores every 8-mer exactly as its reverse complement (a PBM measures binding to
double-stranded DNA), and D (the lower half by score) holds both strands of every pair. Two
uses of that, against the reward model `braid design` fits (its defaults, on D as the command
reads the exported file), with all 65,536 8-mers ranked by r_c = r_hat - c u at the default c:

* strand-averaged prediction: r_hat and u^2 averaged over a design and its reverse complement;
* one per pair: the best 128 distinct pairs instead of the best 128 8-mers, since the two
  strands of a pair are the same binding site and score the same.

Per seed: |r_hat(x) - r_hat(rc x)| (how far the fit is from symmetric), the true max and median
of the best 128, how many of them duplicate a pair, and hits512 (8-mers >= 0.986 among the
best 512).

    python bench/tfbind8_strands.py --seeds 0,1,2,3
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from braid_core.defaults import C
from braid_core.rewards import RewardTrainConfig, train_reward
from braid_core.rewards.conservative import Prediction, conservative_reward, predict_in_chunks
from braid_core.runtime import make_generator, set_cpu_threads
from braid_core.tasks import TFBind8Task
from braid_core.tasks.tfbind8 import NUM_DESIGNS, index_tokens, sequence_index

sys.path.insert(0, str(Path(__file__).parent))  # plateau_signal sits beside this script
from plateau_signal import _as_design_reads  # noqa: E402

TARGET = 0.986  # best published design-bench baseline on TFBind8
TOP = 128


def reverse_complement_index(task: TFBind8Task) -> torch.Tensor:
    """For each 8-mer's index, the index of its reverse complement."""
    tokens = index_tokens(torch.arange(NUM_DESIGNS))
    complement = torch.tensor([task.space.alphabet.index(c) for c in "TGCA"])  # of A, C, G, T
    return sequence_index(complement[tokens].flip(-1))


def best_pairs(order: torch.Tensor, pair: torch.Tensor, count: int) -> torch.Tensor:
    """The first `count` 8-mers of `order` whose pair has not been taken yet."""
    taken, kept = set(), []
    for index in order.tolist():
        if int(pair[index]) not in taken:
            taken.add(int(pair[index]))
            kept.append(index)
            if len(kept) == count:
                break
    return torch.tensor(kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2,3")
    args = parser.parse_args()
    set_cpu_threads(1)
    task = TFBind8Task()
    truth = task.table
    rc = reverse_complement_index(task)
    assert torch.equal(truth[rc], truth), "the oracle is not strand-symmetric"
    pair = torch.minimum(torch.arange(NUM_DESIGNS), rc)
    x, y, space = _as_design_reads(task)
    in_d = torch.zeros(NUM_DESIGNS, dtype=torch.bool)
    in_d[sequence_index(x)] = True
    print(f"`python {' '.join(sys.argv)}`; D: {len(x)} 8-mers, "
          f"{float(in_d[rc[sequence_index(x)]].float().mean()):.1%} with their reverse complement "
          f"in D; {int((truth >= TARGET).sum())} 8-mers score >= {TARGET}\n")
    print("| seed | prediction | mean abs r_hat(x) - r_hat(rc x) | best 128: max | median | "
          "pair duplicates | best 128 pairs: max | median | hits512 |")
    print("|---|---|---|---|---|---|---|---|---|")
    everything = index_tokens(torch.arange(NUM_DESIGNS))
    for seed in (int(s) for s in args.seeds.split(",")):
        model = train_reward((x, y, space), RewardTrainConfig(seed=seed),
                             device=torch.device("cpu"), generator=make_generator(seed))
        with torch.no_grad():
            plain = predict_in_chunks(model, everything, 4096)
        averaged = Prediction(mean=(plain.mean + plain.mean[rc]) / 2,
                              std=torch.sqrt((plain.std**2 + plain.std[rc] ** 2) / 2))
        asymmetry = float((plain.mean - plain.mean[rc]).abs().mean())
        for name, prediction in (("as fitted", plain), ("strand-averaged", averaged)):
            order = conservative_reward(prediction, C).argsort(descending=True)
            top, pairs = order[:TOP], best_pairs(order, pair, TOP)
            duplicates = TOP - len(set(pair[top].tolist()))
            print(f"| {seed} | {name} | {asymmetry:.4f} | {truth[top].max():.4f} | "
                  f"{truth[top].median():.4f} | {duplicates} | {truth[pairs].max():.4f} | "
                  f"{truth[pairs].median():.4f} | {int((truth[order[:512]] >= TARGET).sum())} |",
                  flush=True)


if __name__ == "__main__":
    main()
