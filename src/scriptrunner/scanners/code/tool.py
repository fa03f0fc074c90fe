"""The interface of one code-analysis tool (Bandit, Semgrep) inside the code scanner.

Starting the tools and finding their executables is shared with the other scanners
(``scanners/tools.py``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from scriptrunner.findings.model import Finding, Skipped
from scriptrunner.scanners.code.files import SourceFile

#: Files per tool invocation: keeps command lines far below the kernel's ARG_MAX.
BATCH = 1000


@dataclass(frozen=True, slots=True)
class ToolOutput:
    """Single-tool findings (``rule_id`` = the tool's own id) and files it could not read."""

    findings: Sequence[Finding] = ()
    skipped: Sequence[Skipped] = ()
    #: Files with a per-file error: their (partial) results must not be cached.
    failed_files: frozenset[str] = field(default_factory=frozenset)


class CodeTool(Protocol):
    """One analyser the code scanner runs."""

    name: str

    def version(self) -> str:
        """The tool's version; raises ``ScannerError`` (with how to install) if missing."""
        ...

    def config_digest(self) -> str:
        """A hash of everything besides the file that decides the tool's results."""
        ...

    def analyse(self, files: Sequence[SourceFile], root: Path) -> ToolOutput:
        """Analyse ``files``; raises ``ScannerError`` if the tool fails as a whole."""
        ...


def rel_of(tool_path: str, cwd: Path, by_abs: Mapping[str, SourceFile]) -> SourceFile | None:
    """The ``SourceFile`` a tool's (relative or absolute) path refers to."""
    return by_abs.get(os.path.normpath(os.path.join(cwd, tool_path)))
