"""One advisory against one dependency: the :class:`Vulnerability` it causes, if any."""

from __future__ import annotations

from scriptrunner.scanners.deps.model import Advisory, Affected, Dependency, Vulnerability
from scriptrunner.scanners.deps.osv.fixes import fixed_versions, smallest_fix_of, sort_versions
from scriptrunner.scanners.deps.osv.match import affects
from scriptrunner.scanners.deps.osv.records import headline
from scriptrunner.scanners.deps.osv.severity import score


def entries_for(advisory: Advisory, key: str) -> tuple[Affected, ...]:
    """The advisory's ``affected`` entries for the normalised package name ``key``."""
    return tuple(a for a in advisory.affected if a.package == key)


def vulnerability_for(
    advisory: Advisory,
    dependency: Dependency,
    source: str,
    warnings: list[str] | None = None,
) -> Vulnerability | None:
    """The vulnerability ``advisory`` causes in ``dependency``, or None.

    None when the advisory is withdrawn, the dependency has no exact version, or no
    ``affected`` entry for the package includes that version.  ``warnings`` collects
    remarks about invalid versions inside the advisory.
    """
    if advisory.withdrawn or dependency.version is None:
        return None
    entries = entries_for(advisory, dependency.key)
    hits = [a for a in entries if affects(a, dependency.version, warnings)]
    if not hits:
        return None
    return build_vulnerability(advisory, dependency, entries, hits[0], source)


def build_vulnerability(
    advisory: Advisory,
    dependency: Dependency,
    entries: tuple[Affected, ...],
    scored: Affected | None,
    source: str,
) -> Vulnerability:
    """The vulnerability record for ``dependency``: severity from ``scored`` (the entry that
    matched, else the advisory's own), fixes from all of the package's ``entries``."""
    if dependency.version is None:
        raise ValueError(f"{dependency.name} has no exact version to evaluate")
    severity, cvss, unknown = score(advisory, scored)
    return Vulnerability(
        dependency=dependency,
        id=advisory.id,
        aliases=tuple(a for a in dict.fromkeys(advisory.aliases) if a != advisory.id),
        summary=headline(advisory) or advisory.id,
        severity=severity,
        severity_unknown=unknown,
        cvss=cvss,
        fixed_versions=sort_versions(v for a in entries for v in fixed_versions(a)),
        fix=smallest_fix_of(entries, dependency.version),
        references=advisory.references,
        sources=(source,),
    )
