"""The ``secrets`` gate: the script and its neighbouring config files, before a run."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from fixtures.cli import cli_env, run_cli
from scriptrunner.findings.model import Severity
from scriptrunner.gates import GateContext, evaluate, get_gate, parse_policy
from scriptrunner.gates.secrets import gate_files

TOKEN = "ghp_" + "Zq3" * 12  # 36 characters after the prefix
STRIPE = "sk_live_" + "a1B2c3D4e5F6g7H8i9J0kLmN"


def project(tmp_path: Path) -> Path:
    (tmp_path / "job.py").write_text("import os\nprint('hello')\n")
    (tmp_path / ".env").write_text(f"STRIPE_KEY={STRIPE}\n")
    (tmp_path / "settings.yaml").write_text("debug: true\n")
    (tmp_path / "notes.txt").write_text(f"token {TOKEN}\n")  # not a config file: not scanned
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.env").write_text(f"TOKEN={TOKEN}\n")  # not recursive
    return tmp_path / "job.py"


def test_gate_scans_script_and_config_files_next_to_it(tmp_path: Path) -> None:
    script = project(tmp_path)
    assert [p.name for p in gate_files(script)] == ["job.py", ".env", "settings.yaml"]
    result = get_gate("secrets", GateContext(cache_dir=None)).check(script)
    assert [(f.location.path, f.rule_id, f.severity) for f in result.findings] == [
        (".env", "stripe-key", Severity.CRITICAL)
    ]
    assert STRIPE not in repr(result)


def test_gate_decision_blocks_on_a_leaked_key_and_passes_a_clean_script(tmp_path: Path) -> None:
    script = project(tmp_path)
    decision = evaluate(parse_policy("secrets", "high"), script, GateContext(cache_dir=None))
    assert decision.blocked and "stripe-key (CRITICAL)" in decision.reason(parse_policy("secrets"))
    (tmp_path / ".env").write_text("STRIPE_KEY=${STRIPE_KEY}\n")
    decision = evaluate(parse_policy("secrets", "high"), script, GateContext(cache_dir=None))
    assert not decision.blocked


def test_run_with_secrets_gate_blocks_before_running(tmp_path: Path) -> None:
    script = tmp_path / "job.py"
    marker = tmp_path / "ran"
    script.write_text(f"open({str(marker)!r}, 'w').close()\nKEY = '{STRIPE}'\n")
    home = tmp_path / "home"
    r = run_cli(
        "run", "--scan", "secrets", str(script), env=cli_env(SCRIPTRUNNER_HOME=str(home)),
        cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 3, r.stderr
    assert "stripe-key" in r.stderr and STRIPE not in r.stderr + r.stdout
    assert not marker.exists()
    with sqlite3.connect(home / "history.db") as conn:
        assert conn.execute("SELECT status FROM runs").fetchall() == [("blocked",)]
        dump = "\n".join(str(row) for row in conn.execute("SELECT * FROM findings"))
    assert "stripe-key" in dump and STRIPE not in dump
    (tmp_path / "clean.py").write_text("print('ok')\n")
    r = run_cli(
        "run", "--scan", "secrets", "-q", "--", sys.executable, str(tmp_path / "clean.py"),
        env=cli_env(SCRIPTRUNNER_HOME=str(home)), cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
