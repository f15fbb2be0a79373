"""conservative_reward: r_hat - c * u, and the minimum over ensemble members."""

from __future__ import annotations

import pytest
import torch

from braid_core.rewards import Prediction, conservative_reward


def _pred(members: bool = True) -> Prediction:
    heads = torch.tensor([[1.0, 2.0], [3.0, 0.0], [2.0, 1.0]], dtype=torch.float64)
    return Prediction(heads.mean(0), heads.std(0), heads if members else None)


def test_std_mode_is_mean_minus_c_std() -> None:
    pred = _pred()
    torch.testing.assert_close(conservative_reward(pred, 0.0), pred.mean)
    torch.testing.assert_close(conservative_reward(pred, 2.0), pred.mean - 2.0 * pred.std)
    torch.testing.assert_close(conservative_reward(pred, 1.5),
                               torch.tensor([2.0 - 1.5, 1.0 - 1.5], dtype=torch.float64))


def test_min_mode_is_the_worst_member() -> None:
    torch.testing.assert_close(conservative_reward(_pred(), 7.0, mode="min"),
                               torch.tensor([1.0, 0.0], dtype=torch.float64))


def test_min_mode_needs_members_and_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="per-member"):
        conservative_reward(_pred(members=False), 1.0, mode="min")
    with pytest.raises(ValueError, match="c must be"):
        conservative_reward(_pred(), -1.0)
    with pytest.raises(ValueError, match="mode"):
        conservative_reward(_pred(), 1.0, mode="max")  # type: ignore[arg-type]


def test_gradient_flows_through_a_tensor_c() -> None:
    c = torch.tensor(0.5, requires_grad=True)
    conservative_reward(_pred(), c).sum().backward()
    torch.testing.assert_close(c.grad, -_pred().std.sum().float())
