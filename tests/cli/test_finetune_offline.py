"""`braid finetune` without --offline reads the reward model's own data, where --reward is a
run's folder or `braid reward train`'s --out (a tester's designs got no novelty, no leave-out
and no extrapolation note), and says what is lost where it cannot."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from cli_files import runner, write_labeled

from braid_core.cli import app
from braid_core.runs import Workspace


def test_finetune_reads_the_reward_runs_data_or_says_what_goes_without_it(
        tmp_path, isolated_workspace):
    data = write_labeled(tmp_path / "offline.csv", 300)
    prior_dir, reward_dir = tmp_path / "prior", tmp_path / "reward"
    assert runner.invoke(app, ["prior", "train", "--data", str(data), "--alphabet", "dna",
                               "--max-minutes", "0.02", "--out", str(prior_dir)]).exit_code == 0
    trained = runner.invoke(app, ["reward", "train", "--data", str(data), "--alphabet", "dna",
                                  "--kind", "bonus", "--out", str(reward_dir)])
    assert trained.exit_code == 0, trained.output
    (reward_run,) = Workspace(isolated_workspace).list_runs(kind="reward")
    in_run = Workspace(isolated_workspace).run_path(reward_run.id) / "reward"
    common = ["finetune", "--prior", str(prior_dir), "--steps", "1", "--batch", "4",
              "--num-designs", "4"]
    tuned = runner.invoke(app, [*common, "--reward", str(in_run), "--out", str(tmp_path / "a")])
    assert tuned.exit_code == 0, tuned.output
    assert (f"--offline: {data}, the data the reward model was fitted on (its run's)"
            in tuned.output)
    assert "novelty" in pd.read_csv(tmp_path / "a" / "designs.csv")
    # A copied reward model (reward train's --out) has no run's config beside it: the run that
    # wrote it is found by its saved model (a tester's was told the designs get no novelty).
    copied = runner.invoke(app, [*common, "--reward", str(reward_dir),
                                 "--out", str(tmp_path / "b")])
    assert copied.exit_code == 0, copied.output
    assert (f"--offline: {data}, the data the reward model was fitted on (run {reward_run.id}'s, "
            "which wrote this folder)") in " ".join(copied.output.split())
    assert "novelty" in pd.read_csv(tmp_path / "b" / "designs.csv")
    # and that run is recorded as what the fine-tune was made from, as from its own folder
    assert [r.parents for r in Workspace(isolated_workspace).list_runs(kind="finetune")] == [
        (reward_run.id,), (reward_run.id,)]
    # With that run deleted (or another workspace), the copy of its data beside the model.
    Workspace(isolated_workspace).delete_run(reward_run.id)
    alone = runner.invoke(app, [*common, "--reward", str(reward_dir),
                                "--out", str(tmp_path / "c")])
    assert alone.exit_code == 0, alone.output
    assert (f"--offline: {reward_dir / 'offline.csv'}, the data the reward model was fitted on "
            "(the copy `braid reward train` wrote beside the model)") in " ".join(
        alone.output.split())
    assert "novelty" in pd.read_csv(tmp_path / "c" / "designs.csv")
    # Without either, what goes without it is said.
    (reward_dir / "offline.csv").unlink()
    bare = runner.invoke(app, [*common, "--reward", str(reward_dir),
                               "--out", str(tmp_path / "d")])
    assert bare.exit_code == 0, bare.output
    assert ("note: without --offline (the reward model's data), the designs get no novelty"
            in bare.output)
    assert "novelty" not in pd.read_csv(tmp_path / "d" / "designs.csv")
    # More chain steps than an 8-mer has positions run as 8, and the command says so.
    assert "--chain-steps" not in bare.output
    longer = runner.invoke(app, [*common, "--reward", str(reward_dir), "--chain-steps", "500",
                                 "--out", str(tmp_path / "e")])
    assert longer.exit_code == 0, longer.output
    assert ("note: --chain-steps 500 is more than the 8 positions of a design; a chain takes at "
            "most one step per position, so it runs 8") in " ".join(longer.output.split())


def test_a_reward_run_of_data_in_other_columns_gives_its_own_copy_of_them(
        tmp_path, isolated_workspace):
    renamed = tmp_path / "renamed.csv"
    pd.read_csv(write_labeled(tmp_path / "offline.csv", 300)).rename(
        columns={"sequence": "Seq", "value": "Activity"}).to_csv(renamed, index=False)
    prior_dir = tmp_path / "prior"
    assert runner.invoke(app, ["prior", "train", "--data", str(tmp_path / "offline.csv"),
                               "--alphabet", "dna", "--max-minutes", "0.02",
                               "--out", str(prior_dir)]).exit_code == 0
    trained = runner.invoke(app, ["reward", "train", "--data", str(renamed), "--alphabet", "dna",
                                  "--sequence-column", "Seq", "--value-column", "Activity",
                                  "--kind", "bonus", "--max-minutes", "0.05",
                                  "--out", str(tmp_path / "reward")])
    assert trained.exit_code == 0, trained.output
    finetune_from_runs_copy(prior_dir, only_run(isolated_workspace, "reward"), tmp_path / "a")
    assert "novelty" in pd.read_csv(tmp_path / "a" / "designs.csv")


def test_a_design_run_of_a_table_measured_in_part_gives_its_measured_rows(
        tmp_path, isolated_workspace):
    table = tmp_path / "partly.csv"
    frame = pd.read_csv(write_labeled(tmp_path / "offline.csv", 120))
    frame.loc[frame.index % 4 == 0, "value"] = None  # a quarter not measured
    frame.to_csv(table, index=False)
    designed = runner.invoke(app, ["design", "--unlabeled", str(table), "--offline", str(table),
                                   "--alphabet", "dna", "--max-minutes", "0.05",
                                   "--num-designs", "4", "--threads", "1",
                                   "--out", str(tmp_path / "d.csv")])
    assert designed.exit_code == 0, designed.output
    folder = only_run(isolated_workspace, "design")
    assert len(pd.read_csv(folder / "offline.csv")) == 90  # the measured rows
    finetune_from_runs_copy(folder / "prior", folder, tmp_path / "a")


def only_run(root: Path, kind: str) -> Path:
    """The folder of the workspace's one run of `kind`."""
    (run,) = Workspace(root).list_runs(kind=kind)
    return Workspace(root).run_path(run.id)


def finetune_from_runs_copy(prior: Path, run_folder: Path, out: Path) -> None:
    """`braid finetune` from the reward model in `run_folder`, which must read its run's copy
    of the data (the file it recorded reads otherwise)."""
    tuned = runner.invoke(app, ["finetune", "--prior", str(prior), "--steps", "1",
                                "--batch", "4", "--num-designs", "4",
                                "--reward", str(run_folder / "reward"), "--out", str(out)])
    assert tuned.exit_code == 0, tuned.output
    assert (f"--offline: {run_folder / 'offline.csv'}, the data the reward model was fitted on "
            "(its run's copy of it)") in " ".join(tuned.output.split())
