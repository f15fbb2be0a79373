"""Ehrlich functions (Stanton et al. 2024), built to agree exactly with pytorch-holo 0.0.5.

An instance is drawn from one CPU generator seeded with `seed`, in holo's order:
1. a transition matrix over v states: rows softmax(randn / 0.5), kept only on a circular band
   of half-width int(0.4 v) whose rows are shuffled by a random permutation, plus the
   diagonal (repeats are always allowed), then renormalised; zeros are banned transitions;
2. its stationary distribution (least squares through a QR factorisation, as holo does, so
   the next draws see the same float32 probabilities);
3. c motifs of length k: one chain of c*k states started from the stationary distribution,
   cut into c pieces (so a sequence holding every motif exists);
4. per motif, k-1 gaps: 1 + floor((slack // c) * w), w uniform on the simplex, where
   slack = L - c*k.
A sequence is feasible iff it uses no banned transition (holo's initial distribution is
uniform, so the first letter never matters). Its score is the product over motifs of
max over start positions s of q(#{i : x[s + offset_i] = motif_i}), with offsets the
cumulative gaps and q holo's quantisation; -inf when infeasible. Optimum 1.0.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import Tensor

from braid_core.runtime import make_generator
from braid_core.spaces import NAMED_ALPHABETS, SequenceSpace
from braid_core.tasks.base import LabeledDesigns, export_task, keep_below_quantile

SOFTMAX_TEMPERATURE = 0.5  # holo's sharpness of the random transition rows
BAND_FRACTION = 0.4  # holo's band half-width, as a fraction of the number of states
NUM_UNLABELED = 20_000  # DESIGN.md §2: chain samples for pre-training
NUM_OFFLINE = 5_000  # DESIGN.md §2: chain samples before the top 10 % are dropped
OFFLINE_QUANTILE = 0.9  # D keeps scores strictly below this quantile


class EhrlichTask:
    """An Ehrlich function over the first `num_states` amino-acid letters.

    Args:
        num_states: v, the alphabet size, 2..20.
        length: L, the sequence length.
        num_motifs: c, the number of spaced motifs.
        motif_length: k, letters per motif (at least 2).
        seed: holo's `random_seed`; fixes the matrix, motifs and spacings.
        name: registry name; default "ehrlich-{v}-{L}-{c}x{k}-s{seed}".
        quantization: holo's quantisation; default k (each motif letter counts 1/k).
    """

    optimum: float = 1.0
    has_oracle: bool = True

    def __init__(
        self,
        num_states: int = 20,
        length: int = 32,
        num_motifs: int = 2,
        motif_length: int = 4,
        seed: int = 0,
        name: str | None = None,
        quantization: int | None = None,
    ) -> None:
        letters = NAMED_ALPHABETS["protein"]
        if not 2 <= num_states <= len(letters):
            raise ValueError(f"num_states must lie in [2, {len(letters)}], got {num_states}")
        if motif_length < 2 or num_motifs < 1:
            raise ValueError(f"an Ehrlich task needs motifs of at least 2 letters and at least "
                             f"1 motif, got {num_motifs} motif(s) of {motif_length}")
        if num_motifs * motif_length > length:
            raise ValueError(
                f"{num_motifs} motifs of length {motif_length} do not fit in length {length}"
            )
        quantization = motif_length if quantization is None else quantization
        if not 1 <= quantization <= motif_length:
            raise ValueError(f"quantization must lie in [1, {motif_length}], got {quantization}")
        self.name = name or f"ehrlich-{num_states}-{length}-{num_motifs}x{motif_length}-s{seed}"
        self.space = SequenceSpace(letters[:num_states], length)
        self.num_states, self.length, self.seed = num_states, length, seed
        self.motif_length, self.quantization = motif_length, quantization

        generator = make_generator(seed, "cpu")
        self.transition_matrix = _transition_matrix(num_states, generator)  # (v, v) float32
        self.stationary = _stationary_distribution(self.transition_matrix)  # (v,) float32
        chain = sample_chain(
            self.stationary, self.transition_matrix, num_motifs * motif_length, 1, generator
        )
        self.motifs = chain[0].reshape(num_motifs, motif_length)  # (c, k) int64
        slack = length - num_motifs * motif_length
        self.spacings = torch.stack(  # (c, k-1) int64 gaps between motif letters
            [_spacing(motif_length, slack // num_motifs, generator) for _ in range(num_motifs)]
        )

    @property
    def banned(self) -> Tensor:
        """(v, v) bool: banned[a, b] means letter b may not follow letter a."""
        return self.transition_matrix == 0

    def is_valid(self, x: Tensor) -> Tensor:
        """(n,) bool: no banned transition x[:, i] -> x[:, i+1]."""
        x = self._check(x)
        allowed = self.transition_matrix.to(x.device) > 0
        return allowed[x[:, :-1], x[:, 1:]].all(dim=1)

    def score(self, x: Tensor) -> Tensor:
        """Ehrlich value of token sequences.

        Args:
            x: (n, length) int64 tokens in [0, v).
        Returns:
            (n,) float32 in [0, 1] (products of multiples of 1/k); -inf where infeasible.
        """
        x = self._check(x)
        factor = math.ceil(self.motif_length / self.quantization)  # letters per quantum
        scale = self.motif_length / factor
        contributions = []
        for motif, offsets in zip(
            self.motifs.to(x.device), self._offsets().to(x.device), strict=True
        ):
            starts = torch.arange(self.length - int(offsets[-1]), device=x.device)
            windows = x[:, starts[:, None] + offsets]  # (n, starts, k)
            present = (windows == motif).sum(dim=-1).float()  # (n, starts)
            contributions.append((present // factor / scale).max(dim=1).values)
        value = torch.stack(contributions).prod(dim=0)
        return torch.where(self.is_valid(x), value, torch.full_like(value, -math.inf))

    def sample_valid(self, n: int, generator: torch.Generator) -> Tensor:
        """n chain samples (first letter from the stationary distribution, like holo's
        initial_solution), drawn with `generator` on its device; all feasible.

        Returns:
            (n, length) int64.
        """
        device = generator.device
        return sample_chain(
            self.stationary.to(device),
            self.transition_matrix.to(device),
            self.length,
            n,
            generator,
        )

    def make_unlabeled(self, generator: torch.Generator) -> Tensor:
        """20,000 chain samples for pre-training, (20000, length) int64."""
        return self.sample_valid(NUM_UNLABELED, generator)

    def make_offline(self, generator: torch.Generator) -> LabeledDesigns:
        """D: 5,000 fresh chain samples, kept strictly below the 90th percentile of their scores.

        Draw it from the generator after make_unlabeled (as export does) so the samples differ.
        """
        x = self.sample_valid(NUM_OFFLINE, generator)
        return keep_below_quantile(x, self.score(x), OFFLINE_QUANTILE)

    def export(self, out_dir: str | Path, seed: int = 0) -> list[Path]:
        """Write unlabeled.csv and offline.csv (see base.export_task)."""
        return export_task(self, out_dir, seed)

    def optimal_solution(self) -> Tensor:
        """holo's optimal sequence: the motifs laid out one after another, each letter repeated
        up to the next motif letter, the last letter repeated to the end. (length,) int64."""
        pieces = []
        for motif, gaps in zip(self.motifs, self.spacings, strict=True):
            lengths = torch.cat([gaps, torch.ones(1, dtype=torch.int64)])
            pieces.append(torch.repeat_interleave(motif, lengths))
        solution = torch.cat(pieces)
        filler = solution[-1].repeat(self.length - len(solution))
        return torch.cat([solution, filler])

    def _offsets(self) -> Tensor:
        """(c, k) int64 positions of each motif letter relative to the motif start."""
        zeros = torch.zeros(len(self.spacings), 1, dtype=torch.int64)
        return torch.cat([zeros, self.spacings.cumsum(dim=1)], dim=1)

    def _check(self, x: Tensor) -> Tensor:
        if x.ndim != 2 or x.shape[1] != self.length:
            raise ValueError(f"expected tokens (n, {self.length}), got shape {tuple(x.shape)}")
        if x.dtype.is_floating_point or x.dtype == torch.bool:
            raise TypeError(f"expected integer tokens, got {x.dtype}")
        if x.numel() and (x.min() < 0 or x.max() >= self.num_states):
            raise ValueError(f"tokens must lie in [0, {self.num_states})")
        return x.long()


def sample_chain(
    initial: Tensor, transition_matrix: Tensor, length: int, n: int, generator: torch.Generator
) -> Tensor:
    """Sample a discrete Markov chain, drawing in holo's order (all first letters, then one
    draw per sequence per step), so the same generator state gives holo's samples.

    Args:
        initial: (v,) first-letter probabilities.
        transition_matrix: (v, v) rows of next-letter probabilities.
        length: letters per sequence.
        n: number of sequences.
        generator: on the device of `initial`.
    Returns:
        (n, length) int64.
    """
    samples = torch.empty(n, length, dtype=torch.int64, device=initial.device)
    samples[:, 0] = torch.multinomial(initial, n, replacement=True, generator=generator)
    for t in range(1, length):
        rows = transition_matrix[samples[:, t - 1]]
        samples[:, t] = torch.multinomial(rows, 1, generator=generator).squeeze(-1)
    return samples


def _transition_matrix(num_states: int, generator: torch.Generator) -> Tensor:
    """Sparse ergodic random transition matrix (v, v), step 1 of the module docstring."""
    dense = torch.randn(num_states, num_states, generator=generator) / SOFTMAX_TEMPERATURE
    dense = dense.softmax(dim=-1)
    steps = torch.arange(num_states)
    shift = (steps[None, :] - steps[:, None]) % num_states
    band = torch.minimum(shift, num_states - shift) <= int(num_states * BAND_FRACTION)
    mask = band[torch.randperm(num_states, generator=generator)] | torch.eye(num_states).bool()
    matrix = torch.where(mask, dense, torch.zeros_like(dense))
    matrix = matrix / matrix.sum(dim=-1, keepdim=True)
    # Perron-Frobenius: some power (at most (v-1)^2 + 1) of an ergodic chain is positive. With
    # the diagonal in the mask, what a power reaches only grows, so the loop stops once all is.
    reach = mask.float()
    for _ in range((num_states - 1) ** 2):
        if bool((reach > 0).all()):
            break
        reach = ((reach @ mask.float()) > 0).float()
    if not bool((reach > 0).all()):
        raise RuntimeError("the sampled transition matrix is not ergodic; try another seed")
    return matrix


def _stationary_distribution(transition_matrix: Tensor) -> Tensor:
    """pi with pi P = pi, sum(pi) = 1, solved as least squares via QR in float32 (holo's way)."""
    v = transition_matrix.shape[0]
    system = torch.cat([(torch.eye(v) - transition_matrix).T, torch.ones(1, v)], dim=0)
    rhs = torch.zeros(v + 1, 1)
    rhs[-1] = 1.0
    q, r = torch.linalg.qr(system)
    pi = torch.linalg.solve(r, q.T @ rhs)
    if float(torch.linalg.norm(system @ pi - rhs)) > 1e-5:
        raise RuntimeError("the stationary distribution solve failed")
    return pi.squeeze(-1)


def _spacing(motif_length: int, budget: int, generator: torch.Generator) -> Tensor:
    """k-1 gaps 1 + floor(budget * w), w a uniform point of the simplex (float32, like holo)."""
    weights = torch.rand(motif_length - 1, generator=generator)
    weights = weights / weights.sum()
    return 1 + (budget * weights).floor().to(torch.int64)
