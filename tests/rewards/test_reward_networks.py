"""RewardNet: shapes, tokens vs one-hot, gradients through relaxed inputs, seeded init."""

from __future__ import annotations

import pytest
import torch

from braid_core.rewards import RewardNet, RewardNetConfig
from braid_core.runtime import make_generator
from braid_core.spaces import SequenceSpace, VectorSpace

SPACE = SequenceSpace("ACGT", 8)
SMALL = RewardNetConfig(width=16, feature_dim=8)


def _net(space, device: torch.device, seed: int = 0) -> RewardNet:
    net = RewardNet(space, SMALL).to(device)
    net.reset_parameters(make_generator(seed, device))
    return net


def test_shapes_and_tokens_equal_hard_one_hot(device: torch.device) -> None:
    net = _net(SPACE, device)
    tokens = torch.randint(4, (5, 8), generator=make_generator(1, device), device=device)
    assert net.features(tokens).shape == (5, 8)
    assert net(tokens).shape == (5,)
    torch.testing.assert_close(net(tokens), net(SPACE.one_hot(tokens)))


def test_gradient_reaches_relaxed_input(device: torch.device) -> None:
    net = _net(SPACE, device).requires_grad_(False)
    logits = torch.randn(3, 8, 4, generator=make_generator(2, device), device=device)
    logits.requires_grad_(True)
    net(SPACE.relax(logits, temperature=0.5)).sum().backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all()
    assert logits.grad.abs().sum() > 0


def test_vector_net(device: torch.device) -> None:
    net = _net(VectorSpace(3), device)
    x = torch.randn(4, 3, device=device, requires_grad=True)
    assert net.features(x).shape == (4, 8)
    net(x).sum().backward()
    assert x.grad.abs().sum() > 0


def test_reset_parameters_follows_the_generator() -> None:
    cpu = torch.device("cpu")
    a, b, c = _net(SPACE, cpu, 0), _net(SPACE, cpu, 0), _net(SPACE, cpu, 1)
    for pa, pb, pc in zip(a.parameters(), b.parameters(), c.parameters(), strict=True):
        assert torch.equal(pa, pb)
        assert not torch.equal(pa, pc)


def test_wrong_shapes_and_bad_config_are_refused() -> None:
    net = _net(SPACE, torch.device("cpu"))
    with pytest.raises(AssertionError):
        net(torch.zeros(2, 7, dtype=torch.long))
    with pytest.raises(ValueError, match="kernel_size"):
        RewardNetConfig(kernel_size=4)
    with pytest.raises(ValueError, match="feature_dim"):
        RewardNetConfig(feature_dim=0)


def test_position_invariant_net_ignores_where_a_motif_sits() -> None:
    # Without the flattened branch and with max pooling, a motif shifted inside a blank
    # background (away from the zero-padded edges) gives the same output.
    space = SequenceSpace("ACGT", 64)  # receptive field 29: the edges stay out of the motif's
    config = RewardNetConfig(width=16, feature_dim=8, conv_layers=3, dilation_growth=2,
                             position_branch=False, pooling="max")
    net = RewardNet(space, config)
    net.reset_parameters(make_generator(0))
    x = torch.full((2, 64), 3, dtype=torch.long)
    x[0, 30:33] = torch.tensor([0, 1, 2])
    x[1, 31:34] = torch.tensor([0, 1, 2])
    with torch.no_grad():
        out = net(x)
    assert torch.isclose(out[0], out[1], atol=1e-6)
    legacy = _net(space, torch.device("cpu"))
    with torch.no_grad():
        assert not torch.isclose(*legacy(x), atol=1e-6)


def test_new_fields_default_to_the_first_architecture() -> None:
    # Configs saved before dilation_growth / pooling / position_branch / dropout existed are
    # rebuilt from their other fields: the defaults must give the same parameter shapes.
    net = RewardNet(SequenceSpace("ACGT", 8), RewardNetConfig(width=16, feature_dim=8))
    shapes = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    assert shapes["trunk.0.weight"] == (16, 2 * 16 + 16 * 8)
    assert all(conv.dilation == (1,) for conv in net.convs)
    with pytest.raises(ValueError, match="pooling"):
        RewardNetConfig(pooling="sum")
    with pytest.raises(ValueError, match="dropout"):
        RewardNetConfig(dropout=1.0)


def test_describe_names_the_shape() -> None:
    config = RewardNetConfig(conv_layers=3, kernel_size=5, dilation_growth=2, pooling="max",
                             position_branch=False)
    text = config.describe(SequenceSpace("ACGT", 8))
    assert text.startswith("3 conv layers of kernel 5 (dilations 1, 2, 4), width 64, max")
    assert "flattened" not in text
    assert "flattened" in RewardNetConfig().describe(SequenceSpace("ACGT", 8))
    assert RewardNetConfig().describe(VectorSpace(2)).startswith("MLP, 2 hidden layers of 64")
