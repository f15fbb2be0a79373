"""The comparison table of run summaries pooled over seeds (dashboard.final_numbers)."""

from __future__ import annotations

from dashboard import final_numbers, run_names


def test_group_summary_reports_mean_and_spread():
    table = final_numbers.group_summary(
        {"a": {"score": 1.0, "note": "x"}, "b": {"score": 3.0}, "c": {"score": 5.0}},
        {"a": "g1", "b": "g1", "c": "g2"},
    )
    rows = table.set_index("group")
    assert rows.loc["g1", "runs"] == 2 and rows.loc["g1", "score"] == "2 +- 1.4"
    assert rows.loc["g2", "score"] == "5"


def test_group_summary_titles_columns_shows_fractions_in_percent_and_blanks_gaps():
    table = final_numbers.group_summary(
        {"a": {"pool_size": 64, "validity": 0.9, "true_score_median": 0.5, "new_key": 2},
         "b": {"pool_size": 64, "validity": 1.0, "true_score_median": 0.7},
         "c": {"validity": 1.0, "unique_fraction": 0.5}},
        {"a": "g", "b": "g", "c": "h"})  # fmt: skip
    # The figures a comparison turns on first, in words; unknown keys last, readable.
    assert list(table.columns) == ["group", "runs", "true score (median)", "valid", "distinct",
                                   "pool drawn", "new key"]
    rows = table.set_index("group")
    assert rows.loc["g", "valid"] == "95.0% +- 7.1%" and rows.loc["h", "valid"] == "100.0%"
    assert rows.loc["h", "distinct"] == "50.0%" and rows.loc["g", "pool drawn"] == "64"
    assert rows.loc["g", "true score (median)"] == "0.6 +- 0.14"
    assert rows.loc["h", "pool drawn"] == "" and rows.loc["h", "true score (median)"] == ""
    assert table.notna().all().all()  # st.dataframe would show None


def test_settings_are_named_as_the_fine_tune_page_names_them():
    config = {"finetune": {"c": 1.0, "alpha": 0.1, "steps": 30, "batch_size": 8}}
    # "batch_size=8" was the config's field name, in every Compare legend and table row.
    assert run_names.group_label(config) == "c=1 alpha=0.1 steps=30 batch=8"


def test_one_runs_summary_reads_in_words():
    rows = final_numbers.summary_rows({"num_designs": 32.0, "validity": 0.96875,
                                       "elapsed_minutes": 1.9081908361999618,
                                       "true_score_median": 0.5, "diversity_ratio": {"1": 0.99},
                                       "space": "dna 8-mers", "offline_best": None})
    # The Runs page showed this as JSON: "num_designs": 32.0, "elapsed_minutes": 1.90819...
    assert rows.to_dict("records") == [
        {"figure": "true score (median)", "value": "0.5"},
        {"figure": "valid", "value": "96.9%"},
        {"figure": "best offline value", "value": ""},
        {"figure": "designs", "value": "32"},
        {"figure": "elapsed minutes", "value": "1.908"},
        {"figure": "diversity ratio", "value": "0.99 at position noise 1"},
        {"figure": "space", "value": "dna 8-mers"},
    ]
    assert final_numbers.summary_rows({}).empty


def test_group_summary_lists_groups_in_the_order_of_their_first_run():
    # The curves' legend lists groups as the runs were picked; the table sorted them by name.
    summaries = {"b0": {"reward": 1.0}, "a0": {"reward": 2.0}, "b1": {"reward": 3.0}}
    groups = {"b0": "c=1", "a0": "c=0.5", "b1": "c=1"}
    table = final_numbers.group_summary(summaries, groups)
    assert table["group"].tolist() == ["c=1", "c=0.5"]
    assert table["runs"].tolist() == [2, 1]


def test_groups_without_a_figure_are_named_not_shown_as_blank_rows():
    table = final_numbers.group_summary(
        {"a": {"validity": 1.0}, "b": {}, "c": {"note": "cancelled"}},
        {"a": "c=1", "b": "c=2 (cancelled)", "c": "c=3 (cancelled)"})
    shown, blank = final_numbers.without_numbers(table)
    # A cancelled run's row was "c=2 (cancelled)", 1, then nothing but blanks.
    assert list(shown["group"]) == ["c=1"] and shown.loc[0, "valid"] == "100.0%"
    assert blank == ["c=2 (cancelled)", "c=3 (cancelled)"]
    only, none = final_numbers.without_numbers(final_numbers.group_summary({"b": {}}, {"b": "g"}))
    assert only.empty and none == ["g"]
