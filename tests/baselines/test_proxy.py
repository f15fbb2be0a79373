"""Proxy optimisation (GA / gradient ascent on r_hat), offline best, and the registry."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import Tensor, nn

from braid_core.baselines import (
    BASELINES,
    OfflineBestConfig,
    ProxyConfig,
    get_baseline,
    run_offline_best,
    run_proxy,
)
from braid_core.data import OfflineData
from braid_core.diffusion.prior import Prior, PriorConfig, build_network
from braid_core.rewards import Prediction
from braid_core.runtime import make_generator
from braid_core.spaces import SequenceSpace, VectorSpace

SPACE = SequenceSpace("ACGT", 8)
VECTORS = VectorSpace(2)
CPU = torch.device("cpu")
# Letter weights of the stub reward: A = 1, C = 0.5, G = T = 0; the optimum is all A's (8).
LETTER_WEIGHTS = torch.tensor([1.0, 0.5, 0.0, 0.0])


class LetterReward(nn.Module):
    """r_hat(x) = sum over positions of a per-letter weight."""

    kind = "stub"
    space = SPACE
    metrics: dict[str, float] = {}

    def predict(self, x: Tensor) -> Prediction:
        if not x.is_floating_point():
            x = nn.functional.one_hot(x, SPACE.vocab_size).float()
        mean = x @ LETTER_WEIGHTS
        return Prediction(mean.sum(-1), torch.zeros(len(x)))


class ConcaveReward(nn.Module):
    """r_hat(x) = -|x - (3, -2)|^2, maximal at (3, -2)."""

    kind = "stub"
    space = VECTORS
    metrics: dict[str, float] = {}

    def predict(self, x: Tensor) -> Prediction:
        mean = -(x - torch.tensor([3.0, -2.0])).square().sum(1)
        return Prediction(mean, torch.zeros_like(mean))


def _data() -> OfflineData:
    """Sequences without A (so D's best is far from the optimum), y = the stub reward."""
    x = torch.randint(1, 4, (200, SPACE.length), generator=make_generator(0))
    return OfflineData.from_tensors(SPACE, x, LetterReward().predict(x).mean)


def _prior(space) -> Prior:
    config = PriorConfig(width=8, depth=1)
    return Prior(space, config, build_network(space, config))  # unused by these baselines


def _proxy(data: OfflineData, n: int, seed: int = 0, **options) -> Tensor:
    reward = LetterReward() if isinstance(data.space, SequenceSpace) else ConcaveReward()
    return run_proxy(_prior(data.space), reward, data, n, config=ProxyConfig(**options),
                     generator=make_generator(seed), device=CPU)


def test_genetic_algorithm_beats_the_top_of_d_with_distinct_designs() -> None:
    data = _data()
    history: list = []
    designs = run_proxy(_prior(SPACE), LetterReward(), data, 32,
                        config=ProxyConfig(generations=20, population=64),
                        generator=make_generator(0), device=CPU,
                        on_step=lambda step, m: history.append(m["best"]))
    assert designs.shape == (32, SPACE.length) and designs.dtype == torch.int64
    assert len(torch.unique(designs, dim=0)) == 32
    scores = LetterReward().predict(designs).mean
    top = LetterReward().predict(run_offline_best(_prior(SPACE), LetterReward(), data, 32,
                                                  config=OfflineBestConfig(),
                                                  generator=make_generator(0), device=CPU)).mean
    assert scores.mean() > top.mean() + 2.0  # D has no A's; the GA finds them
    assert torch.all(scores[:-1] >= scores[1:]), "designs come best first"
    assert len(history) == 20 and history[-1] >= history[0]
    assert torch.equal(designs, _proxy(data, 32, generations=20, population=64))
    assert not torch.equal(designs, _proxy(data, 32, seed=1, generations=20, population=64))


def test_gradient_ascent_climbs_r_hat_from_the_top_of_d() -> None:
    x = torch.randn(100, 2, generator=make_generator(1))
    data = OfflineData.from_tensors(VECTORS, x, ConcaveReward().predict(x).mean)
    designs = _proxy(data, 16, steps=300, lr=0.05)
    assert designs.shape == (16, 2) and designs.dtype == torch.float32
    assert torch.allclose(designs, torch.tensor([3.0, -2.0]).expand(16, 2), atol=0.2)
    small = OfflineData.from_tensors(VECTORS, x[:4], data.y[:4])
    assert _proxy(small, 10, steps=1).shape == (10, 2)  # restarts when D is small
    # Its progress rows are plain numbers: a float of r_hat with its gradient put torch's
    # "Converting a tensor with requires_grad=True" warning on `braid design`'s console.
    rows: list = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run_proxy(_prior(VECTORS), ConcaveReward(), data, 4, config=ProxyConfig(steps=3),
                  generator=make_generator(0), device=CPU,
                  on_step=lambda step, metrics: rows.append(metrics))
    assert len(rows) == 3 and all(isinstance(v, float) for row in rows for v in row.values())


def test_offline_best_returns_the_top_of_d() -> None:
    data = _data()
    best = run_offline_best(_prior(SPACE), LetterReward(), data, 5, config=OfflineBestConfig(),
                            generator=make_generator(0), device=CPU)
    expected = data.x[torch.argsort(data.y, descending=True, stable=True)[:5]]
    assert torch.equal(best, expected)
    assert torch.equal(LetterReward().predict(best).mean, data.y.sort(descending=True).values[:5])
    everything = run_offline_best(_prior(SPACE), LetterReward(), data, 500,
                                  config=OfflineBestConfig(), generator=make_generator(0),
                                  device=CPU)
    assert len(everything) == len(data)  # all of D when it is smaller than asked


def test_registry_lists_the_baselines_and_rejects_unknown_names() -> None:
    assert set(BASELINES) == {"pretrained", "offline-best", "guidance", "ddom", "proxy"}
    for name, baseline in BASELINES.items():
        assert callable(baseline.run) and baseline.description, name
        baseline.config_class()  # every config has working defaults
    assert get_baseline("proxy").config_class is ProxyConfig
    with pytest.raises(KeyError, match="unknown baseline 'strl'.*known baselines: pretrained"):
        get_baseline("strl")


def test_proxy_config_checks_ranges() -> None:
    with pytest.raises(ValueError, match="mutation_rate"):
        ProxyConfig(mutation_rate=0.0)
    with pytest.raises(ValueError, match="generations"):
        ProxyConfig(generations=0)


def test_genetic_algorithm_in_a_space_smaller_than_asked_returns_what_there_is() -> None:
    # Length 2 over ACGT holds 16 designs: a generation soon brings no unseen child (scoring
    # none crashed in torch.cat), and 32 distinct designs cannot be found (it raised).
    tiny = SequenceSpace("ACGT", 2)
    x = torch.tensor([[a, b] for a in range(1, 4) for b in range(1, 4)])
    data = OfflineData.from_tensors(tiny, x, x.float().sum(1))

    class TinyReward(LetterReward):
        space = tiny

    designs = run_proxy(_prior(tiny), TinyReward(), data, 32,
                        config=ProxyConfig(generations=30, population=8),
                        generator=make_generator(0), device=CPU)
    assert len(designs) == 16 and len(torch.unique(designs, dim=0)) == 16
    assert designs[0].tolist() == [0, 0]  # AA, the stub's best, first
