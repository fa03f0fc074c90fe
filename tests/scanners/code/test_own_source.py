"""scriptrunner's own code passes its own code scan at HIGH: every tool (Bandit, Semgrep with
the bundled rules, the taint analysis), as a user's CI would run it.  A finding on our code
is fixed or carries a reasoned ``# scriptrunner: ignore[RULE] - why`` comment."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.cli import cli_env, run_cli
from fixtures.scanning import semgrep_path

REPO = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.slow


def test_scriptrunner_source_has_no_high_findings(tmp_path: Path) -> None:
    env = cli_env(
        SCRIPTRUNNER_HOME=str(tmp_path / "home"), SCRIPTRUNNER_SEMGREP=str(semgrep_path())
    )
    proc = run_cli(
        "scan", "code", "src", "--fail-on", "high", "--no-record", "--no-cache",
        env=env, cwd=REPO, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = proc.stdout.strip().splitlines()[-1]
    assert "0 findings" in summary or "HIGH" not in summary, summary
    assert all(tool in summary for tool in ("bandit ", "semgrep ", "taint ")), summary
