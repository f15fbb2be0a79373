"""save_reward / load_reward: round trip, files, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from reward_tasks import SPACE, a_rich

from braid_core.rewards import load_reward, save_reward


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
