"""``run --scan code`` gates on taint findings: a script whose only issue is a flow (a
request's data joined under a directory in another function, then opened: a path traversal
that Bandit and Semgrep do not report) is blocked at the default level; the same flow from
the program's own command line is reported at WARNING, below it."""

from __future__ import annotations

from pathlib import Path

from fixtures.cli import cli_env, run_cli
from fixtures.scanning import semgrep_path
from scriptrunner.findings.model import Severity
from scriptrunner.gates import GateContext, evaluate, parse_policy

REPORT = """\
import os
from pathlib import Path

from flask import Flask, request

REPORTS = "/srv/reports"
Path("ran").touch()
app = Flask(__name__)


def read_report(name):
    with open(os.path.join(REPORTS, name)) as fh:
        return fh.read()


@app.get("/report")
def report():
    return read_report(request.args["name"])
"""


def test_the_gate_blocks_on_a_taint_finding(tmp_path: Path, semgrep_exe: Path) -> None:
    script = tmp_path / "report_job.py"
    script.write_text(REPORT)
    context = GateContext(cache_dir=tmp_path / "cache", semgrep=str(semgrep_exe))
    decision = evaluate(parse_policy("code", "high"), script, context)
    assert decision.blocked
    [blocking] = decision.blocking
    assert (blocking.rule_id, blocking.severity) == ("taint-path-traversal", Severity.HIGH)
    reason = decision.reason(parse_policy("code", "high"))
    assert "report_job.py:12: taint-path-traversal (HIGH)" in reason


def test_run_with_scan_code_does_not_start_a_script_with_a_tainted_sink(tmp_path: Path) -> None:
    script, marker = tmp_path / "report_job.py", tmp_path / "ran"
    script.write_text(REPORT)
    env = cli_env(
        SCRIPTRUNNER_HOME=str(tmp_path / "home"), SCRIPTRUNNER_SEMGREP=str(semgrep_path())
    )
    r = run_cli(
        "run", "--scan", "code", str(script), "../../etc/passwd",
        env=env, cwd=tmp_path, timeout=180,
    )  # fmt: skip
    assert r.returncode == 3, r.stderr
    assert "taint-path-traversal" in r.stderr and not marker.exists()


def test_traversal_from_the_command_line_is_a_warning(tmp_path: Path, semgrep_exe: Path) -> None:
    """The user running a script may open any file they can anyway: a path built from its
    arguments is reported, below the gate's default level."""
    script = tmp_path / "report_job.py"
    script.write_text(
        "import os, sys\n"
        "def read_report(name):\n"
        "    with open(os.path.join('/srv/reports', name)) as fh:\n"
        "        return fh.read()\n"
        "print(read_report(sys.argv[1]))\n"
    )
    context = GateContext(cache_dir=tmp_path / "cache", semgrep=str(semgrep_exe))
    decision = evaluate(parse_policy("code", "warning"), script, context)
    [finding] = [f for f in decision.blocking if f.rule_id == "taint-path-traversal"]
    assert finding.severity == Severity.WARNING
    assert not evaluate(parse_policy("code", "high"), script, context).blocked
