"""The Fine-tune page's KL weight alpha keeps one value for each kind of prior (sequences,
vectors) across visits to other pages and a prior of the other kind appearing meanwhile."""

from __future__ import annotations

from dashboard_runs import APP
from streamlit.testing.v1 import AppTest
from test_model_spaces import DNA_SPACE, finished_model

from braid_core import defaults

VECTOR_SPACE = {"kind": "vector", "dim": 3}
PAGE = "app_pages/finetune.py"


def open_finetune() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_alpha_goes_back_to_the_vectors_own_after_a_visit_and_a_new_sequence_prior(
        demo, workspace):
    # A tester's vector run was launched at alpha 0.1: the vectors' value was lost in a page
    # visit, and picking the vector prior again kept the sequences' 0.1.
    vectors = finished_model(workspace, "prior", VECTOR_SPACE)
    finished_model(workspace, "reward", VECTOR_SPACE)
    at = open_finetune()
    assert at.selectbox(key="ft_prior").value == vectors
    assert at.select_slider(key="alpha").value == defaults.VECTOR_ALPHA
    at.switch_page("app_pages/runs.py").run()
    dna = finished_model(workspace, "prior", DNA_SPACE)  # trained from the CLI meanwhile
    at.switch_page(PAGE).run()
    assert at.selectbox(key="ft_prior").value == dna
    assert at.select_slider(key="alpha").value == defaults.ALPHA
    at.selectbox(key="ft_prior").set_value(vectors).run()
    assert not at.exception, at.exception
    assert at.select_slider(key="alpha").value == defaults.VECTOR_ALPHA
    assert at.query_params["alpha"] == f"{defaults.VECTOR_ALPHA:g}"


def test_a_value_moved_for_vectors_survives_the_visit_too(demo, workspace):
    vectors = finished_model(workspace, "prior", VECTOR_SPACE)
    at = open_finetune()
    at.select_slider(key="alpha").set_value(0.2).run()
    at.switch_page("app_pages/runs.py").run()
    finished_model(workspace, "prior", DNA_SPACE)
    at.switch_page(PAGE).run()
    assert at.select_slider(key="alpha").value == defaults.ALPHA
    at.select_slider(key="alpha").set_value(0.5).run()
    at.selectbox(key="ft_prior").set_value(vectors).run()
    assert at.select_slider(key="alpha").value == 0.2
    at.switch_page("app_pages/runs.py").run()
    at.switch_page(PAGE).run()
    assert at.select_slider(key="alpha").value == 0.2  # the prior picked: still the vectors
    at.selectbox(key="ft_prior").set_value(str(demo / "priors")).run()
    assert at.select_slider(key="alpha").value == 0.5


def test_the_sweep_s_alpha_values_start_on_the_slider_s_alpha_of_the_kind_picked(
        demo, workspace):
    # They stayed on the sequences' 0.1 where a vector prior was picked after a sequence one.
    vectors = finished_model(workspace, "prior", VECTOR_SPACE)
    finished_model(workspace, "reward", VECTOR_SPACE)
    at = open_finetune()
    assert at.multiselect(key="ft_alpha_values").value == [defaults.VECTOR_ALPHA]
    at.selectbox(key="ft_prior").set_value(str(demo / "priors")).run()
    assert at.multiselect(key="ft_alpha_values").value == [defaults.ALPHA]
    at.selectbox(key="ft_prior").set_value(vectors).run()
    assert at.select_slider(key="alpha").value == defaults.VECTOR_ALPHA
    assert at.multiselect(key="ft_alpha_values").value == [defaults.VECTOR_ALPHA]
