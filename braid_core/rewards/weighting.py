"""How much each design's squared error counts in the fit: a tilt towards the top of the values
(`value_weights`) and, where values are means of different numbers of measurements, the weights
of generalised least squares from replicates.py (`count_weighted`). The fit's and the
validation split's weights are made alike, so validation error selects what the fit aims at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor

from braid_core.data import OfflineData
from braid_core.rewards.fitting import Fitter
from braid_core.rewards.networks import RewardNet
from braid_core.rewards.replicates import estimate_noise
from braid_core.spaces import Space

if TYPE_CHECKING:
    from braid_core.rewards.train import RewardTrainConfig


def value_weights(values: Tensor, reference: Tensor, tilt: float) -> Tensor:
    """exp(tilt * q) / mean over the reference, q the mid-rank quantile of each value among
    `reference` (equal values share one weight); float32 on values' device. tilt 0: ones."""
    if tilt == 0:
        return torch.ones(len(values), device=values.device)
    ordered = reference.sort().values

    def quantile(v: Tensor) -> Tensor:
        below = torch.searchsorted(ordered, v, right=False)
        at_or_below = torch.searchsorted(ordered, v, right=True)
        return (below + at_or_below).double() / (2 * len(ordered))

    scale = torch.exp(tilt * quantile(reference)).mean()
    return (torch.exp(tilt * quantile(values)) / scale).float()


def count_weighted(fit: Fitter, config: RewardTrainConfig, space: Space, counts_fit: Tensor,
                   counts_val: Tensor, x_fit: Tensor, z_fit: Tensor, w_fit: Tensor,
                   w_val: Tensor) -> tuple[Tensor, Tensor] | None:
    """The fit and validation weights times each design's measurement weight, scaled so the
    fit rows' mean is unchanged; "estimated" first fits one net of `config.network` with the
    weights as they are, to read the variances off its held-out errors (None when it sees no
    noise that replicates reduce: the weights stay as they are)."""
    if config.count_weighting == "counts":
        scale = counts_fit.mean()
        return w_fit * (counts_fit / scale).float(), w_val * (counts_val / scale).float()
    # The probe draws from a copy of the generator, so the fits that follow draw what they
    # would without it: weights that come out equal give the unweighted model itself.
    probe_generator = torch.Generator(device=fit.generator.device)
    probe_generator.set_state(fit.generator.get_state())
    probe = Fitter(config, probe_generator, fit.device, fit.x_val, fit.z_val, fit.w_val,
                   fit.y_std, fit.on_step, fit.time_shares)
    net = RewardNet(space, config.network)
    probe(net, x_fit, z_fit, w_fit, 0, 0)
    fit.step = probe.step  # step numbers run on through the probe's
    held_out = probe.predict_val(net)
    estimate = estimate_noise((held_out - fit.z_val).double() ** 2, counts_val)
    if estimate is None:
        return None
    scale = estimate.weights(counts_fit).mean()
    return (w_fit * estimate.weights(counts_fit) / scale,
            w_val * estimate.weights(counts_val) / scale)


def varying_counts(data: OfflineData | tuple[Tensor, Tensor, Space]) -> Tensor | None:
    """(n,) float64 measurements behind each value when they differ; None otherwise."""
    if not isinstance(data, OfflineData) or data.counts is None:
        return None
    counts = torch.as_tensor(data.counts, dtype=torch.float64)
    return counts if bool((counts != counts[0]).any()) else None
