"""Merging duplicates across tools and in-source suppressions, on synthetic findings."""

from __future__ import annotations

import dataclasses

import pytest

from scriptrunner.findings.model import Finding, Location, Severity
from scriptrunner.scanners.code.bandit import map_severity
from scriptrunner.scanners.code.merge import canonical, merge
from scriptrunner.scanners.code.semgrep import to_finding
from scriptrunner.scanners.code.suppress import suppression_for


def raw(
    tool: str,
    rule: str,
    line: int,
    *,
    end: int | None = None,
    severity: Severity = Severity.WARNING,
    cwe: tuple[int, ...] = (),
    confidence: str | None = None,
) -> Finding:
    return canonical(
        Finding(
            (tool,),
            rule,
            rule,
            f"{tool} says {rule}",
            severity,
            Location("a.py", line, end),
            confidence=confidence,  # type: ignore[arg-type]
            cwe=cwe,
        )
    )


def test_equivalent_rules_on_overlapping_lines_merge() -> None:
    [f] = merge(
        [
            raw("bandit", "B602", 3, severity=Severity.HIGH, confidence="MEDIUM"),
            raw(
                "semgrep",
                "sr-subprocess-shell",
                2,
                end=4,
                severity=Severity.WARNING,
                confidence="HIGH",
            ),
        ]
    )
    assert f.tools == ("semgrep", "bandit")
    assert f.message == "semgrep says sr-subprocess-shell"
    assert (f.severity, f.confidence) == (Severity.HIGH, "HIGH")
    assert (f.location.start_line, f.location.end_line) == (2, 4)


def test_different_rules_or_lines_stay_apart() -> None:
    found = merge(
        [raw("bandit", "B602", 3), raw("bandit", "B324", 3), raw("semgrep", "sr-eval", 4)]
    )
    assert [f.rule_id for f in found] == ["shell-injection", "weak-hash", "code-injection"]


def test_unmapped_rules_merge_by_shared_cwe() -> None:
    merged = merge(
        [raw("semgrep", "my-shell-rule", 5, cwe=(78,)), raw("bandit", "B999", 5, cwe=(78,))]
    )
    assert len(merged) == 1 and merged[0].tools == ("semgrep", "bandit")
    apart = merge([raw("semgrep", "my-rule", 5, cwe=(79,)), raw("bandit", "B998", 5, cwe=(78,))])
    assert len(apart) == 2
    assert {f.rule_id for f in apart} == {"semgrep.my-rule", "bandit.B998"}


@pytest.mark.parametrize(
    ("line", "previous", "tool", "rule", "suppressed"),
    [
        ("x()  # nosec", "", "bandit", "B602", True),
        ("x()  # nosec B602, B607", "", "bandit", "B602", True),
        ("x()  # nosec B101", "", "bandit", "B602", False),
        ("x()  # nosec: not a test id list", "", "bandit", "B602", True),
        ("x()  # nosec", "", "semgrep", "sr-subprocess-shell", False),
        ("x()  # nosemgrep", "", "semgrep", "sr-subprocess-shell", True),
        ("x()  # nosemgrep: rules.sr-subprocess-shell", "", "semgrep", "sr-subprocess-shell", True),
        ("x()  # nosemgrep: sr-eval", "", "semgrep", "sr-subprocess-shell", False),
        ("x()", "# nosemgrep", "semgrep", "sr-subprocess-shell", True),
        ("x()", "y()  # nosemgrep", "semgrep", "sr-subprocess-shell", False),
        ("x()  # scriptrunner: ignore[shell-injection]", "", "bandit", "B602", True),
        ("x()  # scriptrunner: ignore[B602]", "", "bandit", "B602", True),
        ("x()  # scriptrunner: ignore[weak-hash]", "", "semgrep", "sr-subprocess-shell", False),
        ("x()  # scriptrunner: ignore", "", "semgrep", "sr-subprocess-shell", True),
    ],
)
def test_suppression_comments(
    line: str, previous: str, tool: str, rule: str, suppressed: bool
) -> None:
    f = raw(tool, rule, 2)
    assert (suppression_for(f, [previous, line]) is not None) is suppressed


def test_our_comment_above_a_merged_finding_silences_every_tool() -> None:
    """Bandit reports the SQL string's line, Semgrep the call that spans it: the finding
    shown starts at the call, and our comment just above it silences the whole finding;
    `# nosec` there silences Bandit's report only, so the finding stands."""
    lines = ["# scriptrunner: ignore[sql-injection] - constants only", "rows = db.execute(",
             "    f'SELECT * FROM {TABLE}',", ")"]  # fmt: skip
    bandit = raw("bandit", "B608", 3, severity=Severity.HIGH)
    semgrep = raw("semgrep", "sr-sql-format", 2, end=4)

    def scanned(comment: str) -> Finding:
        text = [comment, *lines[1:]]
        tagged = [
            f
            if (why := suppression_for(f, text)) is None
            else dataclasses.replace(f, suppression=why)
            for f in (bandit, semgrep)
        ]
        [merged] = merge(tagged)
        assert merged.tools == ("semgrep", "bandit")
        return merged

    silenced = scanned(lines[0])
    assert silenced.suppression is not None
    assert silenced.suppression.justification.startswith("# scriptrunner: ignore")
    assert scanned("# nosec B608").suppression is None
    assert scanned("# nothing here").suppression is None


def test_suppression_on_any_line_of_a_multi_line_finding() -> None:
    f = raw("semgrep", "sr-eval", 1, end=3)
    assert suppression_for(f, ["eval(", "  x,", ")  # nosemgrep"]) is not None


@pytest.mark.parametrize(
    ("test", "severity", "confidence", "expected"),
    [
        # The calibration table (scanners/code/severity.py) decides, not Bandit's scale.
        ("B602", "HIGH", "HIGH", Severity.HIGH),
        ("B201", "HIGH", "MEDIUM", Severity.HIGH),
        ("B202", "HIGH", "HIGH", Severity.INFO),  # any .extractall(), zipfile's too
        ("B506", "MEDIUM", "HIGH", Severity.HIGH),  # unsafe YAML: code execution
        ("B113", "MEDIUM", "LOW", Severity.WARNING),
        ("B311", "LOW", "HIGH", Severity.INFO),
        ("B104", "MEDIUM", "MEDIUM", Severity.INFO),  # any "0.0.0.0" string
        ("B314", "MEDIUM", "HIGH", Severity.INFO),  # stdlib XML
    ],
)
def test_bandit_severity_mapping(
    test: str, severity: str, confidence: str, expected: Severity
) -> None:
    assert map_severity(test, severity, confidence) is expected


@pytest.mark.parametrize(
    ("level", "meta", "expected"),
    [
        ("ERROR", {}, Severity.HIGH),
        ("WARNING", {}, Severity.WARNING),
        ("INFO", {}, Severity.INFO),
        ("MEDIUM", {}, Severity.WARNING),
        ("CRITICAL", {}, Severity.CRITICAL),
        ("WARNING", {"scriptrunner-severity": "CRITICAL"}, Severity.CRITICAL),
    ],
)
def test_semgrep_severity_mapping(level: str, meta: dict[str, str], expected: Severity) -> None:
    item = {
        "check_id": "my.rule",
        "start": {"line": 1, "col": 1},
        "end": {"line": 1, "col": 5},
        "extra": {
            "severity": level,
            "message": "Msg.  Second",
            "metadata": {**meta, "cwe": "CWE-78: x", "references": ["https://ex.org/r"]},
        },
    }
    f = to_finding(item, "a.py")
    assert f.severity is expected
    assert f.cwe == (78,) and f.help_uri == "https://ex.org/r" and f.rule_id == "my.rule"
