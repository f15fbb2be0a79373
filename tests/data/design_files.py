"""Helpers for the data tests: write a design file, and read one that must fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from braid_core.data import DataError, read_designs


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def fails(path: Path, *rows: str, problem: str, **options: object) -> DataError:
    """Read `path`, expect a DataError naming the file, these rows and the problem."""
    with pytest.raises(DataError) as caught:
        read_designs(path, **options)
    err = caught.value
    message = str(err)
    assert message.startswith(f"{path}: "), message
    assert err.path == str(path)
    assert problem in message, message
    for row in rows:
        assert row in message, message
        assert row in err.rows, err.rows
    return err
