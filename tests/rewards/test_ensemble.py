"""BRAID-Boot: bootstrap resamples, the spread over heads, and its growth away from D."""

from __future__ import annotations

import torch
from reward_tasks import SPACE, a_rich

from braid_core.rewards import BootstrapEnsemble, RewardNetConfig, bootstrap_indices
from braid_core.runtime import make_generator


def test_bootstrap_resamples_differ_and_repeat() -> None:
    rows = bootstrap_indices(200, 4, make_generator(0))
    assert rows.shape == (4, 200) and rows.dtype == torch.int64
    assert rows.min() >= 0 and rows.max() < 200
    for k in range(4):
        # With replacement: about 1 - 1/e = 63 % of the rows are drawn, some several times.
        assert 0.5 < len(rows[k].unique()) / 200 < 0.75
        for j in range(k):
            assert not torch.equal(rows[k], rows[j])


def test_identical_heads_have_zero_spread(device: torch.device) -> None:
    model = BootstrapEnsemble(SPACE, RewardNetConfig(width=8, feature_dim=4), 3).to(device)
    for head in model.heads:
        head.load_state_dict(model.heads[0].state_dict())
    model.y_mean.fill_(2.0)
    model.y_std.fill_(3.0)
    x = torch.randint(4, (6, 8), device=device)
    pred = model.predict(x)
    assert pred.members.shape == (3, 6)
    torch.testing.assert_close(pred.std, torch.zeros(6, device=device))
    torch.testing.assert_close(pred.mean, 3.0 * model.heads[0](x) + 2.0)


def test_spread_is_the_bessel_corrected_std_over_heads() -> None:
    model = BootstrapEnsemble(SPACE, RewardNetConfig(width=8, feature_dim=4), 4)
    for k, head in enumerate(model.heads):
        head.reset_parameters(make_generator(k))
    x = torch.randint(4, (5, 8), generator=make_generator(9))
    pred = model.predict(x)
    members = torch.stack([head(x) for head in model.heads])
    torch.testing.assert_close(pred.std, members.std(dim=0, correction=1))
    assert (pred.members.amin(dim=0) <= pred.mean).all()


def test_spread_grows_away_from_the_data(boot_model, count_data) -> None:
    x, _ = count_data
    with torch.no_grad():
        on_data = boot_model.predict(x).std.mean()
        away = boot_model.predict(a_rich(100, seed=5)).std.mean()
    # Measured 3.4-7.5x over seeds 1-3; 1.5x leaves a wide margin.
    assert away > 1.5 * on_data, (float(away), float(on_data))


def test_gradient_reaches_relaxed_input(boot_model) -> None:
    logits = torch.randn(4, 8, 4, generator=make_generator(3), requires_grad=True)
    pred = boot_model.predict(SPACE.relax(logits))
    (pred.mean - pred.std).sum().backward()
    assert torch.isfinite(logits.grad).all() and logits.grad.abs().sum() > 0
    assert all(not p.requires_grad for p in boot_model.parameters())


def test_predict_in_chunks_matches_one_call_and_keeps_the_members() -> None:
    from braid_core.rewards.conservative import predict_in_chunks

    model = BootstrapEnsemble(SPACE, RewardNetConfig(width=8, feature_dim=4), 3)
    for k, head in enumerate(model.heads):
        head.reset_parameters(make_generator(k))
    x = torch.randint(4, (7, 8), generator=make_generator(5))
    with torch.no_grad():
        whole, chunked = model.predict(x), predict_in_chunks(model, x, chunk=3)
    assert chunked.members.shape == (3, 7)
    for name in ("mean", "std", "members"):
        torch.testing.assert_close(getattr(chunked, name), getattr(whole, name))
