"""``scriptrunner run --scan deps``: the pre-execution gate checks the script's requirements."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from fixtures.cli import cli_env, run_cli

RECORD = {
    "id": "PYSEC-2099-1",
    "modified": "2024-01-01T00:00:00Z",
    "aliases": ["CVE-2099-0001"],
    "summary": "remote code execution in demo-lib",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "demo-lib"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}],
        }
    ],
}

SCRIPT = "from pathlib import Path\nPath('ran').write_text('yes')\n"


def setup(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    db = tmp_path / "osv"
    db.mkdir()
    (db / "PYSEC-2099-1.json").write_text(json.dumps(RECORD))
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "job.py").write_text(SCRIPT)
    (proj / "requirements.txt").write_text("demo-lib==1.4  # pinned long ago\n")
    (proj / "fixed.txt").write_text("demo-lib==2.0\n")
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))
    return proj, env


def test_vulnerable_requirements_block_the_run(tmp_path: Path) -> None:
    proj, env = setup(tmp_path)
    # No database installed and no --online: fail closed, the script never starts.
    r = run_cli("run", "--scan", "deps", "job.py", env=env, cwd=proj)
    assert r.returncode == 2, r.stderr
    assert "no vulnerability source" in r.stderr and not (proj / "ran").exists()

    assert (
        run_cli("db", "update", "--from", str(tmp_path / "osv"), env=env, cwd=proj).returncode == 0
    )
    r = run_cli("run", "--scan", "deps", "job.py", env=env, cwd=proj)
    assert r.returncode == 3, r.stderr
    assert "PYSEC-2099-1" in r.stderr and "requirements.txt" in r.stderr
    assert not (proj / "ran").exists()

    history = tmp_path / "home" / "history.db"
    with sqlite3.connect(history) as conn:
        events = conn.execute("SELECT type, payload FROM events ORDER BY id").fetchall()
    vulns = [json.loads(p) for t, p in events if t == "vulnerability.detected"]
    assert [(v["rule_id"], v["package"], v["version"], v["fix"]) for v in vulns] == [
        ("PYSEC-2099-1", "demo-lib", "1.4", "2.0")
    ]

    # A fixed requirements file given explicitly lets it run.
    r = run_cli("run", "--scan", "deps", "--requirements", "fixed.txt", "job.py", env=env, cwd=proj)
    assert r.returncode == 0, r.stderr
    assert (proj / "ran").read_text() == "yes"


def test_requirements_option_needs_the_deps_gate(tmp_path: Path) -> None:
    proj, env = setup(tmp_path)
    r = run_cli("run", "--scan", "code", "--requirements", "fixed.txt", "job.py", env=env, cwd=proj)
    assert r.returncode == 2 and "--requirements needs --scan deps" in r.stderr
    assert not (proj / "ran").exists()


def test_database_errors_name_the_fix_run_has(tmp_path: Path) -> None:
    """``run`` has no ``--db``: the gate's errors say ``scriptrunner db update``."""
    proj, env = setup(tmp_path)
    r = run_cli("run", "--scan", "deps", "job.py", env=env, cwd=proj)
    assert r.returncode == 2 and "scriptrunner db update" in r.stderr, r.stderr
    assert "--db" not in r.stderr and "--online" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    # An installed database that cannot be read: the same fix, not --db.
    assert (
        run_cli("db", "update", "--from", str(tmp_path / "osv"), env=env, cwd=proj).returncode == 0
    )
    for record in (tmp_path / "home" / "advisories").rglob("*.json"):
        record.unlink()
    r = run_cli("run", "--scan", "deps", "job.py", env=env, cwd=proj)
    assert r.returncode == 2 and "cannot read vulnerability database" in r.stderr, r.stderr
    assert "scriptrunner db update" in r.stderr and "--db" not in r.stderr
    assert not (proj / "ran").exists()
    # scan deps has --db: its message keeps naming it.
    r = run_cli(
        "scan", "deps", "requirements.txt", "--db", str(tmp_path / "nope"), env=env, cwd=proj
    )
    assert r.returncode == 2 and "pass --db PATH" in r.stderr
