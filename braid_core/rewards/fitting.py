"""Fitting the networks of a reward model, one at a time: AdamW on weighted squared error,
the weights of best validation error kept (early stopping), each net under an equal share of
the time left. `train_reward` (train.py) decides what to fit; this module fits it.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from braid_core.rewards.bonus import LastLayerBonus
from braid_core.rewards.ensemble import BootstrapEnsemble
from braid_core.rewards.networks import RewardNet, RewardNetConfig
from braid_core.spaces import Space

if TYPE_CHECKING:
    from braid_core.rewards.train import RewardTrainConfig


def fit_model(fit: Fitter, config: RewardTrainConfig, space: Space,
              shapes: tuple[RewardNetConfig, ...], index: int, x: Tensor, z: Tensor,
              w: Tensor, resamples: Tensor | None, first_head: RewardNet | None = None,
              ) -> BootstrapEnsemble | LastLayerBonus:
    """A model of shape `shapes[index]` fitted on (x, z), errors weighted by w (Boot: head k on
    resample k; a `first_head` already fitted on resample 0 is reused). Standardisation and u
    come later."""
    if resamples is None:
        model = LastLayerBonus(space, shapes[index])
        fit(model.net, x, z, w, 0, index)
        return model
    model = BootstrapEnsemble(space, shapes[index], config.num_heads)
    for head in range(config.num_heads):
        if head == 0 and first_head is not None:
            model.heads[0].load_state_dict(first_head.state_dict())
            continue
        rows = resamples[head]
        fit(model.heads[head], x[rows], z[rows], w[rows], head, index)
    return model


def fit_best(fit: Fitter, space: Space, shapes: tuple[RewardNetConfig, ...], x: Tensor,
             z: Tensor, w: Tensor) -> tuple[RewardNet, int]:
    """Fit one net of each shape on (x, z), errors weighted by w; the one of lowest validation
    error and its index."""
    best_net, best_index, best_val = None, 0, math.inf
    for index, shape in enumerate(shapes):
        net = RewardNet(space, shape)
        val = fit(net, x, z, w, 0, index)
        if val < best_val:
            best_net, best_index, best_val = net, index, val
    assert best_net is not None
    return best_net, best_index


class TimeShares:
    """The fit's time limit, shared out: each network, when it starts, gets an equal share of
    the time left among the networks still to fit."""

    def __init__(self, max_minutes: float | None, fits: int) -> None:
        self.deadline = None if max_minutes is None else time.monotonic() + 60.0 * max_minutes
        self.fits, self.fits_left = fits, fits
        self.started = 0  # networks begun, this one included
        self.cut_short = 0  # networks stopped by their share, not by patience

    def next_deadline(self) -> float | None:
        self.started += 1
        if self.deadline is None:
            return None
        now = time.monotonic()
        share = max(self.deadline - now, 0.0) / max(self.fits_left, 1)
        self.fits_left -= 1
        return now + share


class Fitter:
    """Fits one RewardNet at a time, keeping the weights of best validation error."""

    def __init__(self, config, generator, device, x_val, z_val, w_val, y_std, on_step,
                 time_shares: TimeShares) -> None:
        self.config, self.generator, self.device = config, generator, device
        self.x_val, self.z_val, self.w_val = x_val, z_val, w_val
        self.y_std, self.on_step = y_std, on_step
        self.time_shares = time_shares
        self.step = 0  # optimizer steps over all networks

    def __call__(self, net: RewardNet, x: Tensor, z: Tensor, w: Tensor, head: int,
                 shape: int) -> float:
        """Train `net` on (x, z) (standardised targets), squared errors weighted by w, in place;
        its best validation MSE (weighted alike)."""
        config, generator = self.config, self.generator
        net.to(generator.device).reset_parameters(generator)
        net.to(self.device).train()
        net.standardise_inputs(x)
        optimizer = torch.optim.AdamW(net.parameters(), lr=config.lr,
                                      weight_decay=config.weight_decay)
        batch_size = min(config.batch_size, len(z))
        best, best_state, stale, loss_sum = math.inf, None, 0, 0.0
        cursor, order = len(z), None
        deadline = self.time_shares.next_deadline()
        for local_step in range(1, config.max_steps + 1):
            if cursor + batch_size > len(z):
                order = torch.randperm(len(z), generator=generator, device=generator.device)
                order, cursor = order.to(self.device), 0
            rows = order[cursor:cursor + batch_size]
            cursor += batch_size
            loss = (w[rows] * (net(x[rows]) - z[rows]) ** 2).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            self.step += 1
            loss_sum += float(loss.detach())
            late = deadline is not None and time.monotonic() > deadline
            if local_step % config.eval_every and local_step != config.max_steps and not late:
                continue
            val = self._val_mse(net)
            if val < best:
                best, stale = val, 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                stale += 1
            if self.on_step is not None:
                # Networks finished plus this one's share of max_steps, over those planned: an
                # estimate that jumps where patience stops a network early.
                done = (self.time_shares.started - 1 + local_step / config.max_steps)
                self.on_step(self.step, {"head": float(head), "shape": float(shape),
                                         "loss": loss_sum / config.eval_every,
                                         "val_rmse": math.sqrt(val) * self.y_std,
                                         "done": min(done / self.time_shares.fits, 1.0)})
            loss_sum = 0.0
            if stale >= config.patience:
                break
            if late:
                self.time_shares.cut_short += 1
                break
        net.load_state_dict(best_state)
        net.eval()
        return best

    @torch.no_grad()
    def predict_val(self, net: RewardNet) -> Tensor:
        """The net's standardised predictions for the validation designs (eval mode; the
        net's mode is restored)."""
        training = net.training
        net.eval()
        out = torch.cat([net(chunk) for chunk in self.x_val.split(1024)])
        net.train(training)
        return out

    def _val_mse(self, net: RewardNet) -> float:
        return float((self.w_val * (self.predict_val(net) - self.z_val) ** 2).mean())
