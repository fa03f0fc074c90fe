"""The scanner interface and the registry of scanner kinds (``code`` now; ``deps`` and
``secrets`` plug in here later).

A scanner turns targets (files or directories) into one :class:`ScanResult`.  It raises
:class:`ScannerError` when it cannot run at all (a tool is missing); a tool that fails
mid-scan is reported in ``ScanResult.failures`` so partial results are still shown, but the
scan is incomplete and callers must fail closed (``ScanResult.complete``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from scriptrunner.errors import ConfigError
from scriptrunner.findings.model import ScanResult


class Scanner(Protocol):
    """Anything that scans targets into findings."""

    #: The kind this scanner implements ("code", "deps", "secrets").
    kind: str

    def scan(self, targets: Sequence[Path]) -> ScanResult:
        """Scan ``targets``; raise ``ScannerError`` if the scan cannot run at all."""
        ...


@dataclass(frozen=True, slots=True)
class ScanContext:
    """What every scanner needs, built once at the edge from settings and flags."""

    #: Finding paths are written relative to this directory.
    root: Path
    #: Directory for per-file result caches; None disables caching.
    cache_dir: Path | None = None
    #: Tool name -> executable chosen by configuration (e.g. ``semgrep``); "" = find it.
    tool_paths: Mapping[str, str] = field(default_factory=dict)
    #: Kind-specific options (code: ``tools``, ``rules``, ``exclude``, ``max_file_bytes``).
    options: Mapping[str, Any] = field(default_factory=dict)


ScannerFactory = Callable[[ScanContext], Scanner]

#: Scanner kind -> "module:factory", imported only when that kind is used.
SCANNERS: dict[str, str] = {
    "code": "scriptrunner.scanners.code.scanner:CodeScanner",
    "deps": "scriptrunner.scanners.deps.scanner:DepsScanner",
    "secrets": "scriptrunner.scanners.secrets.scanner:SecretsScanner",
}


def scanner_kinds() -> tuple[str, ...]:
    return tuple(SCANNERS)


def get_scanner(kind: str, context: ScanContext) -> Scanner:
    """The scanner registered as ``kind``; an unknown kind lists the valid ones."""
    try:
        target = SCANNERS[kind]
    except KeyError:
        valid = ", ".join(SCANNERS)
        raise ConfigError(f"unknown scanner {kind!r} (available: {valid})") from None
    module, _, name = target.partition(":")
    factory: ScannerFactory = getattr(importlib.import_module(module), name)
    return factory(context)
