"""Data page: demo on first start; uploads validated; a failed upload keeps what was loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from dashboard_runs import APP
from streamlit.testing.v1 import AppTest

from braid_core import jobs
from braid_core.data import read_designs
from dashboard import catalog, uploads

GOOD = b"sequence,value\nACDEF,1.0\nGHIKL,2.0\nMNPQR,0.5\n"
BAD = b"sequence,value\nACDEF,1.0\nGHIKL,oops\nMNPQR,0.5\n"


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_demo_shows_without_upload(demo, workspace):
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not at.exception
    assert at.title[0].value == "Data"
    assert at.selectbox(key="dataset_choice").value.endswith("offline.csv")
    assert metric(at, "designs") == "60"


def test_failed_upload_keeps_the_previous_data(demo, workspace):
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.file_uploader(key="upload").set_value(("mine.csv", GOOD, "text/csv")).run()
    assert not at.exception and not at.error
    stored = at.selectbox(key="dataset_choice").value
    assert "uploads" in stored and metric(at, "designs") == "3"
    assert (workspace.root / "uploads").is_dir()

    at.file_uploader(key="upload").set_value(("broken.csv", BAD, "text/csv")).run()
    assert not at.exception
    message = at.error[0].value
    assert "broken.csv" in message and "row 2" in message and "not a number" in message
    assert "Traceback" not in message
    assert at.selectbox(key="dataset_choice").value == stored  # still the good upload
    assert metric(at, "designs") == "3"
    assert len(list((workspace.root / "uploads").glob("*.csv"))) == 1
    # A letter outside the inferred alphabet: the fix is named as this page's field, not as
    # the command line's --alphabet.
    at.file_uploader(key="upload").set_value(("dna.csv", b"sequence\nACGT\nACGT\nACGJ\n",
                                                "text/csv")).run()
    message = at.error[0].value
    assert "row 3" in message and "the Alphabet field under Column options for uploads" in message
    assert "--alphabet" not in message


def test_an_uploads_columns_not_used_are_named(demo, workspace):
    data = b"sequence,value,plate,notes\nACDEF,1.0,P1,a\nGHIKL,2.0,P1,b\nMNPQR,0.5,P2,c\n"
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.file_uploader(key="upload").set_value(("plates.csv", data, "text/csv")).run()
    assert not at.exception and not at.error
    said = [i.value for i in at.info if "not used" in i.value]
    assert said == ["plates.csv: columns not used: plate, notes (read: sequence, value). They "
                    "are not carried into the workspace's copy of the data set, so no model or "
                    "run sees them."]
    stored = at.selectbox(key="dataset_choice").value
    assert list(pd.read_csv(stored).columns) == ["sequence", "value"]  # what the words say
    # Kept with the upload's notes: a later session that picks it says it too.
    later = AppTest.from_file(str(APP), default_timeout=30).run()
    later.selectbox(key="dataset_choice").set_value(stored).run()
    assert [i.value for i in later.info if "not used" in i.value] == said
    # A file with no other columns gets no such line.
    at.file_uploader(key="upload").set_value(("mine.csv", GOOD, "text/csv")).run()
    assert not any("not used" in i.value for i in at.info)


def test_upload_options_are_used(demo, workspace):
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.text_input[0].set_value("seq")
    at.text_input[1].set_value("")
    data = b"seq\nACGT\nTTGA\n"
    at.file_uploader(key="upload").set_value(("dna.csv", data, "text/csv")).run()
    assert not at.exception and not at.error
    assert metric(at, "designs") == "2"
    assert metric(at, "design space") == "4 × dna"  # length × alphabet


def test_an_uploads_warnings_name_the_users_file_and_count_its_duplicates(demo, workspace):
    # 12 distinct designs, 10 of them at the best value (a plateau), and one listed twice.
    rows = [f"{'ACDEFGHIKLMN'[i]}CDEF,{1.0 if i < 10 else 0.5}" for i in range(12)]
    data = ("sequence,value\n" + "\n".join([*rows, rows[0]]) + "\n").encode()
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.file_uploader(key="upload").set_value(("mine.csv", data, "text/csv")).run()
    assert not at.exception and not at.error
    # Loaded, in yellow (a green "Success" was all a user read), pointing at the warnings.
    loaded, *warnings = [w.value for w in at.warning]
    assert loaded.startswith("Loaded mine.csv: upload mine.csv (12 designs, with values), "
                             "with 2 warnings: read them below before training on it.")
    assert not at.success
    assert any(w.startswith("mine.csv: 1 design appears more than once") for w in warnings), (
        warnings)
    assert any(w.startswith("mine.csv: 10 of 12 labeled designs") for w in warnings), warnings
    assert not any("uploads" in w for w in warnings)  # not the stored copy's path
    # Shown again from the workspace (a fresh session), the same words.
    again = AppTest.from_file(str(APP), default_timeout=30).run()
    again.selectbox(key="dataset_choice").select(at.selectbox(key="dataset_choice").value).run()
    assert [w.value for w in again.warning] == warnings


def test_the_training_forms_pick_the_users_upload_over_the_demo(demo, workspace):
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.file_uploader(key="upload").set_value(("mine.csv", GOOD, "text/csv")).run()
    at.text_input[1].set_value("")  # no value column: the next upload is unlabeled
    at.file_uploader(key="upload").set_value(("pool.csv", b"sequence\nACDEF\nGHIKL\n",
                                              "text/csv")).run()
    assert not at.exception and not at.error
    prior = at.switch_page("app_pages/prior.py").run()
    picker = next(s for s in prior.selectbox if s.label == "Designs to pre-train on")
    assert picker.options[picker.index].startswith("upload pool.csv"), picker.options
    reward = at.switch_page("app_pages/reward.py").run()
    picker = next(s for s in reward.selectbox if s.label == "Designs with values")
    assert picker.options[picker.index].startswith("upload mine.csv"), picker.options


def test_a_pick_in_a_form_survives_an_upload_before_submitting(demo, workspace):
    """Lists come newest first: an upload between showing the pre-train form and submitting
    it must not move the pick onto another file (an index would now point at the next one)."""
    pools = [f"sequence\n{a}\n{b}\n".encode() for a, b in
             (("ACDEF", "GHIKL"), ("MNPQR", "STVWY"), ("CCCCC", "DDDDD"))]  # fmt: skip
    for name, data in zip(("pool1.csv", "pool2.csv"), pools, strict=False):
        uploads.store_upload(workspace.root, data, name)
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.switch_page("app_pages/prior.py").run()
    picker = next(s for s in at.selectbox if s.label == "Designs to pre-train on")
    picker.select_index(next(i for i, o in enumerate(picker.options)
                             if o.startswith("upload pool1.csv")))  # fmt: skip
    at.number_input[0].set_value(0.01)
    uploads.store_upload(workspace.root, pools[2], "pool3.csv")  # e.g. from another tab
    next(b for b in at.button if b.label == "Pre-train a prior").click()
    at.run()
    assert not at.exception and not at.error
    (run,) = workspace.list_runs(kind="prior")
    try:
        assert Path(catalog.data_path(run.config)).name.startswith("pool1-"), run.config
    finally:
        jobs.cancel(workspace, run.id)


def test_new_measurements_are_added_as_a_new_data_set(demo, workspace):
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.file_uploader(key="upload").set_value(("mine.csv", GOOD, "text/csv")).run()
    mine = at.selectbox(key="dataset_choice").value
    before = Path(mine).read_text()
    # ACDEF measured again (3.0 after 1.0), and a new design.
    at.file_uploader(key="add_upload_0").set_value(
        ("round2.csv", b"sequence,value\nACDEF,3.0\nWWWWW,2.5\n", "text/csv")).run()
    assert not at.exception and not at.error
    combined = at.selectbox(key="dataset_choice").value
    assert combined != mine and metric(at, "designs") == "4"
    stored = pd.read_csv(combined).set_index("sequence")["value"]
    assert stored["ACDEF"] == 2.0 and stored["WWWWW"] == 2.5
    assert Path(mine).read_text() == before  # the data set added to is kept as it was
    assert any("combined from mine.csv (3 designs) and round2.csv (2 designs)" in i.value
               for i in at.info)
    # Measured again: what a round added is for, said as what is done (no yellow warning).
    assert ("round2.csv: 1 design of mine.csv measured again, each kept once with the mean of "
            "all its measurements (the measurements column counts them): 'ACDEF' (1, then 3)"
            in [i.value for i in at.info])
    assert not at.warning
    # A file that does not fit (a letter outside the alphabet) adds nothing and says why.
    at.file_uploader(key="add_upload_1").set_value(
        ("round3.csv", b"sequence,value\nACDEZ,1.0\nGHIKL,1.0\n", "text/csv")).run()
    assert not at.exception
    assert any(e.value.startswith("Nothing was added") and "round3.csv" in e.value
               and "row 1" in e.value for e in at.error)
    assert at.selectbox(key="dataset_choice").value == combined
    assert len(list((workspace.root / "uploads").glob("*.csv"))) == 2
    # The stored set remembers that ACDEF's 2.0 is the mean of two measurements, so a third
    # (5.0) added to it gives (1 + 3 + 5) / 3, not the mean of 2.0 and 5.0.
    at.file_uploader(key="add_upload_1").set_value(
        ("round3.csv", b"sequence,value\nACDEF,5.0\nYYYYY,0.5\n", "text/csv")).run()
    assert not at.exception and not at.error
    stored = pd.read_csv(at.selectbox(key="dataset_choice").value).set_index("sequence")
    assert stored.loc["ACDEF", "value"] == 3.0 and stored.loc["ACDEF", "measurements"] == 3
    designs = next(m for m in at.metric if m.label == "designs")
    assert designs.value == "5" and designs.help == "values that are means of 7 measurements in all"
    best = next(m for m in at.metric if m.label == "best value")  # ACDEF's 3.0
    assert best.value == "3" and best.help == "the mean of 3 measurements"
    # One new design measured once is enough to add; the best is then said to be one
    # measurement, since the data hold replicates.
    at.file_uploader(key="add_upload_2").set_value(
        ("round4.csv", b"sequence,value\nKKKKK,9.0\n", "text/csv")).run()
    assert not at.exception and not at.error
    best = next(m for m in at.metric if m.label == "best value")
    assert best.value == "9" and best.help == "one measurement"


def test_designs_added_to_the_demo_keep_its_oracle(demo, workspace):
    # The demo's D plus two new 32-mers: the new data set (and a model trained on it) is
    # still the demo task's, so true scores can be had for round 2 as for round 1.
    base = next(d for d in catalog.demo_datasets() if d.labeled)
    added = uploads.add_to_dataset(workspace.root, base,
                                   b"sequence,value\n" + b"ACDEFGHIKLMNPQRS" * 2 + b",0.9\n"
                                   + b"PQRSTVWY" * 4 + b",0.2\n", "round2.csv")  # fmt: skip
    assert added.task == base.task is not None
    assert catalog.task_of(added.path) == base.task
    (listed,) = catalog.uploaded_datasets(workspace.root)
    assert listed.task == base.task and listed.name == f"{base.name} + round2.csv"
    assert catalog.task_of(str(workspace.root / "uploads" / "elsewhere.csv")) is None


NAMED = (b"temperature,pH,salt_mM,yield\n0.5,7.1,10,1.5\n-0.25,6.8,20,2.5\n1.0,7.4,15,0.5\n")


def test_an_upload_of_named_vector_columns_keeps_the_names(demo, workspace):
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.text_input[1].set_value("yield")
    at.file_uploader(key="upload").set_value(("named.csv", NAMED, "text/csv")).run()
    assert not at.exception and not at.error
    assert metric(at, "designs") == "3" and metric(at, "design space") == "3-d vectors"
    stored = at.selectbox(key="dataset_choice").value
    assert list(pd.read_csv(stored).columns) == ["temperature", "pH", "salt_mM", "value"]
    assert read_designs(stored).space.names == ("temperature", "pH", "salt_mM")
    # beside the values' histogram, one of each column (the page's right half stood empty)
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    faceted = [spec for spec in specs if "facet" in spec]
    assert len(specs) == 2 and len(faceted) == 1
    assert faceted[0]["facet"]["sort"] == ["temperature", "pH", "salt_mM"]
    # A column of text among them: what to do for sequences and for vectors, in page terms.
    text = b"temperature,pH,batch,yield\n0.5,7.1,B1,1.5\n-0.25,6.8,B2,2.5\n"
    at.file_uploader(key="upload").set_value(("batch.csv", text, "text/csv")).run()
    message = at.error[0].value
    assert "if a column holds the sequences, set the Sequence column field under Column " \
           "options for uploads to its name; for vectors, every column but the value column " \
           "(and measurements) must hold numbers, and 'batch' holds text" in message, message
    assert "a table of vectors names its columns" not in message


def test_an_upload_with_bad_cells_in_several_columns_names_each(demo, workspace):
    data = b"x0,x1,value\n0.5,1,2\n0.25,,3\n1.5,2,inf\n"
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.file_uploader(key="upload").set_value(("bad.csv", data, "text/csv")).run()
    message = at.error[0].value
    assert "2 bad cells in 2 columns ('x1', 'value'): row 2, column 'x1': no value; row 3, " \
           "column 'value': infinite 'inf'" in message, message


def test_a_table_measured_in_part_is_stored_as_its_measured_rows_and_as_unlabeled_designs(
        demo, workspace):
    """One table of designs, values blank where not measured: the measured rows fit the
    reward model, every row can train the prior; neither is refused nor silently dropped."""
    data = b"temperature,pH,yield\n0.5,7.1,1.5\n-0.25,6.8,\n1.0,7.4,2.5\n0.1,7.0,NA\n0.3,6.9,3\n"
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.text_input[1].set_value("yield")
    at.file_uploader(key="upload").set_value(("partly.csv", data, "text/csv")).run()
    assert not at.exception and not at.error
    said = [m.value for m in [*at.success, *at.warning] if m.value.startswith("Loaded")]
    assert said and said[0].startswith("Loaded partly.csv: upload partly.csv (3 designs, "
                                       "with values"), said
    notes = " ".join(m.value for m in at.info)
    assert "2 rows without a value in column 'yield' left out of the labeled designs" in notes
    assert "all 5 designs, measured or not, are stored as an unlabeled data set too" in notes
    stored = {d.labeled: d for d in catalog.uploaded_datasets(workspace.root)}
    assert set(stored) == {True, False}
    measured, everything = read_designs(stored[True].path), read_designs(stored[False].path)
    assert measured.y.tolist() == [1.5, 2.5, 3.0]
    assert everything.y is None and len(everything) == 5
    assert everything.space == measured.space  # temperature, pH: yield is no coordinate
    assert everything.space.names == ("temperature", "pH")
    # The Design page pairs them: the measured rows for the reward, every row for the prior.
    at.switch_page("app_pages/design.py").run()
    assert not at.exception
    assert at.selectbox(key="design_offline").value == stored[True].path
    assert at.selectbox(key="design_unlabeled").value == stored[False].path


def test_the_training_pages_follow_designs_added_to_the_data_set_they_had_picked(
        demo, workspace):
    # After "Add designs", the Reward model page stayed on the data set without the new
    # measurements, and a launch would have left them out without a word.
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.file_uploader(key="upload").set_value(("mine.csv", GOOD, "text/csv")).run()
    mine = at.selectbox(key="dataset_choice").value
    for page, key in (("app_pages/reward.py", "reward_data"),
                      ("app_pages/design.py", "design_offline")):
        at.switch_page(page).run()
        assert at.selectbox(key=key).value == mine
    at.switch_page("app_pages/data.py").run()
    at.file_uploader(key="add_upload_0").set_value(
        ("round2.csv", b"sequence,value\nACDEF,3.0\nWWWWW,2.5\n", "text/csv")).run()
    combined = at.selectbox(key="dataset_choice").value
    assert combined != mine
    for page, key in (("app_pages/reward.py", "reward_data"),
                      ("app_pages/design.py", "design_offline")):
        at.switch_page(page).run()
        assert not at.exception
        assert at.selectbox(key=key).value == combined, page
        assert any(i.value.startswith("Picked upload mine.csv + round2.csv") and
                   "designs were added to upload mine.csv (3 designs" in i.value
                   for i in at.info), [i.value for i in at.info]
    # picked back, the old data set stays: the move is made once
    at.switch_page("app_pages/reward.py").run()
    at.selectbox(key="reward_data").set_value(mine).run()
    at.switch_page("app_pages/runs.py").run()
    at.switch_page("app_pages/reward.py").run()
    assert at.selectbox(key="reward_data").value == mine


def test_designs_added_with_some_values_blank_add_the_measured_ones(demo, workspace):
    # "Add designs" refused a round with a design not measured yet, which braid data merge
    # and every other read take as not measured
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.file_uploader(key="upload").set_value(("mine.csv", GOOD, "text/csv")).run()
    at.file_uploader(key="add_upload_0").set_value(
        ("round2.csv", b"sequence,value\nWWWWW,2.5\nYYYYY,\n", "text/csv")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    stored = pd.read_csv(at.selectbox(key="dataset_choice").value)
    assert sorted(stored["sequence"]) == ["ACDEF", "GHIKL", "MNPQR", "WWWWW"]
    assert any("round2.csv: 1 row without a value in column 'value' left out" in i.value
               for i in at.info), [i.value for i in at.info]
