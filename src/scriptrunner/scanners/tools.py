"""One way to find and run the external tools the scanners use (Bandit, Semgrep, Safety,
OSV-Scanner).

Security paths fail closed: a tool that is missing, cannot start, times out or exits with a
code that is not one of its documented ones raises :class:`ScannerError` whose message names
the tool and what to do about it -- never a traceback, never an empty ("clean") report.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scriptrunner.errors import ScannerError, mask_url_passwords

#: Characters of a tool's output quoted in an error message.
TAIL_CHARS = 800


@dataclass(frozen=True, slots=True)
class ExternalTool:
    """A tool we run: its name and how a user gets it (install it, or point a setting at it)."""

    name: str
    fix: str

    def not_found(self, looked: str = "") -> ScannerError:
        """The one "missing tool" error: ``<name> not found <where>: <fix>``."""
        if not looked:
            where = "on PATH"
        elif os.sep in looked or (os.altsep and os.altsep in looked):
            where = f"at {looked}"
        else:
            where = f"on PATH (looked for {looked!r})"
        return ScannerError(f"{self.name} not found {where}: {self.fix}")


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_executable(
    tool: ExternalTool, configured: str = "", *, candidates: Iterable[Path] = ()
) -> Path:
    """The executable of ``tool``.

    ``configured`` (a setting or flag) is a path or a name looked up on PATH and, when given,
    the only place looked at.  Otherwise the ``candidates`` (e.g. a checkout's tool
    environment) are tried in order, then ``tool.name`` on PATH.
    """
    if configured:
        path = Path(configured).expanduser()
        if _executable(path):
            return path
        is_path = os.sep in configured or (os.altsep is not None and os.altsep in configured)
        found = None if is_path else shutil.which(configured)
        if found:
            return Path(found)
        raise tool.not_found(configured)
    for candidate in candidates:
        if _executable(candidate):
            return candidate
    found = shutil.which(tool.name)
    if found:
        return Path(found)
    raise tool.not_found()


def tail(text: str, limit: int = TAIL_CHARS) -> str:
    """The last ``limit`` characters of a tool's output, for an error message (a password in
    a URL the tool printed shown as ``***``)."""
    text = mask_url_passwords(text.strip())
    if not text:
        return "(no output)"
    return text if len(text) <= limit else "..." + text[-limit:]


def run_tool(
    tool: ExternalTool,
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 900,
    ok_exits: Collection[int] | None = None,
    subject: str = "",
    tail_chars: int = TAIL_CHARS,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` with captured text output.

    Raises ``ScannerError`` when it cannot start, when it does not finish within ``timeout``
    seconds and (if ``ok_exits`` is given) when its exit code is not one of them:
    ``<name> failed (exit N)<subject>: <the tail of its stderr>``.
    """
    try:
        proc = subprocess.run(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ScannerError(f"{tool.name} did not finish within {timeout:g} s") from None
    except OSError as exc:
        raise ScannerError(
            f"{tool.name} cannot be started ({argv[0]}): {exc.strerror or exc}; {tool.fix}"
        ) from exc
    if ok_exits is not None and proc.returncode not in ok_exits:
        where = f" {subject}" if subject else ""
        raise ScannerError(
            f"{tool.name} failed (exit {proc.returncode}){where}: "
            f"{tail(proc.stderr or proc.stdout, tail_chars)}"
        )
    return proc


__all__ = ["TAIL_CHARS", "ExternalTool", "find_executable", "run_tool", "tail"]
