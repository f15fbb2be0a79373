"""`braid finetune` without --offline reads the reward model's own data where --reward is a
run's folder (a tester's designs got no novelty, no leave-out and no extrapolation note), and
says what is lost where it cannot."""

from __future__ import annotations

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
    # a copied reward model (reward train's --out) has no run's config beside it
    copied = runner.invoke(app, [*common, "--reward", str(reward_dir),
                                 "--out", str(tmp_path / "b")])
    assert copied.exit_code == 0, copied.output
    assert ("note: without --offline (the reward model's data), the designs get no novelty"
            in copied.output)
    assert "novelty" not in pd.read_csv(tmp_path / "b" / "designs.csv")
