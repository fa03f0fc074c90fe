"""The secret scanner: ``SecretsScanner(context).scan(targets) -> ScanResult``.

Modes: files and directories (``scanners/files.py`` + ``parallel.py``), the git index
(``staged``) and git history (``git_history``, optionally ``since`` a revision) -- the git
modes scan added lines only (``git.py``).  Options:
:class:`~scriptrunner.scanners.options.SecretsOptions` (findings below ``min_confidence`` are
not reported; ``.gitignore`` is respected unless ``gitignore=False``).

Severity: the rule's (CRITICAL for private keys, cloud, VCS, payment and AI provider keys;
HIGH for JWTs, webhooks, test keys and generic secrets), at most HIGH for MEDIUM confidence
and WARNING for LOW confidence.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from scriptrunner.errors import ConfigError
from scriptrunner.findings.model import Finding, ScanResult, Skipped, ToolFailure
from scriptrunner.scanners.base import ScanContext, check_targets
from scriptrunner.scanners.files import (
    SECRETS_WALK,
    STDIN,
    Excludes,
    display_path,
    is_stream,
    unread_targets,
)
from scriptrunner.scanners.options import SecretsOptions
from scriptrunner.scanners.private import spool_dir
from scriptrunner.scanners.result import finish_scan
from scriptrunner.scanners.secrets.report import (
    CONFIDENCE_LEVELS,
    CONFIDENCE_RANK,
    TOOL,
    to_findings,
)

CONFIDENCES = CONFIDENCE_LEVELS.names()
DEFAULT_MIN_CONFIDENCE = SecretsOptions().min_confidence


def tool_version() -> str:
    from scriptrunner.version import __version__

    return __version__


def parse_confidence(text: str) -> str:
    """``"medium"`` -> ``"MEDIUM"``; an unknown level lists the valid ones."""
    return CONFIDENCE_LEVELS.check(str(text).strip().lower()).upper()


class SecretsScanner:
    """Secrets in files, in the git index or in git history (see the module docstring)."""

    kind = "secrets"

    def __init__(self, context: ScanContext) -> None:
        opts = context.options_as(SecretsOptions)
        self.root = context.root.resolve()
        self.options = opts
        self.progress = context.progress
        self.min_confidence = parse_confidence(opts.min_confidence)
        if opts.staged and opts.git_history:
            raise ConfigError("--staged and --git-history cannot be combined")
        if opts.since is not None and not opts.git_history:
            raise ConfigError("--since needs --git-history")

    def scan(self, targets: Sequence[Path]) -> ScanResult:
        started = time.perf_counter()
        targets = list(targets) or [Path(".")]
        check_targets(targets)
        timings: dict[str, float] = {}
        failures: list[ToolFailure] = []
        if (self.options.staged or self.options.git_history) and any(
            str(t) == STDIN or is_stream(t) for t in targets
        ):
            raise ConfigError("--staged and --git-history scan a repository, not a stream")
        if self.options.staged or self.options.git_history:
            findings, skipped = self._git(targets)
        else:
            findings, skipped = self._files(targets, timings)
            failures = unread_targets(targets, self.root, skipped)
        timings["total"] = time.perf_counter() - started
        return finish_scan(
            only_blocking(findings, self.min_confidence),
            skipped=skipped,
            failures=failures,
            tools={TOOL: tool_version()},
            timings=timings,
            targets=targets,
            root=self.root,
        )

    def _files(
        self, targets: Sequence[Path], timings: dict[str, float]
    ) -> tuple[list[Finding], list[Skipped]]:
        from scriptrunner.scanners.files import collect
        from scriptrunner.scanners.secrets.parallel import scan_files

        t0 = time.perf_counter()
        # Named streams (stdin, FIFOs, devices) are read into a private temporary directory.
        with spool_dir("scriptrunner-secrets-") as spool:
            files, skipped = collect(
                targets,
                self.root,
                policy=SECRETS_WALK,
                excludes=self.options.exclude,
                gitignore=self.options.gitignore,
                max_bytes=self.options.max_file_bytes,
                spool=spool,
            )
            timings["collect"] = time.perf_counter() - t0
            t1 = time.perf_counter()
            findings, unread = scan_files(
                files, workers=self.options.workers, progress=self.progress
            )
            timings["scan"] = time.perf_counter() - t1
        return findings, [*skipped, *unread]

    def _git(self, targets: Sequence[Path]) -> tuple[list[Finding], list[Skipped]]:
        from scriptrunner.scanners.secrets.engine import engine
        from scriptrunner.scanners.secrets.git import history_hunks, staged_hunks, toplevel

        start = Path(os.path.abspath(targets[0]))
        repo = toplevel(start if start.is_dir() else start.parent)
        within = [Path(os.path.abspath(t)) for t in targets]
        excluded = Excludes(self.options.exclude)
        if self.options.staged:
            hunks = staged_hunks(repo)
        else:
            hunks = history_hunks(repo, self.options.since)
        scan = engine().scan
        seen: dict[tuple[str, str, str], int] = {}
        findings: list[Finding] = []
        for hunk in hunks:
            absolute = repo / hunk.path
            if not any(_inside(absolute, t) for t in within):
                continue
            rel = display_path(absolute, self.root)
            if excluded(rel):
                continue
            matches = scan(hunk.text, rel)
            if not matches:
                continue
            props: dict[str, Any] = {}
            if hunk.commit is not None:
                props = {"commit": hunk.commit, "date": hunk.date}
            findings += to_findings(
                rel, matches, properties=props, seen=seen, line_offset=hunk.start - 1
            )
        return findings, []


def _inside(path: Path, target: Path) -> bool:
    return path == target or target in path.parents


def only_blocking(findings: Iterable[Finding], min_confidence: str) -> list[Finding]:
    """The findings at or above ``min_confidence`` (the CLI's exit-code rule)."""
    floor = CONFIDENCE_RANK[parse_confidence(min_confidence)]
    return [f for f in findings if CONFIDENCE_RANK[f.confidence or "LOW"] >= floor]


__all__ = [
    "CONFIDENCES",
    "DEFAULT_MIN_CONFIDENCE",
    "SecretsScanner",
    "only_blocking",
    "parse_confidence",
]
