"""The library must not import Streamlit (DESIGN.md §3): checked in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys


def test_importing_braid_core_leaves_streamlit_out() -> None:
    code = (
        "import sys, pkgutil, importlib, braid_core\n"
        "for m in pkgutil.walk_packages(braid_core.__path__, 'braid_core.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('streamlit' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
