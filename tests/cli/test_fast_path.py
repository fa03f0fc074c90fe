"""``scriptrunner run`` pays every import on every run: heavy libraries must stay out of it."""

from __future__ import annotations

import json
from pathlib import Path

from fixtures.cli import cli_env, run_python

HEAVY = {
    "sqlalchemy",
    "rich",
    "opentelemetry",
    "yaml",
    "pydantic",
    "bandit",
    "boto3",
    "botocore",
    "dask",
    "distributed",
    "jsonschema",
    "psycopg",
    # Dependency and secret scanning, vaults: only imported when asked for.
    "packaging",
    "cvss",
    "cyclonedx",
    "ahocorasick",
    "re2",
    "hvac",
    "azure",
}

#: Parts of scriptrunner (and of the standard library) a plain run has no use for.
NOT_ON_RUN = {
    "scriptrunner.findings",
    "scriptrunner.scanners",
    "scriptrunner.gates",
    "scriptrunner.vaults",
    "scriptrunner.tracing",
    "scriptrunner.costs",
    "scriptrunner.workflows",
    "difflib",
}

PROBE = """
import json, sys
from scriptrunner.cli.main import main
code = main(sys.argv[1:])
names = set(json.loads(%r))
heavy = sorted({m.split('.')[0] for m in sys.modules} & names)
heavy += sorted({m for m in sys.modules if m in names or m.rpartition('.')[0] in names})
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def probe(home: Path, *args: str) -> dict[str, object]:
    env = cli_env(SCRIPTRUNNER_HOME=str(home))
    r = run_python(PROBE % json.dumps(sorted(HEAVY | NOT_ON_RUN)), *args, env=env, cwd=home.parent)
    result: dict[str, object] = json.loads(r.stderr.strip().splitlines()[-1])
    return result


def test_run_imports_no_heavy_library(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = probe(home, "run", "-q", "--", "true")  # creates the store (SQLAlchemy allowed)
    assert first["code"] == 0
    again = probe(home, "run", "-q", "--", "true")
    assert again == {"code": 0, "heavy": []}


def test_script_run_with_json_imports_no_heavy_library(tmp_path: Path) -> None:
    home = tmp_path / "home"
    script = tmp_path / "s.py"
    script.write_text("print('x')\n")
    probe(home, "run", "-q", str(script))
    assert probe(home, "run", "-q", "--json", str(script))["heavy"] == []


def test_run_with_a_given_run_id_imports_no_heavy_library(tmp_path: Path) -> None:
    home = tmp_path / "home"
    probe(home, "run", "-q", "--", "true")
    again = probe(home, "run", "-q", "--run-id", "0" * 32, "--", "true")
    assert again == {"code": 0, "heavy": []}
