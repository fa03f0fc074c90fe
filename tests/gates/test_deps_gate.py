"""The ``deps`` pre-execution gate: the script's dependencies against the offline database."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from scriptrunner.errors import ScannerError
from scriptrunner.gates import GateContext, evaluate, parse_policy
from scriptrunner.gates.deps import DepsGate, dependency_file
from scriptrunner.settings import Settings

CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def osv(ident: str, package: str, *, versions: list[str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "package": {"ecosystem": "PyPI", "name": package},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}],
    }
    if versions is not None:
        entry = {"package": entry["package"], "versions": versions}
    return {"id": ident, "severity": [{"type": "CVSS_V3", "score": CRITICAL}], "affected": [entry]}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    folder = tmp_path / "advisories"
    folder.mkdir()
    installed = metadata.version("packaging")
    for data in (osv("PYSEC-1", "demo"), osv("GHSA-env", "packaging", versions=[installed])):
        (folder / f"{data['id']}.json").write_text(json.dumps(data))
    return folder


@pytest.fixture
def script(tmp_path: Path) -> Path:
    folder = tmp_path / "job"
    folder.mkdir()
    path = folder / "job.py"
    path.write_text("print('hi')\n")
    return path


def context(tmp_path: Path, db: Path | None, requirements: Path | None = None) -> GateContext:
    return GateContext(cache_dir=tmp_path / "cache", deps_db=db, requirements=requirements)


def test_requirements_next_to_the_script_block_the_run(
    tmp_path: Path, db: Path, script: Path
) -> None:
    (script.parent / "requirements.txt").write_text("demo==1.0\n")
    decision = evaluate(parse_policy("deps", "high"), script, context(tmp_path, db))
    assert decision.blocked
    assert [(f.rule_id, str(f.location)) for f in decision.blocking] == [
        ("PYSEC-1", "requirements.txt:1")
    ]


def test_fixed_version_passes(tmp_path: Path, db: Path, script: Path) -> None:
    (script.parent / "requirements.txt").write_text("demo==2.0\n")
    decision = evaluate(parse_policy("deps", "high"), script, context(tmp_path, db))
    assert not decision.blocked and decision.result.complete


def test_explicit_requirements_and_lock_preference(tmp_path: Path, db: Path, script: Path) -> None:
    (script.parent / "pyproject.toml").write_text('[project]\ndependencies = ["demo>=1"]\n')
    (script.parent / "uv.lock").write_text(
        'version = 1\n[[package]]\nname = "demo"\nversion = "1.5"\nsource = { registry = "x" }\n'
    )
    assert dependency_file(script) == script.parent / "uv.lock"
    result = DepsGate(context(tmp_path, db)).check(script)
    assert [f.rule_id for f in result.findings] == ["PYSEC-1"]
    other = tmp_path / "other.txt"
    other.write_text("demo==3.0\n")
    assert DepsGate(context(tmp_path, db, other)).check(script).findings == ()


def test_without_a_dependency_file_the_environment_is_checked(
    tmp_path: Path, db: Path, script: Path
) -> None:
    result = DepsGate(context(tmp_path, db)).check(script)
    assert [f.rule_id for f in result.findings] == ["GHSA-env"]
    assert result.findings[0].location.path.startswith("<environment ")


def test_no_database_fails_closed(tmp_path: Path, script: Path) -> None:
    (script.parent / "requirements.txt").write_text("demo==1.0\n")
    with pytest.raises(ScannerError, match="no vulnerability source"):
        evaluate(parse_policy("deps"), script, context(tmp_path, None))


def test_context_from_settings_finds_the_installed_database(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert GateContext.from_settings(Settings(home=home)).deps_db is None
    (home / "advisories").mkdir(parents=True)
    assert GateContext.from_settings(Settings(home=home)).deps_db == home / "advisories"
