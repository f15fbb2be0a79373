"""How runs are named in pickers, legends and tables, and which runs go side by side (no
Streamlit): a run's key settings, and where the runs listed differ in them, the prior, reward
model and data behind each."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from braid_core.methods import method_knobs
from braid_core.runs import RunRecord, Workspace
from dashboard import demo
from dashboard.catalog import data_name, data_path


def settings(config: dict[str, Any]) -> dict[str, Any]:
    """The knobs of a fine-tuning or baseline config, flat: c, alpha, steps, batch_size, seed,
    method (those present). Fine-tuning configs nest them under "finetune"."""
    flat = {**config.get("finetune", {}), **config}
    keys = ("method", "c", "alpha", "steps", "batch_size", "seed")
    return {key: flat[key] for key in keys if flat.get(key) is not None}


def data_of(record: RunRecord, workspace: Workspace) -> str | None:
    """The file of measured designs behind a run's reward model: a design or reward run's
    own; for fine-tuning and baselines, that of the run that made their reward model (the
    demo's for the shipped one). None where it is not known (a deleted run's)."""
    if record.kind in ("design", "reward"):
        return data_path(record.config, "offline" if record.kind == "design" else "data")
    reward = reward_of(record, workspace)
    if reward is None:
        return None
    folder = Path(reward)
    if folder == Path(demo.DEMO_REWARD):
        return str(demo.DEMO_OFFLINE)
    if folder.parent.parent != workspace.root / "runs":
        return None
    try:
        maker = workspace.record(folder.parent.name)
    except KeyError:
        return None
    return data_of(maker, workspace) if maker.kind in ("design", "reward") else None


def own_data(record: RunRecord, workspace: Workspace) -> str | None:
    """The file of measured designs a run itself used: its config's offline file (the
    --offline of fine-tuning and baselines, the measured data of a design run), else the one
    behind its reward model (`data_of`). A run given its own --offline was named by its
    reward model's data, as if it had designed from that."""
    return data_path(record.config, "offline") or data_of(record, workspace)


def made_from_data(records: Sequence[RunRecord], workspace: Workspace, path: str
                   ) -> list[RunRecord]:  # fmt: skip
    """The `records` made from data file `path`: those whose config names it (a prior's or a
    reward model's data, either file of a design run, the offline data of fine-tuning and
    baselines) and those whose reward model was fitted on it (`data_of`), in their order."""
    target = Path(path).absolute()
    return [record for record in records
            if any(Path(f).absolute() == target for f in data_files(record, workspace))]


def data_files(record: RunRecord, workspace: Workspace) -> list[str]:
    """The data files a run was made from, each once: those its config names (a prior's or a
    reward model's data, either file of a design run, the offline data of fine-tuning and
    baselines) and the one its reward model was fitted on (`data_of`)."""
    files = [data_path(record.config, key) for key in ("data", "unlabeled", "offline")]
    files.append(data_of(record, workspace))
    return list(dict.fromkeys(f for f in files if isinstance(f, str) and f))


def run_label(record: RunRecord) -> str:
    """Short text for a run in pickers and legends: name or kind, key settings, id suffix."""
    config = settings(record.config)
    parts = [record.name or record.kind]
    if "method" in config:
        what = "design" if record.kind == "design" else "baseline"
        parts = [record.name or f"{what} {config['method']}"]
        # A design run records c and alpha whatever its method; show those it used. A
        # baseline that keeps every design it draws ranks none by r_c: no c either.
        unused = {"c", "alpha"} - set(method_knobs(config["method"]))
        if record.kind == "baseline" and record.config.get("pool_size") == record.config.get(
                "num_designs"):
            unused.add("c")
        config = {key: value for key, value in config.items() if key not in unused}
    for key in ("c", "alpha", "seed"):
        if key in config and record.kind in ("finetune", "baseline", "design"):
            parts.append(f"{key}={config[key]:g}")
    return " ".join(parts) + f" [{record.id[-4:]}]"


def model_of(record: RunRecord, workspace: Workspace, what: str) -> str | None:
    """The `what` ("prior" / "reward") model behind a run's designs: its config's, or a design
    run's own."""
    if record.kind == "design":
        return str(workspace.run_path(record.id) / what)
    model = record.config.get(what)
    return str(Path(model)) if model else None


def reward_of(record: RunRecord, workspace: Workspace) -> str | None:
    """The reward model that scored a run's designs."""
    return model_of(record, workspace, "reward")


def comparable_runs(records: Sequence[RunRecord], workspace: Workspace, most: int
                    ) -> list[str]:  # fmt: skip
    """The newest run and the next ones scored by the same reward model, up to `most`:
    r_hat and u of different reward models are on different scales (or spaces)."""
    if not records:
        return []
    reward = reward_of(records[0], workspace)
    return [r.id for r in records if reward_of(r, workspace) == reward][:most]


def model_suffixes(records: Sequence[RunRecord], workspace: Workspace, name_own: bool = True
                   ) -> dict[str, str]:  # fmt: skip
    """Per run id, the models that set it apart from the other `records`, e.g. " · reward:
    shipped ehrlich-20-32" or " · reward: reward [3c75]": a prior or reward model is named
    only where the runs use more than one, so that seeds pool within one setting of the same
    models. Without `name_own`, a design run's own models are not named: its label's [id]
    names them already (groups of seeds need them named)."""
    suffixes = {r.id: "" for r in records}
    for what in ("prior", "reward"):
        used = {r.id: model_of(r, workspace, what) for r in records}
        if len(set(used.values())) < 2:
            continue
        for run_id, path in used.items():
            if name_own or path is None or Path(path).parent.name != run_id:
                suffixes[run_id] += f" · {what}: {model_name(path, workspace)}"
    return suffixes


def model_name(path: str | None, workspace: Workspace) -> str:
    """A prior or reward model as run labels name it: the run that made it as `run_label`
    ends ("reward [3c75]", "deleted run [3c75]"), a shipped one by its folder, else the
    folder's name."""
    if path is None:
        return "none"
    folder = Path(path)
    if folder.parent.parent != workspace.root / "runs":
        shipped = (folder in (Path(demo.DEMO_PRIOR), Path(demo.DEMO_REWARD))
                   or folder.parent in (demo.ASSETS / "priors", demo.ASSETS / "rewards"))
        return f"shipped {folder.name}" if shipped else folder.name
    run_id = folder.parent.name
    try:
        record = workspace.record(run_id)
    except KeyError:
        return f"deleted run [{run_id[-4:]}]"
    return f"{record.name or record.kind} [{run_id[-4:]}]"


def run_labels(records: Sequence[RunRecord], workspace: Workspace) -> dict[str, str]:
    """Per run id, its `run_label` and, where `records` use more than one prior or reward
    model, the models behind it (`model_suffixes`), and where they use more than one data
    set, its data (`own_data`): r_hat and u of two reward models are not comparable, so a
    legend or picker must tell their runs apart."""
    suffixes = model_suffixes(records, workspace, name_own=False)
    # Protein, DNA and vector runs of one method read alike: where the runs' data differ, each
    # says its own.
    data = {r.id: own_data(r, workspace) for r in records}
    if len(set(data.values()) - {None}) > 1:  # one known and one not tells nothing apart
        for run_id, path in data.items():
            suffixes[run_id] += f" · data: {data_name(path)}" if path else ""
    return {r.id: run_label(r) + suffixes[r.id] for r in records}


def compare_defaults(records: Sequence[RunRecord], workspace: Workspace, most: int
                     ) -> list[str]:  # fmt: skip
    """The newest fine-tuning runs of one reward model (up to `most`) and the baselines that
    reward model scored (up to `most`): settings side by side with what they must beat.
    Cancelled or failed runs have no final numbers to compare; running ones will have."""
    records = [r for r in records if r.status not in ("cancelled", "failed")]
    finetunes = [r for r in records if r.kind == "finetune"]
    chosen = comparable_runs(finetunes or records, workspace, most)
    if not chosen:
        return []
    reward = reward_of(next(r for r in records if r.id == chosen[0]), workspace)
    baselines = [r.id for r in records if r.kind == "baseline" and r.id not in chosen
                 and reward_of(r, workspace) == reward]  # fmt: skip
    return chosen + baselines[:most]


def group_label(config: dict[str, Any]) -> str:
    """The settings that define a group of seeds: everything but the seed."""
    config = settings(config)
    if "method" in config:
        return f"baseline {config['method']}"
    parts = [f"c={config.get('c', 0):g}", f"alpha={config.get('alpha', 0):g}"]
    parts += [f"{shown}={config[key]}" for key, shown in (("steps", "steps"),
                                                          ("batch_size", "batch"))
              if key in config]  # the names of the Fine-tune page's fields
    return " ".join(parts)
