"""Every bundled Semgrep rule: a true positive and a near-miss negative, on real Semgrep.

``rule_samples/*.py`` mark lines with ``# ruleid: ID`` (ID must report the next code line)
and ``# ok: ID`` (ID must not): Semgrep's own test-annotation convention.  One scan of all
samples feeds every parametrized case.  ``# level: LEVEL`` says what the whole scanner
(Bandit and Semgrep, merged, severities calibrated) reports for the next code line: the
highest severity of the findings on it, or ``none``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from scriptrunner.findings.model import ScanResult, Severity
from scriptrunner.scanners.base import ScanContext
from scriptrunner.scanners.code.merge import RULES, Rule, rule_for
from scriptrunner.scanners.code.scanner import CodeScanner
from scriptrunner.scanners.code.semgrep import BUNDLED_RULES
from scriptrunner.scanners.code.severity import SEMGREP
from scriptrunner.scanners.options import CodeOptions

SAMPLES = Path(__file__).with_name("rule_samples")
DOCS = Path(__file__).resolve().parents[3] / "docs" / "code-analysis.md"
_MARK = re.compile(r"\s*# (ruleid|ok): ([\w-]+)\s*$")
_LEVEL = re.compile(r"\s*# level: (none|INFO|WARNING|HIGH|CRITICAL)\s*$")


def _marks(mark: re.Pattern[str]) -> list[tuple[re.Match[str], str, int]]:
    """(match, file, line of the code the mark is about) for every ``mark`` comment."""
    out = []
    for path in sorted(SAMPLES.glob("*.py")):
        lines = path.read_text().splitlines()
        for i, text in enumerate(lines):
            m = mark.match(text)
            if m:
                j = i + 1
                while lines[j].lstrip().startswith("#"):
                    j += 1
                out.append((m, path.name, j + 1))
    return out


def annotations() -> list[tuple[str, str, str, int]]:
    """(kind, rule id, file, line of the code the mark is about)."""
    return [(m.group(1), m.group(2), path, line) for m, path, line in _marks(_MARK)]


def levels() -> list[tuple[str, str, int]]:
    """(expected level or "none", file, line) of every ``# level:`` mark."""
    return [(m.group(1), path, line) for m, path, line in _marks(_LEVEL)]


def bundled_rules() -> dict[str, dict[str, object]]:
    rules = {}
    for path in sorted(BUNDLED_RULES.glob("*.yaml")):
        for rule in yaml.safe_load(path.read_text())["rules"]:
            rules[rule["id"]] = rule
    return rules


def _scan(semgrep_exe: Path, cache: Path, tools: tuple[str, ...]) -> ScanResult:
    scanner = CodeScanner(
        ScanContext(
            root=SAMPLES,
            cache_dir=cache,
            tool_paths={"semgrep": str(semgrep_exe)},
            options=CodeOptions(tools=tools),
        )
    )
    result = scanner.scan([SAMPLES])
    assert result.complete and not result.skipped, (result.failures, result.skipped)
    return result


@pytest.fixture(scope="module")
def samples_scan(semgrep_exe: Path, scan_cache: Path) -> ScanResult:
    return _scan(semgrep_exe, scan_cache, ("semgrep",))


@pytest.fixture(scope="module")
def full_scan(semgrep_exe: Path, scan_cache: Path) -> ScanResult:
    return _scan(semgrep_exe, scan_cache, ("bandit", "semgrep"))


def reported(result: ScanResult, rule_id: str, path: str, line: int) -> bool:
    return any(
        rule_id in f.properties.get("tool_rules", {}).get("semgrep", [])
        and f.location.path == path
        and f.location.start_line <= line <= f.location.last_line
        for f in (*result.findings, *result.suppressed)
    )


@pytest.mark.parametrize(
    ("kind", "rule_id", "path", "line"),
    annotations(),
    ids=[f"{k}:{r}:{p}:{n}" for k, r, p, n in annotations()],
)
def test_rule_sample(
    samples_scan: ScanResult, kind: str, rule_id: str, path: str, line: int
) -> None:
    assert reported(samples_scan, rule_id, path, line) is (kind == "ruleid")


@pytest.mark.parametrize(
    ("level", "path", "line"), levels(), ids=[f"{lv}:{p}:{n}" for lv, p, n in levels()]
)
def test_calibrated_level(full_scan: ScanResult, level: str, path: str, line: int) -> None:
    found = [
        f.severity.name
        for f in full_scan.findings
        if f.location.path == path and f.location.start_line <= line <= f.location.last_line
    ]
    assert (max(found, key=lambda n: Severity[n].value) if found else "none") == level, found


@pytest.mark.parametrize("rule_id", sorted(bundled_rules()))
def test_every_bundled_rule_has_a_positive_and_a_near_miss(rule_id: str) -> None:
    kinds = {k for k, r, _p, _n in annotations() if r == rule_id}
    assert kinds == {"ruleid", "ok"}


@pytest.mark.parametrize("rule_id", sorted(bundled_rules()))
def test_every_bundled_rule_is_in_the_mapping_table(rule_id: str) -> None:
    rule = bundled_rules()[rule_id]
    meta = rule["metadata"]
    assert isinstance(meta, dict)
    mapped = rule_for("semgrep", rule_id)
    assert mapped is not None and mapped.id == meta["scriptrunner-rule"]
    assert meta.get("cwe"), "every bundled rule names its CWE"
    assert str(rule["message"]).strip()


def test_mapping_table_names_only_existing_semgrep_rules() -> None:
    named = {s for r in RULES for s in r.semgrep}
    assert named == set(bundled_rules())
    assert len({r.id for r in RULES}) == len(RULES)


def mapping_row(rule: Rule) -> str:
    """``rule``'s row of the mapping table in docs/code-analysis.md, from the data."""
    files = {
        r["id"]: path.name
        for path in sorted(BUNDLED_RULES.glob("*.yaml"))
        for r in yaml.safe_load(path.read_text())["rules"]
    }
    semgrep = ", ".join(f"`{s}` ({files[s]}, {SEMGREP[s].severity.name})" for s in rule.semgrep)
    cwes = ", ".join(f"CWE-{c}" for c in rule.cwe)
    bandit = ", ".join(rule.bandit) or "—"
    return f"| `{rule.id}` | {rule.title} | {cwes} | {semgrep or '—'} | {bandit} |"


def test_docs_list_every_rule_and_its_mapping() -> None:
    text = DOCS.read_text()
    for rule in RULES:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{rule.id}` |"))
        assert row == mapping_row(rule)
