"""Fixed versions, the smallest fix above the installed version, the minimal upgrade."""

from __future__ import annotations

from deps_core_helpers import affected, rng

from scriptrunner.scanners.deps.model import Dependency, Vulnerability
from scriptrunner.scanners.deps.osv.fixes import (
    fixed_versions,
    minimal_upgrade,
    smallest_fix,
)

BRANCHES = affected(
    rng(("introduced", "0"), ("fixed", "1.2.5")),
    rng(("introduced", "1.3.0"), ("fixed", "1.3.2")),
    rng(("introduced", "2.0"), ("fixed", "2.0.1")),
)


def test_fixed_versions_are_sorted_pep440_and_skip_git_and_invalid() -> None:
    a = affected(
        rng(
            ("introduced", "0"),
            ("fixed", "1.10"),
            ("introduced", "1.10.1"),
            ("fixed", "1.9"),
            ("fixed", "bad!"),
        ),
        rng(("introduced", "a" * 40), ("fixed", "b" * 40), type="GIT"),
    )
    assert fixed_versions(a) == ("1.9", "1.10")


def test_smallest_fix_respects_branches() -> None:
    assert smallest_fix(BRANCHES, "1.2.0") == "1.2.5"
    # 1.2.5 is below 1.3.1: the fix on the 1.3 branch is the one that helps.
    assert smallest_fix(BRANCHES, "1.3.1") == "1.3.2"
    assert smallest_fix(BRANCHES, "2.0") == "2.0.1"


def test_a_fix_that_is_itself_affected_is_skipped() -> None:
    # 1.5 "fixes" the first range but a second range re-opens at 1.5.
    a = affected(
        rng(("introduced", "0"), ("fixed", "1.5")), rng(("introduced", "1.5"), ("fixed", "1.7"))
    )
    assert smallest_fix(a, "1.0") == "1.7"


def test_no_fix_when_the_range_is_open() -> None:
    assert smallest_fix(affected(rng(("introduced", "1.0"))), "1.1") is None
    assert smallest_fix(affected(rng(("introduced", "0"), ("last_affected", "2.0"))), "1.0") is None


def _vuln(ident: str, fix: str | None, fixed: tuple[str, ...]) -> Vulnerability:
    dep = Dependency("demo", "1.0", "requirements.txt", 1)
    return Vulnerability(dependency=dep, id=ident, fix=fix, fixed_versions=fixed)


def test_minimal_upgrade_fixes_every_advisory() -> None:
    vulns = [_vuln("A", "1.2", ("1.2",)), _vuln("B", "1.4", ("1.4", "2.1"))]
    assert minimal_upgrade(vulns) == "1.4"


def test_minimal_upgrade_skips_versions_another_advisory_affects() -> None:
    a = affected(rng(("introduced", "0"), ("fixed", "1.4")))
    b = affected(
        rng(("introduced", "0"), ("fixed", "1.2")), rng(("introduced", "1.4"), ("fixed", "1.6"))
    )
    vulns = [_vuln("A", "1.4", ("1.4",)), _vuln("B", "1.2", ("1.2", "1.6"))]
    assert minimal_upgrade(vulns) == "1.4"  # without range data: max of the fixes
    assert minimal_upgrade(vulns, {"A": [a], "B": [b]}) == "1.6"  # 1.4 re-opens B


def test_no_fix_available_when_any_advisory_has_none() -> None:
    assert minimal_upgrade([_vuln("A", "1.2", ("1.2",)), _vuln("B", None, ())]) is None
