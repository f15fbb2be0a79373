"""Prior bundle: pre-training loop, sampling, save/load round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from braid_core.diffusion.prior import Prior, PriorConfig
from braid_core.diffusion.train import train_prior
from braid_core.runtime import make_generator
from braid_core.spaces import SequenceSpace

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
