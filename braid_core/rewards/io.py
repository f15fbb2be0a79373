"""Reward models on disk: `model.safetensors` (weights and statistics) + `config.json`.

The weights file holds every tensor of the model's state: the networks' weights, the y
standardisation, for vectors each net's input standardisation (input_shift, input_scale; a
model saved before they existed loads with the identity, as it was fitted) and, for
BRAID-Bonus, mu, Sigma^-1 (float64) and the scale and cap of u; an average of shapes holds one
such set per shape (keys "members.<i>.", in the order network, *alternatives of its config).
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
from braid_core.rewards.average import ShapeAverage
from braid_core.rewards.bonus import LastLayerBonus
from braid_core.rewards.ensemble import BootstrapEnsemble
from braid_core.rewards.networks import RewardNetConfig
from braid_core.rewards.train import RewardTrainConfig
from braid_core.spaces import SequenceSpace, Space, space_from_dict, space_to_dict

FORMAT = "braid-reward"
FORMAT_VERSION = 1
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"


Model = BootstrapEnsemble | LastLayerBonus | ShapeAverage


def save_reward(
    model: Model,
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
    expected = config.shapes_for(model.space) if isinstance(model, ShapeAverage) \
        else (config.network,)
    if _shapes_of(model) != expected:  # load_reward rebuilds the nets from the config
        raise ValueError(f"the config's networks {expected} are not the model's "
                         f"{_shapes_of(model)}")
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


def saved_reward_space(directory: Path | str) -> Space:
    """The design space a reward model written by `save_reward` scores, without loading its
    weights."""
    meta = read_bundle_meta(Path(directory) / CONFIG_FILE, FORMAT, "reward model")
    return space_from_dict(meta["space"])


def load_reward(directory: Path | str, device: torch.device | str = "cpu") -> Model:
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
    raw.setdefault("combine", "choose")  # models saved before averaging kept one shape
    config = RewardTrainConfig(**raw)
    space = space_from_dict(meta["space"])
    if meta["kind"] not in ("boot", "bonus"):
        raise ValueError(f"{config_path}: unknown reward model kind {meta['kind']!r}")

    def build(shape: RewardNetConfig) -> BootstrapEnsemble | LastLayerBonus:
        if meta["kind"] == "boot":
            return BootstrapEnsemble(space, shape, config.num_heads)
        return LastLayerBonus(space, shape)

    model = ShapeAverage([build(s) for s in config.shapes_for(space)]) \
        if config.averages(space) else build(config.network)
    device = torch.device(device)
    state = load_file(str(directory / WEIGHTS_FILE), device=str(device))
    for key, identity in model.state_dict().items():  # vector nets saved before standardising
        if key.endswith((".input_shift", ".input_scale")) and key not in state:
            state[key] = identity.to(device)
    model.load_state_dict(state)
    model.metrics = {k: float(v) for k, v in meta.get("metrics", {}).items()}
    model.train_config = config
    return model.to(device).requires_grad_(False).eval()


def describe_network(meta: Mapping[str, Any]) -> str:
    """The kept network's shape in words, from a saved model's config.json contents, how
    many shapes validation chose it among (sequences), and whether the fit weighed the top of
    the data or values by their measurements. Raises KeyError, TypeError or ValueError on a
    malformed config."""
    config = meta["config"]
    space = space_from_dict(meta["space"])
    shapes = [config["network"], *config.get("alternatives", ())]
    tilt = float(config.get("value_tilt", 0.0))  # models saved before the tilt: none
    weighed = f"; fitted weighing the top of the data (value tilt {tilt:g})" if tilt else ""
    by_counts = {"counts": "; values weighed by their number of measurements",
                 "estimated": "; values weighed by the measurement noise they leave"}
    weighting = config.get("count_weighting", "none")
    if meta.get("metrics", {}).get("count_weighted") == 0.0:  # asked for, but nothing to go by
        weighed += ("; values weighed alike: the estimated weighting saw no measurement noise "
                    "that replicates reduce")
    else:
        weighed += by_counts.get(weighting, "")
    kept = RewardNetConfig(**config["network"]).describe(space)
    if not isinstance(space, SequenceSpace):
        text = kept
    elif config.get("combine") == "average" and len(shapes) > 1:
        text = (f"the average of {len(shapes)} shapes: "
                + "; ".join(RewardNetConfig(**shape).describe(space) for shape in shapes))
    else:
        text = kept + (f"; kept for its held-out error among {len(shapes)} shapes"
                       if len(shapes) > 1 else "; the only shape fitted")
    return text + weighed


def _shapes_of(model: Model) -> tuple[RewardNetConfig, ...]:
    """The network shape of each model (one, or one per member of an average)."""
    if isinstance(model, ShapeAverage):
        return tuple(shape for member in model.members for shape in _shapes_of(member))
    return ((model.heads[0] if isinstance(model, BootstrapEnsemble) else model.net).config,)


def _config_of(model: Model) -> RewardTrainConfig:
    """A config recording the model's kind and shapes (for models built by hand)."""
    network, *alternatives = _shapes_of(model)
    combine = "average" if isinstance(model, ShapeAverage) else "choose"
    first = model.members[0] if isinstance(model, ShapeAverage) else model
    heads = {"num_heads": len(first.heads)} if isinstance(first, BootstrapEnsemble) else {}
    return RewardTrainConfig(kind=model.kind, network=network, alternatives=tuple(alternatives),
                             combine=combine, **heads)
