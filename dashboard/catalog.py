"""What the dashboard can pick from: data sets, priors, reward models and runs (no Streamlit).

Data sets are the shipped demo files plus uploads, which `dashboard.uploads` stores in the
workspace as canonical CSV files with a JSON record each. A removed upload's record stays, so
that the runs made from it still name it (as removed).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from braid_core.diffusion.prior import saved_space as saved_prior_space
from braid_core.pipeline.data_checks import read_by_defaults
from braid_core.rewards.io import saved_reward_space
from braid_core.runs import FINISHED, RunRecord, Workspace
from braid_core.spaces import Space
from dashboard import demo

UPLOADS = "uploads"  # folder in the workspace root
# A reward or design run's copy of the measured designs its reward model read, in the default
# columns (pipeline.steps writes it beside the model; `braid finetune` takes it as well).
RUN_DATA_COPY = "offline.csv"


@dataclass(frozen=True)
class Dataset:
    """A design file the pipeline can read with default column options."""

    label: str  # shown in pickers
    path: str  # absolute path of the CSV
    labeled: bool  # has a `value` column
    alphabet: str | None  # letters to pass on (None: vectors, or infer)
    task: str | None  # oracle behind the file (the demo), for true scores
    # An upload's notes and warnings as its check said them, naming the file the user gave
    # (the stored copy has duplicates merged and another name); None: read the file's own.
    notes: tuple[str, ...] | None = None
    warnings: tuple[str, ...] | None = None
    source: str | None = None  # the name the user gave the file; None: the path's own
    space: str | None = None  # its design space in words (Space.describe); None: not known

    @property
    def uploaded(self) -> bool:
        """Kept among the workspace's uploads (the shipped demo's files are not), whatever
        its task: designs measured and added to the demo's keep the demo's oracle."""
        return Path(self.path).parent.name == UPLOADS

    @property
    def name(self) -> str:
        """What messages call the file: the user's name for it, not the stored copy's."""
        return self.source or Path(self.path).name

    @property
    def holds_vectors(self) -> bool:
        """Whether its designs are numeric vectors, as its space says (False where not known):
        pages leave out what only sequences have, e.g. an alphabet or a network shape."""
        return bool(self.space) and self.space.startswith("vectors")


@dataclass(frozen=True)
class ModelChoice:
    """A prior or reward-model folder: shipped with the demo or made by a run."""

    label: str
    path: str  # the Prior / reward folder
    run_id: str | None  # None for shipped assets
    data: str | None  # the file it was trained on, when known
    task: str | None  # oracle of that data, when known
    # Where that file is not read by the default columns and every row (a value column named
    # `yield`, a table measured in part), the run's own copy of the designs it read.
    copy: str | None = None

    @property
    def data_removed(self) -> bool:
        """Whether the file it was trained on is an upload removed since."""
        return removed(self.data)

    @property
    def data_left(self) -> str | None:
        """The file it was trained on (its run's copy where that file reads otherwise), None
        where that upload was removed: runs started from the model then go without the
        offline data."""
        return None if self.data_removed else self.copy or self.data


def demo_datasets() -> list[Dataset]:
    """The shipped demo files that exist."""
    found = []
    space = saved_space(demo.DEMO_PRIOR)  # the demo's prior was trained on its files
    for path, labeled, what in (
        (demo.DEMO_OFFLINE, True, "offline designs with values"),
        (demo.DEMO_UNLABELED, False, "unlabeled designs, for the prior"),
    ):
        if Path(path).is_file():
            label = f"demo {demo.DEMO_TASK}: {what}"
            found.append(Dataset(label, str(path), labeled, None, demo.DEMO_TASK,
                                 space=space.describe() if space else None))
    return found


def uploaded_datasets(root: Path) -> list[Dataset]:
    """Uploads stored in the workspace, newest first; uploads of one file name (a file
    corrected and uploaded again) are labelled apart by the time they were stored."""
    folder = Path(root) / UPLOADS
    stored = []
    for meta_path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True):
        if meta_path.with_suffix(".csv").is_file():
            stored.append((meta_path, json.loads(meta_path.read_text())))
    names = Counter(meta["source"] for _, meta in stored)
    found = []
    for meta_path, meta in stored:
        kind = "with values" if meta["labeled"] else "unlabeled"
        when = ""
        if names[meta["source"]] > 1:
            time = datetime.fromtimestamp(meta_path.stat().st_mtime)
            when = f", stored {time:%Y-%m-%d %H:%M:%S}"
        label = f"upload {meta['source']} ({meta['designs']} designs, {kind}{when})"
        checked = "warnings" in meta  # uploads stored before session 24 kept no report
        found.append(Dataset(label, str(meta_path.with_suffix(".csv")), meta["labeled"],
                             meta["alphabet"], meta.get("task"),
                             tuple(meta["notes"]) if checked else None,
                             tuple(meta["warnings"]) if checked else None, meta["source"],
                             meta.get("space")))
    return found


def all_datasets(root: Path) -> list[Dataset]:
    return demo_datasets() + uploaded_datasets(root)


def preferred_dataset(datasets: list[Dataset], labeled: bool, like: Dataset | None = None
                      ) -> int:  # fmt: skip
    """Index of the data set a training form starts on: a user who uploaded data means to
    train on it. With values: the newest upload with values, else the first such set (the
    demo's). Without (a prior's designs): the newest upload without values, else the newest
    with values (measured designs are valid designs too), else the first without values.
    With `like` (the reward model's data), only data sets in its design space count while
    any is, and any set without values there (the demo's pool too) comes before the measured
    designs: a prior must make the designs the reward model scores, and learns them best
    from the larger pool, and first of all the unlabeled upload of the same table (its rows
    not measured too). Else 0."""
    def fitting(d: Dataset) -> bool:
        return like is None or d.space == like.space

    def indices(keep: Callable[[Dataset], bool]) -> list[int]:
        return [i for i, d in enumerate(datasets) if keep(d) and fitting(d)]

    uploads = indices(lambda d: d.labeled == labeled and d.uploaded)
    same = indices(lambda d: d.labeled == labeled)
    measured = [] if labeled else indices(lambda d: d.labeled and d.uploaded)
    order = uploads + (same + measured if like else measured + same) + indices(bool)
    if like is not None and not labeled:  # the table whose measured rows `like` holds
        order = [i for i in order if same_table(datasets[i], like)] + order
    return (order or [0])[0]


def same_table(unlabeled: Dataset, measured: Dataset) -> bool:
    """Whether `unlabeled` holds every row of the table whose measured rows are `measured`
    (an upload measured in part is stored as both: uploads.store_upload)."""
    return (not unlabeled.labeled and measured.labeled and unlabeled.space == measured.space
            and one_upload(unlabeled.path, measured.path))


def one_upload(first: str | None, second: str | None) -> bool:
    """Whether two data files are uploads of one file of the user's: a table measured in part
    (stored as its measured rows and all its rows), or a file uploaded again."""
    return bool(first and second) and all(
        Path(p).parent.name == UPLOADS for p in (first, second)) and (
        source_name(first) == source_name(second))


def removed(path: str | None) -> bool:
    """Whether `path` is an upload removed from the workspace (`uploads.remove_upload`):
    stored among the uploads, its file gone."""
    return bool(path) and Path(path).parent.name == UPLOADS and not Path(path).is_file()


def data_path(config: dict[str, Any], key: str = "data") -> str | None:
    """The data file of a prior or reward run's config (`{"data": {"path": ...}}`); a design
    run's are under "unlabeled" (its prior's) and "offline" (its reward model's)."""
    data = config.get(key)
    return data.get("path") if isinstance(data, dict) else data


def _model_choice(record: RunRecord, folder: Path, what: str, data_key: str = "data"
                  ) -> ModelChoice:  # fmt: skip
    data = data_path(record.config, data_key)
    run = f"run {record.name or record.id}"
    label = f"{what} of design {run}" if record.kind == "design" else f"{what} {run}"
    if data:  # protein, DNA and vector models read alike but for their data
        label += f" · data: {data_name(data)}"
    spec = record.config.get(data_key)
    copy = folder.parent / RUN_DATA_COPY
    own = str(copy) if isinstance(spec, dict) and not read_by_defaults(spec) and (
        copy.is_file()) else None
    return ModelChoice(label, str(folder), record.id, data, task_of(data), own)


def _of_runs(workspace: Workspace, what: str, data_key: str) -> list[ModelChoice]:
    """The `what` ("prior" / "reward") models of finished runs of that kind and of design
    runs (which fit both), newest first. A design run that failed or was cancelled after
    the step keeps its model (the config is written last), so it is offered too."""
    def saved(record: RunRecord) -> bool:
        return (workspace.run_path(record.id) / what / "config.json").is_file()

    records = [r for r in workspace.list_runs()
               if (r.kind == what and r.status == "done")
               or (r.kind == "design" and r.status in FINISHED and saved(r))]
    choices = []
    for record in records:
        choice = _model_choice(record, workspace.run_path(record.id) / what, what,
                               data_key if record.kind == "design" else "data")
        if record.status != "done":
            choice = replace(choice, label=f"{choice.label} ({record.status})")
        choices.append(choice)
    return choices


def parent_runs(*choices: ModelChoice) -> list[str]:
    """The runs the chosen models come from, each once (a design run made both its prior and
    its reward model); shipped models come from none."""
    return list(dict.fromkeys(choice.run_id for choice in choices if choice.run_id))


def newest_model(choices: Sequence[ModelChoice], space: Space | None = None) -> int:
    """Index of the newest run's model (runs are listed newest first, after the shipped one),
    else 0: a user who just trained a model means to use it. With `space`, only models of that
    design space count while any is (a reward model for a prior must score what it makes)."""
    fitting = [i for i, choice in enumerate(choices)
               if space is None or saved_space(choice.path) == space] or list(range(len(choices)))
    return next((i for i in fitting if choices[i].run_id), fitting[0] if fitting else 0)


def saved_space(folder: str | Path) -> Space | None:
    """The design space of a saved prior or reward model (its config.json says it); None
    when it is neither, or cannot be read."""
    for read in (saved_prior_space, saved_reward_space):
        try:
            return read(folder)
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def priors(workspace: Workspace) -> list[ModelChoice]:
    """The shipped demo prior (if present) and the priors of finished prior runs."""
    found = []
    if (Path(demo.DEMO_PRIOR) / "config.json").is_file():
        found.append(ModelChoice(f"shipped prior {demo.DEMO_TASK}", str(demo.DEMO_PRIOR), None,
                                 str(demo.DEMO_UNLABELED), demo.DEMO_TASK))  # fmt: skip
    return found + _of_runs(workspace, "prior", "unlabeled")


def rewards(workspace: Workspace) -> list[ModelChoice]:
    """The shipped demo reward model (if present) and those of finished reward runs."""
    found = []
    if (Path(demo.DEMO_REWARD) / "config.json").is_file():
        found.append(ModelChoice(f"shipped reward model {demo.DEMO_TASK}", str(demo.DEMO_REWARD),
                                 None, str(demo.DEMO_OFFLINE), demo.DEMO_TASK))  # fmt: skip
    return found + _of_runs(workspace, "reward", "offline")


def task_of(data: str | None) -> str | None:
    """The oracle behind a data file: the demo task for the demo files and for uploads made
    from them (their description says so), else None."""
    if data is None:
        return None
    demo_files = {str(Path(demo.DEMO_OFFLINE)), str(Path(demo.DEMO_UNLABELED))}
    if str(Path(data)) in demo_files:
        return demo.DEMO_TASK
    meta = Path(data).with_suffix(".json")
    if Path(data).parent.name == UPLOADS and meta.is_file():
        return json.loads(meta.read_text()).get("task")
    return None


def data_name(path: str) -> str:
    """A data file as labels name it: `source_name`, with " (removed)" once removed."""
    return f"{source_name(path)} (removed)" if removed(path) else source_name(path)


def source_name(path: str) -> str:
    """A data file as the user knows it: an upload by the user's file name, the demo's files
    as "demo <task>", any other by its file name. Unmarked, for text that says it was
    removed in its own words."""
    if Path(path) in (Path(demo.DEMO_OFFLINE), Path(demo.DEMO_UNLABELED)):
        return f"demo {demo.DEMO_TASK}"
    name = Path(path).name
    meta = Path(path).with_suffix(".json")
    if Path(path).parent.name == UPLOADS and meta.is_file():
        name = json.loads(meta.read_text()).get("source") or name
    return name
