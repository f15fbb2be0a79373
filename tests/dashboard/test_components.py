"""Small helpers of dashboard/components.py that need no running app."""

from __future__ import annotations

import re

from dashboard.components import plain


def test_plain_escapes_every_markdown_mark_a_users_file_can_hold():
    message = "bad.csv: row 8 holds 'AC**GT' and '_x_'; letters found: *, #, |, ~, $1, [a](b), <i>"
    shown = plain(message)
    assert "**" not in shown and "\\*\\*" in shown and "\\_x\\_" in shown
    assert re.sub(r"\\(.)", r"\1", shown) == message  # nothing but the escapes is added
    assert plain("row 3, value 1.5 (measured twice)") == "row 3, value 1.5 (measured twice)"
