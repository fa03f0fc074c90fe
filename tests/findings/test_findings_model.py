"""The finding model: severity scale, locations, counts."""

from __future__ import annotations

import dataclasses

import pytest

from scriptrunner.errors import ConfigError
from scriptrunner.findings.model import Location, ScanResult, Severity, ToolFailure


def test_severity_scale_is_ordered_info_to_critical() -> None:
    assert Severity.INFO < Severity.WARNING < Severity.HIGH < Severity.CRITICAL
    assert str(Severity.HIGH) == "HIGH"


@pytest.mark.parametrize("text", ["high", "HIGH", " High "])
def test_severity_parse_is_case_insensitive(text: str) -> None:
    assert Severity.parse(text) is Severity.HIGH


def test_unknown_severity_lists_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match="info, warning, high, critical"):
        Severity.parse("severe")


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        (Location("x.py", 3, 5), Location("x.py", 5, 9), True),
        (Location("x.py", 3), Location("x.py", 3), True),
        (Location("x.py", 3, 4), Location("x.py", 5), False),
        (Location("x.py", 3), Location("y.py", 3), False),
    ],
)
def test_locations_overlap_on_shared_lines_of_one_file(
    a: Location, b: Location, overlap: bool
) -> None:
    assert a.overlaps(b) is overlap
    assert b.overlaps(a) is overlap


def test_counts_and_threshold(result: ScanResult) -> None:
    counts = result.counts()
    assert counts["findings"] == 3
    assert counts["by_severity"] == {"INFO": 1, "WARNING": 1, "HIGH": 0, "CRITICAL": 1}
    assert counts["suppressed"] == 1
    assert counts["skipped_by_reason"] == {"syntax error": 1, "binary file": 1, "semgrep": 1}
    assert [f.rule_id for f in result.at_or_above(Severity.HIGH)] == ["shell-injection"]
    assert len(result.at_or_above(Severity.INFO)) == 3


def test_a_scan_with_a_failed_tool_is_incomplete(result: ScanResult) -> None:
    assert result.complete
    broken = dataclasses.replace(result, failures=(ToolFailure("semgrep", "crashed"),))
    assert not broken.complete
