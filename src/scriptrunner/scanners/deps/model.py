"""Data that crosses the dependency scanner's boundaries (inputs -> sources -> merge -> report).

* :class:`Dependency` — one package found in a requirements file, lock file, pyproject or
  installed environment.  ``version`` is the exact installed/pinned version, or ``None`` when
  the input does not pin one (then ``unresolvable`` says why, and it is reported, never dropped).
* :class:`Advisory` — one OSV record (https://ossf.github.io/osv-schema/), reduced to what
  matching and reporting need.
* :class:`Vulnerability` — one advisory that affects one dependency, as one source saw it;
  sources' results are merged by advisory id and aliases.
* :class:`DependencyInventory` — what a scan checked and found, carried by its ``ScanResult``
  for the SBOM writer.

All frozen: nobody downstream may change what an input or a source reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from scriptrunner.errors import ScannerError
from scriptrunner.findings.model import Severity

_NORMALISE = re.compile(r"[-_.]+")


def normalise_name(name: str) -> str:
    """PEP 503 normalisation: ``Foo.Bar_baz`` -> ``foo-bar-baz``."""
    return _NORMALISE.sub("-", name).lower().strip()


@dataclass(frozen=True, slots=True)
class Dependency:
    """One package and where it was found."""

    #: The name as the input wrote it (``Django``); compare with :attr:`key`.
    name: str
    #: Exact version (``==X`` / ``===X`` pin, lock entry, installed); None: not pinned.
    version: str | None
    #: File the dependency came from, relative to the scan root, or ``<environment PATH>``.
    source: str
    #: 1-based line in ``source`` (None for environments and lock formats without lines).
    line: int | None = None
    #: The requirement as written (``requests[socks]>=2.0 ; python_version < "3.12"``).
    requirement: str = ""
    extras: tuple[str, ...] = ()
    #: ``"sha256:<hex>"`` entries from ``--hash`` options or lock files.
    hashes: tuple[str, ...] = ()
    #: SPDX id or license name from metadata, when known.
    license: str | None = None
    #: Normalised names this package requires (dependency graph; environments, locks).
    requires: tuple[str, ...] = ()
    #: Listed directly by the user (requirements/pyproject) rather than pulled in.
    direct: bool = True
    #: Why no exact version could be determined (URL, path, ``-e``, range); None if pinned.
    unresolvable: str | None = None

    @property
    def key(self) -> str:
        """The PEP 503 normalised name, used for every comparison."""
        return normalise_name(self.name)

    @property
    def purl(self) -> str | None:
        """``pkg:pypi/name@version`` (None when not pinned)."""
        if self.version is None:
            return None
        return f"pkg:pypi/{self.key}@{self.version}"


EventKind = Literal["introduced", "fixed", "last_affected", "limit"]


@dataclass(frozen=True, slots=True)
class RangeEvent:
    kind: EventKind
    version: str


@dataclass(frozen=True, slots=True)
class AffectedRange:
    """One OSV ``ranges[]`` entry: ``ECOSYSTEM``, ``SEMVER`` or ``GIT`` with its events."""

    type: str
    events: tuple[RangeEvent, ...]


@dataclass(frozen=True, slots=True)
class SeverityScore:
    """One OSV ``severity[]`` entry: ``CVSS_V3`` / ``CVSS_V4`` / ``CVSS_V2`` and the vector."""

    type: str
    score: str


@dataclass(frozen=True, slots=True)
class Affected:
    """One OSV ``affected[]`` entry for the PyPI ecosystem."""

    #: Normalised package name.
    package: str
    ranges: tuple[AffectedRange, ...] = ()
    versions: tuple[str, ...] = ()
    severity: tuple[SeverityScore, ...] = ()


@dataclass(frozen=True, slots=True)
class Advisory:
    """One OSV record (only its PyPI ``affected`` entries are kept)."""

    id: str
    modified: str = ""
    published: str | None = None
    withdrawn: str | None = None
    aliases: tuple[str, ...] = ()
    summary: str = ""
    details: str = ""
    severity: tuple[SeverityScore, ...] = ()
    affected: tuple[Affected, ...] = ()
    references: tuple[str, ...] = ()
    #: ``database_specific.severity`` (e.g. GHSA's ``HIGH``): the fallback when no CVSS.
    declared_severity: str | None = None


@dataclass(frozen=True, slots=True)
class Cvss:
    """A scored CVSS vector."""

    version: str  # "3.1", "4.0", ...
    vector: str
    score: float


@dataclass(frozen=True, slots=True)
class Vulnerability:
    """One advisory affecting one dependency, as reported by ``sources``."""

    dependency: Dependency
    id: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    severity: Severity = Severity.WARNING
    #: True when neither a CVSS vector nor a declared severity was known (WARNING by default).
    severity_unknown: bool = False
    cvss: Cvss | None = None
    #: Every fixed version the advisory names for this package (sorted, PEP 440).
    fixed_versions: tuple[str, ...] = ()
    #: The smallest fixed version above the installed one; None: no fix available.
    fix: str | None = None
    references: tuple[str, ...] = ()
    #: Which sources reported it ("osv-db", "osv-api", "safety", "osv-scanner").
    sources: tuple[str, ...] = ()

    @property
    def ids(self) -> frozenset[str]:
        """The id and every alias: two reports with any id in common are the same issue."""
        return frozenset((self.id, *self.aliases))


@dataclass(frozen=True, slots=True)
class SourceReport:
    """What one vulnerability source returned for a set of dependencies."""

    source: str
    vulnerabilities: tuple[Vulnerability, ...] = ()
    #: Tool or database version/description, for ``ScanResult.tools``.
    version: str = ""
    #: Non-fatal remarks (e.g. "advisory X has an invalid version; range skipped").
    warnings: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)


class VulnerabilitySource(Protocol):
    """Somewhere vulnerabilities come from: the offline OSV database, the OSV API, an adapter.

    ``check`` raises :class:`scriptrunner.errors.ScannerError` when the source cannot answer
    (unreadable database, API error, missing executable): the scan then fails closed.
    """

    name: str

    def check(self, dependencies: Sequence[Dependency]) -> SourceReport: ...


@dataclass(frozen=True, slots=True)
class DependencyInventory:
    """A deps scan's artefact (``ScanResult.artefact(DependencyInventory)``): every
    dependency it checked and every vulnerability found, the input of the SBOM."""

    dependencies: tuple[Dependency, ...] = ()
    vulnerabilities: tuple[Vulnerability, ...] = ()


class AdvisoryDatabaseError(ScannerError):
    """No vulnerability source, or an advisory database that cannot be read.

    The message ends with the fix ``scan deps`` offers (``--db PATH``); ``problem`` is the
    message without it, for callers whose users fix it another way (the ``deps`` gate of
    ``run`` and workflows: ``scriptrunner db update``).
    """

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem}{fix}")
        self.problem = problem
