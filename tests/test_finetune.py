"""BRAID fine-tuning on tiny priors with a known linear reward."""

from __future__ import annotations

import copy
import dataclasses
import math
import time

import pytest
import torch
from torch import Tensor, nn

from braid_core import defaults
from braid_core.diffusion.prior import Prior, PriorConfig
from braid_core.diffusion.train import train_prior
from braid_core.finetune import FinetuneConfig, finetune, run_fraction
from braid_core.rewards.conservative import Prediction
from braid_core.runtime import make_generator
from braid_core.spaces import SequenceSpace, VectorSpace

SPACE = SequenceSpace("ACGT", 8)


class LetterCountReward(nn.Module):
    """r(x) = fraction of letter 0 ('A'), u(x) = 0.1 * fraction of letter 1: known and smooth."""

    kind = "stub"
    space = SPACE
    metrics: dict[str, float] = {}

    @property
    def device(self) -> torch.device:
        return torch.device("cpu")

    def predict(self, x: Tensor) -> Prediction:
        if not x.is_floating_point():
            x = nn.functional.one_hot(x, 4).float()
        return Prediction(x[..., 0].mean(-1), 0.1 * x[..., 1].mean(-1), None)


@pytest.fixture(scope="module")
def sequence_prior():
    torch.manual_seed(0)  # test entry point: initial weights
    data = torch.randint(0, 4, (512, 8), generator=make_generator(0))
    config = PriorConfig(width=16, depth=2, kernel_size=3, max_dilation=2, batch_size=64,
                         max_steps=150, warmup_steps=10, sampling_steps=8, log_every=50)
    return train_prior(data, SPACE, config, device=torch.device("cpu"),
                       generator=make_generator(1))


def run(prior, **overrides):
    cfg = FinetuneConfig(**{"steps": 30, "batch_size": 32, "lr": 3e-3, "alpha": 0.0, "c": 0.0,
                            "estimator": "reinforce",
                            "grad_steps": 4, **overrides})
    rows = []
    tuned = finetune(prior, LetterCountReward(), cfg, generator=make_generator(2),
                     on_step=lambda step, metrics: rows.append(metrics))
    return tuned, rows


def mean_reward(prior, seed=7):
    designs = prior.sample(512, generator=make_generator(seed))
    return float((designs == 0).float().mean())


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="alpha"):
        FinetuneConfig(alpha=-1)
    with pytest.raises(ValueError, match="mode"):
        FinetuneConfig(mode="max")
    with pytest.raises(ValueError, match="grad_step_choice"):
        FinetuneConfig(grad_step_choice="first")
    with pytest.raises(ValueError, match="lr_schedule"):
        FinetuneConfig(lr_schedule="linear")
    with pytest.raises(ValueError, match="tilt_floor"):
        FinetuneConfig(tilt_floor=1.0)
    with pytest.raises(ValueError, match="tilt_value"):
        FinetuneConfig(tilt_value="hessian")
    with pytest.raises(ValueError, match="tilt_completions"):
        FinetuneConfig(tilt_completions=-1)


def test_config_refuses_more_steps_or_a_larger_batch_than_one_run_takes():
    most = FinetuneConfig(steps=defaults.MAX_STEPS, batch_size=defaults.MAX_BATCH,
                          sampling_steps=defaults.MAX_CHAIN_STEPS,
                          tilt_completions=defaults.MAX_TILT_COMPLETIONS)
    assert (most.steps, most.batch_size, most.sampling_steps, most.tilt_completions) == (
        100_000, 4096, 4096, 256)
    with pytest.raises(ValueError, match=r"^steps must be at most 100,000 \(over a day on a "
                       r"CPU at ~50 steps a minute; .*\), got 1,000,000$"):
        FinetuneConfig(steps=1_000_000)
    with pytest.raises(ValueError, match=r"^batch_size must be at most 4,096 \(a step keeps "
                       r"every design's chain and gradients in memory at once.*\), got 4,097$"):
        FinetuneConfig(batch_size=4097)
    with pytest.raises(ValueError, match=r"^sampling_steps must be at most 4,096 \(.*\), got "
                       r"10,000,000$"):
        FinetuneConfig(sampling_steps=10_000_000)
    with pytest.raises(ValueError, match=r"^tilt_completions must be at most 256 \(.*\), got "
                       r"257$"):
        FinetuneConfig(tilt_completions=257)
    # braid design's cap on its time-bound steps is a config the check lets through
    assert defaults.DESIGN_MAX_STEPS <= defaults.MAX_STEPS


def test_cosine_schedule_decays_the_learning_rate_to_zero_over_the_steps(sequence_prior):
    _, constant = run(sequence_prior, steps=6)
    _, cosine = run(sequence_prior, steps=6, lr_schedule="cosine")
    assert [row["lr"] for row in constant] == [3e-3] * 6
    lrs = [row["lr"] for row in cosine]
    assert lrs[0] == pytest.approx(3e-3)
    assert all(later < earlier for earlier, later in zip(lrs, lrs[1:], strict=False))
    assert lrs[-1] == pytest.approx(3e-3 * 0.5 * (1 + math.cos(math.pi * 5 / 6)))


def test_warmup_raises_the_learning_rate_linearly_then_holds_it(sequence_prior):
    _, rows = run(sequence_prior, steps=6, warmup_steps=4)
    assert [row["lr"] for row in rows] == pytest.approx([3e-3 * k / 4 for k in (1, 2, 3, 4)]
                                                        + [3e-3, 3e-3])
    with pytest.raises(ValueError, match="warmup_steps"):
        FinetuneConfig(warmup_steps=-1)


def test_run_fraction_follows_steps_or_the_time_budget_whichever_is_further():
    cfg = FinetuneConfig(steps=100, max_minutes=1.0)
    assert run_fraction(10, 0.0, cfg) == pytest.approx(0.1)
    assert run_fraction(10, 30.0, cfg) == pytest.approx(0.5)
    assert run_fraction(10, 600.0, cfg) == 1.0
    assert run_fraction(50, 1.0, FinetuneConfig(steps=100)) == pytest.approx(0.5)


def test_finetuning_raises_the_reward_and_leaves_the_prior_alone(sequence_prior):
    before = {k: v.clone() for k, v in sequence_prior.net.state_dict().items()}
    tuned, rows = run(sequence_prior)
    assert len(rows) == 30
    assert rows[0]["kl"] == pytest.approx(0.0, abs=1e-5)  # starts at the prior
    assert mean_reward(tuned) > mean_reward(sequence_prior) + 0.15
    assert all(torch.equal(v, sequence_prior.net.state_dict()[k]) for k, v in before.items())


def test_kl_weight_keeps_the_model_closer_to_the_prior(sequence_prior):
    _, free = run(sequence_prior, alpha=0.0)
    _, tied = run(sequence_prior, alpha=1.0)
    assert sum(r["kl"] for r in tied[-10:]) < 0.5 * sum(r["kl"] for r in free[-10:])


def test_conservatism_lowers_the_reward_by_c_times_u(sequence_prior):
    _, rows = run(sequence_prior, c=2.0, steps=1)
    row = rows[0]
    assert row["reward"] == pytest.approx(row["predicted_mean"] - 2.0 * row["uncertainty"],
                                          abs=1e-5)


def test_probe_metrics_are_reported_but_do_not_train(sequence_prior):
    seen = []

    def probe(designs):
        seen.append(designs.shape)
        return {"true_score": float((designs == 0).float().mean())}

    cfg = FinetuneConfig(steps=3, batch_size=8, probe_every=2, grad_steps=2)
    rows = []
    finetune(sequence_prior, LetterCountReward(), cfg, generator=make_generator(0),
             on_step=lambda s, m: rows.append(m), probe=probe)
    assert seen == [(8, 8), (8, 8)]  # steps 1 and 2
    assert "true_score" in rows[0] and "true_score" not in rows[2]


def test_coarse_chains_are_probed_through_the_design_sampler_without_changing_training(
        sequence_prior):
    batches, probed = [], []

    def probe(designs):
        probed.append(designs.clone())
        return {"probed": float(len(designs))}

    # Two reverse steps per training chain against the prior's eight for designs.
    cfg = FinetuneConfig(steps=3, batch_size=8, probe_every=1, grad_steps=1, sampling_steps=2,
                         alpha=0.5, support_floor=0.0)
    plain = finetune(sequence_prior, LetterCountReward(), cfg, generator=make_generator(0))
    probed_run = finetune(sequence_prior, LetterCountReward(), cfg, generator=make_generator(0),
                          on_step=lambda s, m: batches.append(m), probe=probe)
    assert len(probed) == 3 and all(row["probed"] == 8.0 for row in batches)
    # The probe's draws come from the design sampler with their own generator, so the
    # training draws, and the tuned weights, are those of the run without a probe.
    for a, b in zip(plain.net.parameters(), probed_run.net.parameters(), strict=True):
        assert torch.equal(a, b)
    expected = dataclasses.replace(sequence_prior, net=probed_run.net).sample(
        8, generator=make_generator(3), batch_size=8)
    assert torch.equal(probed[2], expected)  # step 3's probe: the final model, seed 3


def test_probe_time_is_left_out_of_the_time_budget(sequence_prior):
    rows = []

    def slow_probe(designs):
        time.sleep(1.5)
        return {}

    cfg = FinetuneConfig(steps=2, batch_size=8, probe_every=10, grad_steps=1)
    finetune(sequence_prior, LetterCountReward(), cfg, generator=make_generator(0),
             on_step=lambda s, m: rows.append(m), probe=slow_probe)
    assert rows[1]["elapsed_s"] < 1.5  # step 1 was probed (1.5 s); step 2 does not count it


def small_vector_prior(data: Tensor) -> Prior:
    """A 2-D vector prior trained briefly (200 steps) on `data`, the same for every test."""
    config = PriorConfig(width=32, depth=2, batch_size=128, max_steps=200, diffusion_steps=20,
                         warmup_steps=10, log_every=100)
    return train_prior(data, VectorSpace(2), config, device=torch.device("cpu"),
                       generator=make_generator(1))


class XReward(nn.Module):
    """A vector reward model stub: r_hat = the first coordinate, u = 0."""

    kind, space, metrics = "stub", VectorSpace(2), {}

    def predict(self, x: Tensor) -> Prediction:
        return Prediction(x[:, 0], torch.zeros_like(x[:, 0]), None)


def test_vector_finetuning_moves_samples_toward_higher_reward():
    torch.manual_seed(0)
    angle = torch.rand(1024, generator=make_generator(0)) * 2 * torch.pi
    ring = torch.stack([angle.cos(), angle.sin()], 1)
    prior = small_vector_prior(ring)
    cfg = FinetuneConfig(steps=20, batch_size=32, lr=3e-3, alpha=0.0, c=0.0)
    tuned = finetune(prior, XReward(), cfg, generator=make_generator(2))
    before = prior.sample(256, generator=make_generator(3))[:, 0].mean()
    after = tuned.sample(256, generator=make_generator(3))[:, 0].mean()
    assert after > before + 0.3


def test_vector_finetuning_decays_its_rate_and_truncates_its_chain_by_default(monkeypatch):
    # A sharper prior made the gradient through all 100 steps explode (defaults.py): vectors
    # backpropagate the reward through the last VECTOR_CHAIN_GRAD steps, at a cosine rate.
    from braid_core.diffusion import gaussian

    cuts, sample = [], gaussian.sample
    monkeypatch.setattr(gaussian, "sample", lambda *a, **k: cuts.append(k["chain_grad_k"])
                        or sample(*a, **k))
    torch.manual_seed(0)
    prior = small_vector_prior(torch.randn(512, 2, generator=make_generator(0)))
    rows = []
    finetune(prior, XReward(), FinetuneConfig(steps=4, batch_size=8, lr=1e-3), generator=
             make_generator(2), on_step=lambda step, metrics: rows.append(metrics["lr"]))
    assert cuts == [defaults.VECTOR_CHAIN_GRAD] * 4 and defaults.VECTOR_CHAIN_GRAD == 10
    assert rows == pytest.approx([1e-3 * 0.5 * (1 + math.cos(math.pi * k / 4)) for k in range(4)])
    rows.clear()
    finetune(prior, XReward(), FinetuneConfig(steps=2, batch_size=8, lr=1e-3,
                                              lr_schedule="constant", vector_chain_grad=None),
             generator=make_generator(2), on_step=lambda step, metrics: rows.append(metrics["lr"]))
    assert cuts[-2:] == [None, None] and rows == [1e-3, 1e-3]
    with pytest.raises(ValueError, match="vector_chain_grad must be None or at least 1, got 0"):
        FinetuneConfig(vector_chain_grad=0)


def test_vector_finetuning_scores_designs_in_the_data_units():
    # The prior's chain runs on standardised columns; the reward must read the designs in
    # the units it was fitted on, and the fine-tuned model's samples come back in them.
    seen: list[Tensor] = []

    class MillionsReward(nn.Module):
        kind, space, metrics = "stub", VectorSpace(2), {}

        def predict(self, x: Tensor) -> Prediction:
            seen.append(x.detach())
            return Prediction(x[:, 0] / 1e6, torch.zeros_like(x[:, 0]), None)

    g = make_generator(0)
    data = torch.stack([3e6 + 1e6 * torch.randn(512, generator=g),
                        7.0 + 0.5 * torch.randn(512, generator=g)], 1)
    prior = small_vector_prior(data)
    cfg = FinetuneConfig(steps=10, batch_size=32, lr=3e-3, alpha=0.0, c=0.0)
    tuned = finetune(prior, MillionsReward(), cfg, generator=make_generator(2))
    first = seen[0].median(0).values
    assert abs(first[0] - 3e6) < 5e5 and abs(first[1] - 7.0) < 0.3
    before = prior.sample(256, generator=make_generator(3))[:, 0].median()
    after = tuned.sample(256, generator=make_generator(3))[:, 0].median()
    assert after > before + 3e5
    assert tuned.scaling is prior.scaling


def test_finetune_config_is_plain_data():
    cfg = FinetuneConfig(c=0.5)
    assert FinetuneConfig(**dataclasses.asdict(cfg)) == cfg


def test_the_score_function_estimator_also_raises_the_reward(sequence_prior):
    tuned, rows = run(sequence_prior, estimator="reinforce", steps=40, lr=1e-2)
    assert rows[0]["kl"] == pytest.approx(0.0, abs=1e-5)
    assert mean_reward(tuned) > mean_reward(sequence_prior) + 0.1


def letter_fraction(prior, letter, seed=7):
    designs = prior.sample(1024, generator=make_generator(seed, prior.device))
    return float((designs == letter).float().mean())


def test_tilted_estimator_needs_a_kl_weight(sequence_prior):
    with pytest.raises(ValueError, match="alpha must be > 0 with estimator 'tilted'"):
        run(sequence_prior, estimator="tilted", alpha=0.0, steps=1)


@pytest.mark.parametrize(("alpha", "c", "divergence", "value", "completions"), [
    (0.05, 0.0, "reverse", "gradient", 0), (0.2, 0.0, "reverse", "gradient", 0),
    (0.05, 4.0, "reverse", "gradient", 0), (0.05, 0.0, "forward", "gradient", 0),
    (0.05, 4.0, "reverse", "substitution", 0), (0.05, 4.0, "reverse", "substitution", 3),
    (0.05, 4.0, "reverse", "gradient", 3)])
def test_tilted_estimator_reaches_the_braid_optimum_of_a_linear_reward(
        sequence_prior, alpha, c, divergence, value, completions):
    # r_c = frac(A) - c * 0.1 * frac(C) is linear in the one-hot, so the tilted step targets
    # are exact and p*(x) ~ p_pre(x) exp(r_c(x) / alpha) factorises over positions: each
    # letter's odds move by exp(its per-position reward / alpha), 1/8 for A, -0.1 c/8 for C.
    # Soft values over completions are exact here too: the other positions' share of the
    # reward adds the same amount to every letter of a completion.
    # Random unmasking order: confidence ordering biases which draws are kept (MaskGIT), so
    # its samples are not the per-step distributions the path KL is defined on.
    random_order = dataclasses.replace(sequence_prior.config, order="random")
    sequence_prior = dataclasses.replace(sequence_prior, config=random_order)
    tuned, rows = run(sequence_prior, estimator="tilted", alpha=alpha, c=c, steps=150,
                      lr=1e-2, tilt_divergence=divergence, tilt_value=value,
                      tilt_completions=completions)
    assert rows[0]["kl"] == pytest.approx(0.0, abs=1e-5)
    pre = torch.tensor([letter_fraction(sequence_prior, a) for a in range(4)])
    tilt = torch.tensor([1 / 8, -0.1 * c / 8, 0.0, 0.0]) / alpha
    expected = pre * tilt.exp() / (pre * tilt.exp()).sum()
    got = torch.tensor([letter_fraction(tuned, a) for a in range(4)])
    assert torch.allclose(got, expected, atol=0.04), (got, expected)


def test_the_braid_optimum_is_reached_on_every_device(sequence_prior, device):
    # The exact target of the test above, with the denoiser, its chains and the generator on
    # `device` (CUDA when present): the loop must not fall back to, or mix in, the CPU.
    random_order = dataclasses.replace(sequence_prior.config, order="random")
    prior = dataclasses.replace(sequence_prior, config=random_order,
                                net=copy.deepcopy(sequence_prior.net).to(device))
    cfg = FinetuneConfig(steps=150, batch_size=32, lr=1e-2, alpha=0.05, c=4.0,
                         estimator="tilted", grad_steps=4)
    tuned = finetune(prior, LetterCountReward(), cfg, generator=make_generator(2, device))
    assert tuned.device.type == device.type
    pre = torch.tensor([letter_fraction(prior, a) for a in range(4)])
    tilt = torch.tensor([1 / 8, -0.1 * 4.0 / 8, 0.0, 0.0]) / 0.05
    expected = pre * tilt.exp() / (pre * tilt.exp()).sum()
    got = torch.tensor([letter_fraction(tuned, a) for a in range(4)])
    assert torch.allclose(got, expected, atol=0.04), (got, expected)


@pytest.fixture(scope="module")
def prior_without_a():
    """A prior that never saw letter A (the one LetterCountReward counts)."""
    torch.manual_seed(0)  # test entry point: initial weights
    data = torch.randint(1, 4, (512, 8), generator=make_generator(0))
    config = PriorConfig(width=16, depth=2, kernel_size=3, max_dilation=2, batch_size=64,
                         max_steps=150, warmup_steps=10, sampling_steps=8, log_every=50,
                         order="random")
    return train_prior(data, SPACE, config, device=torch.device("cpu"),
                       generator=make_generator(1))


def test_tilt_floor_keeps_the_tilt_off_letters_the_prior_excludes(prior_without_a):
    # A reward that only counts A: without a floor the tilt exp(r / alpha) lifts A far above
    # its pre-trained rate; with one, steps where the prior gives A less than the floor get
    # no tilt toward it, so A stays rare.
    prior = prior_without_a
    before = letter_fraction(prior, 0)
    assert before < 0.02
    fractions = {}
    for floor in (0.0, 0.05):
        tuned, _ = run(prior, estimator="tilted", alpha=0.02, steps=100, lr=1e-2,
                       tilt_floor=floor, support_floor=0.0)
        fractions[floor] = letter_fraction(tuned, 0)
    assert fractions[0.0] > 0.5
    assert fractions[0.05] < before + 0.02, (before, fractions)


def test_support_floor_model_never_draws_what_the_prior_excludes_and_saves_it(
        prior_without_a, tmp_path):
    # No tilt floor, so the target lifts A; the support floor still keeps the sampler (in
    # training and after) off letters the pre-trained step gives less than the floor.
    prior = prior_without_a
    reference_a = letter_fraction(prior, 0)
    free, _ = run(prior, estimator="tilted", alpha=0.02, steps=60, lr=1e-2, tilt_floor=0.0,
                  support_floor=0.0)
    held, _ = run(prior, estimator="tilted", alpha=0.02, steps=60, lr=1e-2, tilt_floor=0.0,
                  support_floor=0.05)
    assert free.reference is None and held.reference is prior.net
    assert letter_fraction(free, 0) > 0.5
    assert letter_fraction(held, 0) <= reference_a, (reference_a, letter_fraction(held, 0))
    held.save(tmp_path / "model")
    loaded = type(held).load(tmp_path / "model")
    assert loaded.support_floor == 0.05
    assert torch.equal(loaded.sample(64, generator=make_generator(3)),
                       held.sample(64, generator=make_generator(3)))
    free.save(tmp_path / "model")  # over it: the reference file goes with the floor
    assert not (tmp_path / "model" / "reference.safetensors").exists()
    assert type(free).load(tmp_path / "model").reference is None
