"""Files on disk: whole-file writes a reader never sees half done (temporary file, fsync,
rename), and the checked config file of a saved bundle (prior, reward model)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: Path | str, write: Callable[[Path], None]) -> None:
    """Have `write(tmp)` fill a temporary file beside `path`, fsync it, rename it over `path`.

    A reader sees the old file or the new one, never a part; if `write` raises, `path` is
    left as it was and the temporary file is removed.
    """
    path = Path(path)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb") as written:  # writers like save_file close without fsync
            os.fsync(written.fileno())
        # mkstemp makes the file private (0600); the file written is as an ordinary one would
        # be: the old file's mode, else what the umask leaves of 0666 (lab members share data).
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else _new_file_mode())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _new_file_mode() -> int:
    """0666 less the process's umask (read by setting it, so set it straight back)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Write `data` to `path` atomically (see `atomic_write`)."""
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_text(path: Path | str, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically (see `atomic_write`)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def read_bundle_meta(config_path: Path, fmt: str, what: str) -> dict:
    """The JSON config of a saved bundle, refused unless it exists and says `"format": fmt`.

    Args:
        config_path: the bundle's config file (e.g. prior/config.json).
        fmt: the expected "format" value.
        what: the bundle's name for messages, e.g. "prior" or "reward model".
    """
    if not config_path.is_file():
        raise FileNotFoundError(f"no {config_path.name} in {what} folder {config_path.parent}")
    meta = json.loads(config_path.read_text())
    if meta.get("format") != fmt:
        raise ValueError(f"{config_path} is not a BRAID {what} (format {meta.get('format')!r})")
    return meta
