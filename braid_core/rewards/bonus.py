"""BRAID-Bonus: one reward network and a last-layer (linear-bandit / GP-style) uncertainty.

With phi(x) the network's penultimate layer and, over the n training designs, mu its mean
and C its covariance (centred, divisor n), DESIGN.md §1 asks for Sigma = C + lambda I and
u = sqrt(phi^T Sigma^-1 phi). Two choices make u small on D, growing away from it, and in
y units so that c is a number of standard errors:

* The quadratic form is centred, d = phi(x) - mu. Uncentred, a design at the data's mean
  feature would already be |mu| away from the origin; centring splits off the intercept,
  whose own standard error is sigma / sqrt(n).
* u is the posterior standard deviation of the linear head w^T phi + b under Gaussian noise
  sigma and a ridge n * lambda on w:
      u(x) = sigma / sqrt(n) * sqrt(1 + d^T Sigma^-1 d),
  since the centred Gram matrix is Phi^T Phi = n C. sigma is the network's held-out RMSE
  (y units). So u ~ sigma * sqrt(F_eff / n) on D and grows linearly with the Mahalanobis
  distance of phi(x) from the data's features. lambda is relative: Sigma = C + lambda *
  (trace(C) / F) I, so it does not depend on the features' scale.
* u is capped at b_max (given in units of the standard deviation of y in D), so a design
  far outside D cannot make r_c arbitrarily negative.
Sigma^-1 is computed and applied in float64.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from braid_core.rewards.conservative import Prediction
from braid_core.rewards.networks import RewardNet, RewardNetConfig
from braid_core.spaces import Space


class LastLayerBonus(nn.Module):
    """A RewardNet plus the feature statistics behind u(x).

    Args:
        space: the design space.
        net_config: shape of the network.
    """

    kind = "bonus"

    def __init__(self, space: Space, net_config: RewardNetConfig) -> None:
        super().__init__()
        self.space = space
        self.net = RewardNet(space, net_config)
        dim = net_config.feature_dim
        # y standardisation of training; the net predicts (y - y_mean) / y_std.
        self.register_buffer("y_mean", torch.zeros((), dtype=torch.float64))
        self.register_buffer("y_std", torch.ones((), dtype=torch.float64))
        # Set by `fit_uncertainty`: mu, Sigma^-1, sigma / sqrt(n), and the cap in y units.
        self.register_buffer("feature_mean", torch.zeros(dim, dtype=torch.float64))
        self.register_buffer("precision", torch.eye(dim, dtype=torch.float64))
        self.register_buffer("u_scale", torch.zeros((), dtype=torch.float64))
        self.register_buffer("u_max", torch.zeros((), dtype=torch.float64))
        self.metrics: dict[str, float] = {}
        self.train_config = None  # the RewardTrainConfig, set by train_reward / load_reward

    @property
    def device(self) -> torch.device:
        return self.y_mean.device

    @torch.no_grad()
    def fit_uncertainty(self, x: Tensor, sigma: float, ridge: float, b_max: float) -> None:
        """Compute mu, Sigma^-1 and the scale of u from the training designs.

        Args:
            x: (n, ...) training designs (tokens, one-hot or vectors), n >= 2.
            sigma: noise standard deviation in y units (the held-out RMSE).
            ridge: lambda, relative to the mean feature variance; > 0.
            b_max: cap on u, in standard deviations of y.
        """
        assert x.shape[0] >= 2, "need at least 2 designs for a covariance"
        phi = torch.cat([self.net.features(chunk) for chunk in x.split(1024)]).double()
        n, dim = phi.shape
        mu = phi.mean(dim=0)
        centred = phi - mu
        covariance = centred.T @ centred / n
        level = covariance.diagonal().mean().clamp_min(1e-12)
        identity = torch.eye(dim, dtype=phi.dtype, device=phi.device)
        sigma_matrix = covariance + ridge * level * identity
        self.feature_mean.copy_(mu)
        self.precision.copy_(torch.cholesky_inverse(torch.linalg.cholesky(sigma_matrix)))
        self.u_scale.fill_(sigma / math.sqrt(n))
        self.u_max.copy_(b_max * self.y_std)

    def uncertainty(self, phi: Tensor) -> Tensor:
        """u = min(u_max, sigma / sqrt(n) * sqrt(1 + d^T Sigma^-1 d)), d = phi - mu.

        Args:
            phi: (n, F) features.
        Returns:
            (n,) in y units, dtype of phi.
        """
        d = phi.double() - self.feature_mean
        quadratic = ((d @ self.precision) * d).sum(dim=-1).clamp_min(0.0)
        u = self.u_scale * torch.sqrt(1.0 + quadratic)
        return torch.minimum(u, self.u_max).to(phi.dtype)

    def predict(self, x: Tensor) -> Prediction:
        """r_hat and u in y units; differentiable in x.

        Args:
            x: (n, length) tokens, (n, length, vocab) relaxed one-hot, or (n, dim) vectors.
        Returns:
            Prediction(mean (n,), std (n,) = u(x), members None).
        """
        phi = self.net.features(x)
        out = self.net.head(phi).squeeze(-1)
        mean = out * self.y_std.to(out.dtype) + self.y_mean.to(out.dtype)
        return Prediction(mean, self.uncertainty(phi))
