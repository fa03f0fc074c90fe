"""The history table's own rules (``cli/history_table.py``): what is cut and how, and the
cells of a run that has not finished; the CLI tests cover the layout end to end."""

from __future__ import annotations

from typing import Any

import pytest

from scriptrunner.app.story import SUMMARY_KEYS
from scriptrunner.cli.history_table import cut, table_lines


@pytest.mark.parametrize(
    ("width", "left", "shown"),
    [(10, True, "abcdef"), (4, True, "…def"), (4, False, "abc…"), (1, True, "…"), (0, False, "")],
)
def test_cut_marks_what_was_cut(width: int, left: bool, shown: str) -> None:
    assert cut("abcdef", width, left=left) == shown


def test_a_running_run_shows_dashes_not_zeroes() -> None:
    row: dict[str, Any] = dict.fromkeys(SUMMARY_KEYS)
    row.update(id="a" * 32, kind="run", status="running", command=["sleep", "9"])
    header, line = table_lines([row], 120, lambda usd: "-" if usd is None else f"${usd}")
    text = "".join(t for t, _ in line)
    assert text.startswith("aaaaaaaa  -")
    assert "running" in text and text.rstrip().endswith("sleep 9")
    assert "CPU" in "".join(t for t, _ in header)
