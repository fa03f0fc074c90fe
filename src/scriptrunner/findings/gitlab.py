"""GitLab security reports (format v15): SAST, secret detection and dependency scanning.

One renderer per report type GitLab reads from ``artifacts:reports``; each takes the one
``ScanResult`` every other format takes.  What is written (schema version ``15.0.6``, one of
the versions GitLab 16 and later accept):

* ``version``, and ``scan`` with ``analyzer`` and ``scanner`` (id, name, version, vendor),
  ``type``, ``status`` (``failure`` when a tool failed: an incomplete scan never reads as
  clean), ``start_time`` and ``end_time`` (UTC, ``yyyy-mm-ddThh:mm:ss``: the end is when the
  report is written, the start that minus the scan's measured duration) and ``messages``
  (files not analysed and unresolvable dependencies as ``warn``, tool failures as ``fatal``).
* ``vulnerabilities``: the counted findings (suppressed and baselined ones are left out, as
  GitLab has no such state in a report), each with ``id`` (the finding's fingerprint, stable
  across line moves), ``name``, ``description`` (the finding's message: secret values are
  already redacted there, as in every format), ``severity`` (ours mapped onto GitLab's:
  critical -> Critical, high -> High, warning -> Medium, info -> Low; a dependency advisory
  without any severity -> Unknown), ``identifiers`` (the rule or advisory first, the primary
  identifier GitLab tracks, then CWEs or advisory aliases), ``links`` and ``location``.
  Version 15 has no ``category``, ``message``, ``cve``, ``confidence`` or per-finding
  ``scanner`` (14.x required some of them), so none is written.
* ``location``: ``file``, ``start_line``, ``end_line`` for SAST; the same plus
  ``commit.sha`` for secret detection (the commit of a ``--git-history`` finding, else
  ``0000000``, what GitLab's own analyzer writes for a scan of the working tree); ``file``
  and ``dependency`` (``package.name``, ``version``) for dependency scanning, whose report
  also lists ``dependency_files`` (required by 15.0.x): each file with its vulnerable
  packages and its package manager (``poetry``, ``pipenv`` by the file's name, else ``pip``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from scriptrunner.errors import ConfigError
from scriptrunner.findings.fingerprint import digest
from scriptrunner.findings.model import Finding, ScanResult, Severity
from scriptrunner.version import __version__

#: The security report schema version every report declares.
SCHEMA_VERSION = "15.0.6"
SCHEMA_URL = (
    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
    f"v{SCHEMA_VERSION}/dist/{{kind}}-report-format.json"
)
#: What GitLab's own analyzers write as the commit of a finding outside git history.
NO_COMMIT = "0000000"
#: A scan's timestamps: ISO 8601, UTC, whole seconds, no zone (the schema's pattern).
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
CWE_URL = "https://cwe.mitre.org/data/definitions/{}.html"
OSV_URL = "https://osv.dev/vulnerability/"

SEVERITY = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.WARNING: "Medium",
    Severity.INFO: "Low",
}
#: GitLab's ``name`` and ``description`` limits (characters).
NAME_MAX = 255
DESCRIPTION_MAX = 1_048_576


@dataclass(frozen=True, slots=True)
class ReportType:
    """One GitLab report: its ``scan.type``, its schema's file name and the scan it is for."""

    scan_type: str
    schema: str
    scan_kind: str
    location: Callable[[Finding], dict[str, Any]]


def _lines(f: Finding) -> dict[str, Any]:
    return {
        "file": f.location.path,
        "start_line": f.location.start_line,
        "end_line": f.location.last_line,
    }


def _secret_location(f: Finding) -> dict[str, Any]:
    commit = f.properties.get("commit")
    return {**_lines(f), "commit": {"sha": str(commit) if commit else NO_COMMIT}}


def _dependency_location(f: Finding) -> dict[str, Any]:
    package = str(f.properties.get("package") or f.rule_id)
    return {
        "file": f.location.path,
        "dependency": {"package": {"name": package}, "version": _version(f)},
    }


def _version(f: Finding) -> str:
    return str(f.properties.get("version") or "unknown")


#: ``--format`` name -> the report it writes.
REPORT_TYPES = {
    "gitlab-sast": ReportType("sast", "sast", "code", _lines),
    "gitlab-secrets": ReportType(
        "secret_detection", "secret-detection", "secrets", _secret_location
    ),
    "gitlab-deps": ReportType(
        "dependency_scanning", "dependency-scanning", "deps", _dependency_location
    ),
}


def check_scan_kind(fmt: str, kind: str) -> None:
    """Raise :class:`ConfigError` (one line) when ``fmt`` is a GitLab report of another scan
    kind than ``kind`` (``gitlab-deps`` of ``scan code`` would be an empty, wrong report)."""
    report = REPORT_TYPES.get(fmt)
    if report is None or report.scan_kind == kind:
        return
    mine = [name for name, r in REPORT_TYPES.items() if r.scan_kind == kind]
    raise ConfigError(
        f"--format {fmt} is the report of `scan {report.scan_kind}`; "
        f"for `scan {kind}` use --format {' or '.join([*mine, 'codeclimate'])}"
    )


def _identifiers(f: Finding, deps: bool) -> list[dict[str, str]]:
    if deps:
        primary = {"type": "osv", "name": f.rule_id, "value": f.rule_id, "url": OSV_URL + f.rule_id}
        aliases = [str(a) for a in f.properties.get("aliases") or () if str(a)]
        return [primary, *(_alias(a) for a in aliases)]
    primary = {"type": "scriptrunner_rule_id", "name": f.rule_id, "value": f.rule_id}
    if _web(f.help_uri):
        primary["url"] = str(f.help_uri)
    cwes = [
        {"type": "cwe", "name": f"CWE-{c}", "value": str(c), "url": CWE_URL.format(c)}
        for c in f.cwe
    ]
    return [primary, *cwes]


def _alias(alias: str) -> dict[str, str]:
    kind = alias.split("-", 1)[0].lower()
    return {
        "type": kind if kind in ("cve", "ghsa") else "osv",
        "name": alias,
        "value": alias,
        "url": OSV_URL + alias,
    }


def _severity(f: Finding) -> str:
    if f.properties.get("severity_unknown"):
        return "Unknown"
    return SEVERITY[f.severity]


def _name(f: Finding, deps: bool) -> str:
    """The title without what is specific to this finding: a dependency finding's title
    starts with ``package version (fix: X): `` before the advisory's summary."""
    title = f.title or f.rule_id
    if deps and title.startswith(f"{f.properties.get('package')} ") and "): " in title:
        return title.split("): ", 1)[1]
    return title


def _web(url: str | None) -> bool:
    """Whether ``url`` is one GitLab takes (its schema wants ``http(s)://...``)."""
    return bool(url) and str(url).startswith(("https://", "http://"))


def _id(f: Finding) -> str:
    if f.fingerprint:
        return f.fingerprint
    return digest(f.rule_id, f.location.path, str(f.location.start_line))


def _vulnerability(f: Finding, report: ReportType) -> dict[str, Any]:
    deps = report.scan_kind == "deps"
    vuln: dict[str, Any] = {
        "id": _id(f),
        "name": _name(f, deps)[:NAME_MAX],
        "description": f.message[:DESCRIPTION_MAX],
        "severity": _severity(f),
        "identifiers": _identifiers(f, deps),
        "location": report.location(f),
    }
    fix = (f.properties.get("minimal_upgrade") or f.properties.get("fix")) if deps else None
    if fix:
        vuln["solution"] = f"Upgrade {f.properties.get('package')} to {fix}."
    if _web(f.help_uri):
        vuln["links"] = [{"url": str(f.help_uri)}]
    return vuln


def _messages(result: ScanResult, unresolved: Iterable[Finding]) -> list[dict[str, str]]:
    notes = [
        {"level": "warn", "value": f"not analysed: {s.target}: {s.reason}"} for s in result.skipped
    ]
    notes += [{"level": "warn", "value": f"{f.location}: {f.message}"} for f in unresolved]
    notes += [{"level": "warn", "value": w} for w in result.warnings]
    notes += [{"level": "fatal", "value": f"{e.tool} failed: {e.message}"} for e in result.failures]
    return notes


def _tool(name: str, version: str) -> dict[str, Any]:
    return {
        "id": name,
        "name": name,
        "version": version or "unknown",
        "vendor": {"name": "scriptrunner"},
    }


def to_gitlab(result: ScanResult, fmt: str, *, now: datetime | None = None) -> dict[str, Any]:
    """The scan as the GitLab report ``fmt`` (one of :data:`REPORT_TYPES`), JSON-ready."""
    report = REPORT_TYPES[fmt]
    end = (now or datetime.now(timezone.utc)).replace(microsecond=0, tzinfo=None)
    took = result.timings.get("total") or sum(result.timings.values())
    start = end - timedelta(seconds=round(took))
    deps = report.scan_kind == "deps"
    # A dependency that could not be checked is no vulnerability: it is a message.
    counted: list[Finding] = []
    unresolved: list[Finding] = []
    for f in result.findings:
        unchecked = deps and f.properties.get("version") is None
        (unresolved if unchecked else counted).append(f)
    tools = ", ".join(sorted(result.tools)) or report.scan_kind
    scanner = _tool(f"scriptrunner-{report.scan_kind}", __version__)
    scanner["name"] = f"scriptrunner scan {report.scan_kind} ({tools})"
    out: dict[str, Any] = {
        "version": SCHEMA_VERSION,
        "schema": SCHEMA_URL.format(kind=report.schema),
        "scan": {
            "analyzer": _tool("scriptrunner", __version__),
            "scanner": scanner,
            "type": report.scan_type,
            "start_time": start.strftime(TIME_FORMAT),
            "end_time": end.strftime(TIME_FORMAT),
            "status": "success" if result.complete else "failure",
            "messages": _messages(result, unresolved),
        },
        "vulnerabilities": _unique([_vulnerability(f, report) for f in counted]),
    }
    if deps:
        out["dependency_files"] = _dependency_files(counted)
    return out


def _unique(vulns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """GitLab wants each ``id`` once: a repeated fingerprint gets its repetition hashed in."""
    seen: dict[str, int] = {}
    for vuln in vulns:
        n = seen.get(vuln["id"], 0)
        seen[vuln["id"]] = n + 1
        if n:
            vuln["id"] = digest(vuln["id"], str(n))
    return vulns


def _dependency_files(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """Each file with the packages its vulnerabilities are in (one entry per package)."""
    files: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    for f in findings:
        location = _dependency_location(f)["dependency"]
        key = (location["package"]["name"], location["version"])
        files.setdefault(f.location.path, {}).setdefault(key, location)
    return [
        {"path": path, "package_manager": _manager(path), "dependencies": list(deps.values())}
        for path, deps in files.items()
    ]


def _manager(path: str) -> str:
    """GitLab's package manager word for a dependency file (pip for the rest)."""
    name = path.rsplit("/", 1)[-1]
    return {"poetry.lock": "poetry", "Pipfile.lock": "pipenv"}.get(name, "pip")


def render_gitlab(result: ScanResult, fmt: str) -> str:
    return json.dumps(to_gitlab(result, fmt), indent=2, ensure_ascii=False) + "\n"


__all__ = [
    "NO_COMMIT",
    "REPORT_TYPES",
    "SCHEMA_VERSION",
    "SEVERITY",
    "check_scan_kind",
    "render_gitlab",
    "to_gitlab",
]
