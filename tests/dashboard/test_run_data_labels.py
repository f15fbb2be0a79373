"""Runs and models named with their data where that tells them apart: protein, DNA and vector
runs of one method all read "design braid-bonus c=0.5 alpha=0.1 seed=0 [id]"."""

from __future__ import annotations

import numpy as np
import pandas as pd
from dashboard_runs import APP, random_sequences
from streamlit.testing.v1 import AppTest

from braid_core.runs import Workspace
from dashboard import catalog, run_names, uploads

DNA = b"sequence,value\nACGTACGTACGT,1.0\nTTGATTGATTGA,2.0\nGGCAGGCAGGCA,3.0\n"
VECTORS = b"x0,x1,value\n0.1,0.2,1.0\n0.4,0.5,2.0\n0.7,0.8,3.0\n"


def design_run(workspace: Workspace, offline: str, own_models: bool = True) -> str:
    """A finished design run on `offline`, with its own prior and reward model folders."""
    run = workspace.create_run("design", {
        "unlabeled": {"path": offline}, "offline": {"path": offline, "value_column": "value"},
        "method": "braid-bonus", "c": 0.5, "alpha": 0.1, "seed": 0})  # fmt: skip
    for what in ("prior", "reward"):
        (run.path / what).mkdir()
        (run.path / what / "config.json").write_text('{"format": "braid-' + what + '"}')
    run.write_designs(pd.DataFrame({"sequence": ["ACGT"], "predicted_mean": [1.0],
                                    "uncertainty": [0.1]}))
    workspace.set_status(run.id, "running")
    workspace.set_status(run.id, "done")
    return run.id


def test_runs_on_several_data_sets_say_their_data_and_not_their_own_models(workspace):
    dna = uploads.store_upload(workspace.root, DNA, "dna_labeled.csv")
    vectors = uploads.store_upload(workspace.root, VECTORS, "vec_labeled.csv")
    first, second = design_run(workspace, dna.path), design_run(workspace, vectors.path)
    labels = run_names.run_labels(workspace.list_runs(), workspace)
    # Was "... [id] · prior: design [id] · reward: design [id]": the run's own models, named
    # by the id its label ends with already, and nothing of what it designed.
    assert labels[first] == (f"design braid-bonus c=0.5 alpha=0.1 seed=0 [{first[-4:]}] · "
                             "data: dna_labeled.csv")
    assert labels[second].endswith(f"[{second[-4:]}] · data: vec_labeled.csv")
    # Groups of seeds still tell two design runs' models apart: they never pool.
    records = [workspace.record(first), workspace.record(second)]
    assert run_names.model_suffixes(records, workspace)[first] == (
        f" · prior: design [{first[-4:]}] · reward: design [{first[-4:]}]")
    # One data set: nothing to tell apart.
    third = design_run(workspace, dna.path)
    alone = run_names.run_labels([workspace.record(first), workspace.record(third)], workspace)
    assert alone[first] == run_names.run_label(workspace.record(first))

    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.switch_page("app_pages/design.py").run()
    assert not at.exception, at.exception
    shown = at.dataframe[0].value["run"].tolist()
    assert sum(label.endswith("· data: dna_labeled.csv") for label in shown) == 2
    assert sum(label.endswith("· data: vec_labeled.csv") for label in shown) == 1
    picker = at.selectbox(key="design_download_run")
    assert picker.format_func(second).endswith("· data: vec_labeled.csv")


def test_a_finetune_run_has_the_data_of_its_reward_model(demo, workspace):
    from braid_core import pipeline

    dna = uploads.store_upload(workspace.root, DNA, "dna_labeled.csv")
    design = design_run(workspace, dna.path)
    tuned = workspace.create_run("finetune", pipeline.finetune_config(
        demo / "priors", demo / "rewards"))
    record = workspace.record(tuned.id)
    assert run_names.data_of(record, workspace) == str(demo / "demo" / "offline.csv")
    labels = run_names.run_labels([record, workspace.record(design)], workspace)
    assert labels[tuned.id].endswith(" · data: demo ehrlich-20-32")
    # The models a design run made are offered with their data (the pickers read alike).
    rewards = catalog.rewards(workspace)
    assert [r.label for r in rewards if r.run_id] == [
        f"reward of design run {design} · data: dna_labeled.csv"]


def finetune_run(workspace: Workspace, demo, seed: int, offline: str | None = None) -> str:
    """A finished fine-tuning run of the demo's models, given `offline` (--offline) or not."""
    from braid_core import pipeline

    run = workspace.create_run("finetune", pipeline.finetune_config(
        demo / "priors", demo / "rewards", seed=seed, offline=offline))
    run.write_designs(pd.DataFrame({"sequence": ["ACDE" * 8], "predicted_mean": [1.0],
                                    "uncertainty": [0.1], "conservative_score": [0.9]}))
    workspace.set_status(run.id, "running")
    workspace.set_status(run.id, "done")
    return run.id


def test_a_run_given_its_own_offline_file_is_named_by_it(demo, workspace):
    """`braid finetune --offline` (or `braid design --offline`) names the run's own measured
    designs: the label named its reward model's data (the demo's) all the same."""
    rng = np.random.default_rng(1)
    measured = pd.DataFrame({"sequence": random_sequences(rng, 12), "value": rng.random(12)})
    upload = uploads.store_upload(workspace.root, measured.to_csv(index=False).encode(),
                                  "my_measured.csv")
    own, plain = finetune_run(workspace, demo, 0, upload.path), finetune_run(workspace, demo, 1)
    records = [workspace.record(own), workspace.record(plain)]
    assert run_names.own_data(records[0], workspace) == upload.path
    labels = run_names.run_labels(records, workspace)
    assert labels[own].endswith(" · data: my_measured.csv")
    assert labels[plain].endswith(" · data: demo ehrlich-20-32")  # its reward model's data
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.switch_page("app_pages/explore.py")
    at.query_params["run"] = f"{own},{plain}"
    at.run()
    assert not at.exception, at.exception
    assert set(at.dataframe[0].value["source"]) == {labels[own], labels[plain]}


def test_a_runs_model_whose_data_reads_otherwise_offers_the_runs_copy_of_it(workspace, tmp_path):
    """Runs started from the model (fine-tuning, baselines, samples) read its data by the
    default columns: a value column named otherwise, or a table measured in part, would be
    read wrong or refused, so the run's own copy of the designs it read stands in."""
    from dashboard import catalog

    def design_run(spec: dict) -> str:
        run = workspace.create_run("design", {"method": "braid-bonus", "offline": spec,
                                              "unlabeled": spec})
        folder = workspace.run_path(run.id)
        for model in ("prior", "reward"):
            (folder / model).mkdir(parents=True)
            (folder / model / "config.json").write_text("{}")
        (folder / "offline.csv").write_text("x0,value\n0.1,1\n0.2,2\n")
        workspace.set_status(run.id, "running")
        workspace.set_status(run.id, "done")
        return run.id

    table = str(tmp_path / "partly.csv")
    named = design_run({"path": table, "sequence_column": None, "value_column": "yield",
                        "alphabet": None, "labeled_rows": True})
    plain = design_run({"path": table, "sequence_column": None, "value_column": "value",
                        "alphabet": None})
    choices = {c.run_id: c for c in catalog.rewards(workspace)}
    assert choices[named].data == table  # named after the user's file
    assert choices[named].data_left == str(workspace.run_path(named) / "offline.csv")
    assert choices[plain].data_left == table
