"""Sizes a command refuses up front (braid_core/cli/sampling.py, the design counts and the
fine-tuning steps and batch of options.py), and the chunked draws of `braid sample` /
`braid prior sample` (braid_core/pipeline/sampling.py)."""

from __future__ import annotations

import pandas as pd
import pytest
import torch
from cli_files import runner, write_bundle_configs, write_sequences

from braid_core import memory
from braid_core.cli import app
from braid_core.pipeline.sampling import CHUNK
from braid_core.runs import Workspace
from braid_core.spaces import SequenceSpace


def test_more_designs_than_one_command_draws_are_refused_before_any_work(tmp_path,
                                                                          isolated_workspace):
    data = write_sequences(tmp_path / "d.csv", 40, 6, "ACGT")
    prior, reward = write_bundle_configs(tmp_path)
    out = str(tmp_path / "out.csv")
    design = ["design", "--unlabeled", str(data), "--offline", str(data), "--out", out]
    for args, option in [
        ([*design, "--num-designs", "100000000"], "--num-designs"),
        ([*design, "--pool", "5000000"], "--pool"),
        (["finetune", "--prior", str(prior), "--reward", str(reward), "--out",
          str(tmp_path / "f"), "--num-designs", "2000000"], "--num-designs"),
        (["sample", "--model", str(prior), "--num", "100000000", "--out", out], "--num"),
        (["prior", "sample", "--prior", str(prior), "--num", "1000001", "--out", out], "--num"),
    ]:
        result = runner.invoke(app, args)
        text = " ".join(result.output.split())
        assert result.exit_code == 2, (args, result.output)
        assert f"Invalid value for '{option}': must be at most 1,000,000 (drawing them can " \
               "take an hour on a CPU; for more, run the command again with another --seed), " \
               "got " in text, text
    assert Workspace(isolated_workspace).list_runs() == []
    assert "at most 1,000,000" in runner.invoke(app, ["sample", "--help"]).output


def test_fine_tuning_sizes_past_their_limits_are_refused_in_the_configs_words(
        tmp_path, isolated_workspace):
    from braid_core.finetune import FinetuneConfig
    from braid_core.limits import LIMITS

    prior, reward = write_bundle_configs(tmp_path)
    finetune = ["finetune", "--prior", str(prior), "--reward", str(reward), "--out",
                str(tmp_path / "f")]
    for option, field, value, said in [
        ("--steps", "steps", 1_000_000, "must be at most 100,000 (over a day on a CPU at ~50 "
         "steps a minute; the reward curve flattens within a few hundred), got 1,000,000"),
        ("--batch", "batch_size", 1_000_000, "must be at most 4,096 (a step keeps every "
         "design's chain and gradients in memory at once, ~6.5 GB for 4,096 of length 100; "
         "more steps see more designs), got 1,000,000"),
        ("--chain-steps", "sampling_steps", 4097, "must be at most 4,096 (a chain takes at "
         "most one step per position of the sequence, so more change nothing), got 4,097"),
        ("--tilt-completions", "tilt_completions", 257, "must be at most 256 (every state of "
         "the batch's chains scores them all at once: 256 made a step 24x as long, and time "
         "and memory grow with them), got 257"),
    ]:
        result = runner.invoke(app, [*finetune, option, str(value)])
        text = " ".join(result.output.split())
        assert result.exit_code == 2, (option, result.output)
        assert f"Invalid value for '{option}': {said}" in text, text
        # the library (and the dashboard, and a recorded run) refuses it in the same words
        with pytest.raises(ValueError) as refused:
            FinetuneConfig(**{field: value})
        assert str(refused.value) == f"{field} {said}"
        FinetuneConfig(**{field: LIMITS[field][0]})  # the limit itself is taken
    assert Workspace(isolated_workspace).list_runs() == [] and not (tmp_path / "f").exists()
    help_text = " ".join(runner.invoke(app, ["finetune", "--help"]).output.split())
    assert "Fine-tuning steps (at most 100,000)" in help_text
    assert "Designs per step (at most 4,096)" in help_text
    assert "(designs use the prior's own; at most 4,096)" in help_text
    assert "(0: around the chain's own design; at most 256)" in help_text


def _tiny_prior(tmp_path):
    data = write_sequences(tmp_path / "d.csv", 60, 6, "ACGT")
    prior = tmp_path / "prior"
    trained = runner.invoke(app, ["prior", "train", "--data", str(data), "--alphabet", "dna",
                                  "--max-minutes", "0.005", "--out", str(prior), "--threads",
                                  "1"])
    assert trained.exit_code == 0, trained.output
    return prior


def test_designs_that_would_not_fit_in_memory_are_refused_before_drawing(
        tmp_path, isolated_workspace, monkeypatch):
    prior = _tiny_prior(tmp_path)
    monkeypatch.setattr(memory, "available_memory", lambda: 1_000_000)
    out = tmp_path / "s.csv"
    result = runner.invoke(app, ["prior", "sample", "--prior", str(prior), "--num", "100000",
                                 "--out", str(out)])
    assert result.exit_code == 1, result.output
    # 100,000 strings of 6 letters: 57 + 3 x 7 bytes each
    assert result.output.startswith("error: --num 100,000: the designs would need about 7.8 MB "
                                    "of memory until written, and this machine has 1 MB "
                                    "available; ask for fewer"), result.output
    assert not out.exists() and "sampling" not in result.output  # refused before drawing
    assert Workspace(isolated_workspace).list_runs(kind="sample") == []  # nor a run recorded


def test_designs_and_a_pool_that_would_not_fit_in_memory_are_refused_before_a_run(
        tmp_path, isolated_workspace, monkeypatch):
    data = write_sequences(tmp_path / "d.csv", 40, 6, "ACGT")
    prior, reward = write_bundle_configs(tmp_path)  # DNA 8-mers
    monkeypatch.setattr(memory, "available_memory", lambda: 1_000_000)
    out = str(tmp_path / "out.csv")
    # a budget of seconds: without the check the run would be short
    design = ["design", "--unlabeled", str(data), "--offline", str(data), "--out", out,
              "--max-minutes", "0.02", "--threads", "1"]
    finetune = ["finetune", "--prior", str(prior), "--reward", str(reward), "--out",
                str(tmp_path / "f")]
    # 1,000 strings of 6 letters (57 + 3 x 7 bytes each) and a pool of 4,000 (4 x 8 x 6 +
    # 850 bytes each): 4.25 MB; with --pool 2,000, 2.16 MB; 8-mers pooled by finetune: 4.51 MB.
    # No pool of at least 1,000 fits in 1 MB; for 200 designs, one of (1 MB - 200 x 78) /
    # 1,042 = 944 does.
    fewer = ("ask for fewer designs at a time, with a smaller --pool (it holds most of the "
             "memory; run again with another --seed for more)")
    for args, said, advice in [
        ([*design, "--num-designs", "1000"], "--num-designs 1,000 (a pool of 4,000): the "
         "designs would need about 4.25 MB", fewer),
        ([*design, "--num-designs", "1000", "--pool", "2000"], "--pool 2,000: the designs "
         "would need about 2.16 MB", fewer),
        ([*finetune, "--num-designs", "1000"], "--num-designs 1,000 (a pool of 4,000): the "
         "designs would need about 4.51 MB", fewer),
        ([*design, "--num-designs", "200", "--pool", "2000"], "--pool 2,000: the designs "
         "would need about 2.1 MB", "ask for a smaller --pool (it holds most of the memory: "
         "--pool 944 fits), or for fewer designs at a time (run again with another --seed "
         "for more)"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert " ".join(result.output.split()) == (
            f"error: {said} of memory until written, and this machine has 1 MB available; "
            f"{advice}"), result.output
    assert memory.held_bytes(200, SequenceSpace("ACGT", 6), pool=944) <= 1_000_000
    assert memory.held_bytes(200, SequenceSpace("ACGT", 6), pool=945) > 1_000_000
    assert Workspace(isolated_workspace).list_runs() == []  # refused before any run
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "f").exists()
    # within memory, the same check lets them through to the run
    assert memory.held_bytes(10, SequenceSpace("ACGT", 6), pool=40) < 1_000_000


def test_designs_drawn_in_chunks_are_those_of_one_draw(tmp_path, isolated_workspace):
    from braid_core.diffusion.prior import Prior
    from braid_core.runtime import make_generator

    prior = _tiny_prior(tmp_path)
    num = CHUNK + 300  # a whole chunk and part of one
    out = tmp_path / "s.csv"
    result = runner.invoke(app, ["prior", "sample", "--prior", str(prior), "--num", str(num),
                                 "--seed", "5", "--out", str(out), "--threads", "1"])
    assert result.exit_code == 0, result.output
    assert "drawing designs: 100%" in result.output  # the bar, with its count and time left
    model = Prior.load(prior, map_location=torch.device("cpu"))
    with torch.no_grad():
        whole = model.space.decode(model.sample(num, generator=make_generator(5, "cpu")))
    assert pd.read_csv(out)["sequence"].tolist() == whole


def test_runs_list_says_what_a_sample_run_drew_from(tmp_path, isolated_workspace):
    prior = _tiny_prior(tmp_path)  # a copy of the prior run's own, out of its folder
    workspace = Workspace(isolated_workspace)
    [trained] = workspace.list_runs(kind="prior")
    for args in (["prior", "sample", "--prior", str(workspace.run_path(trained.id) / "prior")],
                 ["prior", "sample", "--prior", str(prior)],  # a prior, as the command says
                 ["sample", "--model", str(prior)]):  # no run says which method made it
        result = runner.invoke(app, [*args, "--num", "3", "--out", str(tmp_path / "s.csv"),
                                     "--threads", "1"])
        assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["runs", "list", "--kind", "sample"]).output.splitlines()[1:]
    # newest first: the method column
    assert [line.split()[3] for line in listed] == ["model", "pretrained", "pretrained"], listed
