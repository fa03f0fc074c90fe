"""The Safety CLI (2.3.x) as a vulnerability source, run offline against a local database.

Safety 3.x contacts its server before every command; 2.3.x still runs ``check --db DIR`` with
nothing but the directory's ``insecure.json``/``insecure_full.json``.  It pins an old
``packaging``, so it lives in a tool environment of its own (``make safety``) and is found via
``SCRIPTRUNNER_SAFETY`` or the executable passed in.

How it is run, and why:

* the pinned dependencies go to a temporary requirements file (``name==version``), so Safety
  checks exactly what the other sources check, whatever the input format was;
* ``HOME`` is a temporary directory (Safety writes ``~/.safety``) and ``SAFETY_API_KEY`` is
  removed from the environment: with a key, Safety 2.3 ignores ``--db`` and goes online;
* exit 0 means "nothing found" and 64 "vulnerabilities found"; every other exit code, a
  timeout or output that is not Safety's JSON report raises ``ScannerError`` with the tail of
  its stderr.

Ids: Safety's own ids (``39525``, from ``pyup.io-39525``) become ``PYUP-39525``, the prefix
the OSV ecosystem uses for PyUp advisories; the CVE (when Safety names one) is an alias, which
is what lets the merge step join Safety's report with the OSV advisory for the same CVE.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scriptrunner.errors import ScannerError
from scriptrunner.findings.model import Severity
from scriptrunner.scanners.deps.model import (
    Cvss,
    Dependency,
    SourceReport,
    Vulnerability,
    normalise_name,
)
from scriptrunner.scanners.tools import ExternalTool, find_executable, run_tool, tail

SAFETY = ExternalTool("safety", "install safety 2.3 (make safety) or set SCRIPTRUNNER_SAFETY")
#: Safety 2.3's exit codes for "no vulnerabilities" and "vulnerabilities found".
_EXIT_OK = (0, 64)
_TAIL = 1500


class SafetySource:
    """Vulnerabilities as Safety 2.3 reports them from a local database directory."""

    name = "safety"

    def __init__(self, executable: str, db: Path, *, timeout: float = 300.0) -> None:
        self.executable = executable
        self.db = db
        self.timeout = timeout

    def check(self, dependencies: Sequence[Dependency]) -> SourceReport:
        """Run ``safety check`` on the pinned dependencies and parse its JSON report."""
        exe = str(find_executable(SAFETY, self.executable))
        if (
            not (self.db / "insecure.json").is_file()
            or not (self.db / "insecure_full.json").is_file()
        ):
            raise ScannerError(
                f"Safety database {self.db}: needs insecure.json and insecure_full.json "
                "(the Safety 2.x database layout)"
            )
        pinned = {(d.key, d.version): d for d in dependencies if d.version is not None}
        if not pinned:
            return SourceReport(source=self.name, version="not run: nothing pinned to check")
        with tempfile.TemporaryDirectory(prefix="scriptrunner-safety-") as tmp:
            requirements = Path(tmp) / "requirements.txt"
            requirements.write_text("".join(f"{k}=={v}\n" for k, v in sorted(pinned)), "utf-8")
            env = {k: v for k, v in os.environ.items() if not k.startswith("SAFETY_")}
            env["HOME"] = tmp
            cmd = [exe, "--disable-optional-telemetry-data", "check"]
            cmd += ["--file", str(requirements), "--db", str(self.db.resolve())]
            cmd += ["--output", "json"]
            proc = run_tool(
                SAFETY,
                cmd,
                cwd=Path(tmp),
                env=env,
                timeout=self.timeout,
                ok_exits=_EXIT_OK,
                subject=f"on database {self.db}",
                tail_chars=_TAIL,
            )
        try:
            report = json.loads(proc.stdout)
        except ValueError:
            report = None
        if not isinstance(report, Mapping) or not isinstance(report.get("vulnerabilities"), list):
            raise ScannerError(
                f"safety printed no JSON report (exit {proc.returncode}): "
                f"{tail(proc.stderr or proc.stdout, _TAIL)}"
            )
        return parse_safety_json(report, dependencies, db=self.db)


def parse_safety_json(
    report: Mapping[str, Any], dependencies: Sequence[Dependency], *, db: Path | None = None
) -> SourceReport:
    """Safety 2.3's ``--output json`` report as a :class:`SourceReport`."""
    by_key: dict[tuple[str, str], list[Dependency]] = {}
    for dep in dependencies:
        if dep.version is not None:
            by_key.setdefault((dep.key, dep.version), []).append(dep)
    vulnerabilities: list[Vulnerability] = []
    warnings: list[str] = []
    for item in report["vulnerabilities"]:
        if not isinstance(item, Mapping) or item.get("ignored"):
            continue
        key = (normalise_name(str(item.get("package_name", ""))), str(item.get("analyzed_version")))
        targets = by_key.get(key)
        if not targets:
            warnings.append(f"safety reported {key[0]} {key[1]}, which is not a scanned package")
            continue
        for dep in targets:
            vulnerabilities.append(_vulnerability(item, dep))
    meta = report.get("report_meta")
    version = meta.get("safety_version", "") if isinstance(meta, Mapping) else ""
    scanned = report.get("scanned_packages")
    if isinstance(scanned, Mapping):
        seen = {normalise_name(str(name)) for name in scanned}
        missed = sorted({k for k, _ in by_key} - seen)
        if missed:
            warnings.append(f"safety did not scan: {', '.join(missed)}")
    where = f" (database {db})" if db is not None else ""
    return SourceReport(
        source="safety",
        vulnerabilities=tuple(vulnerabilities),
        version=f"{version or 'version unknown'}{where}",
        warnings=tuple(warnings),
    )


def _vulnerability(item: Mapping[str, Any], dep: Dependency) -> Vulnerability:
    from scriptrunner.scanners.deps.osv.fixes import sort_versions

    cve = item.get("CVE")
    aliases = tuple(a.strip() for a in str(cve).split(",") if a.strip()) if cve else ()
    severity, cvss, unknown = _severity(item.get("severity"))
    fixed = sort_versions(str(v) for v in item.get("fixed_versions") or [] if v)
    advisory = str(item.get("advisory") or "").strip()
    summary = advisory.splitlines()[0] if advisory else ""
    url = item.get("more_info_url")
    return Vulnerability(
        dependency=dep,
        id=f"PYUP-{item.get('vulnerability_id')}",
        aliases=aliases,
        summary=summary if len(summary) <= 160 else summary[:157] + "...",
        severity=severity,
        severity_unknown=unknown,
        cvss=cvss,
        fixed_versions=fixed,
        fix=_smallest_above(fixed, dep.version),
        references=(url,) if isinstance(url, str) and url.startswith("http") else (),
        sources=("safety",),
    )


def _severity(data: Any) -> tuple[Severity, Cvss | None, bool]:
    """Safety's ``severity`` (``{"cvssv3": {...}, "cvssv2": {...}}`` or null) on our scale."""
    from scriptrunner.scanners.deps.osv.severity import DECLARED, from_score, score_vector

    if not isinstance(data, Mapping):
        return Severity.WARNING, None, True
    for field in ("cvssv3", "cvssv2"):
        entry = data.get(field)
        if not isinstance(entry, Mapping):
            continue
        vector = entry.get("vector_string")
        cvss = score_vector(vector) if isinstance(vector, str) else None
        if cvss is not None:
            return from_score(cvss.score), cvss, False
        base = entry.get("base_score")
        if isinstance(base, (int, float)):
            return from_score(float(base)), None, False
        declared = DECLARED.get(str(entry.get("base_severity") or "").upper())
        if declared is not None:
            return declared, None, False
    return Severity.WARNING, None, True


def _smallest_above(fixed: Sequence[str], installed: str | None) -> str | None:
    from scriptrunner.scanners.deps.osv.match import parse_version

    current = parse_version(installed) if installed else None
    for candidate in fixed:  # sorted, PEP 440
        parsed = parse_version(candidate)
        if parsed is not None and (current is None or parsed > current):
            return candidate
    return None
