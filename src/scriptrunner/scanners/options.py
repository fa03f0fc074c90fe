"""Typed options, one frozen value per scanner kind, built once at the edge (CLI, gates).

A scanner reads its own kind's value from :attr:`ScanContext.options
<scriptrunner.scanners.base.ScanContext.options>`; the defaults here are the scanners'
defaults, so ``ScanContext(root=...)`` alone runs a scan with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scriptrunner.registry import Registry

#: Files larger than this are skipped (and reported) by ``scan code`` and ``scan secrets``.
DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024
#: ``scan secrets``: confidence level (as ``--min-confidence`` spells it) -> rank.
CONFIDENCE_LEVELS: Registry[int] = Registry("confidence", {"low": 1, "medium": 2, "high": 3})


@dataclass(frozen=True, slots=True)
class CodeOptions:
    """``scan code``: which tools, extra Semgrep rules, excludes, the size limit."""

    #: Tool names (``bandit``, ``semgrep``); empty = all of them.
    tools: tuple[str, ...] = ()
    #: Extra Semgrep rule files or directories.
    rules: tuple[Path, ...] = ()
    #: ``--exclude`` globs (see ``scanners/files.py``).
    exclude: tuple[str, ...] = ()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES


@dataclass(frozen=True, slots=True)
class DepsOptions:
    """``scan deps``: vulnerability sources, the environment to read, ignored advisories."""

    #: Offline OSV database (a directory or zip); None = not used.
    db: Path | None = None
    #: Also query the OSV API.
    online: bool = False
    #: OSV API base URL; None = the public API.
    osv_url: str | None = None
    #: Another interpreter whose installed packages are scanned (implies ``env``).
    python: str | None = None
    #: Scan this interpreter's installed packages.
    env: bool = False
    #: Advisory ids or aliases to report as suppressed.
    ignore: tuple[str, ...] = ()
    #: A Safety 2.x database directory: also run Safety against it.
    safety_db: Path | None = None
    #: Also run OSV-Scanner on the files.
    osv_scanner: bool = False


@dataclass(frozen=True, slots=True)
class SecretsOptions:
    """``scan secrets``: mode (files, the git index, git history), filters and limits."""

    #: ``--exclude`` globs (see ``scanners/files.py``).
    exclude: tuple[str, ...] = ()
    #: ``low``/``medium``/``high``: findings below it are not reported.  LOW findings are
    #: weak passwords and borderline-entropy values, useful when auditing but too noisy to
    #: fail a build on.
    min_confidence: str = "medium"
    #: Scan the lines added in the git index.
    staged: bool = False
    #: Scan the lines every commit added (optionally only commits after ``since``).
    git_history: bool = False
    since: str | None = None
    #: Respect ``.gitignore`` when walking directories.
    gitignore: bool = True
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    #: Worker processes; None = the CPUs this process may use.
    workers: int | None = None


#: Any scanner kind's options.
ScanOptions = CodeOptions | DepsOptions | SecretsOptions

__all__ = [
    "CONFIDENCE_LEVELS",
    "DEFAULT_MAX_FILE_BYTES",
    "CodeOptions",
    "DepsOptions",
    "ScanOptions",
    "SecretsOptions",
]
