"""The scanner interface and the registry of scanner kinds (``code``, ``deps``, ``secrets``).

A scanner turns targets (files or directories) into one :class:`ScanResult`.  It raises
:class:`ScannerError` when it cannot run at all (a tool is missing); a tool that fails
mid-scan is reported in ``ScanResult.failures`` so partial results are still shown, but the
scan is incomplete and callers must fail closed (``ScanResult.complete``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from scriptrunner.errors import ConfigError
from scriptrunner.findings.model import ScanResult
from scriptrunner.registry import Registry
from scriptrunner.scanners.options import ScanOptions
from scriptrunner.scanners.progress import ProgressHook

OptionsT = TypeVar("OptionsT", bound=ScanOptions)


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
    #: The scanner kind's options (``scanners/options.py``); None = its defaults.
    options: ScanOptions | None = None
    #: Told how far the scan has got (``scanners/progress.py``); None = nobody asks.
    progress: ProgressHook | None = field(default=None, compare=False)

    def options_as(self, kind: type[OptionsT]) -> OptionsT:
        """:attr:`options` as ``kind`` (its defaults when None); another kind is an error."""
        if self.options is None:
            return kind()
        if not isinstance(self.options, kind):
            raise ConfigError(
                f"{type(self.options).__name__} given to a scanner that takes {kind.__name__}"
            )
        return self.options


ScannerFactory = Callable[[ScanContext], Scanner]

#: Scanner kind -> "module:factory", imported only when that kind is used.
SCANNERS: Registry[ScannerFactory] = Registry(
    "scanner",
    {
        "code": "scriptrunner.scanners.code.scanner:CodeScanner",
        "deps": "scriptrunner.scanners.deps.scanner:DepsScanner",
        "secrets": "scriptrunner.scanners.secrets.scanner:SecretsScanner",
    },
)


def scanner_kinds() -> tuple[str, ...]:
    return SCANNERS.names()


def get_scanner(kind: str, context: ScanContext) -> Scanner:
    """The scanner registered as ``kind``; an unknown kind lists the valid ones."""
    return SCANNERS.get(kind)(context)


def check_targets(targets: Iterable[Path]) -> None:
    """A target that does not exist is bad input (``ConfigError``), never an empty scan
    (``-`` is standard input)."""
    for target in targets:
        if str(target) != "-" and not os.path.lexists(target):
            raise ConfigError(f"scan target {target} does not exist")
