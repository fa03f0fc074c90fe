"""CycloneDX 1.6 SBOM (JSON or XML) of the scanned dependencies and their vulnerabilities.

One ``library`` component per package; its ``bom-ref`` is its purl, so the ``dependencies``
graph and each vulnerability's ``affects`` point at purls a reader can look up.

Choices worth knowing:

* Unresolvable dependencies (URL, path, ``-e`` or unpinned lines) are listed too, because an
  SBOM that silently omits declared packages lies by omission.  They carry no ``version``,
  a version-less purl (``pkg:pypi/name`` — still a valid purl naming the package) and a
  ``scriptrunner:unresolvable`` property giving the reason.
* A package found in several inputs appears once (the first occurrence wins; hashes merge).
* The root component is the scanned project (``project=``) or, by default, the one input file
  every dependency came from; it depends on the direct dependencies, and each package on
  what its metadata ``requires`` (environments and lock files know this).
* One CycloneDX vulnerability per advisory id; ``affects`` lists every affected component with
  its version; ``recommendation`` is "Upgrade to X" (or "No fix available").

cyclonedx-python-lib is imported inside the functions: ``scriptrunner run`` must not load it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scriptrunner.errors import ConfigError
from scriptrunner.findings.model import Severity
from scriptrunner.registry import Registry
from scriptrunner.scanners.deps.model import Dependency, Vulnerability

if TYPE_CHECKING:
    from cyclonedx.model.component import Component
    from cyclonedx.model.vulnerability import VulnerabilitySource

#: SBOM format -> the CycloneDX library's ``OutputFormat`` member name.
SBOM_FORMATS: Registry[str] = Registry("SBOM format", {"json": "JSON", "xml": "XML"})
FORMATS = SBOM_FORMATS.names()

_HEX_DIGEST = re.compile(
    r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128}"
)

#: Our severity scale onto CycloneDX's (WARNING covers CVSS 4.0-6.9, i.e. "medium").
_SEVERITIES = {
    Severity.CRITICAL: "critical",
    Severity.HIGH: "high",
    Severity.WARNING: "medium",
    Severity.INFO: "low",
}

#: CVSS version (as :class:`~scriptrunner.scanners.deps.model.Cvss` spells it) -> method.
_METHODS = {"2.0": "CVSSv2", "3.0": "CVSSv3", "3.1": "CVSSv31", "4.0": "CVSSv4"}


def render_sbom(
    fmt: str,
    dependencies: Sequence[Dependency],
    vulnerabilities: Sequence[Vulnerability],
    *,
    project: str | None = None,
) -> str:
    """The SBOM as a string in ``fmt`` (``json`` or ``xml``), CycloneDX spec 1.6."""
    member = SBOM_FORMATS.get(fmt)
    from cyclonedx.output import make_outputter
    from cyclonedx.schema import OutputFormat, SchemaVersion

    bom = _build_bom(dependencies, vulnerabilities, project)
    output_format = OutputFormat[member]
    outputter = make_outputter(bom, output_format, SchemaVersion.V1_6)
    return outputter.output_as_string(indent=2)


def write_sbom(
    path: Path,
    fmt: str,
    dependencies: Sequence[Dependency],
    vulnerabilities: Sequence[Vulnerability],
    *,
    project: str | None = None,
) -> None:
    """Write :func:`render_sbom`'s output to ``path`` (UTF-8)."""
    text = render_sbom(fmt, dependencies, vulnerabilities, project=project)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write SBOM {path}: {exc.strerror or exc}") from exc


def _tool_version() -> str:
    # The one source of the version (not the installed metadata, which an editable install
    # wrote when it was installed and keeps while the source moves on).
    from scriptrunner.version import __version__

    return __version__


def _build_bom(
    dependencies: Sequence[Dependency],
    vulnerabilities: Sequence[Vulnerability],
    project: str | None,
) -> Any:
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType

    bom = Bom()
    bom.metadata.tools.components.add(
        Component(type=ComponentType.APPLICATION, name="scriptrunner", version=_tool_version())
    )
    sources = sorted({d.source for d in dependencies})
    root_name = project or (sources[0] if len(sources) == 1 else "scanned project")
    root = Component(type=ComponentType.APPLICATION, name=root_name, bom_ref=f"root:{root_name}")
    bom.metadata.component = root

    components: dict[str, Component] = {}  # bom-ref -> component
    by_key: dict[str, Component] = {}  # normalised name -> first component, for ``requires``
    requires: dict[str, set[str]] = {}
    direct: list[Component] = []
    for dep in [*dependencies, *(v.dependency for v in vulnerabilities)]:
        ref = _ref(dep)
        if ref in components:
            _merge_hashes(components[ref], dep)
            requires[ref].update(dep.requires)
            continue
        component = _component(dep)
        components[ref] = component
        by_key.setdefault(dep.key, component)
        requires[ref] = set(dep.requires)
        if dep.direct:
            direct.append(component)
    for component in components.values():
        bom.components.add(component)

    bom.register_dependency(root, direct)
    for ref, component in components.items():
        targets = [by_key[k] for k in sorted(requires[ref]) if k in by_key]
        bom.register_dependency(component, [t for t in targets if t is not component])

    for entry in _vulnerabilities(vulnerabilities):
        bom.vulnerabilities.add(entry)
    return bom


def _ref(dep: Dependency) -> str:
    return dep.purl or f"pkg:pypi/{dep.key}"


def _component(dep: Dependency) -> Component:
    from cyclonedx.contrib.license.factories import LicenseFactory
    from cyclonedx.model import Property
    from cyclonedx.model.component import Component, ComponentType
    from packageurl import PackageURL

    purl = PackageURL(type="pypi", name=dep.key, version=dep.version)
    properties = [Property(name="scriptrunner:source", value=_where(dep))]
    if dep.unresolvable:
        properties.append(Property(name="scriptrunner:unresolvable", value=dep.unresolvable))
    component = Component(
        type=ComponentType.LIBRARY,
        name=dep.name,
        version=dep.version,
        purl=purl,
        bom_ref=_ref(dep),
        licenses=[LicenseFactory().make_from_string(dep.license)] if dep.license else None,
        properties=properties,
    )
    _merge_hashes(component, dep)
    return component


def _where(dep: Dependency) -> str:
    return f"{dep.source}:{dep.line}" if dep.line is not None else dep.source


def _merge_hashes(component: Component, dep: Dependency) -> None:
    from cyclonedx.contrib.hash.factories import HashTypeFactory
    from cyclonedx.exception.model import UnknownHashTypeException

    for text in dep.hashes:
        _, _, digest = text.partition(":")
        if not _HEX_DIGEST.fullmatch(digest):
            continue  # the schema only admits hex digests of the standard lengths
        try:
            component.hashes.add(HashTypeFactory().from_composite_str(text))
        except (UnknownHashTypeException, AttributeError):
            continue  # an algorithm CycloneDX has no name for (sha224): omitted, not guessed


def _vulnerabilities(vulnerabilities: Sequence[Vulnerability]) -> list[Any]:
    """One CycloneDX vulnerability per advisory id, affecting every component it was seen on."""
    from cyclonedx.model import XsUri
    from cyclonedx.model.impact_analysis import ImpactAnalysisAffectedStatus
    from cyclonedx.model.vulnerability import (
        BomTarget,
        BomTargetVersionRange,
        VulnerabilityAdvisory,
        VulnerabilityReference,
    )
    from cyclonedx.model.vulnerability import Vulnerability as CdxVulnerability

    grouped: dict[str, list[Vulnerability]] = {}
    for vuln in vulnerabilities:
        grouped.setdefault(vuln.id, []).append(vuln)
    entries = []
    for vid, group in sorted(grouped.items()):
        first = group[0]
        aliases = sorted({a for v in group for a in v.aliases if a != vid})
        urls = sorted({u for v in group for u in v.references if u.startswith(("http:", "https:"))})
        affects = [
            BomTarget(
                ref=_ref(v.dependency),
                versions=[
                    BomTargetVersionRange(
                        version=v.dependency.version, status=ImpactAnalysisAffectedStatus.AFFECTED
                    )
                ]
                if v.dependency.version
                else None,
            )
            for v in group
        ]
        entries.append(
            CdxVulnerability(
                bom_ref=f"vuln:{vid}",
                id=vid,
                source=_source(vid),
                references=[VulnerabilityReference(id=a, source=_source(a)) for a in aliases],
                ratings=[_rating(first)],
                description=first.summary or None,
                recommendation=_recommendation(group),
                advisories=[VulnerabilityAdvisory(url=XsUri(u)) for u in urls],
                affects=affects,
            )
        )
    return entries


def _source(vid: str) -> VulnerabilitySource:
    """The database an id belongs to, by its prefix (OSV's own id conventions)."""
    from cyclonedx.model import XsUri
    from cyclonedx.model.vulnerability import VulnerabilitySource

    prefix = vid.split("-", 1)[0].upper()
    if prefix == "CVE":
        return VulnerabilitySource(name="NVD", url=XsUri(f"https://nvd.nist.gov/vuln/detail/{vid}"))
    if prefix == "PYUP":
        return VulnerabilitySource(name="Safety DB", url=XsUri("https://data.safetycli.com/"))
    name = {"GHSA": "GitHub Advisory Database", "PYSEC": "PyPA Advisory Database"}.get(
        prefix, "OSV"
    )
    return VulnerabilitySource(name=name, url=XsUri(f"https://osv.dev/vulnerability/{vid}"))


def _rating(vuln: Vulnerability) -> Any:
    from decimal import Decimal

    from cyclonedx.model.vulnerability import (
        VulnerabilityRating,
        VulnerabilityScoreSource,
        VulnerabilitySeverity,
    )

    severity = VulnerabilitySeverity(
        "unknown" if vuln.severity_unknown else _SEVERITIES[vuln.severity]
    )
    if vuln.cvss is None:
        return VulnerabilityRating(severity=severity)
    rating = VulnerabilityRating(
        score=Decimal(str(vuln.cvss.score)),
        severity=severity,
        method=VulnerabilityScoreSource(_METHODS.get(vuln.cvss.version, "other")),
    )
    # Set after construction: the constructor strips the "CVSS:3.1/" prefix, which a CVSS
    # v3.x/v4 vector needs to be valid and unambiguous on its own.
    rating.vector = vuln.cvss.vector
    return rating


def _recommendation(group: Sequence[Vulnerability]) -> str:
    def advice(v: Vulnerability) -> str:
        return f"Upgrade to {v.fix}" if v.fix else "No fix available"

    if len(group) == 1:
        return advice(group[0])
    return "; ".join(f"{v.dependency.name} {v.dependency.version}: {advice(v)}" for v in group)
