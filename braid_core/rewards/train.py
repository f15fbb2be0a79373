"""The one reward-fitting loop: shuffle, split, standardise, fit, select by validation error.

Both BRAID-Boot and BRAID-Bonus go through `train_reward`. The held-out split chooses each
network's weights (early stopping, fitting.py); for sequences, a model is fitted for every
shape among `network` and `alternatives`, and either they are averaged (`combine="average"`,
rewards/average.py) or the one of lowest validation error is kept (`combine="choose"`). Then
it measures the model (metrics.py): accuracy (Pearson, Spearman, RMSE) and how well u ranks and
covers the errors (figures on the split that also chose, so slightly optimistic). Where values
are means of different numbers of measurements (OfflineData.counts), those errors are also split
into one measurement's noise and the fit's misfit, and `count_weighting` may weigh the surer
values more (replicates.py, weighting.py).
Values must be finite: the data layer rejects -inf and NaN, so infeasible designs must be
floored (DESIGN.md §2) or dropped first.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from braid_core.data import OfflineData
from braid_core.defaults import MAX_VALUE_TILT
from braid_core.rewards.average import ShapeAverage
from braid_core.rewards.bonus import LastLayerBonus
from braid_core.rewards.conservative import Prediction, predict_in_chunks
from braid_core.rewards.ensemble import BootstrapEnsemble, bootstrap_indices
from braid_core.rewards.fitting import Fitter, TimeShares, fit_best, fit_model
from braid_core.rewards.metrics import quality_metrics
from braid_core.rewards.networks import RewardNetConfig
from braid_core.rewards.replicates import COUNT_WEIGHTINGS, estimate_noise
from braid_core.rewards.weighting import count_weighted, value_weights, varying_counts
from braid_core.spaces import SequenceSpace, Space

StepCallback = Callable[[int, Mapping[str, float]], None]
KINDS = ("boot", "bonus")
COMBINES = ("average", "choose")
# The default sequence net: 3 dilated conv layers (receptive field 29), max pooling only, no
# position-specific branch. bench/reward_bench.py, held-out Pearson vs the first net (2 plain
# layers, mean+max+flattened): ehrlich-20-32 0.69 vs 0.41, ehrlich-20-64 0.41 vs 0.29, length
# 48 / 3 motifs / seed 5 0.68 vs 0.61, tfbind8 0.45 vs 0.46 (BRAID-Boot).
DILATED_NET = RewardNetConfig(conv_layers=3, dilation_growth=2, pooling="max",
                              position_branch=False)
# Two wide layers (kernel 17: one layer spans a whole spaced Ehrlich motif). Neither shape wins
# everywhere (BRAID-Bonus, held-out Pearson, seeds 0-2): ehrlich-20-64 0.54 / 0.37 / 0.42
# against the dilated net's 0.34 / 0.40 / 0.43; length 56 / 4 motifs 0.50 vs 0.32; length
# 48 / 3 motifs 0.71-0.73 vs 0.77-0.80. So both are fitted and validation error picks one.
WIDE_NET = RewardNetConfig(conv_layers=2, kernel_size=17, pooling="max", position_branch=False)
# Named choices of sequence shape (`braid reward train --network`, the dashboard): "auto" fits
# both and keeps the one of lower validation error; "average" fits both and uses them as an
# equal mixture (average.py); the others fit that one alone. Held-out error cannot tell which
# shape ranks designs better than any in D: on plateaued data it can pick the one that does
# not (bench/results/unseen_design.md, sessions 15-16). The average hedges that in ranking,
# but fine-tuning against it moves less (bench/results/shape_ensemble.md), so it is a choice,
# not the default. Vectors have one MLP shape whatever the choice.
NETWORK_CHOICES: dict[str, tuple[RewardNetConfig, tuple[RewardNetConfig, ...], str]] = {
    "auto": (DILATED_NET, (WIDE_NET,), "choose"),
    "average": (DILATED_NET, (WIDE_NET,), "average"),
    "dilated": (DILATED_NET, (), "choose"),
    "wide": (WIDE_NET, (), "choose"),
}


def network_settings(choice: str) -> dict[str, Any]:
    """RewardTrainConfig's `network`, `alternatives` and `combine` for a named choice.

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    if choice not in NETWORK_CHOICES:
        raise ValueError(f"unknown reward network {choice!r}; choose one of "
                         f"{', '.join(NETWORK_CHOICES)}")
    network, alternatives, combine = NETWORK_CHOICES[choice]
    return {"network": network, "alternatives": alternatives, "combine": combine}


@dataclass(frozen=True)
class RewardTrainConfig:
    """Settings of reward fitting (DESIGN.md §1, reward model with uncertainty)."""

    kind: str = "boot"  # "boot": BRAID-Boot ensemble; "bonus": BRAID-Bonus last-layer bonus
    num_heads: int = 4  # K, bootstrap heads (boot only)
    # Shape of each net (a saved model that chose: the one kept).
    network: RewardNetConfig = DILATED_NET
    # Sequences only: further shapes fitted beside `network`. Vectors have one MLP shape, so
    # they fit `network` alone.
    alternatives: tuple[RewardNetConfig, ...] = (WIDE_NET,)
    # With alternatives: "choose" keeps the shape of lowest validation error (Boot: chosen on
    # the first head, whose shape the other heads share); "average" keeps a model of every
    # shape (Boot: K heads each) and uses them as an equal mixture (average.py).
    combine: str = "choose"
    max_steps: int = 2000  # optimizer steps per network, at most
    batch_size: int = 128  # designs per optimizer step
    lr: float = 1e-3  # AdamW learning rate
    weight_decay: float = 1e-4  # AdamW decoupled weight decay
    val_fraction: float = 0.2  # share of D held out for selection and metrics
    eval_every: int = 25  # optimizer steps between validation evaluations
    patience: int = 10  # evaluations without improvement before a network stops
    ridge: float = 1e-2  # lambda of Sigma = C + lambda I, relative to mean feature variance
    b_max: float = 3.0  # cap on u(x) (bonus), in standard deviations of y over D
    # Weight of a design's squared error: exp(value_tilt * q), q its value's rank quantile
    # among the training values (ties share one), scaled to mean 1; 0 weighs all alike. A tilt
    # spends the fit on the top of D, where the optimiser leaves it (bench/reward_tilt.py).
    value_tilt: float = 0.0
    # How a value that is the mean of several measurements (OfflineData.counts) weighs against
    # one measured once (replicates.py): "none", "counts" or "estimated". Data without counts
    # fits alike under every choice.
    count_weighting: str = "none"
    # Wall-clock limit of the whole fit (None: none). Each network gets an equal share of the
    # time left and keeps its best weights so far when its share runs out, so a slow machine
    # or a large D shortens the fit instead of the steps after it (`braid design`'s budget).
    max_minutes: float | None = None
    seed: int = 0  # entry points build the generator from it; recorded with the model

    def shapes_for(self, space: Space) -> tuple[RewardNetConfig, ...]:
        """The shapes fitted on `space`: network and alternatives for sequences, network
        alone for vectors."""
        if isinstance(space, SequenceSpace):
            return (self.network, *self.alternatives)
        return (self.network,)

    def averages(self, space: Space) -> bool:
        """Whether a model fitted on `space` is the average of several shapes."""
        return self.combine == "average" and len(self.shapes_for(space)) > 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if self.count_weighting not in COUNT_WEIGHTINGS:
            raise ValueError(f"count_weighting must be one of {COUNT_WEIGHTINGS}, got "
                             f"{self.count_weighting!r}")
        if self.combine not in COMBINES:
            raise ValueError(f"combine must be one of {COMBINES}, got {self.combine!r}")
        if not all(isinstance(shape, RewardNetConfig) for shape in self.alternatives):
            raise ValueError("alternatives must be RewardNetConfig shapes")
        if self.num_heads < 2:
            raise ValueError(f"num_heads must be at least 2, got {self.num_heads}")
        for name in ("max_steps", "batch_size", "eval_every", "patience"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 < self.lr < 1:
            raise ValueError(f"lr must lie in (0, 1), got {self.lr}")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay}")
        if not 0 < self.val_fraction < 1:
            raise ValueError(f"val_fraction must lie in (0, 1), got {self.val_fraction}")
        if self.ridge <= 0:
            raise ValueError(f"ridge must be positive, got {self.ridge}")
        if self.b_max <= 0:
            raise ValueError(f"b_max must be positive, got {self.b_max}")
        if self.max_minutes is not None and not 0 < self.max_minutes < math.inf:
            raise ValueError(f"max_minutes must be a finite number > 0 or None, got "
                             f"{self.max_minutes}")
        if not 0 <= self.value_tilt <= MAX_VALUE_TILT:
            raise ValueError(f"value_tilt must lie in [0, {MAX_VALUE_TILT:g}], got "
                             f"{self.value_tilt}")


def train_reward(
    data: OfflineData | tuple[Tensor, Tensor, Space],
    config: RewardTrainConfig,
    *,
    device: torch.device,
    generator: torch.Generator,
    on_step: StepCallback | None = None,
) -> BootstrapEnsemble | LastLayerBonus | ShapeAverage:
    """Fit a reward model with uncertainty on labeled designs.

    Args:
        data: OfflineData with values, or (x, y, space): x (n, length) int64 tokens or
            (n, dim) floats, y (n,) finite values.
        config: what to fit and how.
        device: where to train; the model stays there.
        generator: the only randomness (split, resamples, initial weights, batches).
        on_step: called at every validation with (step, {"head", "shape", "loss",
            "val_rmse", "done"}); step counts optimizer steps over all networks, "shape" indexes
            (network, *alternatives), losses are in standardised units and val_rmse in y units;
            "done" is the share of the fit behind (networks done, and this one's steps over
            max_steps, over the networks planned).
    Returns:
        The model (frozen, eval mode, on `device`); `model.metrics` holds the held-out figures
        ("network_choice": the index of the shape kept in (network, *alternatives), -1 when
        all were averaged).
    """
    x, y, space = _unpack(data)
    counts = varying_counts(data)
    check_enough_designs(len(y), config.val_fraction)
    n_val = round(config.val_fraction * len(y))
    # Shuffle before splitting: files are often sorted by value or by source.
    order = torch.randperm(len(y), generator=generator, device=generator.device).to(device)
    x, y = x.to(device)[order], y.to(device, torch.float64)[order]
    x_val, y_val, x_fit, y_fit = x[:n_val], y[:n_val], x[n_val:], y[n_val:]
    y_mean, y_std = y_fit.mean(), y_fit.std()
    y_std = torch.where(y_std > 0, y_std, torch.ones_like(y_std))
    z_fit, z_val = ((y_fit - y_mean) / y_std).float(), ((y_val - y_mean) / y_std).float()
    w_fit, w_val = (value_weights(values, y_fit, config.value_tilt) for values in (y_fit, y_val))
    time_shares = TimeShares(config.max_minutes, _planned_fits(config, space, counts))
    fit = Fitter(config, generator, device, x_val, z_val, w_val, float(y_std), on_step,
                 time_shares)
    if counts is not None:
        counts = counts.to(device)[order]
    # "estimated" weighs values alike when its probe fit sees no noise: recorded, not hidden.
    weighed_by_counts = None
    if counts is not None and config.count_weighting != "none":
        weighted = count_weighted(fit, config, space, counts[n_val:], counts[:n_val],
                                  x_fit, z_fit, w_fit, w_val)
        weighed_by_counts = weighted is not None
        if weighted is not None:
            w_fit, w_val = weighted
        fit.w_val = w_val

    members, choice = _fit_members(fit, config, space, x_fit, z_fit, w_fit, generator, device)
    for member in members:
        _finish_member(member, config, float(y_mean), float(y_std), x_fit, x_val, y_val)
    average = choice == -1
    model = ShapeAverage(members) if average else members[0]
    model.requires_grad_(False).eval()
    with torch.no_grad():
        pred = _predict(model, x_val)
    # The saved config rebuilds the shapes kept: all of them, or the chosen one.
    model.train_config = (config if average else
                          dataclasses.replace(config, network=config.shapes_for(space)[choice]))
    model.metrics = {"n_train": float(len(y_fit)), "n_val": float(n_val), "steps": float(fit.step),
                     "network_choice": float(choice), **quality_metrics(pred, y_val)}
    if config.max_minutes is not None:
        model.metrics["networks_cut_by_time"] = float(time_shares.cut_short)
    if weighed_by_counts is not None:  # 0: the weighting asked for left every value alike
        model.metrics["count_weighted"] = float(weighed_by_counts)
    if counts is not None:
        model.metrics.update(_noise_split(pred, y_val, counts[:n_val]))
    # The held-out split itself, for predicted-versus-measured and calibration plots.
    model.heldout = {"measured": y_val.cpu(), "predicted_mean": pred.mean.double().cpu(),
                     "uncertainty": pred.std.double().cpu()}
    return model


def _fit_members(fit: Fitter, config: RewardTrainConfig, space: Space, x_fit: Tensor,
                 z_fit: Tensor, w_fit: Tensor, generator: torch.Generator, device: torch.device,
                 ) -> tuple[list[BootstrapEnsemble | LastLayerBonus], int]:
    """The fitted models (not yet scaled or frozen) and the index of the shape kept in
    (network, *alternatives): -1 when every shape is kept, to be averaged."""
    shapes = config.shapes_for(space)
    resamples = (bootstrap_indices(len(z_fit), config.num_heads, generator).to(device)
                 if config.kind == "boot" else None)
    if config.averages(space):
        return [fit_model(fit, config, space, shapes, index, x_fit, z_fit, w_fit, resamples)
                for index in range(len(shapes))], -1
    if config.kind == "boot":
        rows = resamples[0]
        first, choice = fit_best(fit, space, shapes, x_fit[rows], z_fit[rows], w_fit[rows])
        return [fit_model(fit, config, space, shapes, choice, x_fit, z_fit, w_fit, resamples,
                          first_head=first)], choice
    net, choice = fit_best(fit, space, shapes, x_fit, z_fit, w_fit)
    member = LastLayerBonus(space, shapes[choice])
    member.net.load_state_dict(net.state_dict())
    return [member], choice


@torch.no_grad()
def _finish_member(member: BootstrapEnsemble | LastLayerBonus, config: RewardTrainConfig,
                   y_mean: float, y_std: float, x_fit: Tensor, x_val: Tensor,
                   y_val: Tensor) -> None:
    """Give a fitted model its value scale and freeze it; a Bonus model also gets its
    uncertainty, with sigma its own held-out RMSE."""
    member.to(x_fit.device)
    member.y_mean.fill_(y_mean)
    member.y_std.fill_(y_std)
    member.requires_grad_(False).eval()
    if isinstance(member, LastLayerBonus):
        held_out = _predict(member, x_val).mean.double()
        sigma = float(torch.sqrt(((held_out - y_val) ** 2).mean()))
        member.fit_uncertainty(x_fit, sigma, config.ridge, config.b_max)


def _noise_split(pred: Prediction, y_val: Tensor, counts_val: Tensor) -> dict[str, float]:
    """Where values are means of different numbers of measurements, the held-out errors split
    into the noise of one measurement and the fit's own misfit (y units squared): what
    replicates would shrink and what they would not. Empty when no split can be read."""
    split = estimate_noise((pred.mean.double() - y_val) ** 2, counts_val)
    if split is None:
        return {}
    return {"misfit_variance": split.misfit, "noise_variance": split.noise,
            "noise_variance_se": split.noise_se}


def check_enough_designs(num_designs: int,
                         val_fraction: float = RewardTrainConfig.val_fraction) -> None:
    """Raise ValueError when `num_designs` labeled designs are too few for `train_reward`;
    callers check before they start a run, so that such data is refused, not a failed run."""
    n_val = round(val_fraction * num_designs)
    if n_val < 2 or num_designs - n_val < 2:
        raise ValueError(f"{num_designs} labeled designs are too few to fit a reward model: "
                         f"{val_fraction:.0%} are held out to check it and both parts need at "
                         f"least 2 (at least {_fewest_designs(val_fraction)} designs with "
                         "values)")


def _fewest_designs(val_fraction: float) -> int:
    """The fewest labeled designs that leave 2 to fit on and 2 held out."""
    n = 4
    while round(val_fraction * n) < 2 or n - round(val_fraction * n) < 2:
        n += 1
    return n


def _planned_fits(config: RewardTrainConfig, space: Space, counts: Tensor | None) -> int:
    """How many networks train_reward fits: one per shape (Boot: then heads 2..K of the shape
    kept; with "average", K heads of every shape), plus the noise probe of "estimated"."""
    shapes = len(config.shapes_for(space))
    heads = config.num_heads if config.kind == "boot" else 1
    fits = shapes * heads if config.averages(space) else shapes + heads - 1
    return fits + int(counts is not None and config.count_weighting == "estimated")


def _unpack(data: OfflineData | tuple[Tensor, Tensor, Space]) -> tuple[Tensor, Tensor, Space]:
    """(x, y, space) with y finite and x typed for the space."""
    if isinstance(data, OfflineData):
        if data.y is None:
            raise ValueError(f"{data.source} has no values; a reward model needs labeled designs")
        x, y, space = data.x, data.y, data.space
    else:
        x, y, space = data
    if x.shape[1:] != space.event_shape or y.shape != x.shape[:1]:
        raise ValueError(f"designs {tuple(x.shape)} and values {tuple(y.shape)} do not fit "
                         f"{space.describe()}")
    if not torch.isfinite(y).all():
        raise ValueError("values must be finite: floor or drop infeasible (-inf) designs first")
    return (x.long() if isinstance(space, SequenceSpace) else x.float()), y, space


def _predict(model: BootstrapEnsemble | LastLayerBonus | ShapeAverage, x: Tensor) -> Prediction:
    """predict() in chunks, members dropped."""
    pred = predict_in_chunks(model, x)
    return Prediction(pred.mean, pred.std)
