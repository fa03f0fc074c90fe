"""Small OSV records and databases written by the core dependency-scanner tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scriptrunner.scanners.deps.model import Affected, AffectedRange, RangeEvent

SNAPSHOT = Path(__file__).resolve().parents[3].parent / "shared" / "advisory-db"


def rng(*events: tuple[str, str], type: str = "ECOSYSTEM") -> AffectedRange:
    """``rng(("introduced", "0"), ("fixed", "1.2"))``."""
    return AffectedRange(type, tuple(RangeEvent(k, v) for k, v in events))  # type: ignore[arg-type]


def affected(
    *ranges: AffectedRange, versions: tuple[str, ...] = (), package: str = "demo"
) -> Affected:
    return Affected(package=package, ranges=ranges, versions=versions)


def record(
    ident: str,
    package: str = "demo",
    events: list[dict[str, str]] | None = None,
    *,
    versions: list[str] | None = None,
    aliases: list[str] | None = None,
    severity: list[dict[str, str]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An OSV record for one PyPI package."""
    entry: dict[str, Any] = {
        "package": {"ecosystem": "PyPI", "name": package},
        "ranges": [{"type": "ECOSYSTEM", "events": events or [{"introduced": "0"}]}],
    }
    if versions is not None:
        entry["versions"] = versions
    data: dict[str, Any] = {
        "id": ident,
        "modified": "2024-01-01T00:00:00Z",
        "aliases": aliases or [],
        "summary": f"{ident} in {package}",
        "affected": [entry],
        **extra,
    }
    if severity is not None:
        data["severity"] = severity
    return data


def write_db(directory: Path, *records: dict[str, Any]) -> Path:
    """One JSON file per record, OSV-export style."""
    directory.mkdir(parents=True, exist_ok=True)
    for data in records:
        (directory / f"{data['id']}.json").write_text(json.dumps(data))
    return directory
