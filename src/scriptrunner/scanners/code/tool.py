"""The interface of one code-analysis tool (Bandit, Semgrep, taint) inside the code scanner.

A tool whose verdict on a file depends on other files (the taint analysis follows data
across modules) is a :class:`ProjectTool`: it sees every file first and says, per file, what
else its results depend on, which the scanner adds to the file's cache keys.

Starting the tools and finding their executables is shared with the other scanners
(``scanners/tools.py``).
"""

from __future__ import annotations

import ast
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

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


@runtime_checkable
class ProjectTool(CodeTool, Protocol):
    """A tool whose results for one file depend on other files of the scan."""

    def file_keys(
        self, files: Sequence[SourceFile], trees: Mapping[str, ast.Module]
    ) -> dict[str, str]:
        """Per file (by ``rel``), a hash of what besides its content decides its results;
        ``trees`` holds the syntax trees already parsed, by content digest."""
        ...


def rel_of(tool_path: str, cwd: Path, by_abs: Mapping[str, SourceFile]) -> SourceFile | None:
    """The ``SourceFile`` a tool's (relative or absolute) path refers to."""
    return by_abs.get(os.path.normpath(os.path.join(cwd, tool_path)))
