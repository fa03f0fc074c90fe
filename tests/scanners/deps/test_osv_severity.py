"""Severity from real CVSS vectors (expected scores are published examples / hand-computed
with the CVSS 3.1 formulas), the declared-severity fallback, and unknown severity."""

from __future__ import annotations

import pytest

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.deps.model import Advisory, Affected, SeverityScore
from scriptrunner.scanners.deps.osv.severity import score, score_vector


@pytest.mark.parametrize(
    ("vector", "version", "expected", "severity"),
    [
        # NVD's canonical network/no-auth/total-compromise example.
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.1", 9.8, Severity.CRITICAL),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "3.0", 7.5, Severity.HIGH),
        # Reflected XSS: scope changed, user interaction.
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", "3.1", 6.1, Severity.WARNING),
        # By hand: impact 6.42*0.22 = 1.41, exploitability 8.22*.55*.77*.62*.62 = 1.34 -> 2.8.
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N", "3.1", 2.8, Severity.INFO),
        # FIRST CVSS v4.0 examples.
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "4.0",
            9.3,
            Severity.CRITICAL,
        ),
        (
            "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "4.0",
            8.5,
            Severity.HIGH,
        ),
        # CVSS v2: the classic AV:N/AC:L/Au:N/C:P/I:P/A:P = 7.5.
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", "2.0", 7.5, Severity.HIGH),
    ],
)
def test_vectors_are_scored(vector: str, version: str, expected: float, severity: Severity) -> None:
    cvss = score_vector(vector)
    assert cvss is not None and cvss.version == version and cvss.score == expected
    advisory = Advisory(id="X-1", severity=(SeverityScore("CVSS_V3", vector),))
    assert score(advisory, None) == (severity, cvss, False)


def test_highest_modern_vector_wins_and_v2_only_as_last_resort() -> None:
    advisory = Advisory(
        id="X-2",
        severity=(
            SeverityScore("CVSS_V2", "AV:N/AC:L/Au:N/C:C/I:C/A:C"),  # 10.0, but v2
            SeverityScore("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"),  # 6.1
            SeverityScore(
                "CVSS_V4", "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
            ),
        ),
    )
    severity, cvss, unknown = score(advisory, None)
    assert (severity, cvss and cvss.score, cvss and cvss.version, unknown) == (
        Severity.HIGH,
        8.5,
        "4.0",
        False,
    )


def test_malformed_vector_is_ignored_not_fatal() -> None:
    advisory = Advisory(
        id="X-3",
        severity=(
            SeverityScore("CVSS_V3", "CVSS:3.1/AV:X/garbage"),
            SeverityScore("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        ),
    )
    assert score(advisory, None)[0] is Severity.CRITICAL
    assert score(Advisory(id="X-4", severity=(SeverityScore("CVSS_V3", "nonsense"),)), None) == (
        Severity.WARNING, None, True,
    )  # fmt: skip


def test_package_level_severity_is_preferred() -> None:
    pkg = Affected(
        "demo", severity=(SeverityScore("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),)
    )
    advisory = Advisory(
        id="X-5",
        severity=(SeverityScore("CVSS_V3", "CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N"),),
    )
    assert score(advisory, pkg)[0] is Severity.CRITICAL
    assert score(advisory, None)[0] is Severity.INFO


@pytest.mark.parametrize(
    ("declared", "expected"),
    [("CRITICAL", Severity.CRITICAL), ("HIGH", Severity.HIGH), ("MODERATE", Severity.WARNING),
     ("MEDIUM", Severity.WARNING), ("LOW", Severity.INFO)],
)  # fmt: skip
def test_declared_severity_is_the_fallback(declared: str, expected: Severity) -> None:
    assert score(Advisory(id="X-6", declared_severity=declared), None) == (expected, None, False)


def test_nothing_known_is_warning_marked_unknown() -> None:
    assert score(Advisory(id="X-7"), None) == (Severity.WARNING, None, True)
