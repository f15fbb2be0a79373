"""Baselines every comparison includes (DESIGN.md §1), by name.

Every runner has the same signature and returns designs, which the caller scores:

    run(prior, reward, offline, num_designs, *, config, generator, device,
        on_step=None, max_seconds=None) -> Tensor   # (n, length) int64 or (n, dim) float

- "pretrained": plain samples of p_pre.
- "offline-best": the top designs of D by measured y.
- "guidance": reward-gradient guidance at every sampling step, no fine-tuning.
- "ddom": a y-conditional diffusion trained on D with reweighting, classifier-free guided.
- "proxy": a genetic algorithm (sequences) or gradient ascent (vectors) on r_hat from the
  top of D.
STRL (standard reward fine-tuning) is not here: it is `finetune` with c = 0.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import NamedTuple

from torch import Tensor

from braid_core.baselines.ddom import DDOMConfig, run_ddom
from braid_core.baselines.guidance import (
    GuidanceConfig,
    SamplingConfig,
    run_guidance,
    run_pretrained,
)
from braid_core.baselines.proxy import OfflineBestConfig, ProxyConfig, run_offline_best, run_proxy


class Baseline(NamedTuple):
    """A registered baseline: its runner and the frozen dataclass its `config` must be."""

    run: Callable[..., Tensor]
    config_class: type
    description: str


# Read-only: name -> Baseline. Build a config with `baseline.config_class(**options)`.
BASELINES: MappingProxyType[str, Baseline] = MappingProxyType({
    "pretrained": Baseline(run_pretrained, SamplingConfig, "plain samples of the prior"),
    "offline-best": Baseline(run_offline_best, OfflineBestConfig,
                             "the top designs of the offline data by measured value"),
    "guidance": Baseline(run_guidance, GuidanceConfig,
                         "reward-gradient guidance of the prior's sampler, no fine-tuning"),
    "ddom": Baseline(run_ddom, DDOMConfig,
                     "conditional diffusion on the offline data (DDOM), guided to max y"),
    "proxy": Baseline(run_proxy, ProxyConfig,
                      "genetic algorithm / gradient ascent on the reward model's mean"),
})


def get_baseline(name: str) -> Baseline:
    """The baseline called `name`.

    Raises:
        KeyError: unknown name; the message lists the known ones.
    """
    if name not in BASELINES:
        raise KeyError(f"unknown baseline {name!r}; known baselines: {', '.join(BASELINES)}")
    return BASELINES[name]


__all__ = [
    "BASELINES",
    "Baseline",
    "DDOMConfig",
    "GuidanceConfig",
    "OfflineBestConfig",
    "ProxyConfig",
    "SamplingConfig",
    "get_baseline",
    "run_ddom",
    "run_guidance",
    "run_offline_best",
    "run_pretrained",
    "run_proxy",
]
