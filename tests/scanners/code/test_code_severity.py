"""The one severity calibration table (scanners/code/severity.py) covers every rule the code
scanner can report, agrees with the bundled rules, and is the table docs/code-analysis.md
prints."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import yaml

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.code.bandit import map_severity
from scriptrunner.scanners.code.merge import RULES
from scriptrunner.scanners.code.semgrep import BUNDLED_RULES, SEVERITY_MAP, rule_severity
from scriptrunner.scanners.code.severity import BANDIT, SEMGREP, TABLE, TAINT
from scriptrunner.scanners.code.taint.catalogue import RULES as TAINT_CATALOGUE

DOCS = Path(__file__).resolve().parents[3] / "docs" / "code-analysis.md"
HEADER = "| tool | rule | severity | why: what an attacker gains, how reachable it is |"
#: Rule ids the taint analysis reports (each needs an entry in severity.TAINT).
TAINT_RULE_IDS: tuple[str, ...] = tuple(rule.rule_id for rule in TAINT_CATALOGUE.values())


def bundled() -> dict[str, dict[str, object]]:
    return {
        rule["id"]: rule
        for path in sorted(BUNDLED_RULES.glob("*.yaml"))
        for rule in yaml.safe_load(path.read_text())["rules"]
    }


def bandit_tests() -> set[str]:
    """Every test id the installed Bandit can report."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stevedore's deprecation notes, on Bandit's import
        from bandit.core import extension_loader
    manager = extension_loader.MANAGER
    return set(manager.plugins_by_id) | set(manager.blacklist_by_id)


def test_every_bandit_test_has_an_entry() -> None:
    mapped = {b for rule in RULES for b in rule.bandit}
    assert sorted(bandit_tests() - set(BANDIT)) == []
    assert sorted(mapped - set(BANDIT)) == []
    # No entry for a test that neither Bandit nor the mapping knows.
    assert sorted(set(BANDIT) - bandit_tests() - mapped) == []


def test_every_semgrep_rule_has_an_entry_and_no_entry_is_stale() -> None:
    assert sorted(set(bundled()) ^ set(SEMGREP)) == []


def test_every_taint_rule_has_an_entry() -> None:
    assert sorted(set(TAINT_RULE_IDS) ^ set(TAINT)) == []


def test_taint_findings_take_the_tables_severity() -> None:
    """A tainted sink is HIGH or CRITICAL, and the analysis reports the table's level."""
    for rule in TAINT_CATALOGUE.values():
        assert rule.severity is TAINT[rule.rule_id].severity, rule.rule_id
        assert rule.severity >= Severity.HIGH, rule.rule_id


@pytest.mark.parametrize("rule_id", sorted(bundled()))
def test_a_bundled_rule_says_its_calibrated_severity(rule_id: str) -> None:
    """The rule file's own severity is the table's, so Semgrep run by hand agrees."""
    rule = bundled()[rule_id]
    meta = rule.get("metadata") or {}
    assert isinstance(meta, dict)
    own = str(meta.get("scriptrunner-severity") or rule["severity"]).upper()
    assert SEVERITY_MAP[own] is SEMGREP[rule_id].severity
    assert rule_severity(rule_id, "INFO", {}) is SEMGREP[rule_id].severity


def test_every_reason_says_why() -> None:
    for part in TABLE.values():
        for rule_id, entry in part.items():
            assert len(entry.reason) > 30 and "|" not in entry.reason, rule_id


@pytest.mark.parametrize(
    ("test", "severity", "confidence", "expected"),
    [
        ("B101", "LOW", "HIGH", Severity.INFO),  # an assert: INFO; access checks are Semgrep's
        ("B602", "HIGH", "HIGH", Severity.HIGH),
        ("B602", "LOW", "HIGH", Severity.INFO),  # Bandit LOW: a literal command
        ("B601", "MEDIUM", "MEDIUM", Severity.INFO),  # any exec_command
        ("B506", "MEDIUM", "HIGH", Severity.HIGH),  # calibrated up: code execution
        ("B312", "HIGH", "HIGH", Severity.WARNING),  # calibrated down: on-path attacker only
        ("B999", "HIGH", "MEDIUM", Severity.HIGH),  # a test newer than the table
        ("B999", "MEDIUM", "LOW", Severity.INFO),
    ],
)
def test_bandit_findings_take_the_table_level(
    test: str, severity: str, confidence: str, expected: Severity
) -> None:
    assert map_severity(test, severity, confidence) is expected


def table_rows() -> list[str]:
    return [
        f"| {tool} | `{rule_id}` | {entry.severity.name} | {entry.reason} |"
        for tool, part in TABLE.items()
        for rule_id, entry in part.items()
    ]


def test_docs_print_the_table() -> None:
    lines = DOCS.read_text().splitlines()
    start = lines.index(HEADER) + 2  # the header, then the |---| line
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("|"))
    assert lines[start:end] == table_rows()
