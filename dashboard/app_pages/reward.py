"""Reward model page: the shipped model or training one (ensemble or bonus); held-out quality."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from braid_core.pipeline import weak_ranking_note
from braid_core.rewards import NETWORK_CHOICES
from braid_core.rewards.io import describe_network
from braid_core.rewards.replicates import COUNT_WEIGHTINGS
from braid_core.runs.summary import undefined_reason
from dashboard import catalog, charts, components, state

METRICS = {
    "pearson": "Pearson r",
    "spearman": "Spearman rho",
    "rmse": "RMSE",
    "uncertainty_spearman": "rho(u, |error|)",
    "coverage_2u": "coverage of +-2u",
}
# braid_core.rewards.NETWORK_CHOICES, in words.
NETWORKS = {
    "auto": "auto: dilated and wide both fitted, lower validation error kept",
    "average": "average: dilated and wide both fitted, predictions averaged",
    "dilated": "dilated: 3 conv layers, dilations 1, 2, 4",
    "wide": "wide: 2 conv layers of kernel 17",
}
def reward_metrics(choice: catalog.ModelChoice) -> dict[str, float]:
    """Held-out metrics: a reward run's summary, else those saved in the model's config.json
    (a design run's summary is about its designs)."""
    if choice.run_id is not None:
        record = state.workspace().record(choice.run_id)
        if record.kind == "reward" and record.summary:
            return record.summary
    return (state.json_file(Path(choice.path) / "config.json") or {}).get("metrics", {})


def network_caption(choice: catalog.ModelChoice) -> str | None:
    """The kept network's shape in words, and how many shapes validation chose among."""
    meta = state.json_file(Path(choice.path) / "config.json") or {}
    try:
        return f"Network: {describe_network(meta)}."
    except (KeyError, TypeError, ValueError):
        return None


def heldout(choice: catalog.ModelChoice) -> pd.DataFrame | None:
    """The held-out table (measured, predicted_mean, uncertainty) of a run or shipped model."""
    folder = state.workspace().run_path(choice.run_id) if choice.run_id else Path(choice.path)
    return state.run_table(folder, "heldout")


def noise_caption(values: dict[str, float]) -> str | None:
    """The held-out errors split into measurement noise and misfit, in words (data whose
    values are means of different numbers of measurements)."""
    if "noise_variance" not in values:
        return None
    spread = ""
    if "noise_variance_se" in values:  # models saved before session 32 lack it
        spread = (f" (+- {values['noise_variance_se']:.2g}, read off "
                  f"{values.get('n_val', 0):.0f} held-out designs)")
    return (f"Held-out errors: one measurement's noise variance {values['noise_variance']:.3g}"
            f"{spread}, the fit's misfit {values['misfit_variance']:.3g}. Measuring a design n "
            "times shrinks the first to 1/n of it; the second only a better fit shrinks.")


KINDS = {"boot": "bootstrap ensemble", "bonus": "last-layer bonus"}  # uncertainty, in words
DEVICES = ("auto", "cpu", "cuda")


@st.fragment
def train_form(default_kind: str, default_network: str, default_tilt: float,
               default_weighting: str) -> None:
    """Training settings and button; a fragment panel, not a st.form, so that what was typed
    is sent at once and kept across pages (as on the Design page)."""
    datasets = [d for d in catalog.all_datasets(state.workspace().root) if d.labeled]
    if not datasets:
        st.info("A reward model needs designs with measured values: add them on the Data page.")
        return
    keep = state.keep_across_pages
    with st.container(border=True):
        default = catalog.preferred_dataset(datasets, labeled=True)
        components.follow_added_designs("reward_data", datasets)
        keep("reward_data", datasets[default].path, [d.path for d in datasets])
        dataset = components.path_picker("Designs with values", datasets, default,
                                         key="reward_data")  # fmt: skip
        left, middle, right = st.columns(3)
        kind = left.radio("Uncertainty", list(KINDS), horizontal=True, format_func=KINDS.get,
                          **keep("reward_kind", default_kind, KINDS))
        seed = middle.number_input("Seed", 0, 10_000, **keep("reward_seed", 0))
        device = right.selectbox("Device", DEVICES,
                                 **keep("reward_device", DEVICES[0], DEVICES))
        network = default_network  # vectors have one shape (an MLP): no choice shown
        if not dataset.holds_vectors:
            network = st.selectbox(
                "Network shape (sequences)", list(NETWORK_CHOICES), format_func=NETWORKS.get,
                **keep("reward_network", default_network, NETWORK_CHOICES),
                help="Held-out error cannot tell which shape ranks designs better than any in "
                "your table. Where many designs share the best value, fit each shape and "
                "measure a few of each one's designs.")
        keep("reward_value_tilt", default_tilt, components.TILTS)
        tilt = components.value_tilt_picker(st, default_tilt, key="reward_value_tilt")
        keep("reward_count_weighting", default_weighting, COUNT_WEIGHTINGS)
        weighting = components.count_weighting_picker(st, default_weighting,
                                                      key="reward_count_weighting")
        name = components.run_name_input("reward_name")
        submitted = st.button("Train a reward model")
    if submitted:
        from braid_core import pipeline

        try:  # data too small to fit on is refused here, not as a failed run
            config = pipeline.reward_config(dataset.path, alphabet=dataset.alphabet, kind=kind,
                                            seed=int(seed), device=device, network=network,
                                            value_tilt=tilt, count_weighting=weighting)
        except ValueError as err:
            st.error(f"Not started: {components.plain(str(err))}")
            return
        components.launch("reward", config, name=name)


def show_quality(choice: catalog.ModelChoice) -> None:
    values = reward_metrics(choice)
    caption = network_caption(choice)
    for line in (caption, noise_caption(values)):
        if line:
            st.caption(line)
    shown = [(key, label, values[key]) for key, label in METRICS.items() if key in values]
    if shown:
        for (key, label, value), column in zip(shown, st.columns(len(shown)), strict=True):
            why = undefined_reason(key, float(value))  # "nan" said nothing
            column.metric(label, "n/a" if why else f"{float(value):.3f}",
                          help=f"Not defined: {why}." if why else None)
        if weak := weak_ranking_note(values):
            st.warning(components.plain(f"{weak[0].upper()}{weak[1:]}."))
        st.caption("How to read u: it is the model's uncertainty about r_hat (what more data "
                   "near a design would shrink; it grows away from the data), not the noise of "
                   "a measurement. So where measurements are noisy, coverage of +-2u falls well "
                   "below 95 %, and on held-out designs as near the data as these, u may rank "
                   "the errors little (rho(u, |error|) near 0). The conservative reward leans "
                   "on u where fine-tuning leaves the data, and there u grows more slowly than "
                   "the error of a reward that bends: on vectors 8 standard deviations out, "
                   "BRAID-Bonus's u was 3-17 times too small, BRAID-Boot's up to 4 times "
                   "(bench/results/vector_uncertainty.md). A small u far from the data does "
                   "not show that a prediction is right; only a measurement does.")
    table = heldout(choice)
    if table is None or not len(table):
        st.caption("No held-out predictions saved for this model.")
        return
    left, right = st.columns(2)
    left.markdown("**Held-out: predicted vs measured** (bars: +-2u)")
    left.altair_chart(charts.heldout_scatter(table), width="stretch")
    right.markdown("**Calibration: error vs uncertainty**")
    right.altair_chart(charts.calibration_chart(charts.calibration_table(table)),
                       width="stretch")  # fmt: skip


def render() -> None:
    st.title("Reward model")
    st.caption("A reward model r_hat with uncertainty u, fitted on the offline designs. "
               "Fine-tuning maximises r_hat - c * u.")  # fmt: skip
    choices = catalog.rewards(state.workspace())
    choice = components.model_picker("Reward model", choices, key="reward_choice")
    if choice is not None:
        show_quality(choice)
    st.subheader("Train")
    defaults = state.pipeline_defaults()
    train_form(defaults.get("reward_kind", "boot"), defaults.get("reward_network", "auto"),
               defaults.get("value_tilt", 0.0), defaults.get("count_weighting", "none"))
    # Which network shape is fitting is said in words above the curves.
    components.live_runs(("reward",), key="reward", metrics=("loss", "val_rmse"))


render()
