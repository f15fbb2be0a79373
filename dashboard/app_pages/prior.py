"""Prior page: the shipped prior or pre-training one (a background job); sample validity."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from braid_core.diffusion.prior import PriorConfig
from braid_core.runs import FINISHED
from braid_core.spaces import VectorSpace
from dashboard import catalog, components, design_spaces, state


def prior_table(choices: list[catalog.ModelChoice]) -> pd.DataFrame:
    """The priors, each with its design space in the words the Data page's help uses
    (Space.describe), its network, and its calibrated position noise where it has one (a
    sequence prior's: vectors have no positions to noise)."""
    rows = []
    for choice in choices:
        meta = state.json_file(Path(choice.path) / "config.json") or {}
        space = catalog.saved_space(choice.path)
        config = meta.get("config", {})
        rows.append({"prior": choice.label, "space": space.describe() if space else None,
                     "width": config.get("width"), "depth": config.get("depth"),
                     # calibrated after pre-training (diffusion/calibrate.py)
                     "position noise": (None if isinstance(space, VectorSpace)
                                        else config.get("position_noise")),
                     "trained on": catalog.data_name(choice.data) if choice.data
                     else ""})  # fmt: skip
    return pd.DataFrame(rows).dropna(axis="columns", how="all")


DEVICES = ("auto", "cpu", "cuda")


@st.fragment
def pretrain_form() -> None:
    """Pre-training settings and button; a fragment panel, not a st.form, so that what was
    typed is sent at once and kept across pages (as on the Design page)."""
    datasets = catalog.all_datasets(state.workspace().root)
    if not datasets:
        st.info("Add data on the Data page to pre-train a prior.")
        return
    keep = state.keep_across_pages
    with st.container(border=True):
        default = catalog.preferred_dataset(datasets, labeled=False)
        components.follow_added_designs("pretrain_data", datasets)
        keep("pretrain_data", datasets[default].path, [d.path for d in datasets])
        dataset = components.path_picker("Designs to pre-train on", datasets, default,
                                         key="pretrain_data")  # fmt: skip
        left, middle, right = st.columns(3)
        minutes = left.number_input("Time budget (minutes)", 0.01, 240.0, step=1.0,
                                    **keep("pretrain_minutes",
                                           float(PriorConfig().max_minutes)))  # fmt: skip
        seed = middle.number_input("Seed", 0, 10_000, **keep("pretrain_seed", 0))
        device = right.selectbox("Device", DEVICES,
                                 **keep("pretrain_device", DEVICES[0], DEVICES))
        name = components.run_name_input("pretrain_name")
        submitted = st.button("Pre-train a prior")
    if submitted:
        from braid_core import pipeline

        # its space, so a vector file is recorded without a sequence column, as the CLI does
        space = design_spaces.dataset_space(dataset, design_spaces.read_files(dataset))
        config = pipeline.prior_config(dataset.path, alphabet=dataset.alphabet,
                                       max_minutes=float(minutes), seed=int(seed),
                                       device=device, space=space)  # fmt: skip
        components.launch("prior", config, name=name)


@st.fragment
def sample_form(priors: list[catalog.ModelChoice]) -> None:
    """Sampling settings and button; a fragment panel kept across pages, as pretrain_form."""
    rewards = catalog.rewards(state.workspace())
    if not priors or not rewards:
        st.caption("Sampling needs a prior and a reward model (to score the designs).")
        return
    keep = state.keep_across_pages
    with st.container(border=True):
        default = catalog.newest_model(priors)
        keep("sample_prior_model", priors[default].path, [p.path for p in priors])
        prior = components.path_picker("Prior to sample", priors, default,
                                       key="sample_prior_model")  # fmt: skip
        # The reward model starts on one that scores what the newest prior makes; a mismatch
        # with the prior picked is refused on launch.
        space = catalog.saved_space(priors[default].path)
        default = catalog.newest_model(rewards, space)
        keep("sample_reward_model", rewards[default].path, [r.path for r in rewards])
        reward = components.path_picker("Reward model to score with", rewards, default,
                                        key="sample_reward_model")  # fmt: skip
        num = st.number_input("Designs", 8, 10_000, step=64, **keep("sample_num", 256))
        caption, warning, refusal = pairing_words(prior, reward)
        st.caption(components.plain(caption))
        if refusal:
            st.error(components.plain(refusal))
        elif warning:
            st.warning(components.plain(warning))
        if reward.data_removed:
            st.caption(components.plain(components.needs_removed_data(
                reward, "sampling measures the samples' distance to it")))
        submitted = st.button("Sample from the prior",
                              disabled=reward.data_removed or refusal is not None)
    if submitted:
        from braid_core import pipeline

        try:
            config = pipeline.baseline_config("pretrained", prior.path, reward.path,
                                              num_designs=int(num), task=prior.task,
                                              offline=reward.data_left,
                                              pool_size=int(num))  # plain samples  # fmt: skip
        except ValueError as err:
            st.error(f"Nothing was launched: {components.plain(str(err))}")
            return
        parents = catalog.parent_runs(prior, reward)
        components.launch("baseline", config, parents=parents, name=SAMPLES)


SAMPLES = "prior samples"  # the name of the runs the sample form starts
# The form starts a `baseline` run of method `pretrained`, not a `sample` run as `braid prior
# sample` records: a sample run only draws designs, and this one scores them (r_hat and u by
# the reward model, novelty against its data, validity by the oracle), as the baseline step
# does.


def pairing_words(prior: catalog.ModelChoice, reward: catalog.ModelChoice
                  ) -> tuple[str, str | None, str | None]:  # fmt: skip
    """What the samples are scored with (a caption), a warning where the reward model was
    not made with the prior's data, and a refusal where the two are of different design
    spaces. A tester's samples of a prior of one data set, scored by the reward model of
    another, read a novelty of 7.5e5 against measured designs 5,359 apart, without a word."""
    # a run's model is labelled with its data already ("... · data: x.csv")
    fitted = (f", fitted on {catalog.data_name(reward.data)}"
              if reward.data and " · data: " not in reward.label else "")
    caption = (f"The samples are scored by {reward.label}{fitted}: r_hat and u are its view "
               "of them, and each one's novelty is its distance to the designs it was fitted "
               "on.")
    made, scored = catalog.saved_space(prior.path), catalog.saved_space(reward.path)
    if made is not None and scored is not None and made != scored:
        return caption, None, (f"The prior makes {made.describe()}, but the reward model "
                               f"scores {scored.describe()}: pick a reward model of the "
                               "prior's design space.")
    together = ((prior.run_id is not None and prior.run_id == reward.run_id)  # one design run
                or (prior.run_id is None and reward.run_id is None)  # the shipped pair
                or prior.data == reward.data
                or catalog.one_upload(prior.data, reward.data)
                or (prior.task is not None and prior.task == reward.task))
    if together or not (prior.data and reward.data):
        return caption, None, None
    names = catalog.data_name(prior.data), catalog.data_name(reward.data)
    if names[0] == names[1]:  # an upload and the file given to the command line, say
        names = tuple(f"{name} ({_stored_as(path)})"
                      for name, path in zip(names, (prior.data, reward.data), strict=True))
    return caption, (
        f"The prior was pre-trained on {names[0]} and the reward model fitted on {names[1]}, "
        "apart. Where these are not designs of one kind (the unlabeled and the measured "
        "designs of one project), r_hat, u and novelty say little of the samples: pick the "
        "reward model fitted on the measured designs that go with the prior's data."), None


def _stored_as(path: str) -> str:
    """Where a data file of a model is kept, to tell two files of one name apart."""
    return "an upload" if Path(path).parent.name == catalog.UPLOADS else f"the file {path}"


def validity_table(priors: list[catalog.ModelChoice]) -> pd.DataFrame:
    """The sample runs that ended, newest first: which prior, how they ended, and how valid
    their designs are where an oracle could tell."""
    ws = state.workspace()
    named = {str(Path(choice.path).absolute()): choice.label for choice in priors}
    rows = []
    for record in ws.list_runs(kind="baseline"):
        if record.config.get("method") != "pretrained" or record.status not in FINISHED:
            continue
        prior = record.config.get("prior", "")
        row = {"run": record.id, "prior": named.get(prior, prior), "status": record.status}
        table = state.run_table(ws.run_path(record.id)) if record.status == "done" else None
        if table is not None:
            row["designs"] = len(table)
            if "valid" in table.columns:
                row["valid fraction"] = float(table["valid"].astype(float).mean())
            if "true_score" in table.columns:
                row["median true score"] = float(table["true_score"].median())
        row["error"] = record.error or ""
        rows.append(row)
    return pd.DataFrame(rows)


def render() -> None:
    st.title("Prior")
    st.caption("The diffusion prior p_pre over valid designs. The demo ships one; "
               "pre-training runs as a background job.")  # fmt: skip
    priors = catalog.priors(state.workspace())
    st.subheader("Available priors")
    if priors:
        # placeholder "": a vector prior's position noise blank, not "None"
        st.dataframe(prior_table(priors), width="stretch", hide_index=True, placeholder="")
    else:
        st.info("No prior yet: pre-train one below.")
    st.subheader("Pre-train")
    pretrain_form()
    components.live_runs(("prior",), key="prior", metrics=("loss",))
    st.subheader("Sample validity")
    sample_form(priors)
    components.live_runs(("baseline",), key="prior_samples", metrics=(), name=SAMPLES)
    table = validity_table(priors)
    if len(table):
        st.dataframe(table, width="stretch", hide_index=True)
        if "valid fraction" not in table.columns:
            st.caption("Validity needs an oracle: the benchmark task the prior's data came "
                       "from (e.g. the demo's). Your own data has none, so only the designs "
                       "are counted; Explore shows them.")


render()
