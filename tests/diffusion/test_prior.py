"""Prior bundle: pre-training loop, sampling, save/load round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from braid_core.diffusion.prior import Prior, PriorConfig
from braid_core.diffusion.train import train_prior
from braid_core.runtime import make_generator
from braid_core.spaces import SequenceSpace, VectorSpace

SPACE = SequenceSpace("dna", 10)
TINY = PriorConfig(
    width=16,
    depth=2,
    kernel_size=3,
    max_dilation=2,
    batch_size=16,
    max_steps=20,
    warmup_steps=5,
    log_every=5,
    sampling_steps=5,
)


def _data(device: torch.device) -> torch.Tensor:
    g = make_generator(0, device)
    shifts = torch.randint(4, (64, 1), generator=g, device=device)
    return (torch.arange(SPACE.length, device=device) + shifts) % 4


def _trained(device: torch.device) -> tuple[Prior, list]:
    reports: list = []
    prior = train_prior(
        _data(device),
        SPACE,
        TINY,
        device=device,
        generator=make_generator(0, device),
        on_step=lambda step, metrics: reports.append((step, dict(metrics))),
    )
    return prior, reports


def test_train_reports_and_stops_at_max_steps(device: torch.device) -> None:
    prior, reports = _trained(device)
    assert [step for step, _ in reports] == [5, 10, 15, 20]
    assert all(torch.isfinite(torch.tensor(m["loss"])) for _, m in reports)
    assert reports[-1][1]["lr"] < TINY.lr  # cosine decay reached
    assert prior.device.type == device.type
    assert not any(p.requires_grad for p in prior.net.parameters())


def test_sample_shape_and_seed(device: torch.device) -> None:
    prior, _ = _trained(device)
    a = prior.sample(7, generator=make_generator(1, device), batch_size=4)
    b = prior.sample(7, generator=make_generator(1, device), batch_size=4)
    assert a.shape == (7, SPACE.length) and a.dtype == torch.long
    assert a.min() >= 0 and a.max() < SPACE.vocab_size
    assert torch.equal(a, b)


def test_save_load_round_trip_same_samples(device: torch.device, tmp_path: Path) -> None:
    prior, _ = _trained(device)
    prior.save(tmp_path / "prior")
    assert sorted(p.name for p in (tmp_path / "prior").iterdir()) == [
        "config.json",
        "model.safetensors",
    ]  # no temporary files left, nothing pickled
    meta = json.loads((tmp_path / "prior" / "config.json").read_text())
    assert meta["space"] == {"kind": "sequence", "alphabet": "ACGT", "length": 10}
    loaded = Prior.load(tmp_path / "prior", map_location=device)
    assert loaded.config == prior.config and loaded.space == prior.space
    expected = prior.sample(9, generator=make_generator(2, device))
    assert torch.equal(loaded.sample(9, generator=make_generator(2, device)), expected)


def test_float16_weights_load_as_float32(tmp_path: Path) -> None:
    prior, _ = _trained(torch.device("cpu"))
    prior.save(tmp_path, weights_dtype=torch.float16)
    loaded = Prior.load(tmp_path, map_location="cpu")
    assert all(p.dtype == torch.float32 for p in loaded.net.parameters())
    assert json.loads((tmp_path / "config.json").read_text())["weights_dtype"] == "float16"


def test_load_rejects_missing_or_foreign_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="config.json"):
        Prior.load(tmp_path)
    (tmp_path / "config.json").write_text('{"format": "other"}')
    with pytest.raises(ValueError, match="not a BRAID prior"):
        Prior.load(tmp_path)


@pytest.mark.parametrize(
    "field, value",
    [
        ("width", 0),
        ("kernel_size", 4),
        ("lr", 0.0),
        ("ema_decay", 1.0),
        ("order", "left"),
        ("loss_weighting", "log"),
    ],
)
def test_config_range_checks_name_the_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        PriorConfig(**{field: value})


def _units_data(n: int = 512) -> torch.Tensor:
    """Columns in very different units: ~3e6 +- 1e6, a pH ~7 +- 0.5, and a constant 25."""
    g = make_generator(0)
    return torch.stack([3e6 + 1e6 * torch.randn(n, generator=g),
                        7.0 + 0.5 * torch.randn(n, generator=g), torch.full((n,), 25.0)], 1)


@pytest.fixture(scope="module")
def units_prior() -> Prior:
    config = PriorConfig(width=32, depth=2, batch_size=128, max_steps=500, diffusion_steps=20,
                         warmup_steps=10, log_every=100)
    return train_prior(_units_data(), VectorSpace(3), config, device=torch.device("cpu"),
                       generator=make_generator(1))


def _quartiles(x: torch.Tensor) -> torch.Tensor:
    """(3, dim) lower quartile, median, upper quartile of each column (robust to the heavy
    tails a briefly trained denoiser gives)."""
    return x.quantile(torch.tensor([0.25, 0.5, 0.75]), dim=0)


def test_vector_prior_samples_in_the_units_of_its_data(units_prior: Prior) -> None:
    # The chain runs on standardised columns: without that, a column of 1e6 and one of 0.5
    # gave samples near 0 and +-300 for both (a briefly trained net cannot reach 1e6).
    data, samples = _units_data(), units_prior.sample(1024, generator=make_generator(2))
    want, got = _quartiles(data), _quartiles(samples)
    std = data[:, :2].std(0)
    assert ((got[1, :2] - want[1, :2]).abs() < 0.3 * std).all()  # medians
    spread_ratio = (got[2, :2] - got[0, :2]) / (want[2, :2] - want[0, :2])
    assert ((spread_ratio > 0.6) & (spread_ratio < 1.6)).all()
    # The constant column stays at its value (its scale is 1e-6 of it, not a divide by 0).
    assert torch.isfinite(samples).all()
    assert (got[:, 2] - 25.0).abs().max() < 1e-3


def test_vector_prior_save_load_keeps_its_standardisation(units_prior: Prior,
                                                          tmp_path: Path) -> None:
    units_prior.save(tmp_path, weights_dtype=torch.float16)
    meta = json.loads((tmp_path / "config.json").read_text())
    data = _units_data().double()
    # Kept as JSON numbers (float64), whatever the weights' dtype: 3e6 survives exactly.
    assert meta["standardisation"]["shift"] == pytest.approx(data.mean(0).tolist(), rel=1e-12)
    assert meta["standardisation"]["scale"][:2] == pytest.approx(data[:, :2].std(0).tolist())
    loaded = Prior.load(tmp_path)
    assert all(torch.equal(a, b) for a, b in zip(loaded.scaling, units_prior.scaling,
                                                 strict=True))
    samples = loaded.sample(64, generator=make_generator(3))
    assert _quartiles(samples)[1, 0] > 1e6  # in the data's units, not the chain's


def test_vector_prior_saved_before_standardising_loads_as_identity(units_prior: Prior,
                                                                   tmp_path: Path) -> None:
    units_prior.save(tmp_path)
    meta = json.loads((tmp_path / "config.json").read_text())
    del meta["standardisation"]
    (tmp_path / "config.json").write_text(json.dumps(meta))
    old = Prior.load(tmp_path)
    assert old.scaling is None
    # Its samples are the chain's own output, as they were before standardisation existed
    # (the constant column left out: float32 at 25 cannot hold its 2.5e-5 scale's digits).
    chain = units_prior.to_states(units_prior.sample(32, generator=make_generator(4)))
    raw = old.sample(32, generator=make_generator(4))
    assert torch.allclose(raw[:, :2], chain[:, :2], atol=1e-4)
    assert raw[:, 0].abs().max() < 1e3  # nowhere near the data's units
