"""Task registry: names, errors, and that every task honours the Task protocol."""

from __future__ import annotations

import pytest
import torch

from braid_core.runtime import make_generator
from braid_core.tasks import TASKS, Task, ehrlich_instance, get_task, prepare_task

NAMES = ["ehrlich-20-32", "ehrlich-20-64", "tfbind8", "toy-2d", "shell-bumps-6"]


def test_names_and_spaces() -> None:
    assert list(TASKS) == NAMES
    assert get_task("ehrlich-20-64").space.length == 64
    assert get_task("tfbind8").space.alphabet == "ACGT"
    assert get_task("toy-2d").space.dim == 2
    with pytest.raises(TypeError):
        TASKS["mine"] = get_task  # type: ignore[index]


def test_unknown_name_lists_known_ones() -> None:
    with pytest.raises(KeyError, match=", ".join(NAMES)):
        get_task("ehrlich")
    with pytest.raises(KeyError, match="unknown task"):
        prepare_task("nope")


@pytest.mark.parametrize("name", ["ehrlich-20-32", "toy-2d"])
def test_only_tfbind8_needs_preparation(name: str) -> None:
    with pytest.raises(ValueError, match="needs no preparation"):
        prepare_task(name)


@pytest.mark.parametrize("name", NAMES)
def test_tasks_follow_the_protocol(name: str) -> None:
    task = get_task(name)
    members = [m for m in Task.__dict__ if not m.startswith("_")] + list(Task.__annotations__)
    assert all(hasattr(task, member) for member in members)
    assert task.name == name and task.has_oracle
    if name != "tfbind8":  # needs the prepared table
        x = task.sample_valid(8, make_generator(0))
        assert task.is_valid(x).all() and torch.isfinite(task.score(x)).all()


def test_ehrlich_instance() -> None:
    task = ehrlich_instance(length=48, num_motifs=3, seed=2)
    assert task.space.length == 48 and task.motifs.shape == (3, 4)
    assert task.score(task.optimal_solution()[None]).item() == 1.0


def test_task_from_spec_reads_names_and_ehrlich_instances() -> None:
    from braid_core.tasks import task_from_spec

    assert task_from_spec("tfbind8").name == "tfbind8"
    instance = task_from_spec("56:3:23")
    assert instance.space.length == 56
    assert instance.name == ehrlich_instance(56, 3, 23).name
    for bad in ("56:3", "56:x:1", "56:3:1:2"):
        with pytest.raises(ValueError, match="LENGTH:MOTIFS:SEED"):
            task_from_spec(bad)
    with pytest.raises(KeyError, match="unknown task"):
        task_from_spec("ehrlich")
