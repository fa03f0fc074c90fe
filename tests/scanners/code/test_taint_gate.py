"""``run --scan code`` gates on taint findings: a script whose only serious issue is a flow
(Bandit reports the sink at INFO, Semgrep not at all) is blocked at the default level."""

from __future__ import annotations

from pathlib import Path

from fixtures.cli import cli_env, run_cli
from fixtures.scanning import semgrep_path
from scriptrunner.findings.model import Severity
from scriptrunner.gates import GateContext, evaluate, parse_policy

FETCH = """\
import sys
import urllib.request
from pathlib import Path

Path("ran").touch()


def fetch(address):
    with urllib.request.urlopen(address, timeout=5) as resp:
        return resp.read()


print(len(fetch(sys.argv[1])))
"""


def test_the_gate_blocks_on_a_taint_finding(tmp_path: Path, semgrep_exe: Path) -> None:
    script = tmp_path / "fetch_job.py"
    script.write_text(FETCH)
    context = GateContext(cache_dir=tmp_path / "cache", semgrep=str(semgrep_exe))
    decision = evaluate(parse_policy("code", "high"), script, context)
    assert decision.blocked
    [blocking] = decision.blocking
    assert (blocking.rule_id, blocking.severity) == ("taint-ssrf", Severity.HIGH)
    assert "fetch_job.py:9: taint-ssrf (HIGH)" in decision.reason(parse_policy("code", "high"))


def test_run_with_scan_code_does_not_start_a_script_with_a_tainted_sink(tmp_path: Path) -> None:
    script, marker = tmp_path / "fetch_job.py", tmp_path / "ran"
    script.write_text(FETCH)
    env = cli_env(
        SCRIPTRUNNER_HOME=str(tmp_path / "home"), SCRIPTRUNNER_SEMGREP=str(semgrep_path())
    )
    r = run_cli(
        "run", "--scan", "code", str(script), "http://localhost/",
        env=env, cwd=tmp_path, timeout=180,
    )  # fmt: skip
    assert r.returncode == 3, r.stderr
    assert "taint-ssrf" in r.stderr and not marker.exists()
