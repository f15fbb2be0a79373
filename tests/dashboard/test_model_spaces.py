"""Pickers that start on data sets and models of one design space, and refuse a mixed pair."""

from __future__ import annotations

import json

from dashboard_runs import ALPHABET, APP
from streamlit.testing.v1 import AppTest

from braid_core.runs import Workspace
from dashboard import catalog, uploads

VECTORS = b"x0,x1,x2,value\n0.1,0.2,0.3,1.0\n0.4,0.5,0.6,2.0\n0.7,0.8,0.9,3.0\n"
DNA_SPACE = {"kind": "sequence", "alphabet": "ACGT", "length": 10}


def finished_model(workspace: Workspace, kind: str, space: dict) -> str:
    """A prior or reward run as a job leaves it: done, its folder's config.json saying the
    space (the pickers read no weights)."""
    run = workspace.create_run(kind, {"data": {"path": "elsewhere.csv"}})
    folder = workspace.run_path(run.id) / kind
    folder.mkdir()
    fmt = "braid-prior" if kind == "prior" else "braid-reward"
    (folder / "config.json").write_text(json.dumps({"format": fmt, "space": space}))
    workspace.set_status(run.id, "running")
    workspace.set_status(run.id, "done")
    return str(folder)


def test_the_prior_data_starts_in_the_space_of_the_measured_data(demo, workspace):
    vectors = uploads.store_upload(workspace.root, VECTORS, "vec.csv")
    datasets = catalog.all_datasets(workspace.root)
    labeled = [d for d in datasets if d.labeled]
    measured = labeled[catalog.preferred_dataset(labeled, labeled=True)]
    assert measured.path == vectors.path
    # No unlabeled vectors: the measured vectors themselves, not the demo's protein pool.
    first = catalog.preferred_dataset(datasets, labeled=False, like=measured)
    assert datasets[first].path == vectors.path
    # The Prior page (no measured data to match) also starts on the upload.
    assert datasets[catalog.preferred_dataset(datasets, labeled=False)].path == vectors.path
    pool = uploads.store_upload(workspace.root, b"x0,x1,x2\n1,2,3\n4,5,6\n", "pool.csv")
    # A newer unlabeled upload of protein sequences: not where vectors' prior data starts.
    protein = b"sequence\n" + b"ACDEFGHIKLMNPQRS" * 2 + b"\n" + b"PQRSTVWY" * 4 + b"\n"
    uploads.store_upload(workspace.root, protein, "prot.csv")
    datasets = catalog.all_datasets(workspace.root)
    assert datasets[catalog.preferred_dataset(datasets, False)].source == "prot.csv"
    assert datasets[catalog.preferred_dataset(datasets, False, like=measured)].path == pool.path
    # The demo's protein data measured: the unlabeled protein upload, not the vectors.
    demo_offline = next(d for d in datasets if d.task and d.labeled)
    first = datasets[catalog.preferred_dataset(datasets, False, like=demo_offline)]
    assert first.source == "prot.csv"

    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("app_pages/design.py").run()
    picker = at.selectbox(key="design_unlabeled")
    assert picker.value == pool.path, picker.options


def test_the_reward_model_starts_on_one_for_the_prior_and_a_mixed_pair_is_refused(
        demo, workspace):
    dna_reward = finished_model(workspace, "reward", DNA_SPACE)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("app_pages/finetune.py").run()
    # The newest reward model scores DNA; the only prior (the demo's) makes protein.
    reward = at.selectbox(key="ft_reward")
    assert reward.value == str(demo / "rewards"), reward.options
    assert not at.warning and any(b.label == "Launch fine-tuning" for b in at.button)

    reward.set_value(dna_reward).run()
    assert not at.exception
    (warning,) = at.warning
    assert warning.value == (
        "This prior makes sequences of length 32 over protein, but this reward model scores "
        "sequences of length 10 over dna: pick a prior and a reward model of the same design "
        "space.")
    assert not any(b.label in ("Launch fine-tuning", "Run baselines") for b in at.button)

    # A DNA prior of its own: now the DNA reward model is where that prior starts.
    dna_prior = finished_model(workspace, "prior", DNA_SPACE)
    fresh = AppTest.from_file(str(APP), default_timeout=60).run()
    fresh.switch_page("app_pages/finetune.py").run()
    assert fresh.selectbox(key="ft_prior").value == dna_prior
    assert fresh.selectbox(key="ft_reward").value == dna_reward
    assert not fresh.warning


def test_a_model_picker_moves_to_a_model_trained_while_the_page_is_open(demo, workspace):
    space = {"kind": "sequence", "alphabet": ALPHABET, "length": 32}  # the demo's
    first = finished_model(workspace, "prior", space)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("app_pages/finetune.py").run()
    assert at.selectbox(key="ft_prior").value == first
    at.selectbox(key="ft_prior").set_value(str(demo / "priors")).run()
    at.run()  # nothing new: the user's pick stays
    assert at.selectbox(key="ft_prior").value == str(demo / "priors")
    newer = finished_model(workspace, "prior", space)
    at.run()
    assert at.selectbox(key="ft_prior").value == newer


def test_designs_added_to_the_demos_are_where_training_starts(demo, workspace):
    demo_offline = next(d for d in catalog.all_datasets(workspace.root) if d.labeled)
    older = uploads.store_upload(workspace.root, b"sequence,value\n" + b"ACDEFGHIKLMNPQRS" * 2
                                 + b",1.0\n" + b"PQRSTVWY" * 4 + b",2.0\n", "older.csv")
    row = open(demo_offline.path).read().splitlines()[1].split(",")[0]
    merged = uploads.add_to_dataset(workspace.root, demo_offline,
                                    f"sequence,value\n{row},9.5\n".encode(), "new.csv")
    assert merged.task == demo_offline.task  # the demo's oracle still scores them
    labeled = [d for d in catalog.all_datasets(workspace.root) if d.labeled]
    # It was skipped for having a task, as the demo's own files are: the older upload won.
    assert labeled[catalog.preferred_dataset(labeled, labeled=True)].path == merged.path
    assert older.path != merged.path


def test_the_reward_picker_starts_on_the_model_made_beside_the_prior_picked(demo, workspace):
    def design_run() -> str:
        run = workspace.create_run("design", {"method": "braid-bonus",
                                              "offline": {"path": "elsewhere.csv"}})
        folder = workspace.run_path(run.id)
        for kind in ("prior", "reward"):
            (folder / kind).mkdir(parents=True)
            (folder / kind / "config.json").write_text(json.dumps(
                {"format": f"braid-{kind}", "space": DNA_SPACE}))
        workspace.set_status(run.id, "running")
        workspace.set_status(run.id, "done")
        return str(folder)

    older, newer = design_run(), design_run()
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.switch_page("app_pages/finetune.py").run()
    assert at.selectbox(key="ft_prior").value == f"{newer}/prior"
    assert at.selectbox(key="ft_reward").value == f"{newer}/reward"
    # Was: the older run's prior with the newest run's reward model, without a word.
    at.selectbox(key="ft_prior").set_value(f"{older}/prior").run()
    assert not at.exception
    assert at.selectbox(key="ft_reward").value == f"{older}/reward"
