"""Every event the product emits is in the catalogue, stored, and seen by subscribers.

The real CLI produces every stored event type (runs with retries and a cost, a blocked
run, a workflow, code/dependency/secret scans); each stored payload must match its
catalogue entry.  In process, a bus subscriber of the application layer must see exactly
what the events table holds, in the same order.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

from fixtures.cli import cli
from scriptrunner import event_catalogue as catalogue
from scriptrunner import events as ev
from scriptrunner.app import GateBlocked, RunRequest, RunSession, WorkflowRequest
from scriptrunner.core.spec import RunSpec
from scriptrunner.gates.base import parse_policy
from scriptrunner.settings import load_settings
from scriptrunner.workflows import expand, workflow_from_dict

STRIPE = "sk_live_" + "a1B2c3D4e5F6g7H8i9J0kLmN"
WORKFLOW = """\
name: pipeline
tasks:
  a: {run: "true"}
  b: {run: "false", needs: a, continue_on_error: true}
"""
VULNERABLE = {
    "id": "PYSEC-2099-1",
    "modified": "2024-01-01T00:00:00Z",
    "summary": "demo",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "demo-pkg"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2"}]}],
        }
    ],
}


def stored_events(home: Path) -> list[tuple[str, dict[str, Any]]]:
    with sqlite3.connect(home / "history.db") as conn:
        rows = conn.execute("SELECT type, payload FROM events ORDER BY id").fetchall()
    return [(t, json.loads(p)) for t, p in rows]


def test_every_stored_event_of_the_cli_matches_the_catalogue(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (tmp_path / "job.py").write_text(f"KEY = '{STRIPE}'\n")
    (tmp_path / "danger.py").write_text("import subprocess\nsubprocess.call(input(), shell=True)\n")
    (tmp_path / "wf.yaml").write_text(WORKFLOW)
    (tmp_path / "requirements.txt").write_text("demo-pkg==1.0\n")
    db = tmp_path / "db"
    db.mkdir()
    (db / "PYSEC-2099-1.json").write_text(json.dumps(VULNERABLE))

    runs = [
        ("run", "-q", "--retries", "1", "--retry-delay", "0", "--cost-profile", "aws:m5.large",
         "--", "sh", "-c", "exit 1"),
        ("run", "-q", "--scan", "secrets", str(tmp_path / "job.py")),
        ("workflow", "run", "-q", str(tmp_path / "wf.yaml")),
        ("scan", "secrets", str(tmp_path / "job.py")),
        ("scan", "deps", str(tmp_path / "requirements.txt"), "--db", str(db)),
        ("scan", "code", "--tool", "bandit", str(tmp_path / "danger.py")),
    ]  # fmt: skip
    for args in runs:
        r = cli(home, *args, cwd=tmp_path)
        assert r.returncode in (0, 1, 3), (args, r.stderr)

    stored = stored_events(home)
    problems = [p for etype, payload in stored for p in catalogue.payload_problems(etype, payload)]
    assert problems == []
    expected = {t.name for t in catalogue.CATALOGUE.values() if t.stored}
    assert expected - {etype for etype, _ in stored} == set()
    blob = json.dumps(stored)
    assert STRIPE not in blob  # secret findings carry redactions only


def test_subscribers_see_exactly_what_is_stored(tmp_path: Path) -> None:
    settings = load_settings(cwd=tmp_path, environ={}, overrides={"home": tmp_path / "home"})
    (tmp_path / "job.py").write_text(f"KEY = '{STRIPE}'\n")
    plan = expand(workflow_from_dict(__import__("yaml").safe_load(WORKFLOW), base_dir=tmp_path))
    seen: list[ev.Event] = []
    with RunSession(settings) as session:
        session.bus.subscribe(seen.append)
        session.run(RunRequest(RunSpec(command=(sys.executable, "-c", "pass"))))
        try:
            session.run(
                RunRequest(
                    RunSpec.for_script(str(tmp_path / "job.py"), ()),
                    gate=parse_policy("secrets"),
                )
            )
        except GateBlocked:
            pass
        session.run_workflow(plan, WorkflowRequest())
    stored = stored_events(tmp_path / "home")
    assert [(e.type, dict(e.payload)) for e in seen] == stored
    assert {ev.RUN_BLOCKED, ev.SECRET_DETECTED, ev.WORKFLOW_FINISHED} <= {e.type for e in seen}
