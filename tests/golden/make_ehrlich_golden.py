"""Regenerate tests/golden/ehrlich_golden.json from pytorch-holo's Ehrlich (the reference).

Run it with a scratch environment that has pytorch-holo, never the project's (holo pins
numpy<2 and pulls wandb):

    python -m venv scratch/tasks/holo-venv
    scratch/tasks/holo-venv/bin/pip install pytorch-holo==0.0.5
    scratch/tasks/holo-venv/bin/python tests/golden/make_ehrlich_golden.py

For each parameter set it stores holo's transition matrix, stationary distribution, motifs,
spacings, optimal solution and initial solutions, and holo's scores on about 50 sequences:
chain samples, uniform random sequences (mostly infeasible) and mutants of the optimal
solution (scores between the chain samples' and 1.0, some infeasible).
"""

from __future__ import annotations

import json
import math
from importlib.metadata import version
from pathlib import Path

import torch
from holo.test_functions.closed_form import Ehrlich
from holo.test_functions.elemental import sample_dmp

PARAMETER_SETS = [
    dict(num_states=20, dim=32, num_motifs=2, motif_length=4, quantization=4, random_seed=0),
    dict(num_states=20, dim=64, num_motifs=4, motif_length=4, quantization=4, random_seed=0),
    dict(num_states=12, dim=40, num_motifs=3, motif_length=4, quantization=2, random_seed=3),
]
NUM_INITIAL = 4  # holo's initial_solution(n): its reseeded chain samples
NUM_CHAIN = 16  # chain samples drawn with a separate generator
NUM_RANDOM = 10  # uniform random sequences
NUM_MUTANTS = 24  # optimal solution with 1..4 letters changed (random or copied)


def _sequences(function: Ehrlich, seed: int) -> torch.Tensor:
    """About 50 sequences (n, dim) mixing chain samples, random sequences and mutants."""
    generator = torch.Generator().manual_seed(1000 + seed)
    chain = sample_dmp(
        initial_dist=function.stationary_dist.squeeze(-1),
        transition_matrix=function.transition_matrix,
        num_steps=function.dim,
        num_samples=NUM_CHAIN,
        generator=generator,
    )
    uniform = torch.randint(function.num_states, (NUM_RANDOM, function.dim), generator=generator)
    mutants = function.optimal_solution().repeat(NUM_MUTANTS, 1)
    for row in range(NUM_MUTANTS):
        count = 1 + row % 4
        positions = torch.randperm(function.dim, generator=generator)[:count]
        if row % 2:
            letters = torch.randint(function.num_states, (count,), generator=generator)
        else:  # copy the left neighbour: often still feasible, since repeats are allowed
            letters = mutants[row, (positions - 1).clamp(min=0)]
        mutants[row, positions] = letters
    return torch.cat([chain, uniform, mutants])


def _case(parameters: dict) -> dict:
    function = Ehrlich(noise_std=0.0, negate=False, **parameters)
    optimum = function.optimal_solution()
    initial = function.initial_solution(NUM_INITIAL)
    x = torch.cat([optimum[None], initial, _sequences(function, parameters["random_seed"])])
    scores = function.evaluate_true(x)
    return {
        "parameters": parameters,
        "transition_matrix": function.transition_matrix.tolist(),
        "stationary": function.stationary_dist.squeeze(-1).tolist(),
        "motifs": [motif.tolist() for motif in function.motifs],
        "spacings": [spacing.tolist() for spacing in function.spacings],
        "optimal_solution": optimum.tolist(),
        "initial_solution": initial.tolist(),
        "sequences": x.tolist(),
        # JSON has no -inf: infeasible scores are stored as null.
        "scores": [None if math.isinf(s) else s for s in scores.tolist()],
    }


def main() -> None:
    torch.set_num_threads(1)
    golden = {
        "source": f"pytorch-holo {version('pytorch-holo')}, torch {torch.__version__}",
        "cases": [_case(parameters) for parameters in PARAMETER_SETS],
    }
    path = Path(__file__).with_name("ehrlich_golden.json")
    path.write_text(json.dumps(golden, separators=(",", ":")) + "\n")
    for case in golden["cases"]:
        values = sorted({s for s in case["scores"] if s is not None})
        infeasible = sum(s is None for s in case["scores"])
        print(case["parameters"], f"{infeasible} infeasible; feasible values {values}")
    print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
