"""Trial (issue 3, not adopted): a support penalty added to u, to hold validity at lower alpha.

BRAID's u (Bonus or Boot) does not flag infeasible designs on the Ehrlich tasks (rank
correlation of u with invalidity 0.02-0.07), so alpha alone holds validity. This trial adds a
learned "off the valid set" term: a classifier (the reward network, 3 dilated conv layers,
max pooling) is trained to tell the unlabeled valid designs U (label 0) from copies with 1-3
random letter substitutions (label 1), and fine-tuning sees

    u'(x) = u(x) + weight * s_y * softplus(logit(x) - offset)

with s_y the reward model's y_std. Everything else is `defaults_sweep.py`'s `prepare` and
`tune_and_report`: same reward cache (--work), seeds and RESULT line, so
`defaults_sweep.py --table` tabulates both.

    python bench/support_trial.py ehrlich-20-32 \
        '{"steps": 5000, "max_minutes": 3, "alpha": 0.1}' --seed 1 --weight 1
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from defaults_sweep import prepare, tune_and_report
from torch import Tensor, nn

from braid_core.data import read_designs
from braid_core.rewards import Prediction, RewardNet, RewardNetConfig
from braid_core.runtime import make_generator, set_cpu_threads
from braid_core.spaces import SequenceSpace


def substitute(x: Tensor, vocab_size: int, generator: torch.Generator, max_subs: int = 3
               ) -> Tensor:
    """Copies of x with 1..max_subs random letters replaced (a position may repeat)."""
    n, length = x.shape
    out = x.clone()
    count = torch.randint(1, max_subs + 1, (n,), generator=generator)
    for j in range(max_subs):
        position = torch.randint(0, length, (n,), generator=generator)
        letter = torch.randint(0, vocab_size, (n,), generator=generator)
        rows = torch.nonzero(count > j).squeeze(-1)
        out[rows, position[rows]] = letter[rows]
    return out


def train_support(x: Tensor, space: SequenceSpace, generator: torch.Generator,
                  steps: int = 1500, batch: int = 256) -> tuple[nn.Module, Tensor]:
    """A frozen classifier whose logit is high off the valid set; and 1000 held-out designs."""
    net = RewardNet(space, RewardNetConfig(conv_layers=3, dilation_growth=2, pooling="max",
                                           position_branch=False))
    net.reset_parameters(generator)
    order = torch.randperm(len(x), generator=generator)
    held_out, train = x[order[:1000]], x[order[1000:]]
    optimizer = torch.optim.AdamW(net.parameters(), 1e-3, weight_decay=1e-4)
    target = torch.cat([torch.zeros(batch), torch.ones(batch)])
    for step in range(steps):
        valid = train[torch.randint(0, len(train), (batch,), generator=generator)]
        source = train[torch.randint(0, len(train), (batch,), generator=generator)]
        logits = net(torch.cat([valid, substitute(source, space.vocab_size, generator)]))
        loss = nn.functional.binary_cross_entropy_with_logits(logits, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 300 == 0:
            print("support step", step, round(loss.item(), 4), flush=True)
    return net.eval().requires_grad_(False), held_out


class WithSupport(nn.Module):
    """A reward model whose u also carries the support penalty (the rest passes through)."""

    def __init__(self, reward: nn.Module, support: nn.Module, weight: float, offset: float):
        super().__init__()
        self.reward, self.support = reward, support
        self.weight, self.offset = weight, offset
        # y_std must pass through: fine-tuning divides by it (s_y), 1 when it is missing.
        self.kind, self.space, self.metrics = reward.kind, reward.space, reward.metrics
        self.y_std = reward.y_std

    @property
    def device(self) -> torch.device:
        return self.reward.device

    def predict(self, x: Tensor) -> Prediction:
        pred = self.reward.predict(x)
        penalty = self.weight * nn.functional.softplus(self.support(x) - self.offset)
        return Prediction(pred.mean, pred.std + penalty.to(pred.std.dtype), pred.members)


def auc(negatives: Tensor, positives: Tensor) -> float:
    """P(score of a positive > score of a negative), by ranks."""
    ranks = torch.cat([negatives, positives]).argsort().argsort().double()
    n_pos = len(positives)
    return float((ranks[len(negatives):].sum() - n_pos * (n_pos - 1) / 2)
                 / (len(negatives) * n_pos))


def run(args: argparse.Namespace) -> None:
    set_cpu_threads(args.threads)
    setup = prepare(args)
    space, task = setup.prior.space, setup.task
    generator = make_generator(args.seed)
    start = time.time()
    support, held_out = train_support(read_designs(setup.unlabeled_csv).x, space, generator,
                                      steps=args.support_steps)
    print("support training s", round(time.time() - start, 1), flush=True)
    with torch.no_grad():
        corrupted = substitute(held_out, space.vocab_size, generator)
        infeasible = corrupted[~task.is_valid(corrupted)]
        print("held-out AUC, valid vs infeasible substituted:",
              round(auc(support(held_out), support(infeasible)), 3), flush=True)
    wrapped = WithSupport(setup.reward, support, args.weight * float(setup.reward.y_std),
                          args.offset)
    tune_and_report(setup, args, json.loads(args.config), tuning_reward=wrapped,
                    extra={"support_weight": args.weight, "support_offset": args.offset},
                    start=start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", help="a sequence task name or length:motifs:seed")
    parser.add_argument("config", help="JSON FinetuneConfig overrides")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weight", type=float, default=1.0)
    parser.add_argument("--offset", type=float, default=0.0)
    parser.add_argument("--support-steps", type=int, default=1500)
    parser.add_argument("--prior", type=Path, default=None)
    parser.add_argument("--work", type=Path, default=Path("bench-work"))
    parser.add_argument("--threads", type=int, default=1)
    parser.set_defaults(kind="bonus", reward=None)  # what `defaults_sweep.prepare` reads
    run(parser.parse_args())


if __name__ == "__main__":
    main()
