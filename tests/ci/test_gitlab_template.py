"""``templates/scriptrunner.gitlab-ci.yml``, checked by GitLab's CI schema and run for real.

``gitlab-ci-local`` (the npm package, pinned in ``tests/ci_tools``) runs the template, included
by a temporary project's ``.gitlab-ci.yml``, with its shell executor (``--force-shell-executor``:
the jobs' ``image:`` is not pulled), on a git repository with planted findings: a Bandit
finding, a planted AWS key and a vulnerable requirement checked against the offline PyPA
advisory snapshot next to the repository (``../shared/advisory-db``).  The jobs run the
scriptrunner of this test run (``SCRIPTRUNNER_INSTALL=false``: the console script on PATH,
importing this checkout), never one installed from the network.  The reports are checked
against the fields GitLab documents as required (``fixtures.gitlab_reports``: GitLab's own
report schemas are not to be had from a package registry).  No network is used.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from fixtures.ci_tools import node_tool, venv_tool
from fixtures.cli import cli_env
from fixtures.gitlab_reports import validate_report
from scriptrunner.settings import ENV_PREFIX, Settings

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "templates" / "scriptrunner.gitlab-ci.yml"
ADVISORY_DB = REPO.parent / "shared" / "advisory-db"
AWS = "AKIA" + "QZ4T7Y2W6R3E5U7I"
JOBS = ("scriptrunner-sast", "scriptrunner-secret-detection", "scriptrunner-dependency-scanning")
REPORTS = {
    "scriptrunner-sast": {
        "gl-sast-report.json": "gitlab-sast",
        "gl-code-quality-report.json": "codeclimate",
    },
    "scriptrunner-secret-detection": {"gl-secret-detection-report.json": "gitlab-secrets"},
    "scriptrunner-dependency-scanning": {"gl-dependency-scanning-report.json": "gitlab-deps"},
}


@dataclass(frozen=True)
class Pipeline:
    project: Path
    returncode: int
    output: str

    def artifact(self, job: str, name: str) -> Any:
        """A report as the job uploaded it (its artifacts, not the working tree)."""
        path = self.project / ".gitlab-ci-local" / "artifacts" / job / name
        assert path.is_file(), f"{job} did not upload {name}:\n{self.output}"
        return json.loads(path.read_text())


def test_template_is_valid_gitlab_ci() -> None:
    done = subprocess.run(
        [str(venv_tool("check-jsonschema")), "--builtin-schema", "vendor.gitlab-ci", str(TEMPLATE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_template_declares_every_report_and_uploads_it_always() -> None:
    config = yaml.safe_load(TEMPLATE.read_text())
    declared = {job: {**config[job]["artifacts"]["reports"]} for job in JOBS}
    assert declared == {
        "scriptrunner-sast": {
            "sast": "gl-sast-report.json",
            "codequality": "gl-code-quality-report.json",
        },
        "scriptrunner-secret-detection": {"secret_detection": "gl-secret-detection-report.json"},
        "scriptrunner-dependency-scanning": {
            "dependency_scanning": "gl-dependency-scanning-report.json"
        },
    }
    assert all(config[job]["artifacts"]["when"] == "always" for job in JOBS)


def test_template_variables_are_no_scriptrunner_settings() -> None:
    """A template variable becomes an environment variable of the job: one named like a
    setting (``SCRIPTRUNNER_HOME``...) would change what scriptrunner does."""
    variables = yaml.safe_load(TEMPLATE.read_text())["variables"]
    settings = {ENV_PREFIX + name.upper() for name in Settings.__dataclass_fields__}
    assert variables and not settings & set(variables)


def planted_project(root: Path) -> Path:
    """A git repository including the template, with a Bandit finding, a planted AWS key and
    a vulnerable requirement."""
    project = root / "project"
    project.mkdir()
    shutil.copy(TEMPLATE, project / "scriptrunner.gitlab-ci.yml")
    (project / ".gitlab-ci.yml").write_text(
        "include:\n  - local: scriptrunner.gitlab-ci.yml\n"
        "variables:\n  SCRIPTRUNNER_FAIL_ON: warning\n  SCRIPTRUNNER_INSTALL: 'false'\n"
    )
    (project / "app.py").write_text(
        "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
    )
    (project / "config.py").write_text(f"AWS_KEY = '{AWS}'\n")
    (project / "requirements.txt").write_text("jinja2==2.10\n")
    # A Semgrep rule that does not parse, for the run that must fail as incomplete.
    (project / "broken-rules").mkdir()
    (project / "broken-rules" / "bad.yaml").write_text(
        "rules:\n  - id: broken\n    pattern: 'foo('\n    message: x\n"
        "    languages: [python]\n    severity: ERROR\n"
    )
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=project, check=True)
    subprocess.run([*git, "add", "."], cwd=project, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "planted"], cwd=project, check=True)
    return project


def run_pipeline(root: Path, *args: str) -> Pipeline:
    """gitlab-ci-local on ``root``'s planted project (its shell executor; ``args``: job
    names and ``--variable`` settings)."""
    if shutil.which("rsync") is None:
        pytest.fail("rsync not found: gitlab-ci-local needs it (`make sysdeps` installs it)")
    tool = node_tool("gitlab-ci-local")
    project = planted_project(root)
    settings = {"SCRIPTRUNNER_HOME": str(root / "home")}
    if os.environ.get("SCRIPTRUNNER_SEMGREP"):
        settings["SCRIPTRUNNER_SEMGREP"] = os.environ["SCRIPTRUNNER_SEMGREP"]
    env = cli_env(**settings)
    # The scriptrunner of this test run first on PATH (it imports this checkout).
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(root)  # gitlab-ci-local keeps its own state under $HOME
    done = subprocess.run(
        [
            str(tool),
            "--force-shell-executor",
            "--no-color",
            "--variable",
            f"SCRIPTRUNNER_ADVISORY_DB={ADVISORY_DB}",
            *args,
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    return Pipeline(project, done.returncode, done.stdout + done.stderr)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    """The template's three jobs run by gitlab-ci-local on a project with planted findings."""
    return run_pipeline(tmp_path_factory.mktemp("gitlab-ci"))


def test_findings_fail_every_job_and_every_report_is_still_uploaded(pipeline: Pipeline) -> None:
    assert pipeline.returncode != 0, pipeline.output
    for job in JOBS:
        assert re.search(rf"FAIL\s+{job}\b", pipeline.output), pipeline.output
        for name, fmt in REPORTS[job].items():
            validate_report(fmt, pipeline.artifact(job, name))


def test_sast_and_code_quality_report_the_bandit_finding(pipeline: Pipeline) -> None:
    sast = pipeline.artifact("scriptrunner-sast", "gl-sast-report.json")
    assert sast["scan"]["type"] == "sast" and sast["scan"]["status"] == "success"
    shell = [
        v
        for v in sast["vulnerabilities"]
        if v["location"] == {"file": "app.py", "start_line": 5, "end_line": 5}
    ]
    assert shell and shell[0]["severity"] == "High", sast["vulnerabilities"]
    quality = pipeline.artifact("scriptrunner-sast", "gl-code-quality-report.json")
    issues = {i["fingerprint"]: i for i in quality}
    assert issues[shell[0]["id"]]["location"] == {
        "path": "app.py",
        "lines": {"begin": 5, "end": 5},
    }
    assert issues[shell[0]["id"]]["severity"] == "major"


def test_secret_detection_reports_the_planted_key_redacted(pipeline: Pipeline) -> None:
    report = pipeline.artifact("scriptrunner-secret-detection", "gl-secret-detection-report.json")
    assert report["scan"]["type"] == "secret_detection"
    (key,) = [v for v in report["vulnerabilities"] if v["location"]["file"] == "config.py"]
    assert key["identifiers"][0]["value"] == "aws-access-key-id"
    assert key["location"]["start_line"] == 1
    assert key["location"]["commit"]["sha"]
    for job in JOBS:
        for name in REPORTS[job]:
            assert AWS not in (pipeline.project / name).read_text()


def test_dependency_scanning_reports_the_vulnerable_requirement(pipeline: Pipeline) -> None:
    report = pipeline.artifact(
        "scriptrunner-dependency-scanning", "gl-dependency-scanning-report.json"
    )
    assert report["scan"]["type"] == "dependency_scanning"
    assert report["vulnerabilities"]
    for vuln in report["vulnerabilities"]:
        assert vuln["location"] == {
            "file": "requirements.txt",
            "dependency": {"package": {"name": "jinja2"}, "version": "2.10"},
        }
    ids = {v["identifiers"][0]["value"] for v in report["vulnerabilities"]}
    assert "PYSEC-2019-217" in ids  # jinja2 2.10's sandbox escape, in the PyPA snapshot
    assert report["dependency_files"] == [
        {
            "path": "requirements.txt",
            "package_manager": "pip",
            "dependencies": [{"package": {"name": "jinja2"}, "version": "2.10"}],
        }
    ]


def test_an_incomplete_scan_fails_the_job_with_exit_2_and_its_report_says_so(
    tmp_path: Path,
) -> None:
    """A tool that fails (Semgrep on a rule that does not parse) is exit 2, never a pass,
    and the uploaded report has ``status: failure`` with the reason."""
    run = run_pipeline(
        tmp_path, "scriptrunner-sast", "--variable", "SCRIPTRUNNER_CODE_ARGS=--rules broken-rules"
    )
    assert run.returncode != 0, run.output
    assert re.search(r"scriptrunner-sast\s+finished in .*FAIL 2", run.output), run.output
    scan = run.artifact("scriptrunner-sast", "gl-sast-report.json")["scan"]
    assert scan["status"] == "failure"
    assert any(m["level"] == "fatal" and "semgrep" in m["value"] for m in scan["messages"])


def test_a_disabled_job_is_not_in_the_pipeline(tmp_path: Path) -> None:
    project = planted_project(tmp_path)
    done = subprocess.run(
        [
            str(node_tool("gitlab-ci-local")),
            "--list",
            "--no-color",
            "--variable",
            "SCRIPTRUNNER_SAST_DISABLED=true",
            "--variable",
            "SCRIPTRUNNER_DEPENDENCY_SCANNING_DISABLED=true",
        ],
        cwd=project,
        env={**cli_env(), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    listed = {
        line.split()[0] for line in done.stdout.splitlines() if line.startswith("scriptrunner-")
    }
    assert listed == {"scriptrunner-secret-detection"}, done.stdout
