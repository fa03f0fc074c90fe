"""Scanning many files: in this process for small trees, in worker processes for large ones.

Worker processes are forked (the engine and its keyword prefilter are built once in the
parent and inherited; each rule's regex is compiled on first use, so a worker compiles only
the rules its files need), receive chunks of paths of roughly equal total size, read the
files themselves and send back findings (redacted) and skips -- never secret values.  A fork
costs tens of milliseconds, so trees under ``PARALLEL_MIN_BYTES`` stay in-process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence

from scriptrunner.findings.model import Finding, Skipped
from scriptrunner.scanners.files import FileTarget, read_text
from scriptrunner.scanners.progress import Progress, ProgressHook, report
from scriptrunner.scanners.secrets.engine import engine
from scriptrunner.scanners.secrets.report import TOOL, to_findings

PARALLEL_MIN_BYTES = 8 * 1024 * 1024
_CHUNKS_PER_WORKER = 6
#: Files scanned in-process between two progress reports.
_IN_PROCESS_BATCH = 200

Chunk = list[tuple[str, str]]


def scan_chunk(chunk: Chunk) -> tuple[list[Finding], list[Skipped]]:
    """Read and scan ``(path, rel)`` pairs; the unit of work of a worker."""
    scan = engine().scan
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    for path, rel in chunk:
        text, reason = read_text(path)
        if text is None:
            skipped.append(Skipped(rel, reason or "unreadable", TOOL))
            continue
        matches = scan(text, rel)
        if matches:
            findings += to_findings(rel, matches)
    return findings, skipped


def _counted(chunk: Chunk) -> tuple[int, list[Finding], list[Skipped]]:
    return (len(chunk), *scan_chunk(chunk))


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def chunks(files: Sequence[FileTarget], count: int) -> list[Chunk]:
    """``count`` chunks of about equal bytes (largest files first, each to the lightest)."""
    bins: list[tuple[int, Chunk]] = [(0, []) for _ in range(max(1, count))]
    for f in sorted(files, key=lambda f: f.size, reverse=True):
        i = min(range(len(bins)), key=lambda k: bins[k][0])
        size, items = bins[i]
        items.append((f.path, f.rel))
        bins[i] = (size + f.size + 512, items)  # + per-file overhead
    return [items for _, items in bins if items]


def scan_files(
    files: Sequence[FileTarget],
    *,
    workers: int | None = None,
    progress: ProgressHook | None = None,
) -> tuple[list[Finding], list[Skipped]]:
    """Scan ``files``; in parallel when there are several workers and enough bytes.
    ``progress`` hears the files done and the findings so far."""
    n = workers if workers is not None else default_workers()
    total = sum(f.size for f in files)
    engine()  # build before forking
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    done = 0
    report(progress, Progress("files", 0, len(files), 0))
    if (
        n <= 1
        or total < PARALLEL_MIN_BYTES
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        pairs = [(f.path, f.rel) for f in files]
        parts = (pairs[i : i + _IN_PROCESS_BATCH] for i in range(0, len(pairs), _IN_PROCESS_BATCH))
        for count, found, skips in map(_counted, parts):
            findings += found
            skipped += skips
            done += count
            report(progress, Progress("files", done, len(files), len(findings)))
        return findings, skipped
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(n) as pool:
        for count, found, skips in pool.imap_unordered(
            _counted, chunks(files, n * _CHUNKS_PER_WORKER)
        ):
            findings += found
            skipped += skips
            done += count
            report(progress, Progress("files", done, len(files), len(findings)))
    return findings, skipped


__all__ = ["PARALLEL_MIN_BYTES", "chunks", "default_workers", "scan_chunk", "scan_files"]
