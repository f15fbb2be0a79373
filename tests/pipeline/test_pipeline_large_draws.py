"""A large pool is said before it is drawn and its drawing counted as progress; a run that
went well past its time limit says why (a million designs took minutes past `braid design`'s
budget with the run's progress standing still)."""

from __future__ import annotations

import torch
from pipeline_files import KeptProgress, write_sequences

from braid_core import pipeline
from braid_core.pipeline import steps
from braid_core.pipeline.design import overrun_note
from braid_core.pipeline.sampling import CHUNK


class CountingModel:
    """Stands in for a prior: each call's size is kept; design i is [i]."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.made = 0

    def sample(self, n: int, *, generator) -> torch.Tensor:
        self.calls.append(n)
        self.made += n
        return torch.arange(self.made - n, self.made)[:, None]


def test_a_draw_goes_in_chunks_and_counts_the_designs_drawn():
    model, report = CountingModel(), KeptProgress()
    draw = steps._drawing(model, torch.Generator(), report, pool_size=3 * CHUNK)
    designs = draw(2 * CHUNK + 10)
    assert model.calls == [CHUNK, CHUNK, 10]
    assert designs[:, 0].tolist() == list(range(2 * CHUNK + 10))
    assert report.messages[-1] == f"drawing designs: {2 * CHUNK + 10:,} of up to {3 * CHUNK:,}"
    draw(5)  # a second call (the pool's next chunk) counts on
    assert report.messages[-1] == f"drawing designs: {2 * CHUNK + 15:,} of up to {3 * CHUNK:,}"


def test_a_large_pool_is_said_before_it_is_drawn(tmp_path, monkeypatch):
    monkeypatch.setattr(steps, "LARGE_DRAW", 32)  # the pool of 8 designs x 4
    data = write_sequences(tmp_path / "d.csv", num=60, length=4, values=True)
    config = pipeline.design_config(data, data, max_minutes=0.05, num_designs=8,
                                    device="cpu")  # fmt: skip
    report = KeptProgress()
    pipeline.run_design(config, tmp_path / "out", report)
    assert steps.large_draw_note(8, 32) in report.notes
    assert any(m.startswith("drawing designs: ") for m in report.messages)
    assert steps.large_draw_note(8, 32) == (
        "drawing up to 32 designs to choose the 8 asked for: the 8 are drawn whatever the time "
        "limit (it bounds only the pool beyond them), which takes minutes on a CPU; progress "
        "counts the designs drawn")


def test_a_run_well_past_its_time_limit_says_why():
    assert overrun_note(12.5, 10.0, 1_000_000) == (
        "the run took 12.5 min, past its time limit (--max-minutes 10): the limit bounds "
        "pre-training, the reward fit, the optimisation and the pool beyond the 1,000,000 "
        "designs asked for, and those are drawn and scored whatever it; ask for fewer designs "
        "or give more minutes")
    assert overrun_note(10.9, 10.0, 128) is None  # within a tenth
    assert overrun_note(0.4, 0.1, 128) is None  # past by less than half a minute
