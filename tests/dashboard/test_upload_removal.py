"""Removing an upload on the Data page: asked first, naming the runs made from it; its file
deleted, nothing else; those runs keep their results and name it as removed."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest
from dashboard_runs import APP, finished_finetune
from streamlit.testing.v1 import AppTest

from braid_core import jobs
from braid_core.runs import Workspace
from dashboard import catalog, run_names, uploads

GOOD = b"sequence,value\nACDEF,1.0\nGHIKL,2.0\nMNPQR,0.5\n"
OTHER = b"sequence,value\nACDEF,1.0\nGHIKL,2.0\nMNPQR,0.7\n"


def reward_run(workspace: Workspace, demo: Path, data: str, done: bool = True) -> str:
    """A reward run fitted on `data` whose model is a copy of the demo's (done, or just
    created: still to start)."""
    run = workspace.create_run("reward", {"data": {"path": data, "value_column": "value"}})
    shutil.copytree(demo / "rewards", run.path / "reward")
    if done:
        workspace.set_status(run.id, "running")
        workspace.set_status(run.id, "done")
    return run.id


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def data_page_on(dataset: catalog.Dataset) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.selectbox(key="dataset_choice").set_value(dataset.path).run()
    assert not at.exception, at.exception
    return at


def question(at: AppTest) -> str:
    """The removal's question as shown (without the escapes of its markdown)."""
    (asked,) = [w.value for w in at.warning if w.value.startswith("Remove upload")]
    return asked.replace("\\", "")


def test_an_upload_is_removed_after_a_question_naming_the_runs_made_from_it(demo, workspace):
    mine = uploads.store_upload(workspace.root, GOOD, "mine.csv")
    other = uploads.store_upload(workspace.root, OTHER, "other.csv")
    reward = reward_run(workspace, demo, mine.path)
    # Made from it through its reward model only: the config names no data file.
    tuned = finished_finetune(workspace, demo, c=0.5, alpha=0.1, seed=0,
                              reward=workspace.run_path(reward) / "reward")
    unrelated = reward_run(workspace, demo, other.path)
    at = data_page_on(mine)
    button(at, "Remove this upload").click().run()
    asked = question(at)
    assert "2 runs were made from it: " in asked
    assert f"[{reward[-4:]}]" in asked and f"[{tuned[-4:]}]" in asked
    assert f"[{unrelated[-4:]}]" not in asked
    # Deleted for good, but not everywhere: the runs' own tables of its designs stay. Said
    # in a few sentences that agree: what goes, what runs keep, what later runs lose (the
    # copies kept, then fine-tuning "goes without it", read as a contradiction).
    assert asked.endswith(
        "They keep what they made, their copies of its data included, and their labels will "
        "say it was removed. New runs from a reward model "
        "fitted on it read this file, not those copies: fine-tuning goes without it (its "
        "designs get no novelty and may repeat measured ones), and baselines and prior "
        "samples cannot start. Upload the same file again under its name to bring it back.")
    assert asked.startswith(f"Remove {mine.label}? Its file is deleted from the workspace "
                            "for good. 2 runs were made from it: ")
    assert len(asked.split()) < 100
    button(at, "Keep it").click().run()
    assert not [w for w in at.warning if w.value.startswith("Remove upload")]
    assert Path(mine.path).is_file()

    button(at, "Remove this upload").click().run()
    button(at, "Remove").click().run()
    assert not at.exception, at.exception
    assert not Path(mine.path).exists()  # deleted, not hidden
    assert [d.path for d in catalog.uploaded_datasets(workspace.root)] == [other.path]
    assert at.toast[0].value == "Removed mine.csv"
    picker = at.selectbox(key="dataset_choice")
    assert picker.value != mine.path and not any("mine.csv" in o for o in picker.options)
    # The runs made from it keep everything they made.
    assert {r.id for r in workspace.list_runs()} == {reward, tuned, unrelated}
    assert (workspace.run_path(tuned) / "designs.parquet").is_file()
    assert (workspace.run_path(reward) / "reward" / "config.json").is_file()


def test_the_demo_data_has_no_remove_button_and_an_unused_upload_says_so(demo, workspace):
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not [b for b in at.button if b.label == "Remove this upload"]
    with pytest.raises(ValueError, match="demo"):
        uploads.remove_upload(catalog.demo_datasets()[0])
    mine = uploads.store_upload(workspace.root, GOOD, "mine.csv")
    at = data_page_on(mine)
    button(at, "Remove this upload").click().run()
    assert question(at).endswith("No run was made from it.")


def test_a_removal_that_fails_leaves_the_upload_as_it_was(demo, workspace, monkeypatch):
    mine = uploads.store_upload(workspace.root, GOOD, "mine.csv")
    unlink = Path.unlink

    def refused(path: Path, missing_ok: bool = False) -> None:
        if str(path) == mine.path:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        unlink(path, missing_ok)

    monkeypatch.setattr(Path, "unlink", refused)
    at = data_page_on(mine)
    button(at, "Remove this upload").click().run()
    button(at, "Remove").click().run()
    assert not at.exception, at.exception
    (error,) = at.error
    assert error.value == "mine.csv was not removed; it is as it was: Permission denied."
    assert Path(mine.path).is_file() and Path(mine.path).with_suffix(".json").is_file()
    assert [d.path for d in catalog.uploaded_datasets(workspace.root)] == [mine.path]
    question(at)  # still asked: try again, or keep it
    button(at, "Keep it").click().run()
    assert at.selectbox(key="dataset_choice").value == mine.path


def test_an_upload_a_run_still_to_end_reads_is_not_removed(demo, workspace):
    mine = uploads.store_upload(workspace.root, GOOD, "mine.csv")
    waiting = reward_run(workspace, demo, mine.path, done=False)
    at = data_page_on(mine)
    button(at, "Remove this upload").click().run()
    asked = question(at)
    assert f"Runs still going were made from it and read it: reward [{waiting[-4:]}]" in asked
    assert button(at, "Remove").disabled
    assert Path(mine.path).is_file()


@pytest.fixture
def sleeping_jobs(monkeypatch: pytest.MonkeyPatch):
    """pipeline.start launches `sleep 30` instead of the real job (no training here)."""
    monkeypatch.setattr(jobs, "cli_command", lambda *args: ["sleep", "30"])


def test_runs_made_from_a_removed_upload_say_so_and_still_show(demo, workspace,
                                                               sleeping_jobs):
    mine = uploads.store_upload(workspace.root, GOOD, "mine.csv")
    reward = reward_run(workspace, demo, mine.path)
    folder = workspace.run_path(reward) / "reward"
    tuned = finished_finetune(workspace, demo, c=0.5, alpha=0.1, seed=0, reward=folder)
    on_demo = finished_finetune(workspace, demo, c=0.5, alpha=0.1, seed=1)
    Path(mine.path).unlink()  # as the Data page removes it (uploads.remove_upload)
    # Labels: "· data: <the path's file name>" told nothing of what became of it.
    labels = run_names.run_labels(workspace.list_runs(kind="finetune"), workspace)
    assert labels[tuned].endswith(" · data: mine.csv (removed)")
    assert labels[on_demo].endswith(" · data: demo ehrlich-20-32")
    (choice,) = [r for r in catalog.rewards(workspace) if r.run_id == reward]
    assert choice.label == f"reward run {reward} · data: mine.csv (removed)"
    assert choice.data_removed and choice.data_left is None

    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.switch_page("app_pages/explore.py").run()
    at.multiselect(key="explore_run").set_value([tuned, on_demo]).run()
    assert not at.exception, at.exception
    assert len(at.dataframe[0].value) == 80  # both runs' designs
    assert f"{labels[tuned]}" in at.multiselect(key="explore_run").options
    at.switch_page("app_pages/runs.py").run()
    at.selectbox(key="runs_detail").set_value(tuned).run()
    assert not at.exception, at.exception
    assert any("status **done**" in m.value for m in at.markdown)  # its details
    # The data it was made from (through its reward model), and what became of it.
    assert "Data: mine.csv (removed)" in [c.value.replace("\\", "") for c in at.caption]
    at.selectbox(key="runs_detail").set_value(on_demo).run()
    assert "Data: demo ehrlich-20-32" in [c.value for c in at.caption]

    # Fine-tuning from its reward model goes without the data (it refused: "no such file");
    # baselines need it, and say so before a click.
    at.switch_page("app_pages/finetune.py").run()
    at.selectbox(key="ft_reward").set_value(str(folder)).run()
    # Said once: "mine.csv (removed) from the Data page, was removed" said it twice.
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "This reward model's data, mine.csv, was removed on the Data page: " in captions
    assert ("This reward model's data, mine.csv, was removed on the Data page, and the "
            "baselines start from it: ") in captions
    assert "(removed)" not in captions
    assert button(at, "Run baselines").disabled
    button(at, "Launch fine-tuning").click().run()
    try:
        assert not at.exception and not at.error, at.error
        (started,) = [r for r in workspace.list_runs(kind="finetune")
                      if r.id not in (tuned, on_demo)]
        assert started.config["offline"] is None
        assert started.config["reward"] == str(folder)
    finally:
        for record in workspace.list_runs():
            if record.status not in ("done", "failed", "cancelled"):
                jobs.cancel(workspace, record.id)
