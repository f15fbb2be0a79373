"""braid_core.data.plateau: values piled at (or next to) the best, and the warning."""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import numpy as np
import pytest
from design_files import write

from braid_core.data import DataWarning, Plateau, find_plateau, read_designs


def test_values_piled_at_the_best_get_a_warning(tmp_path: Path) -> None:
    # 12 of 20 designs at the best value 0.0625 (a plateau): warned, with the counts.
    rows = [f"{''.join(p)},{0.0625 if i < 12 else 0}" for i, p in
            enumerate(itertools.islice(itertools.product("ACGT", repeat=4), 20))]
    path = write(tmp_path / "d.csv", "sequence,value\n" + "\n".join(rows) + "\n")
    with pytest.warns(DataWarning, match=r"d\.csv: 12 of 20 labeled designs \(60%\) share "
                                         r"the best value 0\.0625"):
        data = read_designs(path)
    assert any("0.0625" in w for w in data.report.warnings)
    # ...and says what a user can do about it (rewards.NETWORK_CHOICES' forced shapes).
    assert any("fit each (dilated, wide, average)" in w for w in data.report.warnings)
    # The rest all at 0: the data only tell the pile from 0, and the warning says so.
    assert any("the rest all have the value 0, so nothing in the data says" in w
               and "measure the new designs, add them (`braid data merge`) and run again" in w
               and "`--value-tilt 2`" in w  # what passed such a plateau (reward_tilt.md)
               for w in data.report.warnings)
    # Two sentences, not a paragraph (it was about 1,000 characters).
    assert all(len(w.removeprefix(f"{path}: ")) < 450 and w.count(". ") <= 1
               for w in data.report.warnings)
    # Spread values, or fewer than 10 rows at the best: no warning.
    spread = write(tmp_path / "s.csv", "sequence,value\n" + "\n".join(
        f"{row.split(',')[0]},{i}" for i, row in enumerate(rows)) + "\n")
    few = write(tmp_path / "f.csv", "sequence,value\nACGT,1\nTTTT,1\nGGGG,0\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not read_designs(spread).report.warnings
        assert not read_designs(few).report.warnings


def test_all_values_alike_say_so_in_one_sentence(tmp_path: Path) -> None:
    rows = [f"{''.join(p)},1.0" for p in itertools.islice(itertools.product("ACGT", repeat=4), 30)]
    path = write(tmp_path / "c.csv", "sequence,value\n" + "\n".join(rows) + "\n")
    with pytest.warns(DataWarning) as caught:
        read_designs(path)
    assert str(caught[0].message) == (
        f"{path}: all 30 labeled designs have the value 1, so the data rank no design over "
        "another and no reward can be learned from them: check the value column, or measure "
        "designs that differ.")


def test_values_piled_just_below_a_few_best_ones_get_a_warning(tmp_path: Path) -> None:
    # 100 of 200 designs at 0.5 and one at 0.6 (under 1 % above the pile): still a plateau.
    values = [0.6] + [0.5] * 100 + [0.0] * 99
    rows = [f"{''.join(p)},{v}" for p, v in
            zip(itertools.product("ACGT", repeat=4), values, strict=False)]
    path = write(tmp_path / "d.csv", "sequence,value\n" + "\n".join(rows) + "\n")
    with pytest.warns(DataWarning, match=r"d\.csv: 100 of 200 labeled designs \(50%\) share "
                                         r"the value 0\.5 and only 1 lie above it \(best 0\.6\)"):
        read_designs(path)
    # Two designs above the pile of 200 are 1 %: not next to nothing, no warning.
    rows[1] = rows[1].rsplit(",", 1)[0] + ",0.6"
    spread = write(tmp_path / "s.csv", "sequence,value\n" + "\n".join(rows) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not read_designs(spread).report.warnings


def test_a_plateau_over_graded_values_gets_the_graded_warning(tmp_path: Path) -> None:
    # 100 at the best 0.5, and below it 0.25 and 0: lower values differ, so the warning speaks
    # of extrapolating from them rather than of a pile told only from one other value.
    values = [0.5] * 100 + [0.25] * 50 + [0.0] * 50
    rows = [f"{''.join(p)},{v}" for p, v in
            zip(itertools.product("ACGT", repeat=4), values, strict=False)]
    path = write(tmp_path / "d.csv", "sequence,value\n" + "\n".join(rows) + "\n")
    with pytest.warns(DataWarning, match="extrapolated from how lower values differ") as caught:
        read_designs(path)
    # a tilt lost a pass on such plateaus (reward_tilt.md): not suggested here
    assert "the one value" not in str(caught[0].message)
    assert "value-tilt" not in str(caught[0].message)


def test_find_plateau_is_the_highest_pile_with_next_to_nothing_above() -> None:
    # A third of 30 at the best value: a plateau, nothing above it.
    assert find_plateau(np.array([1.0] * 10 + [0.5] * 20)) == Plateau(1.0, 10, 0, 30, (0.5,))
    # Nine at the best value are too few rows, however large their share.
    assert find_plateau(np.array([1.0] * 9 + [0.5] * 9)) is None
    # The pile under one higher design (1 of 200, under 1 %) counts; the lower pile does not,
    # since the higher one sits above it.
    values = np.array([0.6] + [0.5] * 100 + [0.0] * 99)
    assert find_plateau(values) == Plateau(0.5, 100, 1, 200, (0.0,))
    # Spread values have no pile.
    assert find_plateau(np.linspace(0, 1, 300)) is None
