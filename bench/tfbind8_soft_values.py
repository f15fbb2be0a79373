"""Why does fine-tuning on TFBind8 collapse below alpha 0.1? Tilted targets with exact soft values.

At alpha 0.05 / 0.02 the fine-tuned sampler's path KL overshoots the BRAID optimum's (5.0 / 9.9
nats against 2.8-3.5 / 5.0-6.3) and it hands over few distinct designs (design_bench_tf8.md,
"Session 29"). The suspect: the "tilted" estimator values each letter by r_c of the chain's
own design with that letter changed, so once the sampler concentrates, every change is valued
around its own mode. The optimal step instead tilts by the soft value
V(x_i = a | x_t) = alpha s_y log E_pre[exp(r_c(x_0) / (alpha s_y)) | x_t, x_i = a], an
average over the prior's completions. On TFBind8 that is exact and cheap: every 8-mer can be
scored, and the prior was trained on uniform 8-mers, so E_pre is a mean over completions of
a 4^8 table. This script runs bench/design_bench.py (BRAID only) with the estimator's
per-state values replaced by those soft values, a diagnostic, not a product option: if the
collapse goes, the value estimate is its cause.

    python bench/tfbind8_soft_values.py --prior tfbind8=DIR --alpha 0.05 --seeds 0 1 2 \
        --tag s29_tf8_soft_a005

(every other argument is design_bench.py's; tfbind8, braid-bonus and the gradient letter
values, which route each state through the replaced function, are set here).
`--completions K` estimates each soft value from K uniform completions of the state instead of
all of them (log-mean-exp over K): would a sampled estimate, as a product could make it
without the table, do as well?
"""

from __future__ import annotations

import itertools
import math
import sys
from pathlib import Path

import torch

from braid_core.diffusion import masked

LETTERS, LENGTH = 4, 8
_TABLES: dict[int, torch.Tensor] = {}  # id(reward model) -> r_c of every 8-mer, (4,) * 8
COMPLETIONS = {"k": 0, "generator": torch.Generator().manual_seed(0)}  # 0: exact


def _closure(score) -> dict:
    """The cells of tilted.tilted_loss's `score` closure (its reward model and config)."""
    return dict(zip(score.__code__.co_freevars,
                    (cell.cell_contents for cell in score.__closure__), strict=True))


def _table(score, reward) -> torch.Tensor:
    """r_c of all 65,536 8-mers as a (4,) * 8 float64 tensor, scored once per reward model."""
    if id(reward) not in _TABLES:
        tokens = torch.tensor(list(itertools.product(range(LETTERS), repeat=LENGTH)))
        hot = torch.nn.functional.one_hot(tokens, LETTERS).float()
        with torch.no_grad():
            scores = torch.cat([score(part) for part in hot.split(8192)])
        _TABLES[id(reward)] = scores.double().reshape((LETTERS,) * LENGTH)
    return _TABLES[id(reward)]


def soft_values(score, logits: torch.Tensor, x_t: torch.Tensor, mask_id: int) -> torch.Tensor:
    """Stands in for masked.look_ahead_gradient: (n, 8, 4) soft values of each letter at each
    masked position of x_t under uniform completions (rows at revealed positions are 0)."""
    cells = _closure(score)
    reward, cfg = cells["reward"], cells["cfg"]
    table = _table(score, reward)
    temperature = cfg.alpha * float(getattr(reward, "y_std", 1.0))
    if COMPLETIONS["k"]:
        return _sampled_values(table, temperature, x_t.cpu(), mask_id).to(logits)
    weights = torch.exp((table - table.max()) / temperature)
    out = torch.zeros(x_t.shape[0], LENGTH, LETTERS, dtype=torch.float64)
    for row, state in enumerate(x_t.cpu().tolist()):
        hidden = [i for i, token in enumerate(state) if token == mask_id]
        index = tuple(slice(None) if token == mask_id else token for token in state)
        sub = weights[index]  # one axis per hidden position, in order
        for axis, position in enumerate(hidden):
            others = tuple(a for a in range(len(hidden)) if a != axis)
            mean = sub.mean(dim=others) if others else sub
            out[row, position] = temperature * torch.log(mean) + float(table.max())
    return out.to(logits.dtype).to(logits.device)


def _sampled_values(table: torch.Tensor, temperature: float, x_t: torch.Tensor,
                    mask_id: int) -> torch.Tensor:
    """Soft values from K uniform completions per state: for each masked position and letter,
    temperature * log mean_k exp(r_c(completion k with that letter) / temperature)."""
    k, generator = COMPLETIONS["k"], COMPLETIONS["generator"]
    n = x_t.shape[0]
    fill = torch.randint(0, LETTERS, (n, k, LENGTH), generator=generator)
    completions = torch.where(x_t[:, None, :] == mask_id, fill, x_t[:, None, :])  # (n, k, 8)
    flat = table.reshape(-1)
    powers = LETTERS ** torch.arange(LENGTH - 1, -1, -1)
    out = torch.zeros(n, LENGTH, LETTERS, dtype=torch.float64)
    for position in range(LENGTH):
        for letter in range(LETTERS):
            changed = completions.clone()
            changed[..., position] = letter
            r = flat[(changed * powers).sum(-1)]  # (n, k)
            out[:, position, letter] = temperature * (torch.logsumexp(r / temperature, dim=1)
                                                      - math.log(k))
    return out


def main() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    import design_bench

    masked.look_ahead_gradient = soft_values  # tilted.py calls it through the module
    args = sys.argv[1:]
    if "--completions" in args:
        at = args.index("--completions")
        COMPLETIONS["k"] = int(args[at + 1])
        del args[at:at + 2]
    sys.argv = [sys.argv[0], "--tasks", "tfbind8", "--methods", "braid-bonus",
                "--finetune-options", '{"tilt_value": "gradient"}', *args]
    design_bench.main()


if __name__ == "__main__":
    main()
