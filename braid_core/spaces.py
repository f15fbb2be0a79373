"""Design spaces: fixed-length sequences over an alphabet, or real vectors of fixed dimension."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import get_close_matches

import numpy as np
import torch
from torch import Tensor

# Named alphabets; the letter order fixes the token ids (the protein order is also the
# Ehrlich tasks' state order, DESIGN.md §2).
NAMED_ALPHABETS: dict[str, str] = {
    "dna": "ACGT",
    "rna": "ACGU",
    "protein": "ACDEFGHIKLMNPQRSTVWY",
}


def resolve_alphabet(name_or_letters: str) -> str:
    """The letters of a named alphabet ("dna", "rna", "protein", any case) or of given letters
    run together, upper-cased and each once; every alphabet a user gives comes through here.

    Raises:
        ValueError for a near miss of a name ('protien': the name is suggested, not read as
        letters), letters split by commas or white space ('A,C,G,T'), fewer than 2 letters,
        or a letter given twice. Other symbols ('-', '*') may be letters.
    """
    key = name_or_letters.strip()
    if key.lower() in NAMED_ALPHABETS:
        return NAMED_ALPHABETS[key.lower()]
    if name := _misspelt_name(key):
        raise ValueError(f"unknown alphabet name {key!r}: did you mean {name!r}? (or give the "
                         "letters themselves, e.g. ACGT)")
    separators = [what for what, found in (("a comma", "," in key),
                  ("white space", any(ch.isspace() for ch in key))) if found]  # fmt: skip
    if separators:
        raise ValueError(f"alphabet {name_or_letters!r} holds {' and '.join(separators)}: give "
                         "the letters run together, each once, with nothing between them "
                         "(e.g. ACGT)")
    letters = key.upper()
    if len(letters) < 2:
        raise ValueError(f"alphabet {name_or_letters!r} must have at least 2 letters")
    repeated = sorted({ch for ch in letters if letters.count(ch) > 1})
    if repeated:  # often a name mistyped (e.g. "nucleotide"): the names come first
        raise ValueError(f"alphabet {name_or_letters!r} is not one of the names "
                         f"{', '.join(NAMED_ALPHABETS)}, and as letters it repeats "
                         f"{''.join(repeated)}: give a name, or each letter once")
    return letters


def _misspelt_name(word: str) -> str | None:
    """The alphabet name `word` is a typo of, if it is one: a word of three or more letters in
    lower (or title) case, close to a name (difflib), and no plausible set of letters: it
    repeats a letter, is within two edits of the name or starts it ('prot'). Capitals ('DAN')
    and words far from every name ('acgu') stay letters."""
    if len(word) < 3 or not word.isalpha() or word not in (word.lower(), word.capitalize()):
        return None
    word = word.lower()
    close = get_close_matches(word, NAMED_ALPHABETS, n=len(NAMED_ALPHABETS), cutoff=0.6)
    if not close:
        return None
    name = min(close, key=lambda name: _edits(word, name))  # 'nda' is dna, not rna
    implausible = len(set(word)) < len(word) or name.startswith(word)
    return name if implausible or _edits(word, name) <= 2 else None


def _edits(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of neighbours that turn a into b
    (optimal string alignment distance): 'protien' is one edit from 'protein'."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            substitute = d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, substitute)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def alphabet_name(letters: str) -> str:
    """The name of a named alphabet with exactly these letters, else the letters themselves."""
    for name, named_letters in NAMED_ALPHABETS.items():
        if letters == named_letters:
            return name
    return letters


@dataclass(frozen=True)
class SequenceSpace:
    """Sequences of exactly `length` letters from `alphabet` (token id = index in alphabet)."""

    alphabet: str  # the letters, in token-id order
    length: int  # L, number of positions

    def __post_init__(self) -> None:
        if self.length < 1:
            raise ValueError(f"length must be at least 1, got {self.length}")
        object.__setattr__(self, "alphabet", resolve_alphabet(self.alphabet))

    @property
    def vocab_size(self) -> int:
        return len(self.alphabet)

    @property
    def event_shape(self) -> tuple[int, ...]:
        """Shape of one design as tokens: (length,)."""
        return (self.length,)

    def encode(self, seqs: Sequence[str]) -> Tensor:
        """Letters to token ids, case-insensitive.

        Vectorised: the strings become a (n, length) array of code points, looked up in a table
        indexed by code point.

        Returns:
            (n, length) int64.
        Raises:
            ValueError naming the first bad sequence (0-based index; wrong length or unknown
            letter).
        """
        seqs = list(seqs)
        lengths = np.fromiter((len(seq) for seq in seqs), dtype=np.int64, count=len(seqs))
        wrong = np.flatnonzero(lengths != self.length)
        if wrong.size:
            row = int(wrong[0])
            raise ValueError(
                f"sequence {row} ({seqs[row]!r}) has length {lengths[row]}, expected {self.length}"
            )
        codes = np.array(seqs, dtype=f"<U{self.length}").view(np.uint32)
        codes = codes.reshape(len(seqs), self.length)
        table = self._lookup()
        # Code points past the table map to its last entry, -1 (unknown).
        tokens = table[np.minimum(codes, len(table) - 1)]
        unknown = np.argwhere(tokens < 0)
        if unknown.size:
            row, position = (int(i) for i in unknown[0])
            raise ValueError(
                f"sequence {row} ({seqs[row]!r}) has letter {seqs[row][position]!r} outside "
                f"the alphabet {self.alphabet}"
            )
        return torch.from_numpy(tokens)

    def _lookup(self) -> np.ndarray:
        """Token id per code point (upper and lower case), -1 elsewhere; the last entry is -1."""
        pairs = {}
        for i, letter in enumerate(self.alphabet):
            for ch in (letter, letter.lower()):
                if len(ch) == 1:  # a few letters lower-case to two characters
                    pairs[ord(ch)] = i
        table = np.full(max(pairs) + 2, -1, dtype=np.int64)
        table[list(pairs)] = list(pairs.values())
        return table

    def decode(self, tokens: Tensor) -> list[str]:
        """Token ids (n, length) to upper-case strings."""
        assert tokens.ndim == 2, f"expected token ids (n, length), got shape {tuple(tokens.shape)}"
        if tokens.numel() and (tokens.min() < 0 or tokens.max() >= self.vocab_size):
            raise ValueError(
                f"token ids must lie in [0, {self.vocab_size}), got "
                f"[{int(tokens.min())}, {int(tokens.max())}]"
            )
        points = np.array([ord(ch) for ch in self.alphabet], dtype=np.uint32)
        codes = np.ascontiguousarray(points[tokens.detach().cpu().numpy()])
        return codes.view(f"<U{tokens.shape[1]}").reshape(-1).tolist()

    def one_hot(self, tokens: Tensor) -> Tensor:
        """Token ids (n, length) to float one-hot (n, length, vocab)."""
        return torch.nn.functional.one_hot(tokens, self.vocab_size).float()

    def relax(self, logits: Tensor, temperature: float = 0.1) -> Tensor:
        """Soft one-hot softmax(logits / temperature), so gradients reach the sampler.

        Args:
            logits: (n, length, vocab).
        Returns:
            (n, length, vocab), rows summing to 1.
        """
        return torch.softmax(logits / temperature, dim=-1)

    def describe(self) -> str:
        return f"sequences of length {self.length} over {alphabet_name(self.alphabet)}"


@dataclass(frozen=True, eq=False)
class VectorSpace:
    """Real vectors of dimension `dim`, each coordinate named after the column it is read from
    and written to (default x0, x1, ...). Names are compared ignoring case, as columns are
    found in files: X0, X1 is the space of x0, x1, and keeps its own case when written."""

    dim: int
    names: tuple[str, ...] | None = None  # None: x0 .. x{dim-1}

    def __post_init__(self) -> None:
        if self.dim < 1:
            raise ValueError(f"dim must be at least 1, got {self.dim}")
        names = default_names(self.dim) if self.names is None else tuple(map(str, self.names))
        if len(names) != self.dim:
            raise ValueError(f"{len(names)} names for vectors of dimension {self.dim}")
        folded = [name.casefold() for name in names]
        if len(set(folded)) < len(folded) or not all(name.strip() for name in names):
            raise ValueError(f"vector column names must be distinct and not blank, got {names}")
        object.__setattr__(self, "names", names)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VectorSpace):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[int, tuple[str, ...]]:
        return self.dim, tuple(name.casefold() for name in self.names)

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (self.dim,)

    @property
    def named(self) -> bool:
        """Whether the columns have names of their own, not x0, x1, ... (any case)."""
        return self._key()[1] != default_names(self.dim)

    def describe(self) -> str:
        if not self.named:
            return f"vectors of dimension {self.dim}"
        shown = ", ".join(self.names[:SHOWN_NAMES]) + (
            ", ..." if self.dim > SHOWN_NAMES else "")
        return f"vectors of dimension {self.dim} ({shown})"


SHOWN_NAMES = 8  # vector column names a space's description lists


def default_names(dim: int) -> tuple[str, ...]:
    """The vector columns of a table that names none: x0, x1, ..., x{dim-1}."""
    return tuple(f"x{i}" for i in range(dim))


def names_differ(first: Space, second: Space) -> str:
    """For vector spaces of one dimension whose columns are named apart, which names differ,
    first's then second's ("'temperature' / 'temp' (column 1)"); '' otherwise."""
    if not (isinstance(first, VectorSpace) and isinstance(second, VectorSpace)
            and first.dim == second.dim and first != second):  # fmt: skip
        return ""
    pairs = [f"{a!r} / {b!r} (column {i})"
             for i, (a, b) in enumerate(zip(first.names, second.names, strict=True), 1)
             if a.casefold() != b.casefold()]  # fmt: skip
    order = ("the same names in another order: " if sorted(map(str.casefold, first.names))
             == sorted(map(str.casefold, second.names)) else "")  # fmt: skip
    shown = "; ".join(pairs[:SHOWN_NAMES]) + (f"; and {len(pairs) - SHOWN_NAMES} more"
                                              if len(pairs) > SHOWN_NAMES else "")
    return f"their columns are named apart, {order}{shown}"


Space = SequenceSpace | VectorSpace


def space_to_dict(space: Space) -> dict:
    """A JSON-ready description of a space (stored in configs)."""
    if isinstance(space, SequenceSpace):
        return {"kind": "sequence", "alphabet": space.alphabet, "length": space.length}
    spec: dict = {"kind": "vector", "dim": space.dim}
    if space.names != default_names(space.dim):  # x0, x1, ...: the config as it ever was
        spec["names"] = list(space.names)
    return spec


def space_from_dict(spec: dict) -> Space:
    if spec.get("kind") == "sequence":
        return SequenceSpace(alphabet=spec["alphabet"], length=int(spec["length"]))
    if spec.get("kind") == "vector":
        names = spec.get("names")  # absent: x0, x1, ...
        return VectorSpace(dim=int(spec["dim"]), names=None if names is None else tuple(names))
    raise ValueError(f"unknown space description {spec!r}")
