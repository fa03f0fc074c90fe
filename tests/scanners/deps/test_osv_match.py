"""OSV range evaluation: the schema's algorithm, its open choices, and odd input."""

from __future__ import annotations

import pytest
from deps_core_helpers import affected, rng
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from scriptrunner.scanners.deps.osv.match import affects


@pytest.mark.parametrize(
    ("version", "expected"),
    [("0.1", True), ("1.1.9", True), ("1.2", False), ("1.2.1", False), ("2.0", False)],
)
def test_introduced_zero_fixed(version: str, expected: bool) -> None:
    a = affected(rng(("introduced", "0"), ("fixed", "1.2")))
    assert affects(a, version) is expected


def test_unsorted_events_are_sorted_before_evaluation() -> None:
    # [1.0, 1.5) and [3.0, 3.2) written out of order.
    a = affected(
        rng(("fixed", "3.2"), ("introduced", "3.0"), ("fixed", "1.5"), ("introduced", "1.0"))
    )
    assert [affects(a, v) for v in ("0.9", "1.0", "1.4", "1.5", "2.9", "3.0", "3.1.9", "3.2")] == [
        False, True, True, False, False, True, True, False,
    ]  # fmt: skip


def test_last_affected_includes_that_version_only() -> None:
    a = affected(rng(("introduced", "0"), ("last_affected", "2.1.214")))
    assert affects(a, "2.1.214") is True
    assert affects(a, "2.1.215") is False


def test_limit_bounds_the_range() -> None:
    a = affected(rng(("introduced", "1.0"), ("limit", "2.0")))
    assert affects(a, "1.9") is True
    assert affects(a, "2.0") is False
    assert affects(a, "5.0") is False
    star = affected(rng(("introduced", "1.0"), ("limit", "*")))
    assert affects(star, "5.0") is True


def test_several_ranges_and_multiple_introduced() -> None:
    a = affected(
        rng(("introduced", "1.0"), ("introduced", "1.3"), ("fixed", "1.4")),
        rng(("introduced", "2.0"), ("fixed", "2.0.5")),
    )
    assert affects(a, "1.1") is True
    assert affects(a, "1.4") is False
    assert affects(a, "2.0.4") is True
    assert affects(a, "2.0.5") is False


def test_same_version_introduced_and_fixed_is_empty() -> None:
    assert affects(affected(rng(("introduced", "1.0"), ("fixed", "1.0"))), "1.0") is False


def test_explicit_versions_list_matches_even_outside_ranges() -> None:
    a = affected(rng(("introduced", "2.0"), ("fixed", "2.1")), versions=("1.0", "1.5.0"))
    assert affects(a, "1.0") is True
    assert affects(a, "1.5") is True  # PEP 440: 1.5 == 1.5.0
    assert affects(a, "1.2") is False


def test_semver_ranges_compare_as_pep440() -> None:
    a = affected(rng(("introduced", "0"), ("fixed", "1.10.0"), type="SEMVER"))
    assert affects(a, "1.9.0") is True
    assert affects(a, "1.10.0rc1") is True  # a pre-release comes before the release
    assert affects(a, "1.10.0") is False


def test_git_ranges_are_ignored_without_crashing() -> None:
    sha = "6e5755a2a833bc64852eae12967d0a54d7adf629"
    a = affected(
        rng(("introduced", sha), ("fixed", "c43455749b914feef56b178b256f29b3016146eb"), type="GIT")
    )
    assert affects(a, "1.0") is False
    assert affects(affected(rng(("introduced", sha), type="GIT"), versions=("1.0",)), "1.0") is True


def test_invalid_version_in_the_advisory_skips_the_event_with_a_warning() -> None:
    a = affected(rng(("introduced", "0"), ("fixed", "not-a-version"), ("fixed", "2.0")))
    warnings: list[str] = []
    assert affects(a, "1.5", warnings) is True
    assert affects(a, "2.0", warnings) is False
    assert any("not-a-version" in w for w in warnings)


def test_invalid_installed_version_only_matches_the_versions_list() -> None:
    a = affected(rng(("introduced", "0")), versions=("weird-build",))
    assert affects(a, "weird-build") is True
    assert affects(a, "other-weird") is False  # not crashed, not matched by the range


_versions = st.builds(
    lambda parts: ".".join(str(p) for p in parts),
    st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=3),
)


@given(start=_versions, end=_versions, probe=_versions)
def test_property_single_interval(start: str, end: str, probe: str) -> None:
    """introduced X, fixed Y (X <= Y) means exactly X <= v < Y, in either event order."""
    start, end = sorted((start, end), key=Version)
    expected = Version(start) <= Version(probe) < Version(end)
    forward = affected(rng(("introduced", start), ("fixed", end)))
    backward = affected(rng(("fixed", end), ("introduced", start)))
    assert affects(forward, probe) is expected
    assert affects(backward, probe) is expected


@given(bounds=st.lists(_versions, min_size=2, max_size=6, unique_by=Version), probe=_versions)
def test_property_interval_union(bounds: list[str], probe: str) -> None:
    """Sorted bounds paired as [b0, b1), [b2, b3)...: membership is the union."""
    ordered = sorted(bounds, key=Version)
    if len(ordered) % 2:
        ordered = ordered[:-1]
    pairs = list(zip(ordered[::2], ordered[1::2], strict=True))
    events = [e for lo, hi in reversed(pairs) for e in (("fixed", hi), ("introduced", lo))]
    expected = any(Version(lo) <= Version(probe) < Version(hi) for lo, hi in pairs)
    assert affects(affected(rng(*events)), probe) is expected
