"""Benchmark tasks with a known ground truth, by name (DESIGN.md §2).

`get_task("ehrlich-20-32").export("data/ehrlich", seed=0)` writes unlabeled.csv and
offline.csv; `prepare_task("tfbind8")` fetches the TFBind8 table once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType

from braid_core.tasks.base import LabeledDesigns, Task, export_task, keep_below_quantile
from braid_core.tasks.ehrlich import EhrlichTask
from braid_core.tasks.shell import ShellBumpsTask
from braid_core.tasks.tfbind8 import TFBind8Task, prepare_tfbind8
from braid_core.tasks.toy2d import Toy2DTask

__all__ = [
    "TASKS",
    "EhrlichTask",
    "LabeledDesigns",
    "ShellBumpsTask",
    "TFBind8Task",
    "Task",
    "Toy2DTask",
    "ehrlich_instance",
    "export_task",
    "get_task",
    "keep_below_quantile",
    "prepare_task",
    "task_from_spec",
]


def ehrlich_instance(
    length: int, num_motifs: int, seed: int, num_states: int = 20, motif_length: int = 4
) -> EhrlichTask:
    """Any member of the Ehrlich family (quantisation = motif length), for benchmarks."""
    name = f"ehrlich-{num_states}-{length}-{num_motifs}x{motif_length}-s{seed}"
    return EhrlichTask(num_states, length, num_motifs, motif_length, seed, name=name)


# Read-only: name -> zero-argument factory. Building a task is cheap and reads no files.
TASKS: MappingProxyType[str, Callable[[], Task]] = MappingProxyType(
    {
        "ehrlich-20-32": lambda: EhrlichTask(20, 32, 2, 4, seed=0, name="ehrlich-20-32"),
        "ehrlich-20-64": lambda: EhrlichTask(20, 64, 4, 4, seed=0, name="ehrlich-20-64"),
        "tfbind8": TFBind8Task,
        "toy-2d": Toy2DTask,
        "shell-bumps-6": ShellBumpsTask,
    }
)


def get_task(name: str) -> Task:
    """The task called `name`.

    Raises:
        KeyError: unknown name; the message lists the known ones.
    """
    if name not in TASKS:
        raise KeyError(f"unknown task {name!r}; known tasks: {', '.join(TASKS)}")
    return TASKS[name]()


def task_from_spec(spec: str) -> Task:
    """A task by name, or an Ehrlich instance written LENGTH:MOTIFS:SEED (e.g. "56:3:23").

    Raises:
        KeyError: unknown name.
        ValueError: a spec with colons that is not three integers, or motifs that do not fit.
    """
    if ":" not in spec:
        try:
            return get_task(spec)
        except KeyError as err:  # get_task's message, plus the other form a spec can take
            raise KeyError(f"{err.args[0]}, or an Ehrlich instance written LENGTH:MOTIFS:SEED "
                           "(e.g. 56:3:23)") from None
    parts = spec.split(":")
    if len(parts) != 3 or not all(part.strip().isdigit() for part in parts):
        raise ValueError(f"an Ehrlich instance is LENGTH:MOTIFS:SEED (three integers), "
                         f"got {spec!r}")
    length, num_motifs, seed = (int(part) for part in parts)
    return ehrlich_instance(length, num_motifs, seed)


def prepare_task(name: str) -> Path:
    """Fetch what a task needs once (only tfbind8 needs anything); returns the cache file.

    Raises:
        KeyError: unknown name.
        ValueError: the task needs no preparation.
    """
    get_task(name)  # the unknown-name error
    if name == "tfbind8":
        return prepare_tfbind8()
    raise ValueError(f"task {name!r} needs no preparation")
