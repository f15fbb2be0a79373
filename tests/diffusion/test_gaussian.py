"""Gaussian diffusion: loss, sampler, gradient window, guidance, per-step KL, vector priors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from torch import Tensor, nn

from braid_core.diffusion import gaussian
from braid_core.diffusion.mlp import MLPDenoiser
from braid_core.diffusion.prior import Prior, PriorConfig
from braid_core.diffusion.schedule import NoiseSchedule
from braid_core.diffusion.train import train_prior
from braid_core.runtime import make_generator
from braid_core.spaces import VectorSpace


def _net(device: torch.device, width: int = 16, depth: int = 1, seed: int = 0) -> MLPDenoiser:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # test entry point: fixes the initial weights
        return MLPDenoiser(2, width, depth).to(device)


def _ring(n: int, generator: torch.Generator) -> Tensor:
    angle = 2 * math.pi * torch.rand(n, generator=generator, device=generator.device)
    return torch.stack([angle.cos(), angle.sin()], dim=1)


class _ShiftedEps(nn.Module):
    """A 'fine-tuned' model whose noise prediction is the base's plus a constant."""

    def __init__(self, base: nn.Module, shift: Tensor) -> None:
        super().__init__()
        self.base = base
        self.register_buffer("shift", shift)

    def forward(self, x_t: Tensor, t: Tensor) -> Tensor:
        return self.base(x_t, t) + self.shift


class _GaussianDataEps(nn.Module):
    """The exact eps(x_t, t) = sqrt(1 - abar_t) x_t for N(0, I) data: a linear sampler."""

    def __init__(self, schedule: NoiseSchedule) -> None:
        super().__init__()
        self.register_buffer("scale", (1 - schedule.alpha_bar).sqrt().float())
        self.anchor = nn.Parameter(torch.zeros(()))  # gives the sampler a device and dtype

    def forward(self, x_t: Tensor, t: Tensor) -> Tensor:
        return self.scale[t][:, None] * x_t + self.anchor


def test_mlp_shapes_and_scalar_time(device: torch.device) -> None:
    net = _net(device)
    x = torch.randn(5, 2, device=device)
    out = net(x, torch.arange(5, device=device))
    assert out.shape == (5, 2) and net.dim == 2
    assert torch.equal(net(x, 3), net(x, torch.full((5,), 3, device=device)))


def test_training_on_ring_lowers_loss_and_samples_land_on_ring(device: torch.device) -> None:
    g = make_generator(0, device)
    data = _ring(512, g)
    net = _net(device, width=64, depth=2)
    schedule = NoiseSchedule.cosine(50)
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    losses = []
    for _ in range(300):
        batch = data[torch.randint(512, (128,), generator=g, device=device)]
        loss = gaussian.denoising_loss(net, schedule, batch, g)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    assert sum(losses[-50:]) / 50 < 0.75 * sum(losses[:20]) / 20
    with torch.no_grad():
        x0 = gaussian.sample(net, schedule, (256, 2), generator=g).x0
    radius_error = (x0.norm(dim=1) - 1).abs()
    assert radius_error.median() < 0.2  # ~0.05 measured; untrained nets give ~1
    assert torch.isfinite(x0).all()


def test_same_generator_same_samples(device: torch.device) -> None:
    net, schedule = _net(device), NoiseSchedule.cosine(8)
    a = gaussian.sample(net, schedule, (6, 2), generator=make_generator(1, device)).x0
    b = gaussian.sample(net, schedule, (6, 2), generator=make_generator(1, device)).x0
    c = gaussian.sample(net, schedule, (6, 2), generator=make_generator(2, device)).x0
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_grad_only_through_last_k_steps(device: torch.device) -> None:
    net, schedule = _net(device), NoiseSchedule.cosine(10)
    traj = gaussian.sample(net, schedule, (4, 2), generator=make_generator(0, device),
                           grad_last_k=3)
    assert traj.times == [2, 1, 0] and len(traj.states) == len(traj.steps) == 3
    assert not traj.states[0].requires_grad  # produced by the graph-free steps
    assert traj.states[1].requires_grad and traj.states[2].requires_grad
    assert all(step.mean.requires_grad for step in traj.steps)
    assert float(traj.steps[-1].std) == 0.0 and float(traj.steps[0].std) > 0.0
    traj.x0.sum().backward()
    assert all(p.grad is not None for p in net.parameters())

    plain = gaussian.sample(net, schedule, (4, 2), generator=make_generator(0, device))
    assert not plain.x0.requires_grad and plain.states == []
    assert torch.allclose(plain.x0, traj.x0.detach())
    with torch.no_grad():
        frozen = gaussian.sample(net, schedule, (4, 2), generator=make_generator(0, device),
                                 grad_last_k=3)
    assert not any(step.mean.requires_grad for step in frozen.steps)


def test_chain_gradients_are_truncated_to_the_last_steps_without_changing_the_samples(
        device: torch.device) -> None:
    net, schedule = _net(device), NoiseSchedule.cosine(10)
    full = gaussian.sample(net, schedule, (4, 2), generator=make_generator(0, device),
                           grad_last_k=10)
    cut = gaussian.sample(net, schedule, (4, 2), generator=make_generator(0, device),
                          grad_last_k=10, chain_grad_k=3)
    assert torch.equal(full.x0.detach(), cut.x0.detach())
    # Every step keeps its own graph (its KL term reaches the network) ...
    assert all(step.mean.requires_grad for step in cut.steps) and cut.times[-3:] == [2, 1, 0]
    # ... but the states before the last three steps are cut from the chain above them.
    assert [s.requires_grad for s in cut.states] == [False] * 8 + [True, True]
    assert all(s.requires_grad for s in full.states[1:])
    # x0 depends on the network through the last 3 steps only: the earlier means get no
    # gradient from it, where the full chain passes one to every step.
    early = cut.steps[0].mean
    assert torch.autograd.grad(cut.x0.sum(), early, allow_unused=True)[0] is None
    assert torch.autograd.grad(full.x0.sum(), full.steps[0].mean)[0].abs().sum() > 0
    with pytest.raises(ValueError, match="chain_grad_k must be None or >= 1, got 0"):
        gaussian.sample(net, schedule, (4, 2), generator=make_generator(0, device),
                        grad_last_k=10, chain_grad_k=0)


def test_checkpoint_gives_same_samples_and_gradients(device: torch.device) -> None:
    schedule = NoiseSchedule.cosine(6)
    grads = []
    for checkpoint in (False, True):
        net = _net(device)
        traj = gaussian.sample(net, schedule, (5, 2), generator=make_generator(3, device),
                               grad_last_k=4, checkpoint=checkpoint)
        traj.x0.square().sum().backward()
        grads.append((traj.x0.detach(), [p.grad.clone() for p in net.parameters()]))
    assert torch.equal(grads[0][0], grads[1][0])
    for plain, checkpointed in zip(grads[0][1], grads[1][1], strict=True):
        assert torch.allclose(plain, checkpointed, rtol=1e-5, atol=1e-7)


def test_guidance_shifts_samples_along_the_gradient(device: torch.device) -> None:
    schedule = NoiseSchedule.cosine(20)
    net = _GaussianDataEps(schedule).to(device)
    direction = torch.tensor([1.0, 0.0], device=device)
    seen_t = []

    def guidance(x_t: Tensor, t: Tensor) -> Tensor:
        seen_t.append(t)
        return 3.0 * direction.expand_as(x_t)

    plain = gaussian.sample(net, schedule, (64, 2), generator=make_generator(0, device)).x0
    guided = gaussian.sample(net, schedule, (64, 2), generator=make_generator(0, device),
                             guidance=guidance).x0
    shift = guided - plain
    assert (shift[:, 0] > 0.1).all()  # the linear sampler moves every sample the same way
    assert torch.allclose(shift[:, 1], torch.zeros_like(shift[:, 1]), atol=1e-5)
    assert len(seen_t) == 20 and seen_t[0].shape == (64,) and seen_t[0].dtype == torch.long
    assert int(seen_t[0][0]) == 19 and int(seen_t[-1][0]) == 0


def test_step_kl_matches_gaussian_kl_and_skips_deterministic_step() -> None:
    g = make_generator(0)
    mean_ft, mean_pre = torch.randn(2, 7, 3, generator=g, dtype=torch.float64)
    std = torch.tensor(0.3, dtype=torch.float64)
    kl = gaussian.step_kl(gaussian.StepOutput(mean_ft, std), gaussian.StepOutput(mean_pre, std))
    closed = torch.distributions.kl_divergence(
        torch.distributions.Normal(mean_ft, std), torch.distributions.Normal(mean_pre, std)
    ).sum(-1)
    assert kl.shape == (7,) and torch.allclose(kl, closed, rtol=1e-12, atol=0)

    same = gaussian.step_kl(gaussian.StepOutput(mean_ft, std), gaussian.StepOutput(mean_ft, std))
    assert torch.equal(same, torch.zeros(7, dtype=torch.float64))

    mean_ft = mean_ft.float().requires_grad_()
    zero = torch.tensor(0.0)
    last = gaussian.step_kl(gaussian.StepOutput(mean_ft, zero),
                            gaussian.StepOutput(mean_pre.float(), zero))
    assert last.dtype == torch.float32 and torch.equal(last, torch.zeros(7))
    last.sum().backward()
    assert torch.isfinite(mean_ft.grad).all()


def _path_kl(finetuned: nn.Module, pretrained: nn.Module, schedule: NoiseSchedule,
             generator: torch.Generator) -> Tensor:
    """Sum of step_kl along a trajectory of the fine-tuned model (all steps recorded)."""
    traj = gaussian.sample(finetuned, schedule, (3, 2), generator=generator,
                           grad_last_k=schedule.num_steps)
    total = torch.zeros(3, dtype=traj.x0.dtype)
    for x_t, t, step in zip(traj.states, traj.times, traj.steps, strict=True):
        total = total + gaussian.step_kl(step, gaussian.reverse_step(pretrained, schedule, x_t, t))
    return total


def test_path_kl_zero_for_identical_models() -> None:
    net = _net(torch.device("cpu"))
    with torch.no_grad():
        kl = _path_kl(net, net, NoiseSchedule.cosine(12), make_generator(0))
    assert torch.equal(kl, torch.zeros(3))


def test_path_kl_of_constant_eps_shift_matches_closed_form_in_float64() -> None:
    # eps_ft = eps_pre + delta shifts every mean by -beta_t / (sqrt(alpha_t) sqrt(1-abar_t))
    # delta, so KL_t = coef_t^2 ||delta||^2 / (2 beta tilde_t); t = 0 carries none.
    schedule = NoiseSchedule.cosine(40)
    pretrained = _net(torch.device("cpu")).double()
    delta = torch.tensor([0.3, -0.2], dtype=torch.float64)
    finetuned = _ShiftedEps(pretrained, delta)
    with torch.no_grad():
        kl = _path_kl(finetuned, pretrained, schedule, make_generator(0))
    s = schedule
    coef = s.betas / (s.alphas.sqrt() * (1 - s.alpha_bar).sqrt())
    closed = (coef[1:] ** 2 * delta.square().sum() / (2 * s.posterior_variance[1:])).sum()
    assert kl.dtype == torch.float64
    assert torch.allclose(kl, closed.expand(3), rtol=1e-9, atol=0)


def test_vector_prior_train_save_load_sample(device: torch.device, tmp_path: Path) -> None:
    space = VectorSpace(2)
    config = PriorConfig(width=32, depth=2, batch_size=64, max_steps=50, warmup_steps=5,
                         log_every=10, diffusion_steps=20)
    reports: list = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)  # initial weights come from the global generator
        prior = train_prior(_ring(256, make_generator(0, device)), space, config, device=device,
                            generator=make_generator(0, device),
                            on_step=lambda step, metrics: reports.append(metrics["loss"]))
    assert len(reports) == 5 and all(math.isfinite(loss) for loss in reports)
    assert isinstance(prior.schedule, NoiseSchedule) and prior.schedule.num_steps == 20
    prior.save(tmp_path / "prior")
    meta = json.loads((tmp_path / "prior" / "config.json").read_text())
    assert meta["space"] == {"kind": "vector", "dim": 2}
    loaded = Prior.load(tmp_path / "prior", map_location=device)
    assert loaded.space == space and loaded.config == config
    x = loaded.sample(9, generator=make_generator(1, device), batch_size=4)
    assert x.shape == (9, 2) and x.dtype == torch.float32 and torch.isfinite(x).all()
    assert torch.equal(x, prior.sample(9, generator=make_generator(1, device), batch_size=4))
