"""The real pipeline from the dashboard's forms: pre-train, fit a reward, fine-tune, explore."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dashboard_runs import APP, random_sequences
from streamlit.testing.v1 import AppTest

from braid_core import jobs


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    return at.switch_page(page).run()


def submit(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


@pytest.mark.slow
def test_forms_launch_real_jobs_end_to_end(demo, workspace):
    ws = workspace
    at = open_page("app_pages/prior.py")
    at.number_input[0].set_value(0.01)  # minutes of pre-training
    at.selectbox[1].set_value("cpu")
    submit(at, "Pre-train a prior")
    at = open_page("app_pages/reward.py")
    submit(at, "Train a reward model")
    assert not at.exception and not at.error
    (prior,), (reward,) = ws.list_runs(kind="prior"), ws.list_runs(kind="reward")
    assert jobs.wait(ws, prior.id, timeout=120) == "done", ws.record(prior.id).error
    assert jobs.wait(ws, reward.id, timeout=120) == "done", ws.record(reward.id).error

    at = open_page("app_pages/prior.py")  # sampling defaults to the new models too
    for label in ("Prior to sample", "Reward model to score with"):
        picker = next(s for s in at.selectbox if s.label == label)
        assert " run " in picker.options[picker.index], picker.options

    at = open_page("app_pages/reward.py")
    # The run's model is shown first, not the shipped one listed before it.
    assert at.selectbox(key="reward_choice").value == str(ws.run_path(reward.id) / "reward")
    assert any(m.label == "Spearman rho" for m in at.metric)
    assert any(c.value.startswith("Network: ") and "among 2 shapes" in c.value
               for c in at.caption)
    assert not any("No held-out" in c.value for c in at.caption)

    at = open_page("app_pages/finetune.py")
    assert at.selectbox(key="ft_prior").value == str(ws.run_path(prior.id) / "prior")
    assert at.selectbox(key="ft_reward").value == str(ws.run_path(reward.id) / "reward")
    at.number_input[0].set_value(2)  # steps
    at.number_input[1].set_value(4)  # batch
    at.number_input[3].set_value(8)  # designs
    at.selectbox[2].set_value("none")  # the stand-in demo data has no oracle
    submit(at, "Launch fine-tuning")
    assert not at.exception and not at.error
    (tuned,) = ws.list_runs(kind="finetune")
    assert set(tuned.parents) == {prior.id, reward.id}
    assert jobs.wait(ws, tuned.id, timeout=120) == "done", ws.record(tuned.id).error

    at = open_page("app_pages/explore.py")
    assert not at.exception
    assert at.multiselect(key="explore_run").value == [tuned.id]
    table = at.dataframe[0].value
    assert len(table) >= 8 and {"predicted_mean", "uncertainty", "sequence"} <= set(table.columns)
    at.toggle(key="explore_offline_rows").set_value(True).run()  # the table lists designs only
    assert "offline data" in set(at.dataframe[0].value["source"])  # the reward step's overlay
    labels = {b.label for b in at.get("download_button")}
    assert {"Download CSV", "Download FASTA", "Download run configs (JSON)"} <= labels


@pytest.mark.slow
@pytest.mark.parametrize(("network", "tilt", "words"), [
    ("wide", 2.0, ("kernel 17", "the only shape fitted", "weighing the top of the data "
                   "(value tilt 2)")),
    ("average", 0.0, ("the average of 2 shapes", "dilations 1, 2, 4", "kernel 17")),
])
def test_reward_form_fits_the_network_shape_it_names(demo, workspace, network, tilt, words):
    at = open_page("app_pages/reward.py")
    labels = at.selectbox(key="reward_network").options
    assert len(labels) == 4 and labels[0].startswith("auto")  # every choice has its words
    assert [label.split(":")[0] for label in labels] == ["auto", "average", "dilated", "wide"]
    at.selectbox(key="reward_network").set_value(network)
    assert at.selectbox(key="reward_value_tilt").value == 0.0  # the product's default
    at.selectbox(key="reward_value_tilt").set_value(tilt)
    submit(at, "Train a reward model")
    assert not at.exception and not at.error
    (reward,) = workspace.list_runs(kind="reward")
    assert reward.config["network"] == network and reward.config["value_tilt"] == tilt
    assert jobs.wait(workspace, reward.id, timeout=180) == "done", workspace.record(reward.id).error
    at = open_page("app_pages/reward.py")  # the new run's model is the one shown
    caption = next(c.value for c in at.caption if c.value.startswith("Network: "))
    assert all(word in caption for word in words), caption


@pytest.mark.slow
def test_reward_form_weighs_replicated_values_by_the_noise_it_estimates(demo, workspace):
    """A table whose values are means of 1 or 8 measurements: 'estimated' reads the noise."""
    rng = np.random.default_rng(1)
    counts = rng.choice([1, 8], size=200)
    table = pd.DataFrame({"sequence": random_sequences(rng, 200),
                          "value": 3.0 * rng.standard_normal(200) / np.sqrt(counts),
                          "measurements": counts})
    table.to_csv(demo / "demo" / "offline.csv", index=False)
    at = open_page("app_pages/reward.py")
    picker = at.selectbox(key="reward_count_weighting")
    assert picker.value == "none"  # the product's default
    assert len(picker.options) == 3
    picker.set_value("estimated")
    at.selectbox(key="reward_network").set_value("wide")
    submit(at, "Train a reward model")
    assert not at.exception and not at.error
    (reward,) = workspace.list_runs(kind="reward")
    assert reward.config["count_weighting"] == "estimated"
    assert jobs.wait(workspace, reward.id, timeout=180) == "done", workspace.record(reward.id).error
    at = open_page("app_pages/reward.py")
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Network: ") and "measurement noise they leave" in c
               for c in captions), captions
    # one measurement's variance is 9 and the values hold nothing else to fit
    noise = workspace.record(reward.id).summary["noise_variance"]
    assert 3.0 < noise < 20.0, noise
    assert any(c.startswith("Held-out errors: one measurement's noise variance")
               and "held-out designs)" in c for c in captions), captions  # with its +- error


def test_a_vector_prior_is_recorded_without_a_sequence_column(demo, workspace):
    from dashboard import uploads

    rng = np.random.default_rng(0)
    table = pd.DataFrame(rng.normal(size=(200, 2)), columns=["x0", "x1"])
    uploads.store_upload(workspace.root, table.to_csv(index=False).encode(), "vectors.csv")
    at = open_page("app_pages/prior.py")
    assert "/uploads/vectors-" in at.selectbox(key="pretrain_data").value  # the newest upload
    at.number_input[0].set_value(0.01)  # minutes of pre-training
    at.selectbox[1].set_value("cpu")
    submit(at, "Pre-train a prior")
    assert not at.exception and not at.error
    (prior,) = workspace.list_runs(kind="prior")
    # The command line records vectors' column as null; the page recorded "sequence".
    assert prior.config["data"]["sequence_column"] is None
    assert jobs.wait(workspace, prior.id, timeout=120) == "done", workspace.record(prior.id).error
