"""Helpers shared by the ETL example scripts: where data lives, how outputs are written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def data_dir() -> Path:
    """The example's scratch directory (``$ETL_DATA_DIR`` or one under the temp dir)."""
    path = Path(os.environ.get("ETL_DATA_DIR") or Path(tempfile.gettempdir()) / "scriptrunner-etl")
    path.mkdir(parents=True, exist_ok=True)
    return path


def set_output(name: str, value: object) -> None:
    """Publish ``needs.<task>.outputs.<name>`` to later tasks, as ``$GITHUB_OUTPUT`` does.

    Single-line values are written as ``name=value``; multi-line ones in the heredoc form
    ``name<<EOF`` ... ``EOF``.  Outside scriptrunner the variable is unset: just print.
    """
    text = str(value)
    target = os.environ.get("SCRIPTRUNNER_OUTPUT")
    if not target:
        print(f"output {name}={text}")
        return
    with open(target, "a", encoding="utf-8") as out:
        if "\n" in text:
            out.write(f"{name}<<EOF\n{text}\nEOF\n")
        else:
            out.write(f"{name}={text}\n")
