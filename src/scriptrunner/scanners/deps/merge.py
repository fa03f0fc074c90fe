"""Merging what several vulnerability sources reported into one list.

Per dependency (package key, version and the file it came from), two reports are the same
issue when their ids (id + aliases) intersect: a PYSEC record from the offline database, the
GHSA record the API returns and Safety's CVE all describe one vulnerability.  The merged
record keeps the id of the first source that reported it (the offline database comes first,
so PYSEC ids stay primary), the union of aliases, sources and fixed versions, and the best
severity known (a real CVSS score beats a declared severity, which beats "unknown").
"""

from __future__ import annotations

from collections.abc import Sequence

from packaging.version import Version

from scriptrunner.scanners.deps.model import SourceReport, Vulnerability
from scriptrunner.scanners.deps.osv.fixes import sort_versions
from scriptrunner.scanners.deps.osv.match import parse_version

_Group = tuple[str, str | None, str]


def _group_key(v: Vulnerability) -> _Group:
    return (v.dependency.key, v.dependency.version, v.dependency.source)


def merge(reports: Sequence[SourceReport]) -> list[Vulnerability]:
    """One vulnerability per issue per dependency, in first-reported order."""
    clusters: dict[_Group, list[list[Vulnerability]]] = {}
    for report in reports:
        for vuln in report.vulnerabilities:
            groups = clusters.setdefault(_group_key(vuln), [])
            # Union: a report may join several clusters that were distinct so far.
            joined = [c for c in groups if any(vuln.ids & other.ids for other in c)]
            if not joined:
                groups.append([vuln])
                continue
            first = joined[0]
            for other in joined[1:]:
                first.extend(other)
                groups.remove(other)
            first.append(vuln)
    return [_combine(c) for groups in clusters.values() for c in groups]


def _combine(cluster: list[Vulnerability]) -> Vulnerability:
    if len(cluster) == 1:
        return cluster[0]
    primary = cluster[0]
    ids = dict.fromkeys(i for v in cluster for i in (v.id, *v.aliases))
    ids.pop(primary.id, None)
    with_cvss = [v for v in cluster if v.cvss is not None]
    known = [v for v in cluster if not v.severity_unknown]
    best = with_cvss[0] if with_cvss else (known[0] if known else primary)
    fixes = [v.fix for v in cluster if v.fix is not None and parse_version(v.fix) is not None]
    fixed = sort_versions(x for v in cluster for x in v.fixed_versions)
    return Vulnerability(
        dependency=primary.dependency,
        id=primary.id,
        aliases=tuple(ids),
        summary=next((v.summary for v in cluster if v.summary), primary.id),
        severity=best.severity,
        severity_unknown=best.severity_unknown,
        cvss=best.cvss,
        fixed_versions=fixed,
        fix=_recompute_fix(fixes),
        references=tuple(dict.fromkeys(r for v in cluster for r in v.references)),
        sources=tuple(dict.fromkeys(s for v in cluster for s in v.sources)),
    )


def _recompute_fix(fixes: list[str]) -> str | None:
    """Every source's own fix must hold, so the highest of them; a source that found no fix
    adds no constraint (another may know one); none at all: no fix available."""
    if not fixes:
        return None
    return max(fixes, key=lambda f: parse_version(f) or Version("0"))
