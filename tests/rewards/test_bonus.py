"""BRAID-Bonus: the closed form of u, its cap, and its growth away from D."""

from __future__ import annotations

import math

import torch
from reward_tasks import SPACE, a_rich

from braid_core.rewards import LastLayerBonus, RewardNetConfig
from braid_core.runtime import make_generator
from braid_core.spaces import VectorSpace


def _bonus_on_features(phi: torch.Tensor, ridge: float = 1e-2) -> LastLayerBonus:
    """A bonus model whose network's features are the identity (vectors in, phi out)."""
    dim = phi.shape[1]
    model = LastLayerBonus(VectorSpace(dim), RewardNetConfig(feature_dim=dim))
    model.net.features = lambda x: x  # type: ignore[method-assign]
    model.fit_uncertainty(phi, sigma=0.5, ridge=ridge, b_max=3.0)
    return model


def test_u_matches_the_closed_form() -> None:
    phi = torch.randn(50, 3, generator=make_generator(0), dtype=torch.float64) * torch.tensor(
        [1.0, 2.0, 0.5], dtype=torch.float64)
    model = _bonus_on_features(phi)
    mu = phi.mean(0)
    covariance = (phi - mu).T @ (phi - mu) / 50
    sigma = covariance + 1e-2 * covariance.diagonal().mean() * torch.eye(3, dtype=torch.float64)
    query = torch.randn(7, 3, generator=make_generator(1), dtype=torch.float64)
    d = query - mu
    expected = 0.5 / math.sqrt(50) * torch.sqrt(1 + (d @ torch.linalg.inv(sigma) * d).sum(1))
    torch.testing.assert_close(model.uncertainty(query), expected)


def test_u_grows_along_any_direction_and_is_capped() -> None:
    phi = torch.randn(100, 4, generator=make_generator(2), dtype=torch.float64)
    model = _bonus_on_features(phi)
    mu = phi.mean(0)
    direction = torch.tensor([1.0, -1.0, 0.5, 0.0], dtype=torch.float64)
    steps = torch.tensor([0.0, 1.0, 3.0, 10.0], dtype=torch.float64)[:, None]
    u = model.uncertainty(mu + steps * direction)
    assert torch.all(u[1:] > u[:-1])
    assert math.isclose(float(u[0]), 0.5 / 10, rel_tol=1e-9)  # sigma / sqrt(n) at the mean
    far = model.uncertainty(mu + 1e6 * direction[None])
    assert float(far) == 3.0 * float(model.y_std)  # b_max in y standard deviations


def test_trained_bonus_grows_away_from_the_data(bonus_model, count_data) -> None:
    x, _ = count_data
    with torch.no_grad():
        on_data = bonus_model.predict(x).std.mean()
        away = bonus_model.predict(a_rich(100, seed=5)).std.mean()
    # Measured 10-13x over seeds 1-3; 3x leaves a wide margin.
    assert away > 3 * on_data, (float(away), float(on_data))
    assert float(on_data) < 0.5 * bonus_model.metrics["rmse"]


def test_gradient_reaches_relaxed_input(bonus_model) -> None:
    logits = torch.randn(4, 8, 4, generator=make_generator(3), requires_grad=True)
    pred = bonus_model.predict(SPACE.relax(logits))
    assert pred.members is None and pred.std.dtype == pred.mean.dtype == torch.float32
    (pred.mean - 2.0 * pred.std).sum().backward()
    assert torch.isfinite(logits.grad).all() and logits.grad.abs().sum() > 0
