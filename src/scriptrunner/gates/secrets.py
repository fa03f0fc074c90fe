"""The ``secrets`` gate: credentials in the script about to run and in its configuration.

Scanned: the script itself, plus the configuration files next to it (same directory, not
recursive): ``.env``, ``*.env``, ``*.ini``, ``*.cfg``, ``*.toml``, ``*.yaml``, ``*.yml`` and
``*.json`` -- where a script's credentials usually sit -- and any ``extra`` paths.  Only
findings of MEDIUM or HIGH confidence are reported (LOW ones are too noisy to block a run);
which of them block is the gate policy's severity (``--block-on``).  Binary or oversized
files are ``skipped`` and, like every gate, block the run (fail closed).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scriptrunner.findings.model import ScanResult
from scriptrunner.gates.base import GateContext
from scriptrunner.scanners.base import ScanContext
from scriptrunner.scanners.options import SecretsOptions

CONFIG_PATTERNS = ("*.env", "*.ini", "*.cfg", "*.toml", "*.yaml", "*.yml", "*.json")
GATE_MIN_CONFIDENCE = "medium"


def gate_files(script_path: Path) -> list[Path]:
    """The script and the configuration files in its directory (sorted, no duplicates)."""
    directory = script_path.resolve().parent
    found: dict[Path, None] = {script_path.resolve(): None}
    env = directory / ".env"
    if env.is_file():
        found[env] = None
    for pattern in CONFIG_PATTERNS:
        for path in sorted(directory.glob(pattern)):
            if path.is_file():
                found[path] = None
    return list(found)


class SecretsGate:
    """Scans the script and its neighbouring config files; paths relative to its directory."""

    kind = "secrets"

    def __init__(self, context: GateContext) -> None:
        self.context = context

    def check(self, script_path: Path, *, extra: Sequence[Path] = ()) -> ScanResult:
        from scriptrunner.scanners.secrets.scanner import SecretsScanner

        root = script_path.resolve().parent
        scanner = SecretsScanner(
            ScanContext(
                root=root,
                # Files named explicitly: scanned even when .gitignore excludes them (a
                # git-ignored .env is exactly where a leaked credential hides).
                options=SecretsOptions(min_confidence=GATE_MIN_CONFIDENCE, workers=1),
            )
        )
        return scanner.scan([*gate_files(script_path), *extra])


__all__ = ["CONFIG_PATTERNS", "GATE_MIN_CONFIDENCE", "SecretsGate", "gate_files"]
