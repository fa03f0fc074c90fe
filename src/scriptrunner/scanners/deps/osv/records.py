"""OSV records (https://ossf.github.io/osv-schema/) into :class:`Advisory` values.

Only ``affected`` entries of the PyPI ecosystem are kept (``PyPI`` or ``PyPI:<suffix>``: the
schema allows a suffix on every ecosystem name), with PEP 503 normalised package names.

A malformed record fails closed: :class:`ScannerError` naming the file.  A database with a
broken record cannot be trusted to be complete, and skipping the record silently would turn
"we could not read the advisory" into "no known vulnerability".  Versions inside a record are
not checked here: matching (``match.py``) skips an invalid one with a warning, because one odd
version string should not disable a whole database.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from scriptrunner.errors import ScannerError
from scriptrunner.scanners.deps.model import (
    Advisory,
    AdvisoryDatabaseError,
    Affected,
    AffectedRange,
    RangeEvent,
    SeverityScore,
    normalise_name,
)

#: File suffixes read as OSV records.
RECORD_SUFFIXES = (".json", ".yaml", ".yml")
#: How ``scan deps`` fixes an unreadable database (a gate says its own fix instead).
DB_FIX = "; pass --db PATH to a directory or zip of OSV records"
_EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")


class _Malformed(ValueError):
    """A record does not follow the OSV schema (turned into ScannerError with its origin)."""


def _str(value: Any, what: str, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise _Malformed(f"{what} must be a string, got {type(value).__name__}")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Malformed(f"{what} must be a list, got {type(value).__name__}")
    return value


def _map(value: Any, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _Malformed(f"{what} must be an object, got {type(value).__name__}")
    return value


def is_pypi(ecosystem: str) -> bool:
    """``PyPI`` or ``PyPI:<suffix>``."""
    return ecosystem == "PyPI" or ecosystem.startswith("PyPI:")


def _version(value: Any, what: str) -> str:
    # YAML turns an unquoted ``1.0`` into a float; OSV versions are strings.
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _Malformed(f"{what} must be a version string, got {value!r}")
    return str(value)


def _severity(items: Any, what: str) -> tuple[SeverityScore, ...]:
    out = []
    for i, item in enumerate(_list(items, what)):
        entry = _map(item, f"{what}[{i}]")
        out.append(
            SeverityScore(
                type=_str(entry.get("type"), f"{what}[{i}].type", required=True),
                score=_str(entry.get("score"), f"{what}[{i}].score", required=True),
            )
        )
    return tuple(out)


def _range(item: Any, what: str) -> AffectedRange:
    entry = _map(item, what)
    events = []
    for j, raw in enumerate(_list(entry.get("events"), f"{what}.events")):
        event = _map(raw, f"{what}.events[{j}]")
        kinds = [k for k in _EVENT_KINDS if k in event]
        if len(kinds) != 1:
            raise _Malformed(f"{what}.events[{j}] must have exactly one of {_EVENT_KINDS}")
        kind = kinds[0]
        version = _version(event[kind], f"{what}.events[{j}].{kind}")
        events.append(RangeEvent(kind, version))  # type: ignore[arg-type]
    return AffectedRange(
        type=_str(entry.get("type"), f"{what}.type", required=True), events=tuple(events)
    )


def _affected(item: Any, what: str) -> Affected | None:
    entry = _map(item, what)
    package = _map(entry.get("package"), f"{what}.package")
    ecosystem = _str(package.get("ecosystem"), f"{what}.package.ecosystem")
    if not is_pypi(ecosystem):
        return None
    name = _str(package.get("name"), f"{what}.package.name", required=True)
    return Affected(
        package=normalise_name(name),
        ranges=tuple(
            _range(r, f"{what}.ranges[{i}]")
            for i, r in enumerate(_list(entry.get("ranges"), f"{what}.ranges"))
        ),
        versions=tuple(
            _version(v, f"{what}.versions[]") for v in _list(entry.get("versions"), "versions")
        ),
        severity=_severity(entry.get("severity"), f"{what}.severity"),
    )


def _parse(data: Mapping[str, Any]) -> Advisory:
    if not isinstance(data, Mapping):
        raise _Malformed(f"a record must be an object, got {type(data).__name__}")
    ident = _str(data.get("id"), "id", required=True)
    if not ident:
        raise _Malformed("id is empty")
    affected = []
    for i, item in enumerate(_list(data.get("affected"), "affected")):
        entry = _affected(item, f"affected[{i}]")
        if entry is not None:
            affected.append(entry)
    refs = []
    for i, ref in enumerate(_list(data.get("references"), "references")):
        url = _map(ref, f"references[{i}]").get("url")
        if isinstance(url, str) and url:
            refs.append(url)
    declared = _map(data.get("database_specific"), "database_specific").get("severity")
    return Advisory(
        id=ident,
        modified=str(data.get("modified") or ""),
        published=str(data["published"]) if data.get("published") else None,
        withdrawn=str(data["withdrawn"]) if data.get("withdrawn") else None,
        aliases=tuple(
            _str(a, "aliases[]", required=True) for a in _list(data.get("aliases"), "aliases")
        ),
        summary=_str(data.get("summary"), "summary"),
        details=_str(data.get("details"), "details"),
        severity=_severity(data.get("severity"), "severity"),
        affected=tuple(affected),
        references=tuple(refs),
        declared_severity=declared.upper() if isinstance(declared, str) and declared else None,
    )


def parse_record(data: Mapping[str, Any], origin: str = "") -> Advisory:
    """One OSV record (a parsed JSON/YAML object) as an :class:`Advisory`.

    Raises :class:`ScannerError` naming ``origin`` (a file) when the record is malformed.
    """
    try:
        return _parse(data)
    except _Malformed as exc:
        where = origin or "OSV record"
        raise ScannerError(f"{where}: malformed OSV record: {exc}") from None


def decode(raw: bytes, name: str) -> Any:
    """The object in one record file: JSON for ``.json``, YAML otherwise."""
    if name.endswith(".json"):
        return json.loads(raw)
    import yaml  # lazy: only needed for YAML databases

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    # scriptrunner: ignore[unsafe-deserialization] - CSafeLoader or SafeLoader
    return yaml.load(raw, Loader=loader)  # noqa: S506 - a safe loader


def _records(raw: bytes, origin: str) -> Iterator[Advisory]:
    try:
        data = decode(raw, origin)
    except Exception as exc:  # JSON or YAML syntax errors of every kind
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ScannerError(f"{origin}: cannot parse OSV record: {first}") from None
    # Some exports hold a list of records per file (e.g. ``all.json``).
    items = data if isinstance(data, list) else [data]
    for item in items:
        yield parse_record(item, origin)


def record_files(root: Path) -> list[Path]:
    """The record files under a database directory (recursively, sorted)."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.suffix in RECORD_SUFFIXES and p.is_file() and not p.name.startswith(".")
    )


def load_database(path: Path) -> Iterator[Advisory]:
    """Every advisory of a database: a directory (recursively) or a zip of OSV records.

    Both the PyPA advisory-database layout (``vulns/<pkg>/<ID>.yaml``) and the OSV export
    (one ``<ID>.json`` per record, e.g. ``PyPI/all.zip``) are read.  Unreadable files and
    malformed records raise :class:`ScannerError` naming the file.
    """
    if path.is_dir():
        for file in record_files(path):
            try:
                raw = file.read_bytes()
            except OSError as exc:
                raise ScannerError(f"cannot read OSV record {file}: {exc.strerror}") from exc
            yield from _records(raw, str(file))
        return
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise AdvisoryDatabaseError(
            f"cannot read vulnerability database {path}: {exc}", DB_FIX
        ) from exc
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            name = info.filename
            if info.is_dir() or not name.endswith(RECORD_SUFFIXES):
                continue
            if Path(name).name.startswith("."):
                continue
            try:
                raw = archive.read(info)
            except (OSError, zipfile.BadZipFile) as exc:
                raise ScannerError(f"{path}!{name}: cannot read OSV record: {exc}") from exc
            yield from _records(raw, f"{path}!{name}")


def headline(advisory: Advisory) -> str:
    """The summary, else the first line of the details (PYSEC records have no summary)."""
    if advisory.summary:
        return advisory.summary
    text = advisory.details.strip()
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= 160 else line[:157] + "..."


def advisory_to_dict(advisory: Advisory) -> dict[str, Any]:
    """A compact JSON-ready form of a parsed advisory (the offline index stores it; the
    details are reduced to the headline)."""
    return {
        "id": advisory.id,
        "m": advisory.modified,
        "p": advisory.published,
        "w": advisory.withdrawn,
        "a": list(advisory.aliases),
        "s": headline(advisory),
        "sev": [[s.type, s.score] for s in advisory.severity],
        "aff": [
            [
                a.package,
                [[r.type, [[e.kind, e.version] for e in r.events]] for r in a.ranges],
                list(a.versions),
                [[s.type, s.score] for s in a.severity],
            ]
            for a in advisory.affected
        ],
        "r": list(advisory.references),
        "ds": advisory.declared_severity,
    }


def advisory_from_dict(data: Mapping[str, Any]) -> Advisory:
    """The inverse of :func:`advisory_to_dict` (details are not kept in the index)."""
    return Advisory(
        id=data["id"],
        modified=data["m"],
        published=data["p"],
        withdrawn=data["w"],
        aliases=tuple(data["a"]),
        summary=data["s"],
        severity=tuple(SeverityScore(t, s) for t, s in data["sev"]),
        affected=tuple(
            Affected(
                package=pkg,
                ranges=tuple(
                    AffectedRange(t, tuple(RangeEvent(k, v) for k, v in events))
                    for t, events in ranges
                ),
                versions=tuple(versions),
                severity=tuple(SeverityScore(t, s) for t, s in sev),
            )
            for pkg, ranges, versions, sev in data["aff"]
        ),
        references=tuple(data["r"]),
        declared_severity=data["ds"],
    )
