"""The secret scanner: ``SecretsScanner(context).scan(targets) -> ScanResult``.

Modes: files and directories (``walker.py`` + ``parallel.py``), the git index
(``staged``) and git history (``git_history``, optionally ``since`` a revision) -- the git
modes scan added lines only (``git.py``).  Options (``ScanContext.options``): ``exclude``
(globs), ``min_confidence`` (``low``/``medium``/``high``; findings below it are not
reported; default ``medium``: LOW findings are weak passwords and borderline-entropy
values, useful when auditing but too noisy to fail a build on), ``staged``, ``git_history``,
``since``, ``gitignore`` (default True), ``max_file_bytes`` (default 2 MiB), ``workers``
(default: the CPUs this process may use).

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
from scriptrunner.findings.model import Finding, ScanResult, Skipped
from scriptrunner.scanners.base import ScanContext
from scriptrunner.scanners.secrets.report import CONFIDENCE_RANK, TOOL, to_findings
from scriptrunner.scanners.secrets.walker import DEFAULT_MAX_FILE_BYTES, Excludes, display_path

CONFIDENCES = ("low", "medium", "high")
DEFAULT_MIN_CONFIDENCE = "medium"


def tool_version() -> str:
    from scriptrunner.version import __version__

    return __version__


def parse_confidence(text: str) -> str:
    """``"medium"`` -> ``"MEDIUM"``; an unknown level lists the valid ones."""
    level = str(text).strip().upper()
    if level not in CONFIDENCE_RANK:
        raise ConfigError(f"unknown confidence {text!r} (choose one of: {', '.join(CONFIDENCES)})")
    return level


class SecretsScanner:
    """Secrets in files, in the git index or in git history (see the module docstring)."""

    kind = "secrets"

    def __init__(self, context: ScanContext) -> None:
        opts = context.options
        self.root = context.root.resolve()
        self.excludes = tuple(opts.get("exclude") or ())
        self.min_confidence = parse_confidence(opts.get("min_confidence") or DEFAULT_MIN_CONFIDENCE)
        self.staged = bool(opts.get("staged"))
        self.git_history = bool(opts.get("git_history"))
        self.since: str | None = opts.get("since")
        self.gitignore = bool(opts.get("gitignore", True))
        self.max_bytes = int(opts.get("max_file_bytes") or DEFAULT_MAX_FILE_BYTES)
        workers = opts.get("workers")
        self.workers: int | None = int(workers) if workers else None
        if self.staged and self.git_history:
            raise ConfigError("--staged and --git-history cannot be combined")
        if self.since is not None and not self.git_history:
            raise ConfigError("--since needs --git-history")

    def scan(self, targets: Sequence[Path]) -> ScanResult:
        started = time.perf_counter()
        targets = list(targets) or [Path(".")]
        for target in targets:
            if not os.path.lexists(target):
                raise ConfigError(f"scan target {target} does not exist")
        timings: dict[str, float] = {}
        if self.staged or self.git_history:
            findings, skipped = self._git(targets)
        else:
            findings, skipped = self._files(targets, timings)
        floor = CONFIDENCE_RANK[self.min_confidence]
        kept = sorted(
            (f for f in findings if CONFIDENCE_RANK[f.confidence or "LOW"] >= floor),
            key=lambda f: (f.location.path, f.location.start_line, f.rule_id),
        )
        timings["total"] = time.perf_counter() - started
        return ScanResult(
            findings=tuple(f for f in kept if not f.suppressed),
            suppressed=tuple(f for f in kept if f.suppressed),
            skipped=tuple(sorted(skipped, key=lambda s: s.target)),
            tools={TOOL: tool_version()},
            timings=timings,
            targets=tuple(str(t) for t in targets),
            root=str(self.root),
        )

    def _files(
        self, targets: Sequence[Path], timings: dict[str, float]
    ) -> tuple[list[Finding], list[Skipped]]:
        from scriptrunner.scanners.secrets.parallel import scan_files
        from scriptrunner.scanners.secrets.walker import collect

        t0 = time.perf_counter()
        files, skipped = collect(
            targets,
            self.root,
            excludes=self.excludes,
            gitignore=self.gitignore,
            max_bytes=self.max_bytes,
        )
        timings["collect"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        findings, unread = scan_files(files, workers=self.workers)
        timings["scan"] = time.perf_counter() - t1
        return findings, [*skipped, *unread]

    def _git(self, targets: Sequence[Path]) -> tuple[list[Finding], list[Skipped]]:
        from scriptrunner.scanners.secrets.engine import engine
        from scriptrunner.scanners.secrets.git import history_hunks, staged_hunks, toplevel

        start = Path(os.path.abspath(targets[0]))
        repo = toplevel(start if start.is_dir() else start.parent)
        within = [Path(os.path.abspath(t)) for t in targets]
        excluded = Excludes(self.excludes)
        hunks = staged_hunks(repo) if self.staged else history_hunks(repo, self.since)
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
