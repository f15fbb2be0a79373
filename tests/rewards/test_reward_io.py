"""save_reward / load_reward: round trip, files, refusals."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch
from reward_tasks import SPACE, TINY, VECTORS, a_rich, vector_task
from safetensors.torch import load_file, save_file

from braid_core.rewards import load_reward, save_reward, train_reward
from braid_core.runtime import make_generator


@pytest.mark.parametrize("kind", ["boot", "bonus"])
def test_round_trip_gives_identical_predictions(
    kind, boot_model, bonus_model, count_data, tmp_path: Path, device: torch.device
) -> None:
    model = boot_model if kind == "boot" else bonus_model
    save_reward(model, tmp_path / "reward")
    assert sorted(p.name for p in (tmp_path / "reward").iterdir()) == [
        "config.json", "model.safetensors"]  # no temporary files left behind
    loaded = load_reward(tmp_path / "reward", device)
    assert loaded.kind == kind and loaded.space == SPACE and loaded.device.type == device.type
    assert loaded.metrics == pytest.approx(model.metrics)
    assert loaded.train_config == model.train_config
    assert not any(p.requires_grad for p in loaded.parameters()) and not loaded.training
    x = torch.cat([count_data[0][:20], a_rich(10, seed=1)])
    with torch.no_grad():
        before, after = model.predict(x), loaded.predict(x.to(device))
    # Same weights; on another device the kernels round differently (seen on CUDA: 2.5e-7
    # relative), so equal to float32 rounding, not bit for bit.
    torch.testing.assert_close(after.mean.cpu(), before.mean, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(after.std.cpu(), before.std, rtol=1e-6, atol=1e-6)


def test_config_json_describes_the_model(bonus_model, tmp_path: Path) -> None:
    save_reward(bonus_model, tmp_path)
    meta = json.loads((tmp_path / "config.json").read_text())
    assert meta["format"] == "braid-reward" and meta["kind"] == "bonus"
    assert meta["space"] == {"kind": "sequence", "alphabet": "ACGT", "length": 8}
    assert meta["config"]["network"]["feature_dim"] == 16
    assert set(meta["metrics"]) >= {"pearson", "spearman", "rmse", "coverage_2u"}


def test_refuses_other_folders(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_reward(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"format": "braid-prior"}))
    with pytest.raises(ValueError, match="not a BRAID reward model"):
        load_reward(tmp_path)


@pytest.fixture(scope="module")
def millions_model():
    """A BRAID-Bonus model of vectors in units of 1e6 (the nets standardise their input)."""
    x, y = vector_task(200, seed=0)
    config = dataclasses.replace(TINY, kind="bonus", max_steps=60)
    return train_reward((x * 1e6, y, VECTORS), config, device=torch.device("cpu"),
                        generator=make_generator(1))


def test_round_trip_keeps_the_vector_input_standardisation(millions_model,
                                                           tmp_path: Path) -> None:
    save_reward(millions_model, tmp_path)
    state = load_file(str(tmp_path / "model.safetensors"))
    assert state["net.input_scale"].min() > 5e5  # the columns' std, ~1e6
    loaded = load_reward(tmp_path)
    torch.testing.assert_close(loaded.net.input_shift, millions_model.net.input_shift)
    torch.testing.assert_close(loaded.net.input_scale, millions_model.net.input_scale)
    x = vector_task(16, seed=3)[0] * 1e6
    with torch.no_grad():
        torch.testing.assert_close(loaded.predict(x).mean, millions_model.predict(x).mean)


def test_vector_models_saved_before_standardising_load_as_identity(millions_model,
                                                                   tmp_path: Path) -> None:
    save_reward(millions_model, tmp_path)
    state = load_file(str(tmp_path / "model.safetensors"))
    del state["net.input_shift"], state["net.input_scale"]
    save_file(state, str(tmp_path / "model.safetensors"))
    old = load_reward(tmp_path)
    assert torch.equal(old.net.input_shift, torch.zeros(2))
    assert torch.equal(old.net.input_scale, torch.ones(2))
    # It reads x as it was fitted on before standardising: raw, so the standardised
    # inputs give its predictions back.
    x = vector_task(16, seed=3)[0] * 1e6
    standard = (x - millions_model.net.input_shift) / millions_model.net.input_scale
    with torch.no_grad():
        torch.testing.assert_close(old.predict(standard).mean, millions_model.predict(x).mean,
                                   rtol=1e-5, atol=1e-5)
