"""Reward models on disk: `model.safetensors` (weights and statistics) + `config.json`.

The weights file holds every tensor of the model's state: the networks' weights, the y
standardisation and, for BRAID-Bonus, mu, Sigma^-1 (float64) and the scale and cap of u.
`config.json` holds the kind, the space, the training config and the held-out metrics.
Loading reads tensors only and never unpickles; each file is written atomically.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from braid_core.files import atomic_write, read_bundle_meta
from braid_core.rewards.bonus import LastLayerBonus
from braid_core.rewards.ensemble import BootstrapEnsemble
from braid_core.rewards.networks import RewardNetConfig
from braid_core.rewards.train import RewardTrainConfig
from braid_core.spaces import SequenceSpace, space_from_dict, space_to_dict

FORMAT = "braid-reward"
FORMAT_VERSION = 1
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"


def save_reward(
    model: BootstrapEnsemble | LastLayerBonus,
    directory: Path | str,
    config: RewardTrainConfig | None = None,
) -> None:
    """Write the model into `directory` (created if needed).

    Args:
        model: a trained reward model.
        directory: the folder to write.
        config: the training config to record; default `model.train_config` when set, else
            a default config of the model's kind and shape.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = config or getattr(model, "train_config", None) or _config_of(model)
    shape = (model.heads[0] if isinstance(model, BootstrapEnsemble) else model.net).config
    if config.network != shape:  # load_reward rebuilds the nets from config.network
        raise ValueError(f"the config's network {config.network} is not the model's {shape}")
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    meta = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "kind": model.kind,
        "space": space_to_dict(model.space),
        "config": dataclasses.asdict(config),
        "metrics": model.metrics,
    }
    atomic_write(directory / WEIGHTS_FILE, lambda p: save_file(tensors, str(p)))
    text = json.dumps(meta, indent=2) + "\n"
    atomic_write(directory / CONFIG_FILE, lambda p: p.write_text(text))


def load_reward(
    directory: Path | str, device: torch.device | str = "cpu"
) -> BootstrapEnsemble | LastLayerBonus:
    """Read a model written by `save_reward`: frozen, in eval mode, on `device`."""
    directory = Path(directory)
    config_path = directory / CONFIG_FILE
    meta = read_bundle_meta(config_path, FORMAT, "reward model")
    if meta.get("version") != FORMAT_VERSION:
        raise ValueError(f"{config_path} has format version {meta.get('version')}; this "
                         f"version of BRAID Studio reads {FORMAT_VERSION}")
    raw = dict(meta["config"])
    raw["network"] = RewardNetConfig(**raw["network"])
    if "alternatives" in raw:  # absent in models saved before shapes were chosen
        raw["alternatives"] = tuple(RewardNetConfig(**shape) for shape in raw["alternatives"])
    config = RewardTrainConfig(**raw)
    space = space_from_dict(meta["space"])
    model: BootstrapEnsemble | LastLayerBonus
    if meta["kind"] == "boot":
        model = BootstrapEnsemble(space, config.network, config.num_heads)
    elif meta["kind"] == "bonus":
        model = LastLayerBonus(space, config.network)
    else:
        raise ValueError(f"{config_path}: unknown reward model kind {meta['kind']!r}")
    device = torch.device(device)
    state = load_file(str(directory / WEIGHTS_FILE), device=str(device))
    model.load_state_dict(state)
    model.metrics = {k: float(v) for k, v in meta.get("metrics", {}).items()}
    model.train_config = config
    return model.to(device).requires_grad_(False).eval()


def describe_network(meta: Mapping[str, Any]) -> str:
    """The kept network's shape in words, from a saved model's config.json contents, and
    how many shapes validation chose it among (sequences). Raises KeyError, TypeError or
    ValueError on a malformed config."""
    config = meta["config"]
    space = space_from_dict(meta["space"])
    text = RewardNetConfig(**config["network"]).describe(space)
    tried = 1 + len(config.get("alternatives", ()))
    if isinstance(space, SequenceSpace):
        text += (f"; kept for its held-out error among {tried} shapes" if tried > 1
                 else "; the only shape fitted")
    return text


def _config_of(model: BootstrapEnsemble | LastLayerBonus) -> RewardTrainConfig:
    """A config recording the model's kind and shape (for models built by hand)."""
    if isinstance(model, BootstrapEnsemble):
        return RewardTrainConfig(kind="boot", num_heads=len(model.heads),
                                 network=model.heads[0].config, alternatives=())
    return RewardTrainConfig(kind="bonus", network=model.net.config, alternatives=())
