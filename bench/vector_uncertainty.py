"""Does u(x) keep up with the reward model's error on vectors far from D, for non-linear truths?

For each synthetic truth f over R^d (TRUTHS: a linear control, Gaussian bumps, a sinusoid minus
a quadratic, a sum of sines), D is 1,000 draws of N(0, I) with y = f + NOISE * sd(f over D) * e.
The shipped reward models are fitted on D as `braid reward train` / `braid design` fit them
(train_reward, RewardTrainConfig defaults with the shipped network choice; kinds bonus and
boot). They are scored on test points at growing distance from D: fresh N(0, I) draws ("D")
and shells of POINTS uniform directions at each radius. Per bin, in sd(f over D) units:

* err: mean |r_hat - f|;  bias: mean r_hat - f;  u: mean u;  err/u: the two means' ratio
  (1: u as large as the error; 10: u understates it tenfold);
* rho: Spearman(|error|, u) within the bin;  cover: share with |r_hat - f| <= 2u;
* nn: mean distance to the nearest design of D (input units).
Pooled over the bins: Spearman(|error|, u) ("does u order points by their error").

Lure: over the whole candidate set (every bin's points), the argmax of r_c = r_hat - c u at
each c of LURE_CS (0: STRL; defaults.C: the product's; 2), and the argmax over the near
candidates only (bin D and radii up to NEAR). A seed is "lured" when the overall pick lies
beyond NEAR and is truly worse than the near-only pick. Truths are given against max f over D.

Prototype levers (NOT the product: computed here from the fitted Bonus model only):
* bonus-nocap: Bonus u without the b_max cap;
* bonus+dist: Bonus u (uncapped) combined in quadrature with an input-distance term
  sd_y * max(0, nn(x) - q95) / s_x (q95: the 95th percentile of D's own nearest-neighbour
  gaps, so no penalty inside D; s_x: the spread of D's inputs), under the product's cap
  (b_max * sd_y);
* bonus+dist-nocap: the same without the cap.

Usage:
    python bench/vector_uncertainty.py --seeds 0,1,2 --dims 2,4 --threads 1 \\
        --out bench/results/vector_uncertainty.md
Writes --out (the command and tables; it replaces the file, so the hand-written reading at the
top of bench/results/vector_uncertainty.md goes back above a rerun's tables) and a .json of
every row beside it.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from braid_core.data import OfflineData
from braid_core.defaults import REWARD_NETWORK, C
from braid_core.rewards import RewardTrainConfig, train_reward
from braid_core.rewards.bonus import LastLayerBonus
from braid_core.rewards.conservative import Prediction, conservative_reward, predict_in_chunks
from braid_core.rewards.metrics import spearman
from braid_core.rewards.train import network_settings
from braid_core.runtime import make_generator, set_cpu_threads
from braid_core.spaces import VectorSpace

NUM_OFFLINE = 1000
NOISE = 0.1  # measurement noise, in sd of f over D
POINTS = 256  # test points per bin
RADII = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0)  # shells around the origin; bin 0 is fresh N(0, I)
TRUTH_SEED = 20_240  # the bumps' centres: fixed per dimension, not per run seed
KINDS = ("bonus", "boot")
NEAR = 3.0  # candidates within this radius (and the D bin) count as near D
LURE_CS = (0.0, C, 2.0)  # STRL, the product's c, and roughly a 95 % lower bound
LEVERS = ("bonus-nocap", "bonus+dist", "bonus+dist-nocap")


def linear(x: Tensor) -> Tensor:
    """x0 + x1: the tester's case, which the MLP extrapolates correctly."""
    return x[:, 0] + x[:, 1]


def bump_centres(dim: int) -> tuple[Tensor, Tensor]:
    """Three centres at radius 1.5 in fixed random directions, amplitudes +2, +1.5, -1.5."""
    directions = torch.randn(3, dim, generator=make_generator(TRUTH_SEED + dim),
                             dtype=torch.float64)
    centres = 1.5 * directions / directions.norm(dim=1, keepdim=True)
    return centres, torch.tensor([2.0, 1.5, -1.5], dtype=torch.float64)


def bumps(x: Tensor) -> Tensor:
    """Sum of three Gaussian bumps of width 0.7: zero far from D, where an MLP need not be."""
    centres, amplitudes = bump_centres(x.shape[1])
    squared = torch.cdist(x, centres) ** 2
    return (amplitudes * torch.exp(-squared / (2 * 0.7**2))).sum(dim=1)


def sine_quadratic(x: Tensor) -> Tensor:
    """sin(2 x0) + x1 - 0.2 |x|^2: rising along x1 inside D, falling beyond |x1| = 2.5."""
    return torch.sin(2 * x[:, 0]) + x[:, 1] - 0.2 * (x**2).sum(dim=1)


def waves(x: Tensor) -> Tensor:
    """sum_j sin(1.5 x_j): bounded everywhere, but D shows only about one period per axis."""
    return torch.sin(1.5 * x).sum(dim=1)


TRUTHS: dict[str, Callable[[Tensor], Tensor]] = {
    "linear": linear, "bumps": bumps, "sine_quadratic": sine_quadratic, "waves": waves}


def test_points(dim: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """(bins * POINTS, dim) float64 points and their bin radius (0: fresh N(0, I) draws)."""
    parts, radii = [torch.randn(POINTS, dim, generator=generator, dtype=torch.float64)], [0.0]
    for radius in RADII:
        direction = torch.randn(POINTS, dim, generator=generator, dtype=torch.float64)
        parts.append(radius * direction / direction.norm(dim=1, keepdim=True))
        radii.append(radius)
    labels = torch.tensor(radii, dtype=torch.float64).repeat_interleave(POINTS)
    return torch.cat(parts), labels


def fit(kind: str, data: OfflineData, seed: int):
    """The reward model `braid reward train --kind KIND` fits (no time limit)."""
    config = RewardTrainConfig(kind=kind, seed=seed, **network_settings(REWARD_NETWORK))
    return train_reward(data, config, device=torch.device("cpu"), generator=make_generator(seed))


@torch.no_grad()
def lever_predictions(model: LastLayerBonus, x: Tensor, x_offline: Tensor,
                      sd_y: float) -> dict[str, Prediction]:
    """The prototype levers' u beside the Bonus mean (see the module docstring)."""
    mean = predict_in_chunks(model, x.float()).mean.double()
    phi = model.net.features(x.float()).double()
    d = phi - model.feature_mean
    quadratic = ((d @ model.precision) * d).sum(dim=-1).clamp_min(0.0)
    uncapped = model.u_scale * torch.sqrt(1.0 + quadratic)
    within = torch.cdist(x_offline, x_offline)
    within.fill_diagonal_(math.inf)
    dense = torch.quantile(within.min(dim=1).values, 0.95)  # D's own gaps: no penalty
    spread = x_offline.var(dim=0).mean().sqrt()
    beyond = (torch.cdist(x, x_offline).min(dim=1).values - dense).clamp_min(0.0) / spread
    with_distance = torch.sqrt(uncapped**2 + (sd_y * beyond) ** 2)
    return {"bonus-nocap": Prediction(mean, uncapped),
            "bonus+dist": Prediction(mean, torch.minimum(with_distance, model.u_max)),
            "bonus+dist-nocap": Prediction(mean, with_distance)}


def bin_rows(pred: Prediction, f: Tensor, radii: Tensor, nn: Tensor, sd_y: float) -> list[dict]:
    """Per-bin error and uncertainty figures (sd_y units), then one pooled row."""
    signed = pred.mean.double() - f
    u = pred.std.double()
    rows = []
    for radius in radii.unique().tolist():
        rows.append(_figures(_radius(radius), signed[radii == radius], u[radii == radius],
                             nn[radii == radius], sd_y))
    rows.append(_figures("all", signed, u, nn, sd_y))
    return rows


def _figures(label: str, signed: Tensor, u: Tensor, nn: Tensor, sd_y: float) -> dict:
    error = signed.abs()
    mean_err, mean_u = float(error.mean()) / sd_y, float(u.mean()) / sd_y
    return {"bin": label, "err": mean_err, "bias": float(signed.mean()) / sd_y, "u": mean_u,
            "err_over_u": mean_err / mean_u if mean_u > 0 else math.inf,
            "rho": spearman(error, u), "cover": float((error <= 2 * u).double().mean()),
            "nn": float(nn.mean())}


def lure_rows(pred: Prediction, f: Tensor, radii: Tensor, best_offline: float,
              sd_y: float) -> list[dict]:
    """Where argmax r_c lands over all candidates, and over the near ones only (radius <=
    NEAR), at each c in LURE_CS; truths relative to max f over D."""
    rows = []
    near = radii <= NEAR
    for c in LURE_CS:
        score = conservative_reward(Prediction(pred.mean.double(), pred.std.double()), c)
        pick = int(score.argmax())
        near_pick = int(torch.where(near, score, -math.inf).argmax())
        rows.append({"c": c, "pick_radius": float(radii[pick]),
                     "pick_truth": (float(f[pick]) - best_offline) / sd_y,
                     "pick_predicted": (float(pred.mean[pick]) - best_offline) / sd_y,
                     "near_truth": (float(f[near_pick]) - best_offline) / sd_y,
                     "best_radius": float(radii[int(f.argmax())]),
                     "best_truth": (float(f.max()) - best_offline) / sd_y})
    return rows


def run_case(truth: str, dim: int, seed: int) -> list[dict]:
    """Every row of one (truth, dim, seed): bins and lure, per kind and lever."""
    generator = make_generator(seed)
    x = torch.randn(NUM_OFFLINE, dim, generator=generator, dtype=torch.float64)
    f_offline = TRUTHS[truth](x)
    sd_y = float(f_offline.std())
    y = f_offline + NOISE * sd_y * torch.randn(NUM_OFFLINE, generator=generator,
                                                dtype=torch.float64)
    data = OfflineData.from_tensors(VectorSpace(dim), x, y, source=f"{truth} d={dim}")
    x_test, radii = test_points(dim, make_generator(seed + 1000))
    f_test = TRUTHS[truth](x_test)
    nn = torch.cdist(x_test, x).min(dim=1).values
    best_offline = float(f_offline.max())
    predictions: dict[str, Prediction] = {}
    seconds = {}
    for kind in KINDS:
        start = time.perf_counter()
        model = fit(kind, data, seed)
        seconds[kind] = time.perf_counter() - start
        with torch.no_grad():
            predictions[kind] = predict_in_chunks(model, x_test.float())
        if kind == "bonus":
            predictions.update(lever_predictions(model, x_test, x, sd_y))
    rows = []
    for name, pred in predictions.items():
        base = {"truth": truth, "dim": dim, "seed": seed, "model": name,
                "sec": seconds.get(name, 0.0)}
        rows += [{**base, "table": "bins", **row}
                 for row in bin_rows(pred, f_test, radii, nn, sd_y)]
        rows += [{**base, "table": "lure", **row}
                 for row in lure_rows(pred, f_test, radii, best_offline, sd_y)]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--dims", default="2,4")
    parser.add_argument("--truths", default=",".join(TRUTHS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent / "results" /
                        "vector_uncertainty.md")
    args = parser.parse_args()
    set_cpu_threads(args.threads)
    truths = args.truths.split(",")
    unknown = sorted(set(truths) - set(TRUTHS))
    if unknown:
        parser.error(f"unknown truths {unknown}; choose from {', '.join(TRUTHS)}")
    rows = []
    started = time.perf_counter()
    for truth in truths:
        for dim in (int(d) for d in args.dims.split(",")):
            for seed in (int(s) for s in args.seeds.split(",")):
                case = run_case(truth, dim, seed)
                rows += case
                print(f"{truth} d={dim} seed={seed}: "
                      + ", ".join(f"{r['model']} {r['sec']:.0f}s" for r in case
                                  if r["table"] == "bins" and r["bin"] == "all"), flush=True)
    minutes = (time.perf_counter() - started) / 60
    text = report(rows, minutes)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    # One row per line: readable in a diff, a third of the indented size.
    args.out.with_suffix(".json").write_text("[\n" + ",\n".join(map(json.dumps, rows)) + "\n]\n")


def report(rows: list[dict], minutes: float) -> str:
    """The command, a summary, then per (truth, dim) the bins, levers and lure tables."""
    command = "python " + shlex.join(["bench/vector_uncertainty.py", *sys.argv[1:]])
    seeds = sorted({r["seed"] for r in rows})
    lines = [f"Command: `{command}` ({minutes:.1f} min, torch threads "
             f"{torch.get_num_threads()}); c = {C:g} (defaults.C); seeds {seeds}; figures are "
             "means over seeds, in sd of f over D unless said.", "",
             "### Summary", "", _summary_table(rows), ""]
    cases = sorted({(r["truth"], r["dim"]) for r in rows}, key=lambda k: (k[1], k[0]))
    for truth, dim in cases:
        case = [r for r in rows if r["truth"] == truth and r["dim"] == dim]
        lines += [f"### {truth}, d = {dim}", "",
                  _bins_table(case, KINDS, ("err", "bias", "u", "err_over_u", "cover", "rho")),
                  "", "Prototype levers (Bonus mean, other u):", "",
                  _bins_table(case, LEVERS, ("u", "err_over_u", "cover")), "",
                  _lure_table(case, (*KINDS, *LEVERS)), ""]
    return "\n".join(lines)


def _mean(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else math.nan


def _at(rows: list[dict], **match) -> list[dict]:
    return [r for r in rows if all(r[k] == v for k, v in match.items())]


def _summary_table(rows: list[dict]) -> str:
    """Per case and model: err/u near and far, coverage far, pooled rho, and lured seeds."""
    far = _radius(max(RADII))
    lured_heads = " | ".join(f"lured c={c:g}" for c in LURE_CS)
    lines = [f"| truth | d | model | err/u D | err/u 4 | err/u {far} | err {far} | u {far} | "
             f"cover {far} | rho all | {lured_heads} |", "|" + "---|" * (10 + len(LURE_CS))]
    cases = sorted({(r["truth"], r["dim"]) for r in rows}, key=lambda k: (k[1], k[0]))
    for truth, dim in cases:
        case = _at(rows, truth=truth, dim=dim)
        for model in (*KINDS, *LEVERS):
            bins = _at(case, model=model, table="bins")
            lured = [_lured(_at(case, model=model, table="lure", c=c)) for c in LURE_CS]
            cells = [_mean([r["err_over_u"] for r in _at(bins, bin=b)]) for b in ("D", "4", far)]
            cells += [_mean([r[k] for r in _at(bins, bin=far)]) for k in ("err", "u", "cover")]
            cells.append(_mean([r["rho"] for r in _at(bins, bin="all")]))
            lines.append(f"| {truth} | {dim} | {model} | "
                         + " | ".join(f"{v:.3g}" for v in cells) + " | " + " | ".join(lured)
                         + " |")
    return "\n".join(lines)


def _lured(picks: list[dict]) -> str:
    """Seeds whose pick lies beyond NEAR and is truly worse than the near-only pick."""
    lured = sum(r["pick_radius"] > NEAR and r["pick_truth"] < r["near_truth"] for r in picks)
    return f"{lured}/{len(picks)}"


def _bins_table(case: list[dict], models: tuple[str, ...], keys: tuple[str, ...]) -> str:
    bins = list(dict.fromkeys(r["bin"] for r in case if r["table"] == "bins"))
    head = "| bin | nn | " + " | ".join(f"{m} {k}" for m in models for k in keys) + " |"
    lines = [head, "|" + "---|" * (2 + len(models) * len(keys))]
    for label in bins:
        at = _at(case, table="bins", bin=label)
        cells = [f"{_mean([r['nn'] for r in at]):.2f}"]
        for model in models:
            mine = _at(at, model=model)
            cells += [_cell(_mean([r[k] for r in mine]), k) for k in keys]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value: float, key: str) -> str:
    if key == "err_over_u":
        return f"{value:.3g}"
    return f"{value:.2f}" if key in ("rho", "cover") else f"{value:.3f}"


def _radius(radius: float) -> str:
    return f"{radius:g}" if radius else "D"


def _lure_table(case: list[dict], models: tuple[str, ...]) -> str:
    lines = ["| model | c | pick radius per seed | pick truth - max f(D) | "
             "pick predicted - max f(D) | near-only pick truth - max f(D) |",
             "|---|---|---|---|---|---|"]
    for model in models:
        for c in LURE_CS:
            mine = _at(case, table="lure", model=model, c=c)
            lines.append(f"| {model} | {c:g} | "
                         + " / ".join(_radius(r["pick_radius"]) for r in mine) + " | "
                         + " | ".join(" / ".join(f"{r[k]:+.2f}" for r in mine)
                                      for k in ("pick_truth", "pick_predicted", "near_truth"))
                         + " |")
    best = _at(case, table="lure", model=models[0], c=0.0)
    lines += ["", "Best candidate by the truth, per seed (radius: truth - max f(D)): "
              + " / ".join(f"{_radius(r['best_radius'])}: {r['best_truth']:+.2f}" for r in best)]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
