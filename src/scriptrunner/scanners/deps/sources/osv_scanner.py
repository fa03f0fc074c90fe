"""OSV-Scanner (https://google.github.io/osv-scanner/) as a vulnerability source.

Runs ``osv-scanner --format json --lockfile=...`` on the input files and reads its documented
JSON output::

    {"results": [{"source": {"path": "...", "type": "lockfile"},
                  "packages": [{"package": {"name", "version", "ecosystem"},
                                "vulnerabilities": [<full OSV records>],
                                "groups": [{"ids": [...], "aliases": [...],
                                            "max_severity": "7.5"}]}]}]}

The records go through the same parser and evaluator as the offline database, so severity and
fixes agree with the other sources; a group's ``max_severity`` is only used when the record
itself gives no severity.  ``requirements*.txt`` files are passed as ``requirements.txt:PATH``
(OSV-Scanner only recognises the exact name otherwise); other files go as they are.

OSV-Scanner queries api.osv.dev itself unless told otherwise: the scanner passes its offline
flag (``--offline-vulnerabilities``, v2) through ``extra_args`` unless ``--online`` was given.

Exit codes (OSV-Scanner v1.4+/v2): 0 nothing found, 1 vulnerabilities found, 128 no packages
found (an error here: we gave it files with packages), anything else an error.  A missing
executable, another exit code or output that is not its JSON raise ``ScannerError``.

OSV-Scanner has no PyPI, npm or Debian package, so it cannot be installed on the machines this
was written on; the parser is tested on JSON in the documented format.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scriptrunner.errors import ScannerError
from scriptrunner.scanners.deps.model import Dependency, SourceReport, Vulnerability
from scriptrunner.scanners.tools import ExternalTool, find_executable, run_tool, tail

OSV_SCANNER = ExternalTool(
    "osv-scanner",
    "install OSV-Scanner (https://google.github.io/osv-scanner/) or set SCRIPTRUNNER_OSV_SCANNER",
)
_EXIT_OK = (0, 1)
_NO_PACKAGES = 128
_TAIL = 1500


class OsvScannerSource:
    """Vulnerabilities as OSV-Scanner reports them for the given lock/requirements files."""

    name = "osv-scanner"

    def __init__(
        self,
        executable: str,
        files: Sequence[Path],
        *,
        extra_args: Sequence[str] = (),
        timeout: float = 600.0,
    ) -> None:
        self.executable = executable
        self.files = tuple(files)
        self.extra_args = tuple(extra_args)
        self.timeout = timeout

    def command(self, exe: str) -> list[str]:
        """The command line run for :attr:`files`."""
        cmd = [exe, "--format", "json", *self.extra_args]
        for file in self.files:
            if file.name.startswith("requirements") and file.suffix == ".txt":
                cmd.append(f"--lockfile=requirements.txt:{file}")
            else:
                cmd.append(f"--lockfile={file}")
        return cmd

    def check(self, dependencies: Sequence[Dependency]) -> SourceReport:
        """Run OSV-Scanner on :attr:`files`; results are matched to ``dependencies``."""
        exe = str(find_executable(OSV_SCANNER, self.executable))
        if not self.files:
            return SourceReport(source=self.name, version="not run: no files to scan")
        names = ", ".join(str(f) for f in self.files)
        proc = run_tool(
            OSV_SCANNER,
            self.command(exe),
            timeout=self.timeout,
            ok_exits=(*_EXIT_OK, _NO_PACKAGES),
            subject=f"on {names}",
            tail_chars=_TAIL,
        )
        if proc.returncode == _NO_PACKAGES:
            raise ScannerError(
                f"osv-scanner found no packages in {names}: {tail(proc.stderr, _TAIL)}"
            )
        try:
            data = json.loads(proc.stdout)
        except ValueError:
            data = None
        if not isinstance(data, Mapping):
            raise ScannerError(
                f"osv-scanner printed no JSON report (exit {proc.returncode}): "
                f"{tail(proc.stderr or proc.stdout, _TAIL)}"
            )
        by_key: dict[str, list[Dependency]] = {}
        for dep in dependencies:
            by_key.setdefault(dep.key, []).append(dep)
        warnings: list[str] = []
        vulns = parse_osv_scanner_json(data, by_key, warnings)
        return SourceReport(
            source=self.name,
            vulnerabilities=tuple(vulns),
            version=", ".join(str(f) for f in self.files),
            warnings=tuple(dict.fromkeys(warnings)),
        )


def parse_osv_scanner_json(
    data: Mapping[str, Any],
    dependencies_by_key: Mapping[str, Sequence[Dependency]] | None = None,
    warnings: list[str] | None = None,
) -> list[Vulnerability]:
    """The PyPI vulnerabilities in OSV-Scanner's ``--format json`` output.

    A reported package is matched to the scanned dependencies with the same normalised name
    (``dependencies_by_key``, keyed by :attr:`Dependency.key`) and version; a package we did
    not see ourselves (e.g. a lock file entry) becomes a :class:`Dependency` of its own with
    the result's source path.  Raises ``ScannerError`` when the output is not in that format.
    """
    from scriptrunner.scanners.deps.model import normalise_name
    from scriptrunner.scanners.deps.osv.records import is_pypi, parse_record

    notes = warnings if warnings is not None else []
    known = dependencies_by_key or {}
    results = data.get("results")
    if results is None:
        results = []  # OSV-Scanner omits "results" when nothing was found
    if not isinstance(results, list):
        raise ScannerError("osv-scanner JSON: 'results' is not a list")
    out: list[Vulnerability] = []
    for result in results:
        if not isinstance(result, Mapping):
            raise ScannerError(f"osv-scanner JSON: a result is not an object: {result!r:.80}")
        source = result.get("source")
        path = str(source.get("path", "")) if isinstance(source, Mapping) else ""
        for entry in result.get("packages") or []:
            package = entry.get("package") if isinstance(entry, Mapping) else None
            if not isinstance(package, Mapping) or not is_pypi(str(package.get("ecosystem"))):
                continue
            name, version = str(package.get("name", "")), package.get("version")
            if not name or not isinstance(version, str) or not version:
                notes.append(f"osv-scanner reported {name or '?'} without a version: skipped")
                continue
            deps = [d for d in known.get(normalise_name(name), ()) if d.version == version]
            if not deps:
                deps = [Dependency(name=name, version=version, source=path or "osv-scanner")]
            severities = _group_severities(entry.get("groups"))
            for record in entry.get("vulnerabilities") or []:
                advisory = parse_record(record, f"osv-scanner output for {path or name}")
                for dep in deps:
                    vuln = _evaluate(advisory, dep, notes)
                    if vuln is not None:
                        out.append(_with_group_severity(vuln, severities))
    return out


def _evaluate(advisory: Any, dep: Dependency, notes: list[str]) -> Vulnerability | None:
    from scriptrunner.scanners.deps.sources.online import reported_vulnerability

    return reported_vulnerability(advisory, dep, "osv-scanner", "osv-scanner", notes)


def _group_severities(groups: Any) -> dict[str, float]:
    """id/alias -> the group's ``max_severity`` (a CVSS base score as a string)."""
    out: dict[str, float] = {}
    for group in groups if isinstance(groups, list) else []:
        if not isinstance(group, Mapping):
            continue
        try:
            score = float(group.get("max_severity") or "")
        except ValueError:
            continue
        for ident in [*(group.get("ids") or []), *(group.get("aliases") or [])]:
            out[str(ident)] = score
    return out


def _with_group_severity(vuln: Vulnerability, severities: Mapping[str, float]) -> Vulnerability:
    if not vuln.severity_unknown:
        return vuln
    scores = [severities[i] for i in sorted(vuln.ids) if i in severities]
    if not scores:
        return vuln
    from dataclasses import replace

    from scriptrunner.scanners.deps.osv.severity import from_score

    return replace(vuln, severity=from_score(max(scores)), severity_unknown=False)
