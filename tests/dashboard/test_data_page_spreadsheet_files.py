"""Data page uploads of files as spreadsheets save them: read with the data check's warnings
and notes on screen, or refused in this page's terms."""

from __future__ import annotations

from dashboard_runs import APP
from streamlit.testing.v1 import AppTest


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    return at.file_uploader(key="upload").set_value((name, data, "text/csv")).run()


def test_a_windows_1252_file_with_a_comment_and_empty_rows_is_loaded_with_what_was_done(
        demo, workspace):
    # Excel's 'CSV' on Windows ('Lösung' in an unused column) was refused as "not UTF-8".
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    upload(at, "excel.csv", b"# plate 7\nsequence,value,note\nACGU,1,L\xf6sung\nACGA,2,\n"
                            b",,\nUCGA,3,\n")
    assert not at.exception and not at.error
    loaded = [w.value for w in at.warning if w.value.startswith("Loaded")]
    assert loaded and "with 1 warning: read it below before training on it" in loaded[0]
    assert any("read as Windows-1252" in w.value and "'ö'" in w.value for w in at.warning)
    infos = [i.value for i in at.info]
    assert any("1 comment line above the header not read" in i for i in infos), infos
    assert any("1 row of nothing but commas" in i for i in infos), infos


def test_a_sequence_column_under_another_name_is_offered_in_this_pages_terms(demo, workspace):
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    upload(at, "seq.csv", b"Seq,Activity\nACGU,0.7\nUUGA,2.5\nGGCA,1.3\n")
    (error,) = at.error
    assert ("set the Sequence column field under Column options for uploads to 'Seq'"
            in error.value)
    assert "--sequence-column" not in error.value


def test_an_option_given_with_its_value_is_told_as_the_field_set_to_it(demo, workspace):
    # "(--value-column yield)" became "(the Value column field under Column options for
    # uploads yield)"
    rows = "".join(f"{i / 10},{7 + i / 100},{i if i % 3 == 0 else ''}\n" for i in range(12))
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    upload(at, "partly.csv", ("temperature,pH,yield\n" + rows).encode())
    (error,) = at.error
    assert ("name it as the value column (the Value column field under Column options for "
            "uploads set to 'yield')") in error.value, error.value
