"""The GitLab report formats through the real CLI: a planted secret is in none of the four
outputs (``gitlab-sast``, ``gitlab-secrets``, ``gitlab-deps``, ``codeclimate``), every output
has the fields GitLab documents as required (``fixtures.gitlab_reports``: GitLab's own
schemas cannot be had from a package registry), and a GitLab report of another scan kind is
refused in one line before anything is scanned."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from fixtures.cli import cli_env, run_cli
from fixtures.gitlab_reports import validate_report

ADVISORY_DB = Path(__file__).resolve().parents[2].parent / "shared" / "advisory-db"
AWS = "AKIA" + "QZ4T7Y2W6R3E5U7I"
PASSWORD = "Tr0ub4dor&3xQ!"
TOKEN = "s3cr3t" + "T0ken9x"


def scan(home: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    settings = {"SCRIPTRUNNER_HOME": str(home)}
    if os.environ.get("SCRIPTRUNNER_SEMGREP"):
        settings["SCRIPTRUNNER_SEMGREP"] = os.environ["SCRIPTRUNNER_SEMGREP"]
    return run_cli("scan", *args, "--no-record", env=cli_env(**settings), cwd=cwd)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The four reports of one project where the same secrets are planted for every scan:
    in code (a Bandit hard-coded password), as keys (secret detection) and as the password
    of a requirement's URL (dependency scanning)."""
    root = tmp_path_factory.mktemp("gitlab-formats")
    home, proj = root / "home", root / "proj"
    proj.mkdir()
    (proj / "config.py").write_text(
        f"AWS_KEY = '{AWS}'\npassword = '{PASSWORD}'\nTOKEN = '{TOKEN}'\n"
    )
    (proj / "requirements.txt").write_text(
        f"jinja2==2.10\nprivate-pkg @ https://ci:{TOKEN}@packages.example.invalid/p.whl\n"
    )
    runs = {
        "gitlab-sast": ("code", "."),
        "codeclimate": ("code", "."),
        "gitlab-secrets": ("secrets", "."),
        "gitlab-deps": ("deps", "requirements.txt", "--db", str(ADVISORY_DB)),
    }
    texts: dict[str, str] = {}
    for fmt, args in runs.items():
        done = scan(home, proj, *args, "--format", fmt, "-o", f"{fmt}.json")
        assert done.returncode == 1, done.stderr  # findings, not a failed scan
        assert done.stdout == ""
        texts[fmt] = (proj / f"{fmt}.json").read_text()
    return texts


@pytest.mark.parametrize("fmt", ["gitlab-sast", "gitlab-secrets", "gitlab-deps", "codeclimate"])
def test_no_planted_secret_in_any_output(outputs: dict[str, str], fmt: str) -> None:
    text = outputs[fmt]
    for value in (AWS, PASSWORD, TOKEN):
        assert value not in text, f"{fmt} leaks {value[:4]}..."
    validate_report(fmt, json.loads(text))


def test_the_outputs_report_the_planted_findings(outputs: dict[str, str]) -> None:
    sast = json.loads(outputs["gitlab-sast"])["vulnerabilities"]
    assert any(v["location"]["file"] == "config.py" for v in sast)
    secrets = json.loads(outputs["gitlab-secrets"])["vulnerabilities"]
    aws = [v for v in secrets if v["identifiers"][0]["value"] == "aws-access-key-id"]
    assert aws and "AKIA***" in aws[0]["description"]
    deps = json.loads(outputs["gitlab-deps"])
    names = {v["location"]["dependency"]["package"]["name"] for v in deps["vulnerabilities"]}
    assert names == {"jinja2"}
    # The unpinned URL requirement could not be checked: a message, password masked.
    notes = " ".join(m["value"] for m in deps["scan"]["messages"])
    assert "private-pkg" in notes and "***" in notes
    quality = json.loads(outputs["codeclimate"])
    assert {i["fingerprint"] for i in quality} == {v["id"] for v in sast}


@pytest.mark.parametrize(
    ("kind", "fmt"),
    [("code", "gitlab-deps"), ("secrets", "gitlab-sast"), ("deps", "gitlab-secrets")],
)
def test_a_gitlab_report_of_another_scan_kind_fails_in_one_line(
    tmp_path: Path, kind: str, fmt: str
) -> None:
    (tmp_path / "requirements.txt").write_text("jinja2==2.10\n")
    target = "requirements.txt" if kind == "deps" else "."
    done = scan(tmp_path / "home", tmp_path, kind, target, "--format", fmt)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"scriptrunner: error: --format {fmt} is the report of `scan ")
    assert not (tmp_path / "home").exists()  # refused before the scan: nothing was set up
