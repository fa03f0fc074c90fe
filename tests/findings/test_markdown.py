"""The ``markdown`` format and ``from_sarif`` (the job summary of the GitHub Action is
written from SARIF files read back with it)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

from findings_sample import sample_result

from scriptrunner.findings import FORMATS, from_sarif, render, to_sarif
from scriptrunner.findings.markdown import (
    OverviewRow,
    cell,
    code,
    link,
    render_markdown,
    render_overview,
)
from scriptrunner.findings.model import Finding, Location, ScanResult, Severity

GOLDEN = Path(__file__).with_name("golden") / "scan.md"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _finding(n: int, **changes: object) -> Finding:
    base = Finding(
        tools=("bandit",),
        rule_id=f"rule-{n}",
        title="t",
        message=f"message {n}",
        severity=Severity.WARNING,
        location=Location(f"src/m{n}.py", n + 1),
        fingerprint=f"{n:064x}",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_markdown_is_a_report_format_with_a_golden_file(result: ScanResult) -> None:
    assert "markdown" in FORMATS
    text = render(result, "markdown")
    if UPDATE:
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()


def test_findings_are_listed_most_severe_first_with_links(result: ScanResult) -> None:
    text = render_markdown(result)
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert [r.split(" | ")[0] for r in rows[1:]] == ["| CRITICAL", "| WARNING", "| INFO"]
    # help_uri when the finding has one, else its CWE's page.
    assert "[shell-injection](https://cwe.mitre.org/data/definitions/78.html)" in text
    assert "[weak-hash](https://cwe.mitre.org/data/definitions/328.html)" in text
    assert (
        "**3 findings**: 1 CRITICAL, 1 WARNING, 1 INFO · 1 suppressed · 3 files not analysed"
        in text
    )


def test_cells_escape_markdown_and_html() -> None:
    hostile = "x | y <script>alert(1)</script> [a](javascript:alert(1)) `b` *c*\nd & e"
    f = _finding(1, message=hostile, location=Location("a`|b.py", 3))
    text = render_markdown(ScanResult(findings=(f,)))
    row = next(line for line in text.splitlines() if line.startswith("| WARNING"))
    # Four cells, whatever the message: every | inside a cell is escaped.
    assert row.replace("\\|", "").count("|") == 5
    assert "<script>" not in text and "\\<script\\>" in text
    assert "\\[a\\](javascript:alert(1))" in text
    assert "\\*c\\*" in text and "d &amp; e" in text
    assert "\\n" in row  # the newline made visible, the row kept on one line
    assert "``a`\\|b.py:3``" in row


def test_code_link_and_cell_helpers() -> None:
    assert code("a.py:1") == "`a.py:1`"
    assert code("x``y") == "```x``y```"
    assert link("R1", "https://example.com/a (b)") == "R1"  # a space: not a URL
    assert link("R1", "https://example.com/a(b)") == "[R1](https://example.com/a%28b%29)"
    assert link("R1", "javascript:alert(1)") == "R1"
    assert link("R1", None) == "R1"
    assert cell("a" * 300, limit=10) == "a" * 9 + "…"
    assert cell("\x1b[31mred") == "\\\\x1b\\[31mred"


def test_top_findings_and_the_rest_counted() -> None:
    result = ScanResult(findings=tuple(_finding(n) for n in range(25)))
    text = render_markdown(result, top=20)
    assert sum(line.startswith("| WARNING") for line in text.splitlines()) == 20
    assert "… and 5 more findings in the full report." in text


def test_an_incomplete_scan_says_so() -> None:
    text = render_markdown(sample_result(failures=True))
    assert "> The scan is incomplete: it is not reported as clean." in text
    assert "> - bandit failed: bandit crashed: Traceback ..." in text


def test_a_clean_scan_is_short() -> None:
    text = render_markdown(ScanResult(tools={"scriptrunner-secrets": "7"}), title="secrets")
    assert text == (
        "## secrets\n\n**0 findings** · 0 suppressed\n\nTools: scriptrunner-secrets 7.\n"
    )


def test_overview_table(result: ScanResult) -> None:
    text = render_overview(
        [
            OverviewRow("code", result, "findings at or above high"),
            OverviewRow("deps", None, "failed"),
        ]
    )
    assert "| scan | status | CRITICAL | HIGH | WARNING | INFO | suppressed |" in text
    assert "| code | findings at or above high | 1 | 0 | 1 | 1 | 1 |" in text
    assert "| deps | failed | - | - | - | - | - |" in text


def _key(f: Finding) -> tuple[str, int, str]:
    return (f.location.path, f.location.start_line, f.rule_id)


def test_from_sarif_reads_back_what_to_sarif_wrote() -> None:
    original = sample_result(failures=True)
    back = from_sarif(to_sarif(original))
    assert sorted(back.findings, key=_key) == sorted(original.findings, key=_key)
    assert back.suppressed == original.suppressed
    assert set(back.skipped) == set(original.skipped)
    assert back.failures == original.failures
    assert dict(back.tools) == dict(original.tools)
    assert back.root == original.root
    assert back.counts() == original.counts()


def test_from_sarif_reads_another_tools_log() -> None:
    log = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "other", "rules": [{"id": "X1", "helpUri": "https://x"}]}
                },
                "results": [
                    {
                        "ruleId": "X1",
                        "level": "error",
                        "message": {"text": "bad"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "file:///srv/a%20b.py"},
                                    "region": {"startLine": 4},
                                }
                            }
                        ],
                    },
                    {"ruleId": "X2", "level": "note", "message": {"text": "meh"}},
                ],
                "invocations": [{"executionSuccessful": False}],
            }
        ],
    }
    back = from_sarif(log)
    first, second = back.findings
    assert (first.severity, first.tools, first.location.path, first.location.start_line) == (
        Severity.HIGH,
        ("other",),
        "/srv/a b.py",
        4,
    )
    assert first.help_uri == "https://x" and first.title == "X1"
    assert second.severity == Severity.INFO
    assert back.failures and not back.complete


def test_scan_secrets_format_markdown_from_the_cli(tmp_path: Path) -> None:
    (tmp_path / "config.py").write_text('key_id = "' + "AKIA" + 'QZ4T7Y2W6R3E5U7I"\n')
    env = {**os.environ, "SCRIPTRUNNER_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scriptrunner",
            "scan",
            "secrets",
            ".",
            "--format",
            "markdown",
            "--no-record",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("## scriptrunner scan\n\n**1 finding**: 1 CRITICAL")
    assert "| CRITICAL | [aws-access-key-id]" in done.stdout
    assert "QZ4T7Y2W6R3E5U7I" not in done.stdout
