"""The GitHub Action's shell steps, run for real on a repository with planted findings.

``github_runner.run_action`` runs every ``run:`` step of ``action.yml`` with bash as GitHub's
runner does (inputs reach the scripts only through ``env:``), on a temporary git
repository holding a Bandit finding (``shell=True``, HIGH), a planted AWS key (CRITICAL)
and a vulnerable requirement (requests 2.19.0, checked offline against the PyPA advisory
snapshot in ``../shared/advisory-db``).  ``install: false`` makes the install step use the
test's interpreter (which imports this tree's scriptrunner) instead of pip: the documented
input, not an edit of the step.  The ``uses:`` steps cannot run here (setup-python and
``github/codeql-action/upload-sarif`` need GitHub's runner and API); the tests check what
their ``if:`` would decide and that the SARIF files they would upload are valid.  No
network: the deps scan reads the offline database.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from github_runner import REPO, ActionRun, load_action, run_action

from fixtures.sarif import validate_sarif

AWS_KEY = "AKIA" + "QZ4T7Y2W6R3E5U7I"
ADVISORY_DB = REPO.parent / "shared" / "advisory-db"
SCANS = ("code", "deps", "secrets")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("planted") / "project"
    repo.mkdir()
    (repo / "app.py").write_text(
        "import subprocess\n\n\ndef go(cmd):\n    return subprocess.call(cmd, shell=True)\n"
    )
    (repo / "config.py").write_text(f'key_id = "{AWS_KEY}"\n')
    (repo / "requirements.txt").write_text("requests==2.19.0\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "planted")
    return repo


@pytest.fixture(scope="module")
def base_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The test's environment (PYTHONPATH, SCRIPTRUNNER_SEMGREP) with a home of its own,
    shared by the runs of this module so the scan caches and the OSV index are reused."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env["SCRIPTRUNNER_HOME"] = str(tmp_path_factory.mktemp("home"))
    return env


def _run(given: dict[str, str], planted: Path, temp: Path, env: dict[str, str]) -> ActionRun:
    assert ADVISORY_DB.is_dir(), f"the offline advisory database is missing: {ADVISORY_DB}"
    inputs = {"install": "false", "advisory-db": str(ADVISORY_DB), **given}
    return run_action(inputs, workspace=planted, temp=temp, env=env)


@pytest.fixture(scope="module")
def default_run(
    planted: Path, base_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> ActionRun:
    """All three scans at the default ``fail-on: high``."""
    return _run({}, planted, tmp_path_factory.mktemp("runner"), base_env)


def test_run_steps_have_no_expressions_and_uses_steps_are_pinned() -> None:
    steps = load_action()["runs"]["steps"]
    for step in steps:
        if "run" in step:
            assert "${{" not in step["run"], f"{step['name']}: an expression in run: text"
            assert step["shell"] == "bash"
            assert "if" not in step, "run: steps always run (the runner here has no if:)"
        else:
            ref = step["uses"].split("@", 1)[1]
            assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), step["uses"]


def test_default_run_fails_at_high_and_writes_valid_sarif(default_run: ActionRun) -> None:
    scan = default_run.step("scan")
    assert default_run.step("install").returncode == 0, default_run.step("install").stderr
    assert scan.returncode == 1, scan.stdout + scan.stderr
    outputs = scan.outputs
    assert outputs["exit-code"] == "1"
    for kind in SCANS:
        path = Path(outputs[f"sarif-{kind}"])
        assert path.is_file() and path.name == f"{kind}.sarif"
        log = json.loads(path.read_text())
        validate_sarif(log)
        assert log["version"] == "2.1.0"
    assert json.loads(outputs["sarif-files"]) == [outputs[f"sarif-{k}"] for k in SCANS]


def test_outputs_count_the_planted_findings(default_run: ActionRun, planted: Path) -> None:
    outputs = default_run.step("scan").outputs
    assert outputs["findings-secrets"] == "1"
    assert int(outputs["findings-code"]) >= 1
    assert int(outputs["findings-deps"]) >= 1
    assert int(outputs["critical"]) >= 1 and int(outputs["high"]) >= 1
    by_severity = sum(int(outputs[s]) for s in ("critical", "high", "warning", "info"))
    by_scan = sum(int(outputs[f"findings-{k}"]) for k in SCANS)
    assert int(outputs["findings"]) == by_severity == by_scan
    assert Path(outputs["working-directory"]) == planted.resolve()


def test_summary_has_the_counts_and_top_findings(default_run: ActionRun) -> None:
    summary = default_run.summary
    outputs = default_run.step("scan").outputs
    assert "## scriptrunner: failed (exit 1)" in summary
    assert "| secrets | findings at or above high | 1 | 0 | 0 | 0 | 0 |" in summary
    for kind in SCANS:
        assert f"### {kind}" in summary
    cwe_798 = "https://cwe.mitre.org/data/definitions/798.html"
    assert f"| CRITICAL | [aws-access-key-id]({cwe_798}) | `config.py:1` |" in summary
    assert "`app.py:5`" in summary
    # A rule is linked to its documentation (the OSV advisory pages, else the CWE).
    assert "](https://osv.dev/vulnerability/PYSEC-" in summary
    assert f"**{outputs['findings-secrets']} finding**" in summary


def test_no_secret_value_anywhere(default_run: ActionRun) -> None:
    outputs = default_run.step("scan").outputs
    texts = [default_run.summary, json.dumps(outputs)]
    texts += [Path(outputs[f"sarif-{k}"]).read_text() for k in SCANS]
    texts += [s.stdout + s.stderr for s in default_run.steps]
    for text in texts:
        assert AWS_KEY not in text
        assert AWS_KEY[4:] not in text


def test_uploads_would_run_for_each_sarif_file(default_run: ActionRun) -> None:
    """The upload steps are ``uses:`` (GitHub's codeql-action): not runnable here.  Their
    ``if:`` asks for ``always()`` (a failing scan still uploads), the input, and the file."""
    uploads = [(uses, cond) for uses, cond in default_run.skipped_uses if "upload-sarif" in uses]
    assert len(uploads) == len(SCANS)
    for (_, cond), kind in zip(uploads, SCANS, strict=True):
        assert cond.startswith("always() && inputs.upload-sarif == 'true'")
        assert f"steps.scan.outputs.sarif-{kind} != ''" in cond


def test_fail_on_critical_passes_without_the_key(
    planted: Path, base_env: dict[str, str], tmp_path: Path
) -> None:
    run = _run({"scans": "code,deps", "fail-on": "critical"}, planted, tmp_path, base_env)
    scan = run.step("scan")
    assert scan.returncode == 0, scan.stdout + scan.stderr
    assert scan.outputs["exit-code"] == "0"
    assert scan.outputs["sarif-code"] and scan.outputs["sarif-deps"]
    assert "findings-secrets" not in scan.outputs
    assert "## scriptrunner: passed" in run.summary


def test_fail_on_none_never_fails_on_findings(
    planted: Path, base_env: dict[str, str], tmp_path: Path
) -> None:
    run = _run(
        {"scans": "secrets", "fail-on": "none", "summary": "false"}, planted, tmp_path, base_env
    )
    scan = run.step("scan")
    assert scan.returncode == 0, scan.stdout + scan.stderr
    assert scan.outputs["findings"] == "1"
    assert run.summary == ""


def test_inputs_are_data_never_commands(
    planted: Path, base_env: dict[str, str], tmp_path: Path
) -> None:
    """A path with shell syntax stays one argument; an extra argument too."""
    marker = tmp_path / "pwned"
    hostile = f"$(touch {marker}); touch {marker}"
    run = _run(
        {
            "scans": "secrets",
            "paths": f"'{hostile}' config.py",
            "extra-args": f"secrets: --exclude '{hostile}'",
        },
        planted,
        tmp_path / "runner",
        base_env,
    )
    scan = run.step("scan")
    assert not marker.exists()
    assert scan.returncode == 2, scan.stdout + scan.stderr  # no such path: the scan fails
    assert "failed" in scan.stdout


def test_bad_inputs_fail_with_exit_2_and_say_which(
    planted: Path, base_env: dict[str, str], tmp_path: Path
) -> None:
    run = _run({"scans": "code,sast"}, planted, tmp_path, base_env)
    scan = run.step("scan")
    assert scan.returncode == 2
    assert "::error title=scriptrunner action::scans: unknown sast" in scan.stdout
