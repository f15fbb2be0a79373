"""Data page uploads: errors that name their file and go when the user moves on, spreadsheets
refused in words, and uploads of one file name told apart."""

from __future__ import annotations

import os
import time

import pytest
from dashboard_runs import APP
from streamlit.testing.v1 import AppTest

from braid_core.data import DataWarning
from dashboard import catalog, uploads

GOOD = b"sequence,value\nACDEF,1.0\nGHIKL,2.0\nMNPQR,0.5\n"
BAD = b"sequence,value\nACDEF,1.0\nGHIKL,high\nMNPQR,0.5\n"
XLSX = b"PK\x03\x04" + bytes(range(256)) * 4  # a zip, as a workbook starts


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    return at.file_uploader(key="upload").set_value((name, data, "text/csv")).run()


def test_an_upload_error_names_its_file_and_goes_when_another_data_set_is_picked(
        demo, workspace):
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    upload(at, "text_value.csv", BAD)
    (error,) = at.error
    assert error.value.startswith("text\\_value.csv was not loaded; the data shown below is "
                                  "unchanged. text\\_value.csv: ")
    at.run()  # e.g. a column option opened: still said
    assert len(at.error) == 1
    # The data set picked since: the error was left on screen under whatever came next.
    at.selectbox(key="dataset_choice").set_value(str(demo / "demo" / "unlabeled.csv")).run()
    assert not at.exception and not at.error


def test_a_spreadsheet_is_refused_by_the_check_replacing_the_last_files_error(demo,
                                                                              workspace):
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    upload(at, "text_value.csv", BAD)
    # The uploader refused .xlsx itself and kept the last file: its red error stayed, read as
    # the workbook's.
    assert ".xlsx" in at.file_uploader(key="upload").proto.type  # the browser lets it through
    upload(at, "excel.xlsx", XLSX)
    (error,) = at.error  # in the data check's words (braid_core.data says what to do)
    assert error.value.startswith("excel.xlsx was not loaded; the data shown below is "
                                  "unchanged. excel.xlsx: ")
    assert "text\\_value" not in error.value
    assert not (workspace.root / "uploads").exists()


def test_an_unlabeled_upload_says_so_when_loaded(demo, workspace):
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    upload(at, "dna_labeled.csv", b"sequence,fitness\nACGT,1.0\nTTGA,2.0\nGGCA,3.0\n")
    assert not at.exception and not at.error
    said = [m.value for m in [*at.success, *at.warning] if m.value.startswith("Loaded")]
    assert said and said[0].startswith("Loaded dna\\_labeled.csv: upload dna\\_labeled.csv "
                                       "(3 designs, unlabeled")


def test_uploads_of_one_file_name_are_told_apart(workspace):
    first = uploads.store_upload(workspace.root, GOOD, "dna_labeled.csv")
    meta = first.path.replace(".csv", ".json")
    os.utime(meta, (time.time() - 3600,) * 2)  # stored an hour before the corrected file
    uploads.store_upload(workspace.root, GOOD.replace(b"0.5", b"0.7"), "dna_labeled.csv")
    uploads.store_upload(workspace.root, GOOD, "other.csv")
    labels = [d.label for d in catalog.uploaded_datasets(workspace.root)]
    # Both read "upload dna_labeled.csv (3 designs, with values)".
    assert len(set(labels)) == 3
    assert labels[0] == "upload other.csv (3 designs, with values)"  # its name alone: as was
    newer, older = labels[1:]
    assert newer.startswith("upload dna_labeled.csv (3 designs, with values, stored 20")
    assert older.startswith("upload dna_labeled.csv (3 designs, with values, stored 20")


def test_a_value_column_under_another_name_is_pointed_out_in_this_pages_terms(demo, workspace):
    # The tester's 'fitness' column: loaded as unlabeled with a green Success. The data check
    # now names it (values that are not a row index); the page says which of its fields to
    # set, not the command line's option.
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    upload(at, "dna_labeled.csv", b"sequence,fitness\nACGT,0.7\nTTGA,2.5\nGGCA,1.3\n")
    (pointed,) = [w.value for w in at.warning if "'fitness' holds numbers" in w.value]
    assert ("set the Value column field under Column options for uploads to 'fitness'"
            in pointed)
    assert "--value-column" not in pointed


def test_a_stray_letter_that_made_dna_protein_is_named_with_its_row(demo, workspace):
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    upload(at, "stray.csv", b"sequence,value\nACGTAC,0.7\nTTGACA,2.5\nGGEACA,1.3\n"
                            b"CATGCA,0.2\n")
    assert ("stray.csv: read as protein because of 'E' (row 3), the only letter outside ACGT: "
            "if these are nucleic acids, mend the row with 'E' (no nucleotide code)"
            in [w.value for w in at.warning])
    # Two rows named, and the command line's option in this page's terms.
    upload(at, "stray2.csv", b"sequence,value\nACGTAC,0.7\nTTGACA,2.5\nGGEACA,1.3\n"
                             b"CATGCA,0.2\nGANACA,0.1\nCCEATA,0.4\nTTTTTT,1\nAAAAAA,2\n")
    assert ("stray2.csv: read as protein because of 'E' (row 3) and 'N' (row 5), the only "
            "letters outside ACGT: if these are nucleic acids, mend the 2 rows with 'E' (no "
            "nucleotide code; row 3, row 6) and set the Alphabet field under Column options "
            "for uploads to ACGTN" in [w.value for w in at.warning])


def test_too_few_measured_designs_are_refused_on_the_reward_page_before_any_run(demo,
                                                                               workspace):
    # Five labeled designs were launched and recorded as a run that failed at once.
    few = uploads.store_upload(workspace.root, b"sequence,value\nACDEF,1.0\nGHIKL,2.0\n"
                               b"MNPQR,0.5\nSTVWY,0.7\nACDEG,0.9\n", "five.csv")
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.switch_page("app_pages/reward.py").run()
    at.selectbox(key="reward_data").set_value(few.path).run()
    (train,) = [b for b in at.button if b.label == "Train a reward model"]
    train.click().run()
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith("Not started: ") and "5 labeled designs are too few" in (
        error.value)
    assert workspace.list_runs() == []


def test_a_file_refused_for_its_column_options_is_read_again_when_they_change(demo,
                                                                             workspace):
    # The tester's rna_first.csv under Value column 'score': refused; the field changed to
    # 'value' as the error advised left the error, the file unread, until a fresh page.
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.text_input(key="upload_value_column").set_value("score").run()
    upload(at, "rna_first.csv", GOOD)
    (error,) = at.error
    assert "to 'value'" in error.value
    at.text_input(key="upload_value_column").set_value("value").run()
    assert not at.exception and not at.error
    assert "uploads" in at.selectbox(key="dataset_choice").value
    assert [s.value for s in at.success] == [
        "Loaded rna\\_first.csv: upload rna\\_first.csv (3 designs, with values)"]
    # A file loaded is not read again when fields are set ahead of the next upload.
    at.text_input(key="upload_value_column").set_value("fitness").run()
    assert not at.error and len(catalog.uploaded_datasets(workspace.root)) == 1
    # The Sequence column field alike: a file whose designs are under 'seq' loads once the
    # field names it.
    at.text_input(key="upload_value_column").set_value("value").run()
    upload(at, "seqcol.csv", GOOD.replace(b"sequence,", b"seq,", 1))
    (error,) = at.error
    assert "seqcol.csv was not loaded" in error.value.replace("\\", "")
    at.text_input(key="upload_sequence_column").set_value("seq").run()
    assert not at.error and len(catalog.uploaded_datasets(workspace.root)) == 2


def test_notes_on_the_data_set_shown_name_its_file_under_another_files_error(demo, workspace):
    # Spreadsheet rows of nothing but commas, skipped: the note read "2 rows ... skipped"
    # right under the red error of the next, failed, upload, as if it were that file's.
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    upload(at, "commarows.csv", GOOD + b",\n,\nSTVWY,0.7\n")
    upload(at, "text_value.csv", BAD)
    assert len(at.error) == 1
    skipped = [i.value for i in at.info if "nothing but commas" in i.value]
    assert skipped and skipped[0].startswith("commarows.csv: 2 rows of nothing but commas")
    assert all(m.value.startswith("commarows.csv: ") for m in [*at.info, *at.warning])


def test_a_stored_upload_keeps_every_digit_of_its_vectors(workspace):
    # Stored as float32, 1013250.5 and 1013250.53 became one design: the data set had 3
    # designs where the file had 4, one value the mean of 1 and 5.
    data = (b"conc,pressure,value\n0.1,1013250.50,1\n0.1,1013250.53,5\n0.2,2000000,3\n"
            b"25.123456,2000000.25,2\n")
    with pytest.warns(DataWarning, match="differ only beyond float32's 7 significant digits"):
        stored = uploads.store_upload(workspace.root, data, "prec4.csv")
    assert stored.label.startswith("upload prec4.csv (4 designs, with values")
    with open(stored.path) as file:
        assert file.read() == ("conc,pressure,value\n0.1,1013250.5,1.0\n0.1,1013250.53,5.0\n"
                               "0.2,2000000.0,3.0\n25.123456,2000000.25,2.0\n")
    with open(stored.path.replace(".csv", ".json")) as file:
        assert "differ only beyond float32's 7 significant digits" in file.read()
