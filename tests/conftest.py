"""Shared fixtures: devices, generators and a temporary workspace."""

from __future__ import annotations

import pytest
import torch

from braid_core.runtime import make_generator

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def pytest_configure(config: pytest.Config) -> None:
    # Tests are tiny; one thread keeps them predictable on a shared 2-core machine.
    torch.set_num_threads(1)


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> torch.device:
    """Every test that takes `device` runs on CPU, and on CUDA when present."""
    return torch.device(request.param)


@pytest.fixture
def generator() -> torch.Generator:
    return make_generator(0, "cpu")


@pytest.fixture(autouse=True)
def isolated_workspace(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test gets its own workspace, so nothing touches ./braid-workspace."""
    root = tmp_path_factory.mktemp("workspace")
    monkeypatch.setenv("BRAID_HOME", str(root))
    return root
