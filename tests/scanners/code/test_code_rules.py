"""Every bundled Semgrep rule: a true positive and a near-miss negative, on real Semgrep.

``rule_samples/*.py`` mark lines with ``# ruleid: ID`` (ID must report the next code line)
and ``# ok: ID`` (ID must not): Semgrep's own test-annotation convention.  One scan of all
samples feeds every parametrized case.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from scriptrunner.findings.model import ScanResult
from scriptrunner.scanners.base import ScanContext
from scriptrunner.scanners.code.merge import RULES, rule_for
from scriptrunner.scanners.code.scanner import CodeScanner
from scriptrunner.scanners.code.semgrep import BUNDLED_RULES
from scriptrunner.scanners.options import CodeOptions

SAMPLES = Path(__file__).with_name("rule_samples")
_MARK = re.compile(r"\s*# (ruleid|ok): ([\w-]+)\s*$")


def annotations() -> list[tuple[str, str, str, int]]:
    """(kind, rule id, file, line of the code the mark is about)."""
    out = []
    for path in sorted(SAMPLES.glob("*.py")):
        lines = path.read_text().splitlines()
        for i, text in enumerate(lines):
            m = _MARK.match(text)
            if m:
                j = i + 1
                while lines[j].lstrip().startswith("#"):
                    j += 1
                out.append((m.group(1), m.group(2), path.name, j + 1))
    return out


def bundled_rules() -> dict[str, dict[str, object]]:
    rules = {}
    for path in sorted(BUNDLED_RULES.glob("*.yaml")):
        for rule in yaml.safe_load(path.read_text())["rules"]:
            rules[rule["id"]] = rule
    return rules


@pytest.fixture(scope="module")
def samples_scan(semgrep_exe: Path, scan_cache: Path) -> ScanResult:
    scanner = CodeScanner(
        ScanContext(
            root=SAMPLES,
            cache_dir=scan_cache,
            tool_paths={"semgrep": str(semgrep_exe)},
            options=CodeOptions(tools=("semgrep",)),
        )
    )
    result = scanner.scan([SAMPLES])
    assert result.complete and not result.skipped, (result.failures, result.skipped)
    return result


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


def test_docs_list_every_rule_and_its_mapping() -> None:
    text = (Path(__file__).resolve().parents[3] / "docs" / "code-analysis.md").read_text()
    for rule in RULES:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{rule.id}` |"))
        assert all(f"`{s}`" in row for s in rule.semgrep)
        assert all(b in row for b in rule.bandit)
