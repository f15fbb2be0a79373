"""The Prior page's "Sample from the prior": which reward model scores the samples, and a word
where it was not made with the prior's data (AppTest)."""

from __future__ import annotations

import json

from dashboard_runs import ALPHABET, APP
from streamlit.testing.v1 import AppTest

SPACE = {"kind": "sequence", "alphabet": ALPHABET, "length": 32}  # the demo stand-in's


def finished_model(workspace, kind: str, data: str, space: dict) -> str:
    """A prior or reward run that ended, with its model's config.json."""
    run = workspace.create_run(kind, {"data": {"path": data}})
    folder = workspace.run_path(run.id) / kind
    folder.mkdir(parents=True)
    meta = {"format": f"braid-{kind}", "space": space, "config": {}, "metrics": {}}
    (folder / "config.json").write_text(json.dumps(meta))
    workspace.set_status(run.id, "running")
    workspace.set_status(run.id, "done")
    return run.id


def prior_page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at = at.switch_page("app_pages/prior.py").run()
    assert not at.exception
    return at


def sample_button(at: AppTest):
    return next(b for b in at.button if b.label == "Sample from the prior")


def test_the_samples_say_which_reward_model_scores_them(demo, workspace, tmp_path):
    at = prior_page()  # the shipped pair: made together
    assert any("The samples are scored by shipped reward model" in c.value for c in at.caption)
    assert not at.warning
    finished_model(workspace, "prior", str(tmp_path / "vec_big.csv"), SPACE)
    finished_model(workspace, "reward", str(tmp_path / "vec_x_labeled.csv"), SPACE)
    at = prior_page()
    (warning,) = at.warning
    assert warning.value.startswith("The prior was pre-trained on vec\\_big.csv and the reward "
                                    "model fitted on vec\\_x\\_labeled.csv, apart.")
    # the model's label names its data; the caption does not say it twice
    assert any("· data: vec\\_x\\_labeled.csv: r\\_hat and u are its view" in c.value
               for c in at.caption), [c.value for c in at.caption]
    assert not any(", fitted on vec" in c.value for c in at.caption)
    assert not sample_button(at).disabled


def test_a_reward_model_of_another_design_space_is_refused_before_launch(demo, workspace,
                                                                         tmp_path):
    finished_model(workspace, "reward", str(tmp_path / "vectors.csv"),
                   {"kind": "vector", "dim": 6})
    at = prior_page()
    at.selectbox(key="sample_reward_model").set_value(
        next(o for o in at.selectbox(key="sample_reward_model").options if "reward" in o
             and "shipped" not in o)).run()
    (error,) = at.error
    assert error.value.startswith("The prior makes sequences of length 32")
    assert sample_button(at).disabled


def test_a_prior_and_a_reward_model_of_one_upload_measured_in_part_go_together(demo, workspace):
    from dashboard import catalog, uploads

    table = b"sequence,value\n" + b"".join(
        f"{'ACDEFGHIKLMN'[i] * 32},{'' if i % 3 else i}\n".encode() for i in range(12))
    measured = uploads.store_upload(workspace.root, table, "project.csv", value_column="value")
    everything = next(d for d in catalog.uploaded_datasets(workspace.root) if not d.labeled)
    assert measured.labeled and everything.name == measured.name == "project.csv"
    finished_model(workspace, "prior", everything.path, SPACE)
    finished_model(workspace, "reward", measured.path, SPACE)
    at = prior_page()
    assert any("· data: project.csv: r\\_hat" in c.value for c in at.caption)
    assert not at.warning, [w.value for w in at.warning]


def test_two_files_of_one_name_are_told_apart_in_the_warning(demo, workspace, tmp_path):
    # "pre-trained on vec.csv and the reward model fitted on vec.csv, apart": an upload of
    # vec.csv and the vec.csv given to `braid reward train`, which the words did not tell apart
    from dashboard import catalog, uploads

    table = b"sequence\n" + b"".join(f"{'ACDEFGHIKLMN'[i] * 32}\n".encode() for i in range(12))
    stored = uploads.store_upload(workspace.root, table, "vec.csv", value_column=None)
    assert stored.path in {d.path for d in catalog.uploaded_datasets(workspace.root)}
    finished_model(workspace, "prior", stored.path, SPACE)
    finished_model(workspace, "reward", str(tmp_path / "vec.csv"), SPACE)
    (warning,) = prior_page().warning
    assert warning.value.startswith(
        "The prior was pre-trained on vec.csv (an upload) and the reward model fitted on "
        f"vec.csv (the file {tmp_path / 'vec.csv'}), apart.".replace("_", "\\_")), warning.value
