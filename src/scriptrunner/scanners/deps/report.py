"""Vulnerabilities and unresolvable dependencies as findings of the shared model.

* A vulnerability: ``rule_id`` = the advisory id, title = its summary, severity from CVSS (or
  the declared one, or WARNING marked ``severity_unknown``), location = the dependency's file
  and line (``<environment PATH>`` line 1 for installed packages).  ``properties`` carry
  ``package``, ``version``, ``aliases``, ``fixed_versions``, ``cvss``, ``fix``,
  ``minimal_upgrade``, ``severity_unknown`` and ``sources``; the SARIF renderer copies them.
* A dependency without an exact version: rule ``SR-DEPS-UNRESOLVED`` (WARNING, tool
  ``scriptrunner-deps``): it could not be checked, which must not look clean.
* ``--ignore ID`` (id or alias) keeps a vulnerability as suppressed (``external``).

Fingerprints hash (rule, package, version, file): stable when lines move, new when the
version changes -- an upgrade that does not fix the advisory should be seen again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from scriptrunner.errors import mask_url_passwords
from scriptrunner.findings.fingerprint import digest as fingerprint_digest
from scriptrunner.findings.model import Finding, Location, Severity, Suppression
from scriptrunner.scanners.deps.model import Dependency, Vulnerability

UNRESOLVED_RULE = "SR-DEPS-UNRESOLVED"
UNRESOLVED_TOOL = "scriptrunner-deps"
OSV_URL = "https://osv.dev/vulnerability/"

#: (package key, version, source file): the key of one dependency occurrence.
DepKey = tuple[str, str | None, str]


def dep_key(dep: Dependency) -> DepKey:
    return (dep.key, dep.version, dep.source)


def _location(dep: Dependency) -> Location:
    return Location(path=dep.source, start_line=dep.line or 1)


def vulnerability_finding(
    vuln: Vulnerability, upgrade: str | None, ignored_by: str | None = None
) -> Finding:
    """One vulnerability as a finding (suppressed when ``ignored_by`` names an id)."""
    dep = vuln.dependency
    also = f" ({', '.join(vuln.aliases)})" if vuln.aliases else ""
    fix = f"upgrade to {vuln.fix}" if vuln.fix else "no fix available"
    message = f"{dep.name} {dep.version} is affected by {vuln.id}{also}: {vuln.summary}; {fix}"
    if upgrade and upgrade != vuln.fix:
        message += f" ({upgrade} fixes every known vulnerability of {dep.name})"
    if vuln.severity_unknown:
        message += "; severity unknown (no CVSS or declared severity)"
    cvss = (
        {"version": vuln.cvss.version, "vector": vuln.cvss.vector, "score": vuln.cvss.score}
        if vuln.cvss
        else None
    )
    return Finding(
        tools=vuln.sources or ("osv-db",),
        rule_id=vuln.id,
        # The table shows titles: say what is affected and what to do before the summary.
        title=f"{dep.key} {dep.version} ({vuln.fix and 'fix: ' + vuln.fix or 'no fix'}): "
        f"{vuln.summary or vuln.id}",
        message=message,
        severity=vuln.severity,
        location=_location(dep),
        fingerprint=fingerprint_digest(vuln.id, dep.key, dep.version or "", dep.source),
        help_uri=OSV_URL + vuln.id,
        properties={
            "package": dep.key,
            "version": dep.version,
            "aliases": list(vuln.aliases),
            "fixed_versions": list(vuln.fixed_versions),
            "cvss": cvss,
            "fix": vuln.fix,
            "minimal_upgrade": upgrade,
            "severity_unknown": vuln.severity_unknown,
            "sources": list(vuln.sources),
        },
        suppression=(
            Suppression(kind="external", justification=f"--ignore {ignored_by}")
            if ignored_by
            else None
        ),
    )


def unresolved_finding(dep: Dependency) -> Finding:
    """A dependency that could not be checked because its version is unknown.

    Its requirement may be a URL with a password (``pkg @ https://user:token@host/...``):
    that password is shown as ``***`` (the fingerprint still hashes the line itself).
    """
    reason = mask_url_passwords(dep.unresolvable or "")
    return Finding(
        tools=(UNRESOLVED_TOOL,),
        rule_id=UNRESOLVED_RULE,
        title=f"{dep.key}: not checked, version cannot be determined",
        message=f"{dep.name} was not checked for vulnerabilities: {reason}"
        + (
            ""
            if "pin it" in (dep.unresolvable or "")
            else "; pin it with ==, or scan a lock file/the environment"
        ),
        severity=Severity.WARNING,
        location=_location(dep),
        fingerprint=fingerprint_digest(UNRESOLVED_RULE, dep.key, dep.requirement, dep.source),
        properties={
            "package": dep.key,
            "version": None,
            "requirement": mask_url_passwords(dep.requirement),
            "reason": reason,
        },
    )


def to_findings(
    vulns: Sequence[Vulnerability],
    unresolvable: Iterable[Dependency],
    root: Path | None = None,
    *,
    ignore: Sequence[str] = (),
    upgrades: Mapping[DepKey, str | None] | None = None,
) -> list[Finding]:
    """Findings for ``vulns`` and ``unresolvable`` dependencies, most severe first.

    ``root`` is accepted for symmetry with other scanners: dependency sources are already
    relative to it.  ``upgrades`` maps a dependency occurrence to its minimal upgrade.
    """
    wanted = {i.strip() for i in ignore if i.strip()}
    out: list[Finding] = []
    for vuln in vulns:
        hit = sorted(vuln.ids & wanted)
        upgrade = (upgrades or {}).get(dep_key(vuln.dependency), vuln.fix)
        out.append(vulnerability_finding(vuln, upgrade, hit[0] if hit else None))
    out += [unresolved_finding(d) for d in unresolvable]
    out.sort(key=report_order)
    return out


def report_order(finding: Finding) -> tuple[int, str, int, str]:
    """Most severe first, then path, line and rule id."""
    location = finding.location
    return (-finding.severity, location.path, location.start_line, finding.rule_id)
