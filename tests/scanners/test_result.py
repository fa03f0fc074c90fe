"""``finish_scan``: the one way every scanner builds its ``ScanResult``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scriptrunner.findings.model import (
    Finding,
    Location,
    Severity,
    Skipped,
    Suppression,
    ToolFailure,
)
from scriptrunner.scanners.result import by_location, finish_scan


def finding(path: str, line: int, rule: str, *, suppressed: bool = False, sev: int = 2) -> Finding:
    return Finding(
        tools=("t",),
        rule_id=rule,
        title=rule,
        message=rule,
        severity=Severity(sev),
        location=Location(path, line),
        suppression=Suppression("inSource", "ok") if suppressed else None,
    )


@dataclass(frozen=True, slots=True)
class Inventory:
    names: tuple[str, ...]


def test_findings_are_sorted_and_suppressed_ones_split_off(tmp_path: Path) -> None:
    found = [
        finding("b.py", 1, "R1"),
        finding("a.py", 9, "R2", suppressed=True),
        finding("a.py", 3, "R9"),
        finding("a.py", 3, "R1"),
    ]
    result = finish_scan(
        found,
        root=tmp_path,
        targets=[Path("a.py"), "b.py"],
        tools={"t": "1.0"},
        timings={"total": 0.5},
        skipped=[Skipped("z.py", "binary file"), Skipped("a.py", "x", "t"), Skipped("a.py", "x")],
        failures=[ToolFailure("t", "boom")],
    )
    assert [(f.location.path, f.location.start_line, f.rule_id) for f in result.findings] == [
        ("a.py", 3, "R1"),
        ("a.py", 3, "R9"),
        ("b.py", 1, "R1"),
    ]
    assert [f.rule_id for f in result.suppressed] == ["R2"]
    assert [(s.target, s.tool) for s in result.skipped] == [
        ("a.py", None),
        ("a.py", "t"),
        ("z.py", None),
    ]
    assert result.targets == ("a.py", "b.py") and result.root == str(tmp_path)
    assert not result.complete and result.tools == {"t": "1.0"}


def test_a_scanner_may_choose_its_own_order(tmp_path: Path) -> None:
    found = [finding("a.py", 1, "LOW", sev=1), finding("z.py", 1, "CRIT", sev=4)]
    result = finish_scan(
        found,
        root=tmp_path,
        targets=[],
        tools={},
        timings={},
        order=lambda f: (-f.severity, *by_location(f)),
    )
    assert [f.rule_id for f in result.findings] == ["CRIT", "LOW"]


def test_warnings_and_typed_artefacts_travel_with_the_result(tmp_path: Path) -> None:
    result = finish_scan(
        [],
        root=tmp_path,
        targets=[],
        tools={},
        timings={},
        warnings=["source skipped x"],
        artefacts=[Inventory(("demo",))],
    )
    assert result.warnings == ("source skipped x",)
    assert result.artefact(Inventory) == Inventory(("demo",))
    assert result.artefact(str) is None
    assert result.complete and result.findings == ()
