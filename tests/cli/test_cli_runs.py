"""`braid runs list|show|cancel|delete` on a workspace of made-up runs."""

from __future__ import annotations

import json

from cli_files import runner, write_bundle_configs, write_sequences

from braid_core import pipeline
from braid_core.cli import app
from braid_core.runs import Workspace


def test_runs_are_listed_shown_cancelled_and_deleted_from_the_command_line(tmp_path,
                                                                           isolated_workspace):
    import os

    from braid_core import jobs

    workspace = Workspace(isolated_workspace)
    parent = workspace.create_run("prior", {"data": "d.csv"}, name="my prior")
    workspace.set_status(parent.id, "running")
    workspace.set_status(parent.id, "done")
    workspace.set_summary(parent.id, {"designs": 40, "space": "dna",
                                      "diversity_ratio": {"1": 0.9908}, "n_val": 20000.0})
    child = workspace.create_run("finetune", {"c": 0.5}, parents=[parent.id])
    pid = jobs.launch(workspace, child.id, ["sleep", "30"])
    dead = workspace.create_run("reward", {})
    gone = jobs.launch(workspace, dead.id, ["true"])
    os.waitpid(gone, 0)  # ended without reporting: the index still says running

    listed = runner.invoke(app, ["runs", "list"])
    assert listed.exit_code == 0, listed.output
    header, *lines = listed.output.splitlines()
    assert header.split() == ["run", "kind", "status", "method", "name", "headline"]
    assert [line.split()[0] for line in lines] == [dead.id, child.id, parent.id]  # newest first
    assert lines[0].split()[1:3] == ["reward", "failed"]  # the dead job, found out
    assert lines[2].split()[1:] == ["prior", "done", "-", "my", "prior", "designs", "40"]
    design = workspace.create_run("design", {"method": "proxy"})
    workspace.set_status(design.id, "running")
    workspace.set_status(design.id, "done")
    workspace.set_summary(design.id, {"true_score_median": 0.0, "validity": 0.03})
    row = runner.invoke(app, ["runs", "list", "--kind", "design"]).output.splitlines()[1]
    assert row.split()[1:] == ["design", "done", "proxy", "-", "true_score_median", "0,",
                               "valid", "3%"]
    workspace.delete_run(design.id)
    # Fine-tuning runs record no method: it comes from c and the reward model's kind, for a
    # run launched from the Fine-tune page (recorded as pipeline.start does) as from here.
    prior, reward = write_bundle_configs(tmp_path)
    meta = json.loads((reward / "config.json").read_text())
    (reward / "config.json").write_text(json.dumps({**meta, "kind": "bonus"}))
    tuned = [workspace.create_run("finetune", pipeline.finetune_config(prior, reward, c=c)).id
             for c in (0.5, 0.0)]
    rows = runner.invoke(app, ["runs", "list", "--kind", "finetune"]).output.splitlines()[1:]
    assert {row.split()[0]: row.split()[3] for row in rows} == {
        tuned[0]: "braid-bonus", tuned[1]: "strl", child.id: "-"}  # child: no settings kept
    for run_id in tuned:
        workspace.delete_run(run_id)
    only = runner.invoke(app, ["runs", "list", "--status", "running"])
    assert [line.split()[0] for line in only.output.splitlines()[1:]] == [child.id]
    # none matching: the filter is named, not "no runs" in a workspace that has some
    none = runner.invoke(app, ["runs", "list", "--status", "cancelled", "--kind", "prior"])
    assert none.exit_code == 0
    assert none.output == f"no prior runs with status cancelled in {isolated_workspace}\n"
    none = runner.invoke(app, ["runs", "list", "--kind", "sample"])
    assert none.output == f"no sample runs in {isolated_workspace}\n"
    assert runner.invoke(app, ["runs", "list", "--status", "finished"]).exit_code == 1
    bogus = runner.invoke(app, ["runs", "list", "--kind", "finetuning"])
    assert bogus.exit_code == 1 and "--kind must be one of prior, reward" in bogus.output

    shown = runner.invoke(app, ["runs", "show", parent.id[-4:]])  # the id's end is enough
    assert shown.exit_code == 0, shown.output
    assert f"run {parent.id} (prior, my prior): done" in shown.output
    assert '"data": "d.csv"' in shown.output  # the config stays JSON, to read back
    # The summary in words: it was JSON, with counts as 20000.0 and tables as objects.
    assert ("summary:\n  designs: 40\n  space: dna\n  diversity_ratio: 0.9908 at position "
            "noise 1\n  n_val: 20000\n") in shown.output
    cancelled_shown = runner.invoke(app, ["runs", "show", dead.id])
    assert "summary: none (the run is failed" in cancelled_shown.output
    missing = runner.invoke(app, ["runs", "show", "zzzz"])
    assert missing.exit_code == 1 and "no run in" in missing.output

    refused = runner.invoke(app, ["runs", "delete", child.id, "--yes"])
    assert refused.exit_code == 1 and f"braid runs cancel {child.id}" in refused.output
    cancelled = runner.invoke(app, ["runs", "cancel", child.id])
    assert cancelled.exit_code == 0 and f"run {child.id} is cancelled" in cancelled.output
    assert not jobs._is_alive(pid, workspace.record(child.id).process_token)

    kept = runner.invoke(app, ["runs", "delete", parent.id], input="n\n")
    assert f"no longer find it: {child.id}" in kept.output
    # declined: said, and no failure (the user chose; braid refused nothing)
    assert kept.exit_code == 0 and f"deleted nothing: run {parent.id} is kept" in kept.output
    assert workspace.run_path(parent.id).is_dir()
    deleted = runner.invoke(app, ["runs", "delete", parent.id], input="y\n")
    assert deleted.exit_code == 0 and not workspace.run_path(parent.id).exists()
    assert [r.id for r in workspace.list_runs()] == [dead.id, child.id]


def test_a_failed_run_s_error_is_shown_in_plain_words(tmp_path, isolated_workspace):
    import pytest

    from braid_core import jobs, pipeline

    workspace = Workspace(isolated_workspace)
    # A background job whose data file went away after it was recorded: a user's error.
    data = write_sequences(tmp_path / "d.csv", 20, 6, "ACGT")
    gone = workspace.create_run("prior", pipeline.prior_config(data, max_minutes=0.005))
    data.unlink()
    assert runner.invoke(app, ["run-job", gone.id]).exit_code != 0
    assert workspace.record(gone.id).error.startswith(("DataError: ", "FileNotFoundError: "))
    shown = runner.invoke(app, ["runs", "show", gone.id]).output
    assert f"error: {data}: no such file\n" in shown, shown
    # An error nobody meant for the user: said to be a crash, with its type and the log.
    crash = workspace.create_run("reward", {})
    with pytest.raises(TypeError), jobs.run_context(workspace, crash.id):
        raise TypeError("'NoneType' object is not subscriptable")
    shown = runner.invoke(app, ["runs", "show", crash.id]).output
    assert ("error: the run crashed on an unexpected TypeError: 'NoneType' object is not "
            "subscriptable (the traceback is in log.txt)\n") in shown, shown
    # A KeyError's message, without the quotes str(KeyError) adds.
    unknown = workspace.create_run("design", {})
    with pytest.raises(KeyError), jobs.run_context(workspace, unknown.id):
        raise KeyError("unknown task 'ehrlich-9'; `braid task list` names them")
    shown = runner.invoke(app, ["runs", "show", unknown.id]).output
    assert "error: unknown task 'ehrlich-9'; `braid task list` names them\n" in shown, shown


def test_deleting_a_parent_names_its_children_and_they_show_it_deleted(isolated_workspace):
    workspace = Workspace(isolated_workspace)
    prior = workspace.create_run("prior", {}, name="dna prior")
    child = workspace.create_run("finetune", {}, parents=[prior.id], name="tuned")
    workspace.create_run("reward", {}, name="twin")
    workspace.create_run("reward", {}, name="twin")

    by_name = runner.invoke(app, ["runs", "show", "tuned"])
    assert by_name.exit_code == 0 and f"run {child.id} (finetune, tuned)" in by_name.output
    assert f"made from {prior.id} (dna prior)\n" in by_name.output
    twins = runner.invoke(app, ["runs", "show", "twin"])
    assert twins.exit_code == 1 and "2 runs in" in twins.output
    assert twins.output.count("(reward, created, twin)") == 2, twins.output

    deleted = runner.invoke(app, ["runs", "delete", "dna prior", "--yes"])
    assert deleted.exit_code == 0, deleted.output
    assert f"note: Runs made from it keep their files but no longer find it: {child.id}" in (
        deleted.output)
    shown = runner.invoke(app, ["runs", "show", child.id])
    assert f"made from {prior.id} (deleted)\n" in shown.output, shown.output


def test_a_run_is_found_by_the_start_of_its_id_and_an_ambiguous_key_says_so(isolated_workspace):
    workspace = Workspace(isolated_workspace)
    for _ in range(6):
        workspace.create_run("reward", {})
    sample = workspace.create_run("sample", {})
    # The id as `braid runs list` prints it, cut short (a tester typed its time stamp).
    start = sample.id[:sample.id.index("-sample") + len("-sample")]
    shown = runner.invoke(app, ["runs", "show", start])
    assert shown.exit_code == 0 and f"run {sample.id} (sample): created" in shown.output
    ambiguous = runner.invoke(app, ["runs", "show", sample.id[:4]])  # the year: every run
    said = " ".join(ambiguous.output.split())
    assert ambiguous.exit_code == 1 and "no run" not in said
    assert f"'{sample.id[:4]}' is ambiguous: 7 runs in" in said
    assert said.count("(reward, created)") + said.count("(sample, created)") == 5
    assert "and 2 more); give more of the run's id" in said
    cancelled = runner.invoke(app, ["runs", "cancel", start])  # the other commands take it
    assert cancelled.exit_code == 0 and f"run {sample.id} is cancelled" in cancelled.output
    deleted = runner.invoke(app, ["runs", "delete", start, "--yes"])
    assert deleted.exit_code == 0 and f"deleted run {sample.id}" in deleted.output


def test_a_run_whose_folder_was_deleted_by_hand_is_shown_missing_it(isolated_workspace):
    import shutil

    workspace = Workspace(isolated_workspace)
    gone, kept = (workspace.create_run("reward", {}) for _ in range(2))
    for run in (gone, kept):
        workspace.set_status(run.id, "done")
    shutil.rmtree(workspace.run_path(gone.id))  # the index alone still has it, and says so
    shown = runner.invoke(app, ["runs", "show", gone.id]).output
    assert f"run {gone.id} (reward): done, but its folder is missing\n" in shown
    assert (f"folder {workspace.run_path(gone.id)} is missing: it was deleted or moved outside "
            f"braid, so the run's files (models, designs, log) are gone; `braid runs delete "
            f"{gone.id}` removes its record") in " ".join(shown.split())
    assert "missing" not in runner.invoke(app, ["runs", "show", kept.id]).output
    listed = runner.invoke(app, ["runs", "list"]).output.splitlines()
    (gone_row,) = [line for line in listed if line.startswith(gone.id)]
    (kept_row,) = [line for line in listed if line.startswith(kept.id)]
    assert gone_row.endswith("its folder is missing") and "missing" not in kept_row


def test_a_run_is_found_by_its_folder_as_a_shell_completes_it(isolated_workspace):
    workspace = Workspace(isolated_workspace)
    run = workspace.create_run("reward", {})
    other = workspace.create_run("reward", {}, name="plate/2")  # a name with a slash is a name
    for typed in (f"{run.id}/", f"braid-workspace/runs/{run.id}/",
                  str(workspace.run_path(run.id))):
        shown = runner.invoke(app, ["runs", "show", typed])
        assert shown.exit_code == 0 and f"run {run.id} (reward)" in shown.output, typed
    named = runner.invoke(app, ["runs", "show", "plate/2"])
    assert named.exit_code == 0 and f"run {other.id} (reward, plate/2)" in named.output


def test_deleting_a_run_whose_folder_is_gone_does_not_ask_about_its_folder(isolated_workspace):
    import shutil

    workspace = Workspace(isolated_workspace)
    gone, kept = (workspace.create_run("reward", {}) for _ in range(2))
    shutil.rmtree(workspace.run_path(gone.id))
    asked = runner.invoke(app, ["runs", "delete", gone.id], input="n\n")
    assert f"Delete run {gone.id} (its folder is missing already)?" in asked.output
    asked = runner.invoke(app, ["runs", "delete", kept.id], input="n\n")
    assert f"Delete run {kept.id} and its folder?" in asked.output


def test_a_long_run_name_is_cut_to_its_column_so_the_headline_stays_in_line(isolated_workspace):
    workspace = Workspace(isolated_workspace)
    for name in ("short", "a rather long name for a design run of many settings"):
        run = workspace.create_run("prior", {"data": "d.csv"}, name=name)
        workspace.set_status(run.id, "running")
        workspace.set_status(run.id, "done")
        workspace.set_summary(run.id, {"designs": 40})
    header, long, short = runner.invoke(app, ["runs", "list"]).output.splitlines()
    assert "a rather long name \u2026 designs 40" in long
    assert long.index("designs 40") == short.index("designs 40") == header.index("headline")
