"""The interface of one code-analysis tool (Bandit, Semgrep) inside the code scanner."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from scriptrunner.errors import ScannerError
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


def run_tool(
    name: str,
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """Run a tool, turning "cannot start" and time-outs into ``ScannerError``."""
    try:
        return subprocess.run(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ScannerError(f"{name} did not finish within {timeout:.0f} s") from None
    except OSError as exc:
        raise ScannerError(f"{name} cannot be started ({argv[0]}): {exc.strerror}") from exc


def tail(text: str, limit: int = 800) -> str:
    """The last ``limit`` characters of a tool's stderr, for an error message."""
    text = text.strip()
    return text if len(text) <= limit else "..." + text[-limit:]


def rel_of(tool_path: str, cwd: Path, by_abs: Mapping[str, SourceFile]) -> SourceFile | None:
    """The ``SourceFile`` a tool's (relative or absolute) path refers to."""
    return by_abs.get(os.path.normpath(os.path.join(cwd, tool_path)))
