"""Masked discrete diffusion: loss, reverse step, sampler, per-step KL."""

from __future__ import annotations

import pytest
import torch

from braid_core.diffusion import masked
from braid_core.diffusion.conv import ConvConfig, ConvDenoiser
from braid_core.runtime import make_generator

VOCAB, LENGTH = 5, 12


def _net(device: torch.device, seed: int = 0) -> ConvDenoiser:
    torch.manual_seed(seed)  # test entry point: fixes the initial weights
    return ConvDenoiser(VOCAB, ConvConfig(width=16, depth=2, kernel_size=3, max_dilation=2)).to(
        device
    )


def test_forward_mask_extremes(device: torch.device) -> None:
    g = make_generator(0, device)
    x0 = torch.randint(VOCAB, (4, LENGTH), generator=g, device=device)
    assert torch.equal(masked.forward_mask(x0, torch.zeros(4, device=device), VOCAB, g), x0)
    all_masked = masked.forward_mask(x0, torch.ones(4, device=device), VOCAB, g)
    assert (all_masked == VOCAB).all()


def test_unmask_counts_cover_length() -> None:
    for num_steps in (1, 3, 12, 50):
        counts = masked.unmask_counts(LENGTH, num_steps)
        assert sum(counts) == LENGTH
        assert len(counts) == min(num_steps, LENGTH)
        assert min(counts) >= 1


def test_loss_finite_and_decreasing(device: torch.device) -> None:
    # Data: the cyclic sequence 0,1,2,3,4,0,... at a random shift; easy to learn.
    g = make_generator(0, device)
    shifts = torch.randint(VOCAB, (64, 1), generator=g, device=device)
    x0 = (torch.arange(LENGTH, device=device) + shifts) % VOCAB
    net = _net(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)

    def evaluate() -> float:
        with torch.no_grad():
            return float(masked.masked_diffusion_loss(net, x0, make_generator(1, device)))

    before = evaluate()
    for _ in range(60):
        loss = masked.masked_diffusion_loss(net, x0, g)
        assert torch.isfinite(loss)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert evaluate() < 0.5 * before
    flat = masked.masked_diffusion_loss(net, x0, g, weighting="flat")
    assert torch.isfinite(flat)


def test_sample_shapes_no_masks_and_seeded(device: torch.device) -> None:
    net = _net(device)
    for order in masked.ORDERS:
        with torch.no_grad():
            a = masked.sample(net, (6, LENGTH), 5, generator=make_generator(3, device), order=order)
            b = masked.sample(net, (6, LENGTH), 5, generator=make_generator(3, device), order=order)
            c = masked.sample(net, (6, LENGTH), 5, generator=make_generator(4, device), order=order)
        assert a.x0.shape == (6, LENGTH) and a.x0.dtype == torch.long
        assert a.x0.min() >= 0 and a.x0.max() < VOCAB  # no mask token left
        assert torch.equal(a.x0, b.x0)
        assert not torch.equal(a.x0, c.x0)
        assert a.steps == []


def test_grad_only_through_last_k_steps(device: torch.device) -> None:
    net = _net(device)
    trajectory = masked.sample(
        net, (3, LENGTH), 6, generator=make_generator(0, device), grad_last_k=2, temperature=0.9
    )
    assert len(trajectory.steps) == len(trajectory.states) == len(trajectory.times) == 2
    assert all(step.logits.requires_grad for step in trajectory.steps)
    # The states before the recorded steps still hold masks, fewer at the later one.
    masks = [int(step.masked.sum()) for step in trajectory.steps]
    assert masks[0] > masks[1] > 0
    sum(step.logits.sum() for step in trajectory.steps).backward()
    assert all(p.grad is not None for p in net.parameters())
    with torch.no_grad():
        silent = masked.sample(
            net, (3, LENGTH), 6, generator=make_generator(0, device), grad_last_k=2
        )
    assert not any(step.logits.requires_grad for step in silent.steps)


def test_unmask_prob_matches_counts(device: torch.device) -> None:
    net = _net(device)
    x_t = torch.full((2, LENGTH), VOCAB, device=device)
    x_t[:, :4] = 1
    step = masked.reverse_step(net, x_t, 2)
    assert torch.allclose(step.unmask_prob.sum(1), torch.full((2,), 2.0, device=device))
    assert (step.unmask_prob[:, :4] == 0).all()


def test_step_kl_zero_for_identical_models_positive_otherwise(device: torch.device) -> None:
    net, other = _net(device, 0), _net(device, 1)
    with torch.no_grad():
        for p in other.parameters():
            p.add_(0.1)
    x_t = torch.full((3, LENGTH), VOCAB, device=device)
    x_t[:, ::2] = 2
    same = masked.step_kl(masked.reverse_step(net, x_t, 3), masked.reverse_step(net, x_t, 3))
    assert torch.allclose(same, torch.zeros(3, device=device), atol=1e-6)
    different = masked.step_kl(masked.reverse_step(other, x_t, 3), masked.reverse_step(net, x_t, 3))
    assert (different > 0).all()


def _shifted(device: torch.device) -> ConvDenoiser:
    other = _net(device, 1)
    with torch.no_grad():
        for p in other.parameters():
            p.add_(0.1)
    return other


def test_relaxed_x0_is_the_hard_sample_and_sends_gradients_to_chosen_steps(device) -> None:
    net = _net(device)
    trajectory = masked.sample(
        net, (4, LENGTH), LENGTH, generator=make_generator(0, device), grad_steps=[0, 5],
        relax_tau=0.5,
    )
    relaxed = trajectory.x0_relaxed
    one_hot = torch.nn.functional.one_hot(trajectory.x0, VOCAB).float()
    assert torch.allclose(relaxed, one_hot)  # straight-through: forward value is hard
    assert len(trajectory.steps) == 2
    reward = (relaxed * torch.randn(VOCAB, device=device)).sum()
    reward.backward()
    # (Residual blocks start as the identity, so the output layer is where gradients show.)
    assert net.out.weight.grad is not None and net.out.weight.grad.abs().sum() > 0


def test_no_gradient_without_chosen_steps(device) -> None:
    net = _net(device)
    trajectory = masked.sample(
        net, (4, LENGTH), LENGTH, generator=make_generator(0, device), relax_tau=0.5
    )
    assert not trajectory.x0_relaxed.requires_grad


def test_path_kl_to_reference(device) -> None:
    net, other = _net(device), _shifted(device)
    same = masked.sample(
        net, (3, LENGTH), 6, generator=make_generator(0, device), reference=net
    )
    assert torch.allclose(same.kl, torch.zeros(3, dtype=torch.float64, device=device), atol=1e-6)
    # With every step recorded, the path KL is the sum of the recorded steps' KL.
    path = masked.sample(
        other, (3, LENGTH), 6, generator=make_generator(0, device), reference=net, grad_last_k=6
    )
    with torch.no_grad():
        recomputed = sum(
            masked.step_kl(step, masked.reverse_step(net, state, 0)._replace(
                unmask_prob=step.unmask_prob))
            for step, state in zip(path.steps, path.states, strict=True)
        )
    assert (path.kl > 0).all()
    assert torch.allclose(path.kl.float(), recomputed, rtol=1e-4)
    path.kl.sum().backward()
    assert all(p.grad is not None for p in other.parameters())


def test_restrict_to_support_drops_rare_reference_letters_and_keeps_one() -> None:
    reference = torch.log(torch.tensor([[[0.70, 0.25, 0.04, 0.005, 0.005]],
                                        [[0.2, 0.2, 0.2, 0.2, 0.2]]]))
    logits = torch.zeros(2, 1, VOCAB)
    kept = masked.restrict_to_support(logits, reference, 0.01).softmax(-1)
    assert torch.allclose(kept[0, 0], torch.tensor([1 / 3, 1 / 3, 1 / 3, 0, 0]))
    assert torch.allclose(kept[1, 0], torch.full((VOCAB,), 0.2))
    # A floor above every letter's probability still leaves the most likely one.
    only = masked.restrict_to_support(logits, reference, 0.9).softmax(-1)
    assert torch.allclose(only[0, 0], torch.tensor([1.0, 0, 0, 0, 0]))


class _Banned(torch.nn.Module):
    """A reference denoiser that gives letter 0 probability ~1e-4 everywhere."""

    vocab_size = VOCAB

    def __init__(self) -> None:
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.zeros(()))

    def forward(self, x_t: torch.Tensor) -> torch.Tensor:
        logits = torch.zeros(*x_t.shape, VOCAB, device=x_t.device) + self.anchor
        logits[..., 0] = -9.0
        return logits


def test_support_floor_sampler_never_draws_what_the_reference_excludes(device) -> None:
    favours_zero = _net(device)
    with torch.no_grad():
        favours_zero.out.bias[0] += 8.0  # the fine-tuned net would draw letter 0 nearly always
    reference = _Banned().to(device)
    free = masked.sample(favours_zero, (16, LENGTH), LENGTH, generator=make_generator(0, device),
                         reference=reference)
    assert (free.x0 == 0).float().mean() > 0.5
    held = masked.sample(favours_zero, (16, LENGTH), LENGTH, generator=make_generator(0, device),
                         reference=reference, support_floor=0.01)
    assert not (held.x0 == 0).any()
    assert torch.isfinite(held.kl).all()  # zero mass off the support, not NaN


def test_support_floor_needs_a_reference(device) -> None:
    with pytest.raises(ValueError, match="reference"):
        masked.sample(_net(device), (2, LENGTH), 4, generator=make_generator(0, device),
                      support_floor=0.01)
