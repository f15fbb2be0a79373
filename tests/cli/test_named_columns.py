"""Vector columns a file names itself (temperature, pH, ...) through the command line: checked,
kept by the models trained on them, written back on the designs, and refused beside a model
or file whose columns are named apart."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_files import runner

from braid_core.cli import app

NAMES = ["temperature", "pH", "salt_mM"]


def write_named(path: Path, rows: int, names: list[str] = NAMES, values: bool = True) -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(rows, len(names))).round(4), columns=names)
    if values:
        frame["yield"] = frame[names[0]] - frame[names[1]] ** 2
    frame.to_csv(path, index=False)
    return path


def test_data_check_reads_named_columns_of_numbers_as_vectors(tmp_path):
    data = write_named(tmp_path / "named.csv", 20)
    checked = runner.invoke(app, ["data", "check", str(data), "--value-column", "yield"])
    assert checked.exit_code == 0, checked.output
    assert "20 designs, vectors of dimension 3 (temperature, pH, salt_mM)" in checked.output
    assert "columns used: temperature, pH, salt_mM, yield" in checked.output
    # The tester's wrong turn: the first column named as the sequences is pointed to vectors.
    wrong = runner.invoke(app, ["data", "check", str(data), "--sequence-column", "temperature",
                                "--value-column", "yield"])
    text = " ".join(wrong.output.split())
    assert wrong.exit_code == 1
    assert "column 'temperature' holds numbers, not sequences: for vectors, keep " \
           "--sequence-column at its default, sequence" in text, text
    assert "alphabet" not in text


def test_a_prior_trained_on_named_columns_draws_designs_under_those_names(tmp_path,
                                                                         isolated_workspace):
    data = write_named(tmp_path / "unlabeled.csv", 64, values=False)
    prior = tmp_path / "prior"
    trained = runner.invoke(app, ["prior", "train", "--data", str(data), "--max-minutes", "0.01",
                                  "--out", str(prior), "--threads", "1"])
    assert trained.exit_code == 0, trained.output
    assert json.loads((prior / "config.json").read_text())["space"]["names"] == NAMES
    out = tmp_path / "designs.csv"
    sampled = runner.invoke(app, ["sample", "--model", str(prior), "--num", "5", "--out",
                                  str(out)])
    assert sampled.exit_code == 0, sampled.output
    written = pd.read_csv(out, dtype=str)
    assert list(written.columns) == NAMES
    # float32 coordinates in their shortest digits (not 0.39319273829460144)
    assert all(text == str(np.float32(text)) for text in written.to_numpy().ravel())


def test_a_prior_and_a_reward_model_named_apart_are_refused_saying_which_names(
        tmp_path, isolated_workspace):
    made = []
    for name, fmt, names in (("prior", "braid-prior", NAMES),
                             ("reward", "braid-reward", ["temp", "pH", "salt_mM"])):
        (tmp_path / name).mkdir()
        space = {"kind": "vector", "dim": 3, "names": names}
        (tmp_path / name / "config.json").write_text(
            json.dumps({"format": fmt, "version": 1, "space": space}))
        made.append(tmp_path / name)
    result = runner.invoke(app, ["finetune", "--prior", str(made[0]), "--reward", str(made[1]),
                                 "--out", str(tmp_path / "tuned")])
    text = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert "their columns are named apart, 'temperature' / 'temp' (column 1)" in text, text
    assert not (tmp_path / "tuned").exists()


def test_design_refuses_two_files_named_apart(tmp_path, isolated_workspace):
    unlabeled = write_named(tmp_path / "u.csv", 30, ["temp", "pH", "salt_mM"], values=False)
    offline = write_named(tmp_path / "o.csv", 30)
    result = runner.invoke(app, ["design", "--unlabeled", str(unlabeled), "--offline",
                                 str(offline), "--value-column", "yield", "--out",
                                 str(tmp_path / "d.csv")])
    text = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert "'temp' / 'temperature' (column 1); name the columns alike in both files" in text, text


def test_one_measured_table_given_as_both_files_trains_on_its_named_columns_alone(
        tmp_path, isolated_workspace):
    """The unlabeled read takes no values, so the value column must not become a coordinate;
    rows not measured (blank values) are designs of the unlabeled set only."""
    table = write_named(tmp_path / "measured.csv", 40)
    frame = pd.read_csv(table)
    frame.loc[30:, "yield"] = None
    frame.to_csv(table, index=False)
    out = tmp_path / "designs.csv"
    result = runner.invoke(app, ["design", "--unlabeled", str(table), "--offline", str(table),
                                 "--value-column", "yield", "--max-minutes", "0.05",
                                 "--num-designs", "8", "--threads", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "10 rows without a value in column 'yield' left out of the labeled designs" in \
        " ".join(result.output.split())
    assert list(pd.read_csv(out).columns[:3]) == NAMES
    spaces = [config["space"] for path in isolated_workspace.rglob("config.json")
              if "space" in (config := json.loads(path.read_text()))]
    assert spaces and all(space["names"] == NAMES for space in spaces), spaces


def test_an_unlabeled_table_is_read_by_the_offline_names_in_their_order(tmp_path):
    from braid_core.pipeline import design_config

    offline = write_named(tmp_path / "o.csv", 30)
    shuffled = write_named(tmp_path / "u.csv", 30, values=False)
    frame = pd.read_csv(shuffled)
    frame[["salt_mM", "temperature", "pH"]].to_csv(shuffled, index=False)
    config = design_config(shuffled, offline, value_column="yield")
    assert config["unlabeled"]["feature_columns"] == NAMES
    # A coordinate the offline designs lack is a difference, not a column to drop.
    frame.assign(pressure=np.arange(30.0) % 7).to_csv(shuffled, index=False)
    with pytest.raises(ValueError, match=r"dimension 4 \(temperature, pH, salt_mM, pressure\)"):
        design_config(shuffled, offline, value_column="yield")


def test_data_check_of_a_table_measured_in_part_reads_its_measured_rows(tmp_path):
    table = write_named(tmp_path / "measured.csv", 12)
    frame = pd.read_csv(table)
    frame.loc[8:, "yield"] = None
    frame.to_csv(table, index=False)
    checked = runner.invoke(app, ["data", "check", str(table), "--value-column", "yield"])
    text = " ".join(checked.output.split())
    assert checked.exit_code == 0, text
    assert "8 designs, vectors of dimension 3 (temperature, pH, salt_mM)" in text, text
    assert ("4 rows without a value in column 'yield' left out of the labeled designs (read "
            "as designs not measured)") in text, text
    # Every value blank: nothing measured, still refused.
    frame.assign(**{"yield": None}).to_csv(table, index=False)
    refused = runner.invoke(app, ["data", "check", str(table), "--value-column", "yield"])
    assert refused.exit_code == 1
    assert "12 rows without a value in column 'yield'" in " ".join(refused.output.split())


def test_a_measured_file_in_part_beside_an_unlabeled_library_is_read_by_its_measured_rows(
        tmp_path):
    from braid_core.pipeline import design_config

    library = write_named(tmp_path / "library.csv", 50, values=False)
    measured = write_named(tmp_path / "measured.csv", 20)
    frame = pd.read_csv(measured)
    frame.loc[15:, "yield"] = None
    frame.to_csv(measured, index=False)
    config = design_config(library, measured, value_column="yield")
    assert config["offline"]["labeled_rows"] is True
    assert "labeled_rows" not in config["unlabeled"]


def measured_in_part(path: Path, rows: int, measured: int, values: str = "yield") -> Path:
    """A named-vector table whose first `measured` rows have a value in `values`."""
    frame = pd.read_csv(write_named(path, rows)).rename(columns={"yield": values})
    frame.loc[measured:, values] = None
    frame.to_csv(path, index=False)
    return path


def test_prior_train_leaves_the_value_column_named_out_of_the_coordinates(
        tmp_path, isolated_workspace):
    """A tester's value column became a coordinate (a 4-d prior of 3-d designs), and a table
    with blank values was refused with advice to give --value-column, which prior train
    lacked. The prior trains on every row's design, blank value or not."""
    table = measured_in_part(tmp_path / "measured.csv", 40, 10)
    prior = tmp_path / "prior"
    trained = runner.invoke(app, ["prior", "train", "--data", str(table), "--value-column",
                                  "Yield", "--max-minutes", "0.005", "--threads", "1",
                                  "--out", str(prior)])
    text = " ".join(trained.output.split())
    assert trained.exit_code == 0, text
    assert "note: column 'yield' is read as the values: left out of the designs' " \
           "coordinates" in text, text
    assert "designs: 40" in text  # the rows not measured too
    assert json.loads((prior / "config.json").read_text())["space"]["names"] == NAMES
    # A column named that the file lacks is refused, naming the file's columns.
    typo = runner.invoke(app, ["prior", "train", "--data", str(table), "--value-column",
                               "yeild", "--out", str(tmp_path / "p2")])
    text = " ".join(typo.output.split())
    assert typo.exit_code == 1
    assert "no column 'yeild' with the values; the columns are 'temperature', 'pH', " \
           "'salt_mM', 'yield'" in text, text


def test_prior_train_leaves_a_value_column_out_by_default_and_says_what_it_read(
        tmp_path, isolated_workspace):
    """As the unlabeled read of `braid design` does, a column named `value` is the values; a
    table without one is read with every column of numbers a coordinate, and that is said."""
    table = measured_in_part(tmp_path / "measured.csv", 30, 10, values="value")
    prior = tmp_path / "prior"
    trained = runner.invoke(app, ["prior", "train", "--data", str(table), "--max-minutes",
                                  "0.005", "--threads", "1", "--out", str(prior)])
    text = " ".join(trained.output.split())
    assert trained.exit_code == 0, text
    assert "note: column 'value' is read as the values" in text, text
    assert json.loads((prior / "config.json").read_text())["space"]["names"] == NAMES
    full = write_named(tmp_path / "full.csv", 30)
    unsaid = runner.invoke(app, ["prior", "train", "--data", str(full), "--max-minutes",
                                 "0.005", "--threads", "1", "--out", str(tmp_path / "p2")])
    text = " ".join(unsaid.output.split())
    assert unsaid.exit_code == 0, text
    assert (f"note: each of the 4 columns of numbers of {full} is a coordinate of the designs; "
            "if one holds measured values, name it by --value-column") in text, text


@pytest.mark.parametrize("command", [["data", "check"], ["data", "merge"], ["prior", "train"],
                                     ["reward", "train"], ["finetune"], ["design"]])
def test_every_command_reading_a_design_table_takes_the_value_column_its_advice_names(
        command):
    """The reader's advice for a column of blank values names --value-column whichever
    command read the file; each must take it."""
    assert "--value-column NAME" in runner.invoke(app, [*command, "--help"]).output


def vector_bundles(folder: Path) -> tuple[Path, Path]:
    """folder/prior and folder/reward holding only the config.json the checks before a run
    read, of a prior and a reward model of the NAMES vectors."""
    made = []
    for name, fmt in (("prior", "braid-prior"), ("reward", "braid-reward")):
        (folder / name).mkdir()
        space = {"kind": "vector", "dim": 3, "names": NAMES}
        (folder / name / "config.json").write_text(
            json.dumps({"format": fmt, "version": 1, "space": space}))
        made.append(folder / name)
    return made[0], made[1]


def test_finetune_reads_its_offline_file_by_the_value_column_named(tmp_path,
                                                                   isolated_workspace):
    from braid_core.pipeline import finetune_config

    prior, reward = vector_bundles(tmp_path)
    table = measured_in_part(tmp_path / "measured.csv", 30, 20)
    spec = finetune_config(prior, reward, offline=table, value_column="yield")["offline"]
    assert spec["value_column"] == "yield" and spec["feature_columns"] == NAMES
    assert spec["labeled_rows"] is True  # the rows not measured are no measured designs
    common = ["finetune", "--prior", str(prior), "--reward", str(reward), "--offline",
              str(table), "--out", str(tmp_path / "tuned")]
    # Without it, the reader's advice names the option, which finetune now takes.
    unnamed = runner.invoke(app, common)
    assert unnamed.exit_code == 1
    assert "name it as the value column (--value-column yield)" in " ".join(
        unnamed.output.split())
    typo = runner.invoke(app, [*common, "--value-column", "yeild"])
    assert typo.exit_code == 1 and "no column 'yeild' with the values" in typo.output
    # Values in every row: the extra column made the designs 4-d, not the prior's 3.
    full = write_named(tmp_path / "full.csv", 30)
    other = runner.invoke(app, [*common[:-4], "--offline", str(full), "--out",
                                str(tmp_path / "tuned")])
    assert other.exit_code == 1
    assert "if its column 'yield' holds the measured values, name it as the value column " \
           "(--value-column yield)" in " ".join(other.output.split())
    alone = runner.invoke(app, [*common[:-4], "--value-column", "yield", "--out",
                                str(tmp_path / "tuned")])
    assert alone.exit_code == 1
    assert "give --offline FILE too" in alone.output
    assert not (tmp_path / "tuned").exists()
