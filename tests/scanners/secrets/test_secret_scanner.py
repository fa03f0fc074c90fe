"""The scanner's findings: fields, confidence filter, baselines across line moves, and the
rule that a secret value appears in no output, no store row and no event."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
from pathlib import Path

import pytest
from secret_samples import expand

from scriptrunner.errors import ConfigError
from scriptrunner.findings import apply_baseline, load_baseline, render, write_baseline
from scriptrunner.findings.model import ScanResult, Severity
from scriptrunner.scanners.base import ScanContext, get_scanner
from scriptrunner.scanners.options import SecretsOptions
from scriptrunner.scanners.secrets.scanner import SecretsScanner

SOURCE = (
    "import os\n"
    "AWS_KEY = 'AKIA{aws:16}'\n"
    "aws_secret_access_key = '{b64:40}'\n"
    "DB = 'postgresql://app:{alnum:16}@db.internal/app'\n"
    "password = '{pw:14}'\n"
    "weak_password = 'sunshine'\n"
    "ok = 'ghp_{gh:36}'  # gitleaks:allow\n"
)


def scan(root: Path, *targets: Path, **options: object) -> ScanResult:
    typed = SecretsOptions(**options)  # type: ignore[arg-type]
    return get_scanner("secrets", ScanContext(root=root, options=typed)).scan(
        list(targets) or [root]
    )


def planted(text: str) -> list[str]:
    """The secret values in ``text`` (the strings between quotes/after ':' we planted)."""
    values = []
    for line in text.splitlines()[1:]:
        value = line.split("'")[1]
        values.append(value.split(":")[2].split("@")[0] if "://" in value else value)
    return values


def test_findings_carry_rule_confidence_severity_and_redacted_properties(tmp_path: Path) -> None:
    text = expand(SOURCE, 1)
    (tmp_path / "config.py").write_text(text)
    result = scan(tmp_path)
    got = {(f.rule_id, f.location.start_line, f.confidence, f.severity) for f in result.findings}
    assert got == {
        ("aws-access-key-id", 2, "HIGH", Severity.CRITICAL),
        ("aws-secret-access-key", 3, "HIGH", Severity.CRITICAL),
        ("database-url", 4, "HIGH", Severity.CRITICAL),
        ("generic-password", 5, "HIGH", Severity.HIGH),
    }
    aws = next(f for f in result.findings if f.rule_id == "aws-access-key-id")
    assert aws.message == "AWS access key ID AKIA*** in config.py"
    assert aws.tools == ("scriptrunner-secrets",) and aws.cwe == (798,)
    assert aws.properties["redacted"] == "AKIA***" and aws.properties["entropy"] > 3
    [allowed] = result.suppressed
    assert allowed.rule_id == "github-token" and allowed.suppression is not None
    assert (
        allowed.suppression.kind == "inSource"
        and "gitleaks:allow" in allowed.suppression.justification
    )
    low = scan(tmp_path, min_confidence="low")
    assert ("generic-password", 6) in {(f.rule_id, f.location.start_line) for f in low.findings}
    high = scan(tmp_path, min_confidence="high")
    assert {f.confidence for f in high.findings} == {"HIGH"}


def test_baseline_survives_lines_moving_and_catches_new_secrets(tmp_path: Path) -> None:
    text = expand(SOURCE, 2)
    app = tmp_path / "app.py"
    app.write_text(text)
    baseline = tmp_path / "baseline.json"
    assert write_baseline(baseline, scan(tmp_path).findings) == 4
    assert expand("{b64:40}", 2) not in baseline.read_text()
    app.write_text("\n\n# moved down\n" + text + expand("NEW = 'glpat-{url:20}'\n", 9))
    moved = apply_baseline(scan(tmp_path), load_baseline(baseline), str(baseline))
    assert [f.rule_id for f in moved.findings] == ["gitlab-token"]
    assert (
        len([s for s in moved.suppressed if s.suppression and s.suppression.kind == "external"])
        == 4
    )


def test_no_secret_value_in_any_output_store_or_event(tmp_path: Path) -> None:
    text = expand(SOURCE, 3)
    (tmp_path / "leak.py").write_text(text)
    values = planted(text)
    result = scan(tmp_path)
    assert len(result.findings) + len(result.suppressed) == 5
    formats = ("json", "sarif", "table", "github", "markdown", "gitlab-secrets", "codeclimate")
    outputs = [render(result, fmt) for fmt in formats]
    outputs.append(repr(result))
    from fixtures.stores import record_scan_at

    db = tmp_path / "history.db"
    record_scan_at(f"sqlite:///{db}", "secrets", result, started_at=time.time())
    with sqlite3.connect(db) as conn:
        for table in ("scans", "findings", "events"):
            outputs += [
                json.dumps(row, default=str) for row in conn.execute(f"SELECT * FROM {table}")
            ]
    blob = "\n".join(outputs)
    assert "AKIA***" in blob
    for value in values:
        assert value not in blob, f"secret {value[:4]}... leaked"


def test_bad_options_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown confidence 'sure'"):
        SecretsScanner(ScanContext(root=tmp_path, options=SecretsOptions(min_confidence="sure")))
    with pytest.raises(ConfigError, match="cannot be combined"):
        SecretsScanner(
            ScanContext(root=tmp_path, options=SecretsOptions(staged=True, git_history=True))
        )
    with pytest.raises(ConfigError, match="does not exist"):
        scan(tmp_path, tmp_path / "missing")


def test_results_are_sorted_and_timed(tmp_path: Path) -> None:
    for name in ("b.env", "a.env"):
        (tmp_path / name).write_text(expand("API_TOKEN={alnum:40}\nX=1\nSECRET={alnum:32}\n", 4))
    result = scan(tmp_path)
    assert [(f.location.path, f.location.start_line) for f in result.findings] == [
        ("a.env", 1), ("a.env", 3), ("b.env", 1), ("b.env", 3)
    ]  # fmt: skip
    assert result.complete and result.tools["scriptrunner-secrets"]
    assert {"collect", "scan", "total"} <= set(result.timings)
    assert dataclasses.replace(result.findings[0]).fingerprint == result.findings[0].fingerprint
