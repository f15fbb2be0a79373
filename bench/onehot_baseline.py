"""For the record: Gaussian diffusion on one-hot sequences, same conv backbone and budget.

DESIGN.md §1 asks to choose the sequence backbone by measurement. This trains a DDPM
(cosine schedule, 100 steps, epsilon prediction) on x0 = 2 * one_hot - 1 with the residual
dilated conv blocks of `braid_core.diffusion.conv` plus a time embedding, samples with
ancestral steps, decodes by argmax, and reports validity like bench/prior_bench.py.

    python -m bench.onehot_baseline --instance ehrlich-20-32 --minutes 6
"""

from __future__ import annotations

import argparse
import json
import math
import time

import torch
from torch import Tensor, nn

from bench.prior_bench import INSTANCES, RESULTS, unlabeled_set
from braid_core.diffusion.conv import ConvConfig, _ChannelNorm, _ResidualBlock
from braid_core.runtime import make_generator, set_cpu_threads
from braid_core.tasks.ehrlich import EhrlichTask

NUM_STEPS = 100


class OneHotDenoiser(nn.Module):
    """Predicts the noise on a (batch, length, vocab) noisy one-hot, given the step t."""

    def __init__(self, vocab: int, shape: ConvConfig) -> None:
        super().__init__()
        self.inp = nn.Conv1d(vocab, shape.width, 1)
        self.time = nn.Sequential(nn.Linear(32, shape.width), nn.GELU(),
                                  nn.Linear(shape.width, shape.width))
        self.blocks = nn.ModuleList(_ResidualBlock(shape.width, shape.kernel_size, d)
                                    for d in shape.dilations())
        self.norm = _ChannelNorm(shape.width)
        self.out = nn.Conv1d(shape.width, vocab, 1)

    def forward(self, x_t: Tensor, t: Tensor) -> Tensor:
        freqs = torch.exp(torch.arange(16, device=x_t.device) * (-math.log(1000.0) / 16))
        angle = t.float()[:, None] * freqs[None]
        embed = self.time(torch.cat([angle.sin(), angle.cos()], 1))[:, :, None]
        h = self.inp(x_t.transpose(1, 2)) + embed
        for block in self.blocks:
            h = block(h + embed)
        return self.out(self.norm(h)).transpose(1, 2)


def cosine_alpha_bar() -> Tensor:
    """alpha_bar_t for t = 0..NUM_STEPS (float64), Nichol & Dhariwal cosine schedule."""
    s = torch.arange(NUM_STEPS + 1, dtype=torch.float64) / NUM_STEPS
    f = torch.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2
    return (f / f[0]).clamp(1e-5, 1.0)


def run(name: str, minutes: float, num_samples: int, seed: int) -> dict:
    length, motifs, task_seed = INSTANCES[name]
    task = EhrlichTask(num_states=20, length=length, num_motifs=motifs, motif_length=4,
                       seed=task_seed)
    x = unlabeled_set(task, seed)
    x0_all = 2.0 * nn.functional.one_hot(x, 20).float() - 1.0
    alpha_bar = cosine_alpha_bar().float()
    g = make_generator(seed, "cpu")
    net = OneHotDenoiser(20, ConvConfig())
    optimizer = torch.optim.AdamW(net.parameters(), lr=2e-3)
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < 60 * minutes:
        x0 = x0_all[torch.randint(x.shape[0], (128,), generator=g)]
        t = torch.randint(1, NUM_STEPS + 1, (128,), generator=g)
        eps = torch.randn(x0.shape, generator=g)
        a = alpha_bar[t][:, None, None]
        loss = (net(a.sqrt() * x0 + (1 - a).sqrt() * eps, t) - eps).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        steps += 1
    train_s = time.perf_counter() - start
    with torch.no_grad():
        x_t = torch.randn((num_samples, length, 20), generator=g)
        for t in range(NUM_STEPS, 0, -1):  # DDPM ancestral step (Ho et al. 2020, eq. 11)
            a, a_prev = alpha_bar[t], alpha_bar[t - 1]
            beta = 1 - a / a_prev
            eps = net(x_t, torch.full((num_samples,), t))
            mean = (x_t - beta / (1 - a).sqrt() * eps) / (1 - beta).sqrt()
            noise = torch.randn(x_t.shape, generator=g) if t > 1 else 0.0
            x_t = mean + (beta * (1 - a_prev) / (1 - a)).sqrt() * noise
    samples = x_t.argmax(-1)
    return {"instance": name, "backbone": "gaussian-onehot", "minutes": minutes,
            "steps": steps, "train_s": train_s,
            "valid": float(task.is_valid(samples).float().mean())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="ehrlich-20-32", choices=INSTANCES)
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--num-samples", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    set_cpu_threads(args.threads)
    row = run(args.instance, args.minutes, args.num_samples, args.seed)
    print(row)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "onehot_baseline.json").write_text(json.dumps(row, indent=2) + "\n")


if __name__ == "__main__":
    main()
