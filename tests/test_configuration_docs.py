"""docs/configuration.md lists every setting and every ``SCRIPTRUNNER_*`` variable."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from scriptrunner.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Settings)])
def test_every_setting_has_a_row_with_its_variable(name: str) -> None:
    row = re.search(rf"^\| `{name}` \| `{ENV_PREFIX}{name.upper()}`", PAGE, re.MULTILINE)
    assert row, f"docs/configuration.md has no row for setting {name!r}"


def test_every_scriptrunner_variable_in_the_code_is_documented() -> None:
    names = {
        m.rstrip("_")
        for path in (ROOT / "src" / "scriptrunner").rglob("*.py")
        for m in re.findall(r"SCRIPTRUNNER_[A-Z_]+", path.read_text(encoding="utf-8"))
    }
    missing = sorted(n for n in names if n not in PAGE)
    assert missing == []


def test_every_setting_row_names_a_real_setting() -> None:
    # The reverse direction: a row for a setting that was renamed or removed is an error.
    fields = {f.name for f in dataclasses.fields(Settings)}
    rows = re.findall(rf"^\| `([a-z_]+)` \| `{ENV_PREFIX}([A-Z_]+)`", PAGE, re.MULTILINE)
    assert rows, "docs/configuration.md: no settings table found"
    wrong = [(name, var) for name, var in rows if name not in fields or var != name.upper()]
    assert wrong == [], f"docs/configuration.md rows that are not settings: {wrong}"
