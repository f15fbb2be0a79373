"""Ehrlich task: exact parity with pytorch-holo (golden file) and the task's invariants."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from braid_core.data import read_designs
from braid_core.runtime import make_generator
from braid_core.tasks.ehrlich import EhrlichTask, sample_chain

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "ehrlich_golden.json").read_text())
CASES = GOLDEN["cases"]


def _task(case: dict) -> EhrlichTask:
    p = case["parameters"]
    return EhrlichTask(
        p["num_states"],
        p["dim"],
        p["num_motifs"],
        p["motif_length"],
        p["random_seed"],
        quantization=p["quantization"],
    )


@pytest.fixture(scope="module")
def task() -> EhrlichTask:
    return EhrlichTask(20, 32, 2, 4, seed=0)


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c["parameters"].values())))
def test_construction_matches_holo(case: dict) -> None:
    task = _task(case)
    assert torch.equal(task.transition_matrix, torch.tensor(case["transition_matrix"]))
    # A float32 QR solve: its last bits vary with the CPU's LAPACK kernels (bitwise equal on
    # the machines of earlier sessions, not on this one), so equal to float32 rounding.
    assert torch.allclose(task.stationary, torch.tensor(case["stationary"]), rtol=1e-5,
                          atol=1e-7)
    assert task.motifs.tolist() == case["motifs"]
    assert task.spacings.tolist() == case["spacings"]
    assert task.optimal_solution().tolist() == case["optimal_solution"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c["parameters"].values())))
def test_scores_match_holo(case: dict, device: torch.device) -> None:
    task = _task(case)
    x = torch.tensor(case["sequences"], device=device)
    expected = torch.tensor([-math.inf if s is None else s for s in case["scores"]])
    assert torch.equal(task.score(x).cpu(), expected)
    assert torch.equal(task.is_valid(x).cpu(), expected > -math.inf)
    # The golden sequences include feasible designs of intermediate value, not just 0 and 1.
    assert ((expected > 0.2) & (expected < 1)).any()


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c["parameters"].values())))
def test_chain_sampler_draws_like_holo(case: dict) -> None:
    # holo's initial_solution(n) reseeds its generator with the seed and samples the chain.
    task = _task(case)
    generator = make_generator(case["parameters"]["random_seed"])
    x = sample_chain(task.stationary, task.transition_matrix, task.length, 4, generator)
    assert x.tolist() == case["initial_solution"]


def test_chain_samples_are_valid_and_seeded(task: EhrlichTask) -> None:
    x = task.sample_valid(500, make_generator(1))
    assert x.shape == (500, 32) and x.dtype == torch.int64
    assert task.is_valid(x).all()
    scores = task.score(x)
    assert ((scores >= 0) & (scores <= 1)).all()
    assert torch.equal(x, task.sample_valid(500, make_generator(1)))
    assert not torch.equal(x, task.sample_valid(500, make_generator(2)))


def test_banned_transition_is_infeasible(task: EhrlichTask) -> None:
    a, b = (int(i) for i in torch.nonzero(task.banned)[0])
    allowed = torch.full((1, 32), a)  # repeats are always allowed
    banned = torch.cat([torch.full((1, 16), a), torch.full((1, 16), b)], dim=1)
    assert task.is_valid(allowed).item() and not task.is_valid(banned).item()
    assert task.score(banned).item() == -math.inf and task.score(allowed).item() >= 0
    assert not task.banned.diagonal().any()
    # A uniform random sequence of length 32 almost surely uses a banned transition.
    uniform = torch.randint(20, (200, 32), generator=make_generator(0))
    assert task.is_valid(uniform).float().mean() < 0.05


def test_optimum_scores_one_and_motif_fractions(task: EhrlichTask) -> None:
    best = task.optimal_solution()[None]
    assert task.score(best).item() == 1.0 == task.optimum
    # Overwrite the last motif's last letter (and the filler repeating it) with the letter
    # before it: still feasible (repeats are allowed), and that motif is 3/4 present.
    last = int((task.spacings.sum(dim=1) + 1).sum()) - 1
    broken = best.clone()
    broken[0, last:] = best[0, last - 1]
    assert task.is_valid(broken).item()
    assert task.score(broken).item() == 0.75


def test_offline_protocol(task: EhrlichTask) -> None:
    scores = task.score(task.sample_valid(5000, make_generator(3)))
    threshold = torch.quantile(scores.double(), 0.9)
    offline = task.make_offline(make_generator(3))
    assert offline.y.max() < threshold < task.optimum
    assert len(offline.x) == int((scores < threshold).sum()) > 4000
    assert torch.equal(offline.y, task.score(offline.x))


def test_export_reads_back_and_is_deterministic(tmp_path: Path, task: EhrlichTask) -> None:
    paths = task.export(tmp_path / "a", seed=4)
    assert [p.name for p in paths] == ["unlabeled.csv", "offline.csv"]
    unlabeled = read_designs(paths[0], alphabet="protein")
    offline = read_designs(paths[1], alphabet="protein")
    assert unlabeled.y is None and unlabeled.x.shape == (20_000, 32)
    assert task.is_valid(unlabeled.x).all()
    assert torch.equal(offline.y, task.score(offline.x))
    assert [p.read_bytes() for p in task.export(tmp_path / "b", seed=4)] == [
        p.read_bytes() for p in paths
    ]
    # D is drawn after the unlabeled set: no offline design repeats an unlabeled one.
    assert not set(paths[1].read_text().split()[1:5]) & set(paths[0].read_text().split())


def test_bad_inputs_are_rejected(task: EhrlichTask) -> None:
    with pytest.raises(ValueError, match="num_states"):
        EhrlichTask(num_states=21)
    with pytest.raises(ValueError, match="do not fit"):
        EhrlichTask(length=7, num_motifs=2, motif_length=4)
    with pytest.raises(ValueError, match=r"\(n, 32\)"):
        task.score(torch.zeros(3, 31, dtype=torch.int64))
    with pytest.raises(ValueError, match="tokens"):
        task.score(torch.full((1, 32), 20))
    assert EhrlichTask(num_states=8, length=16).space.alphabet == "ACDEFGHI"
