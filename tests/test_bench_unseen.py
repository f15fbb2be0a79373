"""The instance draw and the per-instance verdict of bench/unseen_design.py."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import unseen_design  # noqa: E402


def figures(validity: float, median: float, offline_best: float = 0.25) -> dict:
    return {"validity": validity, "true_score_median": median, "offline_best": offline_best}


@pytest.mark.parametrize(("design", "prior", "expected"), [
    (figures(0.96, 0.375), figures(0.9, 0.125), "passes"),
    (figures(0.94, 0.375), figures(0.9, 0.125), "missed: 94.0% valid"),
    # equal to D's best is not above it (the plateau instances' miss)
    (figures(1.0, 0.25), figures(0.9, 0.125), "missed: median not above D's best"),
    (figures(1.0, 0.5), figures(0.9, 0.5), "missed: median not above the prior's"),
])
def test_verdict_applies_each_target(design, prior, expected):
    assert unseen_design.verdict(design, prior) == expected


def test_draw_is_fixed_by_its_seed_and_stays_in_the_family():
    specs = unseen_design.draw_instances(200, draw_seed=7)
    assert specs == unseen_design.draw_instances(200, draw_seed=7)
    assert specs != unseen_design.draw_instances(200, draw_seed=8)
    shapes = [tuple(int(p) for p in spec.split(":")) for spec in specs]
    assert {length for length, _, _ in shapes} <= set(range(32, 65))
    assert {motifs for _, motifs, _ in shapes} == {2, 3, 4}
    assert min(length for length, _, _ in shapes) == 32  # both ends are drawn
    assert max(length for length, _, _ in shapes) == 64


def test_shards_split_the_draw_without_overlap():
    specs = unseen_design.draw_instances(5, draw_seed=0)
    parts = [unseen_design.shard(specs, f"{i}/2") for i in range(2)]
    assert sorted(parts[0] + parts[1]) == sorted(specs)
    assert len(parts[0]) == 3 and len(parts[1]) == 2
    with pytest.raises(ValueError, match="0 <= I < K"):
        unseen_design.shard(specs, "2/2")


def test_wilson_interval_matches_known_values():
    import unseen_tally
    low, high = unseen_tally.wilson(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    low, high = unseen_tally.wilson(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12) and high == pytest.approx(0.2775, abs=1e-4)
