"""Fix versions: what an advisory names as fixed, the smallest fix above what is installed,
and the one upgrade per package that fixes every advisory.

"Smallest fix" is the smallest ``fixed`` version strictly above the installed one that is not
itself affected: with several ranges (branches), ``fixed: 1.2.5`` on the 1.2 branch does not
help someone on 1.3.0, and a fix that a later ``introduced`` re-opens is no fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from packaging.version import Version

from scriptrunner.scanners.deps.model import Affected, Vulnerability
from scriptrunner.scanners.deps.osv.match import VERSION_RANGES, affects, parse_version


def sort_versions(versions: Iterable[str]) -> tuple[str, ...]:
    """Distinct versions in PEP 440 order (unparsable ones last, as strings)."""
    unique = dict.fromkeys(versions)
    valid = sorted((v for v in unique if parse_version(v) is not None), key=_key)
    return (*valid, *sorted(v for v in unique if parse_version(v) is None))


def _key(version: str) -> Version:
    parsed = parse_version(version)
    assert parsed is not None
    return parsed


def fixed_versions(affected: Affected) -> tuple[str, ...]:
    """Every ``fixed`` version of the entry's ECOSYSTEM/SEMVER ranges, sorted (PEP 440)."""
    return sort_versions(
        e.version
        for r in affected.ranges
        if r.type in VERSION_RANGES
        for e in r.events
        if e.kind == "fixed" and parse_version(e.version) is not None
    )


def smallest_fix_of(entries: Sequence[Affected], installed: str) -> str | None:
    """The smallest fixed version above ``installed`` that none of ``entries`` affects.

    For an invalid installed version, the smallest fixed version that is not affected.
    """
    current = parse_version(installed)
    candidates = sort_versions(v for a in entries for v in fixed_versions(a))
    for candidate in candidates:
        parsed = _key(candidate)
        if current is not None and parsed <= current:
            continue
        if not any(affects(a, candidate) for a in entries):
            return candidate
    return None


def smallest_fix(affected: Affected, installed: str) -> str | None:
    """The smallest fixed version strictly above ``installed`` that is not itself affected."""
    return smallest_fix_of((affected,), installed)


def minimal_upgrade(
    vulns: Sequence[Vulnerability], affected: Mapping[str, Sequence[Affected]] | None = None
) -> str | None:
    """The smallest version that fixes every one of one package's ``vulns``.

    None ("no fix available") when any of them has no fix.  Candidates are the advisories'
    fixed versions at or above every individual fix; when ``affected`` (advisory id -> its
    entries for this package) is given, a candidate that any advisory still affects is
    skipped, otherwise the candidate must be at or above each advisory's own fix.
    """
    if not vulns:
        return None
    fixes = [v.fix for v in vulns]
    if any(f is None or parse_version(f) is None for f in fixes):
        return None
    floor = max(_key(f) for f in fixes if f is not None)
    pool = sort_versions(
        [*(f for f in fixes if f is not None), *(x for v in vulns for x in v.fixed_versions)]
    )
    for candidate in pool:
        parsed = parse_version(candidate)
        if parsed is None or parsed < floor:
            continue
        if affected is not None and any(
            affects(a, candidate) for v in vulns for a in affected.get(v.id, ())
        ):
            continue
        return candidate
    return None
