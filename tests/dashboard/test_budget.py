"""dashboard/budget.py: what a run's time budget cut short, from the files it left."""

from __future__ import annotations

from dashboard.budget import budget_shortfalls


def test_a_run_with_time_to_spare_has_no_shortfall():
    # A pool drawn past its size (a concentrated sampler asked for more) is no shortfall,
    # nor is a config saved before the pool existed, nor a run without a reward model.
    assert budget_shortfalls({"pool_size": 64}, {"pool_size": 80}, None) == []
    assert budget_shortfalls({}, {"pool_size": 16}, {"metrics": {}}) == []
    fit = {"metrics": {"networks_cut_by_time": 0.0}, "config": {"max_minutes": 1.0}}
    assert budget_shortfalls({"pool_size": 64}, {"pool_size": 64}, fit) == []


def test_each_step_cut_short_is_named():
    fit = {"metrics": {"networks_cut_by_time": 1.0}, "config": {}}
    found = budget_shortfalls({"pool_size": 40, "num_designs": 8}, {"pool_size": 24}, fit)
    assert [s.step for s in found] == ["reward fit", "pool"]
    assert found[0].message.startswith("The reward fit reached its time limit: 1 network(s)")
    assert found[1].message.startswith("The time limit let the fine-tuned model draw 24 of "
                                       "the 40 pool designs")
    assert "the 8 handed over" in found[1].message  # the config's, lacking a summary's
    assert found[1].message.endswith(".")


def test_a_prior_cut_short_is_said_as_the_pipeline_says_it_with_this_apps_field():
    from braid_core.pipeline import prior_time_note

    summary = {"prior_cut_by_time": True, "prior_steps": 3.0, "prior_warmup_steps": 100.0,
               "prior_max_minutes": 0.005, "pool_size": 64}
    found, = budget_shortfalls({"pool_size": 64}, summary, None)
    assert found.step == "pre-training"
    assert "after 3 of its 100 warm-up steps" in found.message
    assert "Time budget" in found.message and "--max-minutes" not in found.message
    # the same words as the run's log, but for the option's name
    assert found.message[1:-1] == prior_time_note(summary)[1:].replace("--max-minutes",
                                                                      "Time budget")
    assert budget_shortfalls({}, {**summary, "prior_cut_by_time": False}, None) == []
