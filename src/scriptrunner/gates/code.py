"""The ``code`` gate: Bandit + Semgrep on the script about to run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scriptrunner.findings.model import ScanResult
from scriptrunner.gates.base import GateContext
from scriptrunner.scanners.base import ScanContext
from scriptrunner.scanners.code.scanner import CodeScanner


class CodeGate:
    """Scans the script (and any extra paths); finding paths are relative to its directory."""

    kind = "code"

    def __init__(self, context: GateContext) -> None:
        self.context = context

    def check(self, script_path: Path, *, extra: Sequence[Path] = ()) -> ScanResult:
        root = script_path.resolve().parent
        scanner = CodeScanner(
            ScanContext(
                root=root,
                cache_dir=self.context.cache_dir,
                tool_paths={"semgrep": self.context.semgrep},
            )
        )
        return scanner.scan([script_path, *extra])
