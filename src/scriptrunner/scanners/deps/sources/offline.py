"""The offline OSV database as a vulnerability source (``--db PATH``), via the index."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scriptrunner.scanners.deps.model import Affected, Dependency, SourceReport, Vulnerability
from scriptrunner.scanners.deps.osv.evaluate import entries_for, vulnerability_for
from scriptrunner.scanners.deps.osv.index import OsvIndex, unreadable

NAME = "osv-db"


class OfflineSource:
    """Matches dependencies against a local directory or zip of OSV records.

    ``check`` raises ``ScannerError`` ("cannot read vulnerability database PATH: ...") when
    the database is missing, unreadable or holds a malformed record.  The report's ``extra``
    carries ``affected``: advisory id -> package key -> its ``Affected`` entries, which the
    scanner uses to compute minimal upgrades.
    """

    name = NAME

    def __init__(self, db: Path, cache_dir: Path | None) -> None:
        self.db = db
        self.cache_dir = cache_dir
        self.index: OsvIndex | None = None

    def open(self) -> OsvIndex:
        if self.index is None:
            if not self.db.exists():
                raise unreadable(self.db, "no such file or directory")
            self.index = OsvIndex.open(self.db, self.cache_dir)
        return self.index

    def check(self, dependencies: Sequence[Dependency]) -> SourceReport:
        index = self.open()
        pinned = [d for d in dependencies if d.version is not None]
        known = index.advisories_for(d.key for d in pinned)
        found: list[Vulnerability] = []
        warnings: list[str] = []
        affected: dict[str, dict[str, tuple[Affected, ...]]] = {}
        for dep in pinned:
            for advisory in known.get(dep.key, ()):
                vuln = vulnerability_for(advisory, dep, NAME, warnings)
                if vuln is not None:
                    found.append(vuln)
                    affected.setdefault(advisory.id, {})[dep.key] = entries_for(advisory, dep.key)
        return SourceReport(
            source=NAME,
            vulnerabilities=tuple(found),
            version=index.describe(),
            warnings=tuple(dict.fromkeys(warnings)),
            extra={"affected": affected, "index_rebuilt": index.rebuilt},
        )
