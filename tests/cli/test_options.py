"""`--out` checked before any work, by every command that writes one."""

from __future__ import annotations

from cli_files import runner, write_bundle_configs, write_sequences

from braid_core.cli import app
from braid_core.runs import Workspace


def test_where_the_output_cannot_go_is_said_before_any_work(tmp_path, isolated_workspace):
    data = write_sequences(tmp_path / "d.csv", 40, 6, "ACGT")
    (tmp_path / "unlabeled.csv").write_text("sequence\nACGT\n")  # a user's own, say
    folder = tmp_path / "folder"
    folder.mkdir()
    (tmp_path / "afile").write_text("mine")
    design = ["design", "--unlabeled", str(data), "--offline", str(data), "--out"]
    for args, said in [
        (design + [str(folder)], f"--out {folder} is a folder; give a file name ending in .csv"),
        (design + [str(tmp_path / "d.fasta")], "designs are written as CSV; give a file name "
         "ending in .csv"),
        (["data", "merge", str(data), "--out", str(tmp_path / "m.tsv")], "ending in .csv"),
        (["prior", "train", "--data", str(data), "--out", str(tmp_path / "afile")],
         f"--out {tmp_path / 'afile'} is a file; give a folder"),
        (["reward", "train", "--data", str(data), "--out", str(tmp_path / "afile")],
         "is a file; give a folder"),
        # Below a file: found before the work, not by a traceback after it.
        (design + [str(tmp_path / "afile" / "x.csv")], f"{tmp_path / 'afile'} is a file, not "
         "a folder"),
        (["prior", "train", "--data", str(data), "--out", str(tmp_path / "afile" / "p")],
         "is a file, not a folder"),
        (["task", "export", "ehrlich-20-32", "--out", str(tmp_path / "afile")],
         "is a file; give a folder"),
        (["task", "export", "ehrlich-20-32", "--out", str(tmp_path)],  # d.csv's folder
         "already holds unlabeled.csv; give another folder, or remove it first"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert result.output.startswith("error: --out ") and said in " ".join(
            result.output.split()), result.output
    # A folder holding a prior is not overwritten by a reward model (nor the other way).
    prior = tmp_path / "prior"
    trained = runner.invoke(app, ["prior", "train", "--data", str(data), "--max-minutes",
                                  "0.005", "--out", str(prior), "--threads", "1"])
    assert trained.exit_code == 0, trained.output
    before = (prior / "config.json").read_text()
    result = runner.invoke(app, ["reward", "train", "--data", str(data), "--out", str(prior)])
    assert result.exit_code == 1
    assert f"--out {prior} already holds a braid-prior bundle; give another folder" in (
        " ".join(result.output.split()))
    assert (prior / "config.json").read_text() == before
    # Only the prior run was recorded: every refusal came before any work.
    assert [r.kind for r in Workspace(isolated_workspace).list_runs()] == ["prior"]
    # A prior retrained into its own folder replaces it, as asked.
    again = runner.invoke(app, ["prior", "train", "--data", str(data), "--max-minutes",
                                "0.005", "--out", str(prior), "--threads", "1", "--seed", "1"])
    assert again.exit_code == 0, again.output


def test_a_bad_data_file_is_refused_before_a_run_is_recorded(tmp_path, isolated_workspace):
    unlabeled = write_sequences(tmp_path / "u.csv", 40, 6, "ACGT")
    bad = tmp_path / "bad.csv"
    bad.write_text("sequence,value\nACGT,1\nACGZ,2\n")
    for args, said in [
        (["prior", "train", "--data", str(tmp_path / "none.csv")], "none.csv: no such file"),
        (["reward", "train", "--data", str(bad), "--alphabet", "dna"], "row 2 'ACGZ' has 'Z'"),
        (["reward", "train", "--data", str(unlabeled), "--value-column", "score"],
         f"{unlabeled}: no column 'score' with the values; the columns are 'sequence', "
         "'value'"),
    ]:
        result = runner.invoke(app, [*args, "--out", str(tmp_path / "out")])
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert said in " ".join(result.output.split()), result.output
    assert Workspace(isolated_workspace).list_runs() == []  # no failed run left behind


def test_config_checks_name_the_option_typed_and_list_choices_plainly(tmp_path,
                                                                      isolated_workspace):
    data = write_sequences(tmp_path / "d.csv", 40, 6, "ACGT")
    prior, reward = write_bundle_configs(tmp_path)
    finetune = ["finetune", "--prior", str(prior), "--reward", str(reward), "--out",
                str(tmp_path / "ft")]
    for args, said in [
        (["prior", "train", "--data", str(data), "--out", str(tmp_path / "p"),
          "--max-minutes", "-1"], "error: --max-minutes must be a finite number > 0, got -1.0"),
        ([*finetune, "--tilt-floor", "1.5"], "error: --tilt-floor must be in [0, 1), got 1.5"),
        ([*finetune, "--tilt-value", "hessian"], "error: --tilt-value must be one of auto, "
         "gradient, substitution, got 'hessian'"),
        ([*finetune, "--estimator", "sgd"], "error: --estimator must be one of tilted, "
         "reinforce, relaxed, got 'sgd'"),
        ([*finetune, "--c", "-1"], "error: --c must be a finite number >= 0, got -1.0"),
        # Non-finite weights drew one design over and over (exit 0); non-finite minutes
        # ended in a traceback and left a run that never started.
        ([*finetune, "--c", "inf"], "error: --c must be a finite number >= 0, got inf"),
        ([*finetune, "--alpha", "nan"], "error: --alpha must be a finite number >= 0, got nan"),
        (["prior", "train", "--data", str(data), "--out", str(tmp_path / "p"),
          "--max-minutes", "nan"], "error: --max-minutes must be a finite number > 0, got nan"),
        (["design", "--unlabeled", str(data), "--offline", str(data), "--out",
          str(tmp_path / "d2.csv"), "--max-minutes", "inf"],
         "error: --max-minutes must be a finite number > 0, got inf"),
        (["design", "--unlabeled", str(data), "--offline", str(data), "--out",
          str(tmp_path / "d2.csv"), "--c", "inf"], "error: --c must be a finite number >= 0"),
        ([*finetune, "--lr", "0"], "error: --lr must be positive, got 0"),
        (["design", "--unlabeled", str(data), "--offline", str(data), "--out",
          str(tmp_path / "d2.csv"), "--alpha", "0"],
         "error: --alpha must be a finite number > 0, got 0.0"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 1, result.output
        assert said in " ".join(result.output.split()), result.output
    assert Workspace(isolated_workspace).list_runs() == []


def test_config_error_changes_only_a_leading_field_and_tuples_of_names(capsys):
    from braid_core.cli.options import config_error

    def said(message: str) -> str:
        assert config_error(ValueError(message)).exit_code == 1
        return capsys.readouterr().err.strip()

    assert said("the pool (3 designs) must hold at least 10") == (
        "error: the pool (3 designs) must hold at least 10")
    assert said("p.json is not a prior (format 'braid-reward')") == (
        "error: p.json is not a prior (format 'braid-reward')")
    assert said("mode must be one of ('std',), got 'x'") == (
        "error: mode must be one of std, got 'x'")  # no option: the field stays


def test_out_never_replaces_the_users_own_data(tmp_path, isolated_workspace):
    lab = tmp_path / "lab"
    lab.mkdir()
    data = write_sequences(lab / "offline.csv", 40, 8, "ACGT")
    before = data.read_text()
    prior, reward = write_bundle_configs(tmp_path)
    for args, said in [
        # Each of these exited 0 and wrote designs or predictions over the measured data.
        (["design", "--unlabeled", str(data), "--offline", str(data), "--out",
          str(tmp_path / "lab" / ".." / "lab" / "offline.csv")],
         "is the --unlabeled file; write the designs elsewhere"),
        (["reward", "train", "--data", str(data), "--out", str(lab)],
         f"--out {lab} already holds offline.csv, which this command writes there"),
        (["finetune", "--prior", str(prior), "--reward", str(reward), "--out", str(lab)],
         None),
    ]:
        if said is None:  # finetune writes designs.csv: a user's own is refused too
            (lab / "designs.csv").write_text("sequence\nACGTACGT\n")
            said = f"--out {lab} already holds designs.csv"
        result = runner.invoke(app, args)
        assert result.exit_code == 1, result.output
        assert said in " ".join(result.output.split()), result.output
    assert data.read_text() == before
    assert Workspace(isolated_workspace).list_runs() == []


def test_a_bundle_retrained_in_place_and_too_many_threads_are_said(tmp_path, capsys):
    from braid_core.cli.options import _cores_or_fewer, folder_out

    prior, _ = write_bundle_configs(tmp_path)
    assert folder_out(prior, holds="braid-prior") == prior  # allowed: retraining into it
    said = " ".join(capsys.readouterr().err.split())
    assert f"--out {prior} holds a braid-prior bundle already: it is replaced" in said
    assert _cores_or_fewer(10_000) == 10_000  # a tester's --threads 1000 took 200 s, not 7
    assert "--threads 10000 is more than this machine's" in capsys.readouterr().err
    assert _cores_or_fewer(1) == 1 and capsys.readouterr().err == ""
