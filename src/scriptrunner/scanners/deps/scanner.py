"""The dependency scanner: inputs -> sources -> merge -> findings.

Pipeline: read dependencies (files via :func:`load_inputs`, the environment via
:func:`load_environment`) -> ask every configured source (offline database, OSV API, Safety,
OSV-Scanner) about the pinned ones -> merge their reports by id/alias -> minimal upgrade per
package -> findings (plus one ``SR-DEPS-UNRESOLVED`` per dependency without a version).

Fails closed: no source configured -> ``ScannerError`` ("no vulnerability source: pass --db
PATH or --online"); a source that cannot answer raises ``ScannerError`` and the scan stops.
The result carries the sources' warnings (``ScanResult.warnings``) and a
:class:`~scriptrunner.scanners.deps.model.DependencyInventory` artefact for the SBOM writer.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from scriptrunner.errors import ConfigError
from scriptrunner.findings.model import ScanResult
from scriptrunner.registry import Registry
from scriptrunner.scanners.base import ScanContext, check_targets
from scriptrunner.scanners.deps.model import (
    AdvisoryDatabaseError,
    Affected,
    Dependency,
    DependencyInventory,
    SourceReport,
    Vulnerability,
    VulnerabilitySource,
)
from scriptrunner.scanners.options import DepsOptions
from scriptrunner.scanners.progress import Progress, ProgressHook
from scriptrunner.scanners.progress import report as tell
from scriptrunner.scanners.result import finish_scan

NO_SOURCE = "no vulnerability source: pass --db PATH or --online"


def no_source() -> AdvisoryDatabaseError:
    """:data:`NO_SOURCE`, with the part a gate replaces by its own fix."""
    return AdvisoryDatabaseError("no vulnerability source", ": pass --db PATH or --online")


DEFAULT_OSV_URL = "https://api.osv.dev"

#: Source name -> "module:Class", imported only when used.
SOURCES: Registry[Callable[..., VulnerabilitySource]] = Registry(
    "vulnerability source",
    {
        "osv-db": "scriptrunner.scanners.deps.sources.offline:OfflineSource",
        "osv-api": "scriptrunner.scanners.deps.sources.online:OnlineSource",
        "safety": "scriptrunner.scanners.deps.sources.safety:SafetySource",
        "osv-scanner": "scriptrunner.scanners.deps.sources.osv_scanner:OsvScannerSource",
    },
)


#: OSV-Scanner queries api.osv.dev unless told not to: without ``--online`` it runs with its
#: local databases only (v2 flags; a missing local database makes it fail, so we fail closed).
OSV_SCANNER_OFFLINE = ("--offline-vulnerabilities",)


def make_source(name: str, *args: Any, **kwargs: Any) -> VulnerabilitySource:
    """The source registered as ``name``, constructed with ``args``."""
    return SOURCES.get(name)(*args, **kwargs)


def scan_dependencies(
    deps: Sequence[Dependency],
    sources: Sequence[VulnerabilitySource],
    *,
    progress: ProgressHook | None = None,
) -> tuple[list[Vulnerability], list[SourceReport], dict[str, float]]:
    """Ask every source (concurrently: the API and tools wait on I/O) and merge.

    Returns the merged vulnerabilities, each source's report (in ``sources`` order: the
    first source's ids stay primary) and the seconds each source took; ``progress`` hears
    each source answer.
    """
    from scriptrunner.scanners.deps.merge import merge

    if not sources:
        raise no_source()
    timings: dict[str, float] = {}
    answered: list[str] = []
    tell(progress, Progress("sources", 0, len(sources)))

    def run(source: VulnerabilitySource) -> SourceReport:
        started = time.perf_counter()
        try:
            return source.check(deps)
        finally:
            timings[source.name] = time.perf_counter() - started
            answered.append(source.name)
            tell(progress, Progress("sources", len(answered), len(sources)))

    if len(sources) == 1:
        reports = [run(sources[0])]
    else:
        with ThreadPoolExecutor(max_workers=len(sources)) as pool:
            reports = list(pool.map(run, sources))
    return merge(reports), reports, timings


def minimal_upgrades(
    vulns: Sequence[Vulnerability], reports: Sequence[SourceReport]
) -> dict[tuple[str, str | None, str], str | None]:
    """Per dependency occurrence, the smallest version fixing all of its vulnerabilities."""
    from scriptrunner.scanners.deps.osv.fixes import minimal_upgrade
    from scriptrunner.scanners.deps.report import dep_key

    groups: dict[tuple[str, str | None, str], list[Vulnerability]] = defaultdict(list)
    for v in vulns:
        groups[dep_key(v.dependency)].append(v)
    out: dict[tuple[str, str | None, str], str | None] = {}
    for key, items in groups.items():
        affected: dict[str, list[Affected]] = {}
        for report in reports:
            for vid, per_package in (report.extra.get("affected") or {}).items():
                affected.setdefault(vid, []).extend(per_package.get(key[0], ()))
        # Use range data only when every advisory has it (Safety/API results may not).
        ranges = affected if all(affected.get(v.id) for v in items) else None
        out[key] = minimal_upgrade(items, ranges)
    return out


class DepsScanner:
    """``scan(targets) -> ScanResult`` over dependency files and/or an environment.

    Options: :class:`~scriptrunner.scanners.options.DepsOptions`.  Executables come from
    ``ScanContext.tool_paths`` (``safety``, ``osv-scanner``; "" = search PATH).
    """

    kind = "deps"

    def __init__(self, context: ScanContext) -> None:
        opts = context.options_as(DepsOptions)
        self.root = context.root.resolve()
        self.cache_dir = context.cache_dir
        self.tool_paths = context.tool_paths
        self.db = opts.db
        self.online = opts.online
        self.osv_url = opts.osv_url or DEFAULT_OSV_URL
        self.python = opts.python or None
        self.env = opts.env or self.python is not None
        self.ignore = opts.ignore
        self.safety_db = opts.safety_db
        self.osv_scanner = opts.osv_scanner
        self.progress = context.progress

    def sources(self, targets: Sequence[Path]) -> list[VulnerabilitySource]:
        """The configured sources, offline database first (its ids stay primary)."""
        found: list[VulnerabilitySource] = []
        if self.db is not None:
            found.append(make_source("osv-db", self.db, self.cache_dir))
        if self.online:
            found.append(make_source("osv-api", self.osv_url, self.cache_dir))
        if self.safety_db is not None:
            exe = self.tool_paths.get("safety", "")
            found.append(make_source("safety", exe, self.safety_db))
        if self.osv_scanner:
            exe = self.tool_paths.get("osv-scanner", "")
            offline = () if self.online else OSV_SCANNER_OFFLINE
            found.append(make_source("osv-scanner", exe, list(targets), extra_args=offline))
        if not found:
            raise no_source()
        return found

    def dependencies(self, targets: Sequence[Path]) -> tuple[list[Dependency], list[str]]:
        """The dependencies to check and the scan's target names."""
        from scriptrunner.scanners.deps.inputs import load_inputs

        if not targets and not self.env:
            raise ConfigError(
                "nothing to scan: give dependency FILES, --installed or --python PATH"
            )
        deps: list[Dependency] = []
        names: list[str] = []
        environment: Mapping[str, str] | None = None
        if self.env:
            from scriptrunner.scanners.deps.inputs.environment import build, probe

            data = probe(self.python)
            environment = data["environment"]
            source = f"<environment {data.get('python') or self.python}>"
            deps += build(data["dists"], data["environment"], source)
            names.append(source)
        check_targets(targets)
        deps += load_inputs(list(targets), self.root, environment)
        names += [str(t) for t in targets]
        return deps, names

    def scan(self, targets: Sequence[Path]) -> ScanResult:
        from scriptrunner.scanners.deps.report import UNRESOLVED_TOOL, report_order, to_findings

        started = time.perf_counter()
        deps, names = self.dependencies(targets)
        timings: dict[str, float] = {"inputs": time.perf_counter() - started}
        sources = self.sources(targets)
        mark = time.perf_counter()
        vulns, reports, per_source = scan_dependencies(deps, sources, progress=self.progress)
        timings.update(per_source)
        timings["sources"] = time.perf_counter() - mark
        mark = time.perf_counter()
        upgrades = minimal_upgrades(vulns, reports)
        unresolvable = [d for d in deps if d.version is None]
        findings = to_findings(
            vulns, unresolvable, self.root, ignore=self.ignore, upgrades=upgrades
        )
        timings["report"] = time.perf_counter() - mark
        timings["total"] = time.perf_counter() - started
        tools = {r.source: r.version for r in reports}
        if unresolvable:
            from scriptrunner.version import __version__

            tools[UNRESOLVED_TOOL] = __version__
        return finish_scan(
            findings,
            tools=tools,
            timings=timings,
            targets=names,
            root=self.root,
            warnings=[w for r in reports for w in r.warnings],
            artefacts=[DependencyInventory(tuple(deps), tuple(vulns))],
            order=report_order,
        )
