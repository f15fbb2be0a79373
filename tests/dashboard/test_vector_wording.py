"""Pages that show a vector data set or prior say nothing that only sequences have: no
alphabet, no network shape, no position noise, and the space in Space.describe's words
(AppTest)."""

from __future__ import annotations

import json

from dashboard_runs import APP
from streamlit.testing.v1 import AppTest

from dashboard import demo as demo_module
from dashboard import uploads

VECTORS = b"x0,x1,x2,value\n" + b"".join(
    f"{i * 0.1:.1f},{(i % 7) * 0.3:.1f},{(i % 3) - 1},{i % 5}\n".encode() for i in range(30))


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at = at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_a_vector_data_set_is_offered_without_an_alphabet_or_a_network_shape(demo, workspace):
    at = open_page("app_pages/data.py")  # the demo: sequences
    assert any("this data set's alphabet" in c.value for c in at.caption)
    at = open_page("app_pages/reward.py")
    assert "Network shape (sequences)" in [s.label for s in at.selectbox]
    vectors = uploads.store_upload(workspace.root, VECTORS, "vec.csv")  # the newest
    at = open_page("app_pages/data.py")
    at.selectbox(key="dataset_choice").set_value(vectors.path).run()
    captions = [c.value for c in at.caption]
    assert any("this data set's vector columns" in c for c in captions)
    assert not any("alphabet" in c for c in captions)
    at = open_page("app_pages/reward.py")
    assert at.selectbox(key="reward_data").value == vectors.path  # picked: the newest
    assert "Network shape (sequences)" not in [s.label for s in at.selectbox]


def test_a_vector_prior_shows_its_space_in_words_and_no_position_noise(demo, workspace):
    run = workspace.create_run("prior", {"data": {"path": "vec.csv"}})
    folder = workspace.run_path(run.id) / "prior"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({
        "format": "braid-prior", "space": {"kind": "vector", "dim": 6},
        "config": {"width": 64, "depth": 2, "position_noise": 0.0}}))
    workspace.set_status(run.id, "running")
    workspace.set_status(run.id, "done")
    table = open_page("app_pages/prior.py").dataframe[0].value
    shipped, vector = table.iloc[0], table.iloc[1]  # the shipped prior first
    assert vector["space"] == "vectors of dimension 6"  # was "kind=vector, dim=6"
    assert vector["position noise"] is None or vector["position noise"] != vector[
        "position noise"]  # blank (None or NaN)
    assert shipped["space"].startswith("sequences of length 32") and shipped[
        "position noise"] == 3.0


def test_the_kl_weight_starts_at_the_vectors_own_default_and_is_kept_apart(demo, workspace):
    from braid_core import defaults

    def alpha(at: AppTest):
        return next(n for n in at.number_input if n.label == "KL weight alpha")

    vectors = uploads.store_upload(workspace.root, VECTORS, "vec.csv")
    at = open_page("app_pages/design.py")  # the newest upload picked: vectors
    assert at.selectbox(key="design_offline").value == vectors.path
    assert alpha(at).value == defaults.VECTOR_ALPHA != defaults.ALPHA
    at.selectbox(key="design_offline").set_value(str(demo / "demo" / "offline.csv")).run()
    assert not at.exception
    assert alpha(at).value == defaults.ALPHA
    alpha(at).set_value(0.25).run()
    at.selectbox(key="design_offline").set_value(vectors.path).run()
    assert alpha(at).value == defaults.VECTOR_ALPHA  # the vectors' own, not the 0.25
    at.selectbox(key="design_offline").set_value(str(demo / "demo" / "offline.csv")).run()
    assert alpha(at).value == 0.25  # the sequences' value, as changed, on going back


def test_the_finetune_alpha_slider_keeps_a_value_for_each_kind_of_prior(
        demo, workspace):
    from braid_core import defaults

    run = workspace.create_run("prior", {"data": {"path": "vec.csv"}})
    folder = workspace.run_path(run.id) / "prior"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({
        "format": "braid-prior", "space": {"kind": "vector", "dim": 3},
        "config": {"width": 64, "depth": 2}}))
    workspace.set_status(run.id, "running")
    workspace.set_status(run.id, "done")
    at = open_page("app_pages/finetune.py")  # the newest prior picked: vectors
    assert at.selectbox(key="ft_prior").value == str(folder)
    keys = {s.key: s.value for s in at.select_slider}
    assert keys.get("alpha") == defaults.VECTOR_ALPHA, keys
    assert at.query_params["alpha"] == f"{defaults.VECTOR_ALPHA:g}"
    at.selectbox(key="ft_prior").set_value(str(demo_module.DEMO_PRIOR)).run()
    assert not at.exception
    keys = {s.key: s.value for s in at.select_slider}
    assert keys.get("alpha") == defaults.ALPHA, keys  # the shipped prior: sequences
    at.select_slider(key="alpha").set_value(0.5).run()
    at.selectbox(key="ft_prior").set_value(str(folder)).run()
    assert at.select_slider(key="alpha").value == defaults.VECTOR_ALPHA  # the vectors' own
    at.selectbox(key="ft_prior").set_value(str(demo_module.DEMO_PRIOR)).run()
    assert at.select_slider(key="alpha").value == 0.5  # the sequences', as moved
    assert at.query_params["alpha"] == "0.5"
