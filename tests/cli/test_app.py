"""`braid` itself (braid_core/cli/__init__.py): --version, and the commands it gathers."""

from __future__ import annotations

from importlib import metadata

from cli_files import runner

import braid_core
from braid_core.cli import app


def test_version_prints_the_installed_version_and_exits():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output == f"braid {metadata.version('braid-studio')}\n"


def test_version_falls_back_to_braid_core_when_the_package_is_not_installed(monkeypatch):
    def not_installed(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"braid {braid_core.__version__}\n"


def test_braid_alone_lists_its_commands():
    result = runner.invoke(app, [])
    assert "--version" in result.output
    for command in ("data", "task", "prior", "reward", "finetune", "sample", "design", "runs"):
        assert command in result.output
