"""Fine-tune page: c and alpha sliders, launch one run or a sweep, live curves, comparison.

The c and alpha sliders and the compared runs are in the URL (?c=..&alpha=..&run=..), so a
link or a reload reopens the same view.
"""

from __future__ import annotations

import itertools

import streamlit as st

from braid_core import defaults as braid_defaults
from braid_core.data.combining import in_words
from braid_core.spaces import Space, VectorSpace
from dashboard import catalog, components, curves, final_numbers, run_names, state

BASELINES = ["pretrained", "offline-best", "guidance", "ddom", "proxy"]
MAX_SWEEP = 24  # runs one click may start
COMPARED = ("reward", "uncertainty", "kl", "true_score_median", "valid_fraction")


def design_kind(space: Space | None) -> str:
    """"vectors" or "sequences": the kind of designs a prior of `space` makes, each with a
    KL weight of its own."""
    return "vectors" if isinstance(space, VectorSpace) else "sequences"


def sliders(defaults: dict, kind: str = "sequences") -> tuple[float, float]:
    """The c and alpha sliders; alpha starts at the default of `kind` (`design_kind`), and
    each kind keeps its own value as priors of either kind are picked."""
    default_alpha = defaults["vector_alpha" if kind == "vectors" else "alpha"]
    c_grid, _ = state.bound_number("c", state.with_value(state.C_GRID, defaults["c"]),
                                   defaults["c"])
    # before bound_number, which would fit the other kind's value to this grid first
    state.per_kind("alpha", kind, default_alpha)
    alpha_grid, _ = state.bound_number("alpha", state.with_value(state.ALPHA_GRID, default_alpha),
                                       default_alpha)
    left, right = st.columns(2)
    c = left.select_slider("Conservatism c (weight on uncertainty)", c_grid, key="c",
                           format_func=state.format_number)  # fmt: skip
    alpha = right.select_slider(
        "KL weight alpha (stay near the prior)", alpha_grid, key="alpha",
        format_func=state.format_number,
        help=f"Default {defaults['alpha']:g} for sequences, {defaults['vector_alpha']:g} for "
        "vectors (measured apart).")
    state.to_url("c", c)
    state.to_url("alpha", alpha)
    return c, alpha


def runs_text(runs: int, c_values: int, alpha_values: int, seeds: int,
              sweep: bool) -> str:  # fmt: skip
    """What a click on Launch starts, in words (or why it starts nothing)."""
    def count(n: int, what: str) -> str:
        return f"{n} {what}" + ("" if n == 1 else "s")

    if not runs:
        return "Pick at least one c value and one alpha value for the sweep."
    if runs > MAX_SWEEP:
        return (f"That is {runs} runs; at most {MAX_SWEEP} start from one click: pick fewer "
                "values or seeds.")
    settings = (f"{count(c_values, 'c value')} × {count(alpha_values, 'alpha value')}" if sweep
                else "the sliders' c and alpha")
    return f"This starts {count(runs, 'run')}: {settings} × {count(seeds, 'seed')}."


@st.fragment
def launch_form(prior: catalog.ModelChoice, reward: catalog.ModelChoice, c: float,
                alpha: float, defaults: dict, kind: str) -> None:  # fmt: skip
    """The launch settings and button. Not a st.form, which sends nothing before its button:
    the count of runs a click starts must follow the seeds and the grid as they are picked.
    As a fragment, a change reruns this panel alone, not the page's charts. `kind`: the
    prior's (`design_kind`), whose alpha values the sweep starts on."""
    guess = reward.task or prior.task
    tasks = ["none", *state.oracle_choices(prior.path)]
    # One picker per prior, so that another prior starts from its own guess. The data's own
    # task (e.g. an Ehrlich instance) and one typed before are listed where they fit.
    key = f"ft_oracle:{prior.path}"
    tasks += [t for t in dict.fromkeys((guess, state.kept_value(key)))
              if t and t not in tasks and state.oracle_fits(prior.path, t)]  # fmt: skip
    keep = state.keep_across_pages  # every setting, so that a visit to another page keeps it
    with st.container(border=True):
        cols = st.columns(4)
        # the most one run takes (braid_core.defaults), as `braid finetune` and the config
        steps = cols[0].number_input("Steps", 1, braid_defaults.MAX_STEPS,
                                     **keep("ft_steps", int(defaults["steps"])))
        batch = cols[1].number_input("Batch size", 1, braid_defaults.MAX_BATCH,
                                     **keep("ft_batch_size", int(defaults["batch_size"])))
        seeds = cols[2].number_input("Seeds", 1, 8, **keep("ft_seeds", 1),
                                     help="Repeats with seeds 0, 1, ...")
        num = cols[3].number_input("Designs to sample", 8, 10_000, step=64,
                                   **keep("ft_num_designs", 128))
        task = st.selectbox(
            "Oracle for true scores", tasks, accept_new_options=True,
            # Any typed value stands (one that does not fit is refused, with why, on launch).
            **keep(key, guess if guess in tasks else tasks[0]),
            help="The benchmark task the designs come from, if any: its oracle scores the "
            "designs (never the training). Listed: the tasks of the prior's design space; type "
            "an Ehrlich instance as LENGTH:MOTIFS:SEED (e.g. 37:2:1461, as `braid task export` "
            "takes it).")
        pool_factor = st.number_input(
            "Pool factor", 1, 16, **keep("ft_pool_factor", int(defaults["pool_factor"])),
            help="Draw this many times the designs and keep the best distinct ones by "
            "conservative score (1: keep every design drawn).")
        # as on the Prior, Reward model and Design pages; a sweep's runs share it
        name = components.run_name_input("ft_name")
        with st.expander("Sweep a grid of c and alpha"):
            sweep = st.checkbox("Sweep this grid (instead of the sliders' values)",
                                **keep("ft_sweep", False))
            left, right = st.columns(2)
            # Prefix matching: the default fuzzy match put 0.05 first for a typed "0.5" (its
            # letters in order), so Enter picked 0.05.
            c_grid = state.with_value(state.C_GRID, c)
            c_values = left.multiselect("c values", c_grid, filter_mode="prefix",
                                        format_func=state.format_number,
                                        **keep("ft_c_values", sorted({0.0, c}), c_grid))
            alpha_grid = state.with_value(state.ALPHA_GRID, alpha)
            # as the slider: the vectors' alpha values are not the sequences'
            state.per_kind("ft_alpha_values", kind, [alpha])
            alpha_values = right.multiselect(
                "alpha values", alpha_grid, filter_mode="prefix",
                format_func=state.format_number,
                **keep("ft_alpha_values", [alpha], alpha_grid))
        grid = list(itertools.product(c_values, alpha_values)) if sweep else [(c, alpha)]
        runs = [(cv, av, seed) for cv, av in grid for seed in range(int(seeds))]
        # 2:3: at 1024 px a quarter of the panel cut the label to "Launch fine-tu..."
        button, count = st.columns([2, 3], vertical_alignment="center")
        count.caption(runs_text(len(runs), len(c_values), len(alpha_values), int(seeds), sweep))
        submitted = button.button("Launch fine-tuning",
                                  disabled=not runs or len(runs) > MAX_SWEEP)
        if reward.data_removed:
            st.caption(components.plain(
                f"This reward model's data, {catalog.source_name(reward.data)}, was removed "
                "on the Data page: fine-tuning goes without it, so its designs get no novelty "
                "(distance to D) and a design already measured is not left out of them."))
    if not submitted:
        return
    from braid_core import pipeline

    oracle = (task or "none").strip()
    try:  # every config first: a wrong oracle launches nothing rather than part of a sweep
        configs = pipeline.finetune_sweep(
            prior.path, reward.path, runs, steps=int(steps), batch_size=int(batch),
            num_designs=int(num), pool_size=int(pool_factor) * int(num),
            task=None if oracle == "none" else oracle, offline=reward.data_left)
    except ValueError as err:
        st.error(f"Nothing was launched: {components.plain(str(err))}")
        return
    parents = catalog.parent_runs(prior, reward)
    for config in configs:
        components.launch("finetune", config, parents=parents, name=name)


def baseline_form(prior: catalog.ModelChoice, reward: catalog.ModelChoice, c: float) -> None:
    with st.expander("Baselines (designs to compare against)"):
        baseline_panel(prior, reward, c)


@st.fragment
def baseline_panel(prior: catalog.ModelChoice, reward: catalog.ModelChoice, c: float) -> None:
    """Baseline settings and button; a fragment panel, not a st.form, so that what was
    picked is sent at once and kept across pages (as the launch panel above)."""
    keep = state.keep_across_pages
    methods = st.multiselect(
        "Methods", BASELINES, **keep("baseline_methods", ["pretrained", "offline-best"], BASELINES))
    num = st.number_input("Designs per method", 8, 10_000, step=64,
                          **keep("baseline_num", 128))
    task = reward.task or prior.task
    if reward.data_removed:
        st.caption(components.plain(components.needs_removed_data(
            reward, "the baselines start from it")))
    if not st.button("Run baselines", disabled=reward.data_removed):
        return
    from braid_core import pipeline

    parents = catalog.parent_runs(prior, reward)
    try:  # every config first, as for fine-tuning
        configs = {method: pipeline.baseline_config(method, prior.path, reward.path,
                                                    num_designs=int(num), task=task,
                                                    offline=reward.data_left, c=c)
                   for method in methods}  # fmt: skip
    except ValueError as err:
        st.error(f"Nothing was launched: {components.plain(str(err))}")
        return
    for method, config in configs.items():
        components.launch("baseline", config, parents=parents, name=f"baseline {method}")


def compare() -> None:
    ws = state.workspace()
    records = state.records(ws, ("finetune", "baseline"))
    if not records:
        st.caption("No fine-tuning runs yet.")
        return
    by_id = {r.id: r for r in records}
    ids = list(by_id)
    chosen = state.bound_runs("run", ids, run_names.compare_defaults(records, ws, 4))
    # Runs that finished while the page was open join the comparison (a sweep just launched),
    # and so do runs cancelled: their curves so far stay in sight.
    finished = [i for i in st.session_state.pop(components.FINISHED, ()) if i in by_id
                and by_id[i].status in ("done", "cancelled") and i not in chosen]
    if finished:
        st.session_state["run"] = [*chosen, *finished]
    # Named with their reward (and prior) model where the runs use several, as on Explore.
    names = run_names.run_labels(records, ws)
    chosen = st.multiselect("Runs to compare", ids, key="run",
                            # No status in the label: a chosen tag keeps its first label.
                            format_func=names.__getitem__)
    state.to_url("run", chosen)
    if not chosen:
        return
    components.warn_of_mixed_rewards([by_id[i] for i in chosen],
                                     ". Compare true scores, or runs of one reward model.")
    labels = {i: run_names.run_label(by_id[i]) for i in chosen}
    models = run_names.model_suffixes([by_id[i] for i in chosen], ws)
    # A run that ended early is no seed of its setting: pooled, its short curves and missing
    # numbers would pass for the setting's.
    ended = {i: f" ({by_id[i].status})" if by_id[i].status in ("cancelled", "failed") else ""
             for i in chosen}
    groups = {labels[i]: run_names.group_label(by_id[i].config) + models[i] + ended[i]
              for i in chosen}
    frames = {labels[i]: state.metrics(ws.run_path(i)) for i in chosen}
    long = curves.long_metrics(frames, COMPARED)
    if len(long):
        # "runs", not "seeds": two launches of one setting and seed are two runs of it
        st.markdown("**Curves, runs of a setting pooled** (line: mean; band: min to max "
                    "over its runs, e.g. its seeds)")
        bands = curves.seed_bands(long, groups)
        components.draw_curves(curves.band_curves(bands))
    summaries = {labels[i]: by_id[i].summary for i in chosen}
    st.markdown("**Final numbers per setting** (mean +- std over its runs)")
    # The group pinned at medium width: whole, a long name (with its reward model) pushed
    # the numbers out of a 1024 px window; the legend above has it whole.
    table, blank = final_numbers.without_numbers(final_numbers.group_summary(summaries, groups))
    if len(table):
        st.dataframe(table, width="stretch", hide_index=True,
                     column_config={"group": st.column_config.TextColumn(
                         pinned=True, width="medium", help="The setting; the legend above has "
                         "each name whole")})
    if blank:
        # A row of blanks read as a table that failed to load.
        st.caption(f"No final numbers for {in_words(blank)}: "
                   f"{'it' if len(blank) == 1 else 'they'} ended before writing a summary.")


def render() -> None:
    st.title("Fine-tune")
    st.caption("BRAID: maximise E[r_hat - c * u] - alpha * KL(fine-tuned || prior). "
               "Larger c trusts the reward model less away from the data; larger alpha stays "
               "closer to the prior.")  # fmt: skip
    ws = state.workspace()
    defaults = state.pipeline_defaults()
    left, right = st.columns(2)
    with left:
        prior = components.model_picker("Prior", catalog.priors(ws), key="ft_prior")
    with right:
        space = catalog.saved_space(prior.path) if prior is not None else None
        reward = components.model_picker("Reward model", catalog.rewards(ws), key="ft_reward",
                                         space=space, made_with=prior)
    kind = design_kind(space)
    c, alpha = sliders(defaults, kind)
    if prior is not None and reward is not None and components.models_fit(space, reward):
        launch_form(prior, reward, c, alpha, defaults, kind)
        baseline_form(prior, reward, c)
    st.subheader("In progress")
    components.live_runs(("finetune", "baseline"), key="finetune",
                         left="Its curves so far stay under Compare runs below; its log is on "
                         "the Runs page.")
    st.subheader("Compare runs")
    compare()


render()
