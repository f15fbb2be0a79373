"""Runs and where they live (DESIGN.md §3, Runs and jobs): the workspace's SQLite index
(workspace.py) and the folder of one run (folder.py)."""

from braid_core.files import atomic_write, atomic_write_bytes, atomic_write_text
from braid_core.runs.folder import Run
from braid_core.runs.workspace import (
    FINISHED,
    MAX_NAME_LENGTH,
    STATUSES,
    RunRecord,
    Workspace,
    check_run_name,
    default_workspace_root,
)

__all__ = [
    "FINISHED",
    "MAX_NAME_LENGTH",
    "STATUSES",
    "Run",
    "RunRecord",
    "Workspace",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_run_name",
    "default_workspace_root",
]
