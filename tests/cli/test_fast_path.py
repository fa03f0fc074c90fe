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


#: What the fast path of ``run`` (``cli.fast_run``) never loads on a short run: each of
#: these costs a sizeable part of a hello-world script's run to import (docs/performance.md).
NOT_ON_FAST_RUN = {
    "argparse",
    "dataclasses",
    "typing",
    "psutil",
    "inspect",
    "re",
    "json",
    "subprocess",
    "threading",
    "enum",
    "signal",
    "pathlib",
    "scriptrunner.results",
    "scriptrunner.events",
    "scriptrunner.settings",
    "scriptrunner.core.process",
    "scriptrunner.store.sqlite",
    "scriptrunner.store.base",
}

#: Loads nothing of its own before the fast path does (no ``json``): it writes the exit
#: code and the modules loaded as one line, ``CODE|NAME,NAME``.
FAST_PROBE = """
import os, sys
names = set(os.environ.pop("PROBE_NAMES").split(","))
from scriptrunner.cli.main import fast
code = fast(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m in names or m.split('.')[0] in names)
sys.stderr.write("%s|%s\\n" % (code, ",".join(loaded)))
sys.stderr.flush()
"""


def fast_probe(home: Path, *args: str, **env: str) -> dict[str, object]:
    names = sorted(HEAVY | NOT_ON_RUN | NOT_ON_FAST_RUN)
    probe_env = cli_env(SCRIPTRUNNER_HOME=str(home), PROBE_NAMES=",".join(names), **env)
    # Measured without coverage: in a subprocess it loads json, dataclasses, inspect... itself.
    probe_env = {k: v for k, v in probe_env.items() if not k.startswith(("COV_CORE_", "COVERAGE_"))}
    r = run_python(FAST_PROBE, *args, env=probe_env, cwd=home.parent)
    code, _, loaded = r.stderr.strip().splitlines()[-1].partition("|")
    return {
        "code": None if code == "None" else int(code),
        "loaded": loaded.split(",") if loaded else [],
    }


def test_fast_run_imports_no_parser_dataclasses_typing_or_psutil(tmp_path: Path) -> None:
    home = tmp_path / "home"
    probe(home, "run", "-q", "--", "true")  # the full path creates the store
    assert fast_probe(home, "run", "-q", "--tag", "k=v", "--", "true") == {
        "code": 0,
        "loaded": [],
    }


def test_each_fallback_takes_the_full_path(tmp_path: Path) -> None:
    home = tmp_path / "home"
    probe(home, "run", "-q", "--", "true")
    for args in (
        ("run", "-q", "--timeout", "5", "--", "true"),
        ("run", "--qu", "--", "true"),  # an abbreviation: argparse's business
        ("run", "-q", "--json", "--", "true"),
        ("run", "-q", "--trace", "--", "true"),
        ("run", "-q", "--secret", "A=env://B", "--", "true"),
        ("run", "-q", "--scan", "code", "--", "true"),
        ("run", "-q", "--", "no-such-command-here"),
        ("history",),
    ):
        assert fast_probe(home, *args)["code"] is None, args
    assert fast_probe(home, "run", "-q", "--", "true", SCRIPTRUNNER_FAST_PATH="0")["code"] is None
    assert fast_probe(home, "run", "-q", "--", "true", SCRIPTRUNNER_TRACE="1")["code"] is None
    assert fast_probe(tmp_path / "new", "run", "-q", "--", "true")["code"] is None  # no store
    (tmp_path / "scriptrunner.toml").write_text("tail_bytes = 10\n")
    assert fast_probe(home, "run", "-q", "--", "true")["code"] is None


def test_the_fast_path_knows_every_setting() -> None:
    """A setting added to ``settings.Settings`` must be either handled by the fast path or
    listed as a reason to take the full path."""
    from scriptrunner.cli import fast_run
    from scriptrunner.settings import _FIELDS

    listed = {n.lower() for n in (*fast_run._SETTINGS, *fast_run._NOT_READ)}
    assert listed == set(_FIELDS)


def test_the_fast_path_writes_the_catalogue_s_event_types() -> None:
    from scriptrunner import events
    from scriptrunner.cli import fast_record

    assert fast_record.RUN_STARTED == events.RUN_STARTED
    assert fast_record.RUN_ATTEMPT_FINISHED == events.RUN_ATTEMPT_FINISHED
    assert fast_record.RUN_FINISHED == events.RUN_FINISHED
