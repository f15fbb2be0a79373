"""Several reward models of one kind, fitted on the same data with different network shapes,
used as one: an equal mixture of them. r_hat is the mean of their r_hat, and u the mixture's
standard deviation, sqrt(mean of u_i^2 + spread of the r_hat_i): where the shapes disagree,
that is uncertainty too.

Why offer it beside keeping the shape of lowest validation error: held-out error on D cannot
tell which shape extrapolates past D's best, and on plateaued data it keeps the one that does
not (bench/results/unseen_design.md, sessions 15-16). In ranking fresh designs the average
hedges that choice (bench/results/shape_ensemble.md), and with `braid design` it lifted the
plateau instance 48:2:20 on two seeds of three. It is not the default: where the two fits
disagree, their mean varies less over designs than either, so at the same alpha fine-tuning
moves less (ehrlich-20-64: median 0.125 against 0.271), and on 60:4:13 it lost validity
(unseen_design.md, "Session 22").
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from braid_core.rewards.bonus import LastLayerBonus
from braid_core.rewards.conservative import Prediction
from braid_core.rewards.ensemble import BootstrapEnsemble


class ShapeAverage(nn.Module):
    """Reward models of one kind (one per shape) whose predictions are averaged.

    Args:
        members: at least two models of the same kind and space, trained on the same D (so
            their y standardisation agrees).
    """

    def __init__(self, members: Sequence[BootstrapEnsemble | LastLayerBonus]) -> None:
        super().__init__()
        if len(members) < 2:
            raise ValueError(f"an average needs at least 2 models, got {len(members)}")
        if len({model.kind for model in members}) != 1:
            raise ValueError("the averaged models must be of one kind")
        self.members = nn.ModuleList(members)
        self.kind = members[0].kind
        self.space = members[0].space
        self.metrics: dict[str, float] = {}
        self.train_config = None  # the RewardTrainConfig, set by train_reward / load_reward

    @property
    def device(self) -> torch.device:
        return self.members[0].device

    @property
    def y_std(self) -> Tensor:
        """The standard deviation of y over D (alpha's unit in fine-tuning)."""
        return self.members[0].y_std

    def predict(self, x: Tensor) -> Prediction:
        """The equal mixture of the members: mean of their r_hat, u = sqrt(mean of u_i^2 +
        mean of (r_hat_i - r_hat)^2). BRAID-Boot keeps every member's heads (so "min" takes
        the minimum over all of them). Differentiable in x."""
        predictions = [model.predict(x) for model in self.members]
        means = torch.stack([p.mean for p in predictions])
        mean = means.mean(dim=0)
        spread = (means - mean).pow(2).mean(dim=0)
        variance = torch.stack([p.std for p in predictions]).pow(2).mean(dim=0) + spread
        std = variance.clamp_min(1e-24).sqrt()  # finite gradients where all agree exactly
        heads = [p.members for p in predictions]
        members = None if any(h is None for h in heads) else torch.cat(heads)
        return Prediction(mean, std, members)
