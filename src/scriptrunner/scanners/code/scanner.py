"""The code scanner: Bandit, Semgrep and the taint analysis in parallel, cached per file,
merged into one result.

Pipeline: collect files (``scanners/files.py``; read by ``files.py``) -> drop what cannot be
analysed (parsing each file once; the taint analysis reuses the trees) -> for each tool,
take cached per-file results and run the tool on the rest (tools run concurrently, Bandit
and Semgrep each in its own process, the taint analysis in this one; what they report is
redacted at once, ``redaction.py``) -> map to our rules and apply in-source suppressions ->
merge duplicates (``merge.py``) -> fingerprint (``scanners/result.py`` builds the result).
A file's taint results depend on other files: the taint tool keys them on the modules that
can change them (``taint/tool.py``).  A tool that is missing raises ``ScannerError`` before
anything runs; a tool that fails mid-scan is a ``ToolFailure`` in the (incomplete) result.
"""

from __future__ import annotations

import ast
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scriptrunner.errors import ScannerError
from scriptrunner.findings.fingerprint import assign
from scriptrunner.findings.jsonout import finding_from_dict, finding_to_dict
from scriptrunner.findings.model import Finding, ScanResult, Skipped, ToolFailure
from scriptrunner.registry import Registry
from scriptrunner.scanners.base import ScanContext, check_targets
from scriptrunner.scanners.code.bandit import BanditTool
from scriptrunner.scanners.code.cache import NoCache, ResultCache, cache_key
from scriptrunner.scanners.code.files import SourceFile, check_source, collect_sources
from scriptrunner.scanners.code.merge import canonical, merge
from scriptrunner.scanners.code.redaction import redact_failure, redact_output
from scriptrunner.scanners.code.semgrep import SemgrepTool, find_semgrep
from scriptrunner.scanners.code.suppress import apply_suppressions
from scriptrunner.scanners.code.tool import CodeTool, ProjectTool, ToolOutput
from scriptrunner.scanners.files import INPUT_TOOL, unread_targets
from scriptrunner.scanners.options import CodeOptions
from scriptrunner.scanners.private import FIX, spool_dir
from scriptrunner.scanners.progress import Progress, ProgressHook, report
from scriptrunner.scanners.result import finish_scan

CACHE_FILE = "code-scan.db"
#: Bump when what is cached changes meaning (v2: messages are redacted before caching).
_FINAL = "final-v2"
_TOOL_RESULTS = "tool-v2"
_PRECHECK = f"precheck-v1-{sys.version_info[0]}.{sys.version_info[1]}"


@dataclass(frozen=True, slots=True)
class ToolSetup:
    """What building a code tool may need."""

    root: Path
    rules: tuple[Path, ...]
    cache_dir: Path | None
    semgrep_setting: str
    cache: ResultCache


def _bandit(setup: ToolSetup) -> CodeTool:
    return BanditTool()


def _semgrep(setup: ToolSetup) -> CodeTool:
    exe = find_semgrep(setup.semgrep_setting, search_from=setup.root)
    # Without a cache (--no-cache), Semgrep's settings live under the user's home.
    fix = FIX if setup.cache_dir is not None else "set HOME to a writable directory"
    home = (setup.cache_dir or Path.home() / ".cache" / "scriptrunner") / "semgrep-home"
    semgrep = SemgrepTool(exe, rules=setup.rules, home=home, home_fix=fix)
    # `semgrep --version` costs a second: remember it per installed executable.
    key = cache_key("semgrep-version", semgrep.version_key())
    known = setup.cache.get(key)
    if isinstance(known, str):
        semgrep.remember_version(known)
    else:
        setup.cache.put(key, semgrep.version())
    return semgrep


def _taint(setup: ToolSetup) -> CodeTool:
    from scriptrunner.scanners.code.taint.tool import TaintTool

    return TaintTool(setup.cache)


#: Code analysis tool name -> how to build it.
CODE_TOOLS: Registry[Callable[[ToolSetup], CodeTool]] = Registry(
    "code analysis tool", {"bandit": _bandit, "semgrep": _semgrep, "taint": _taint}
)
TOOLS = CODE_TOOLS.names()


class CodeScanner:
    """``scan(targets) -> ScanResult`` over Python files with Bandit, Semgrep and the taint
    analysis.

    Options: :class:`~scriptrunner.scanners.options.CodeOptions` (tools, default all; extra
    Semgrep rules; excludes; the size limit).
    """

    kind = "code"

    def __init__(self, context: ScanContext) -> None:
        opts = context.options_as(CodeOptions)
        self.root = context.root.resolve()
        self.tool_names = tuple(CODE_TOOLS.check(t) for t in dict.fromkeys(opts.tools or TOOLS))
        self.rules = tuple(Path(r).resolve() for r in opts.rules)
        self.excludes = opts.exclude
        self.max_bytes = opts.max_file_bytes
        self.cache_dir = context.cache_dir
        self.semgrep_setting = context.tool_paths.get("semgrep", "")
        self.progress = context.progress

    def _tools(self, cache: ResultCache) -> list[CodeTool]:
        setup = ToolSetup(self.root, self.rules, self.cache_dir, self.semgrep_setting, cache)
        tools = [CODE_TOOLS.get(name)(setup) for name in self.tool_names]
        for tool in tools:
            tool.version()  # fail closed now, before anything runs
        return tools

    def scan(self, targets: Sequence[Path]) -> ScanResult:
        started = time.perf_counter()
        check_targets(targets)
        cache: ResultCache = (
            ResultCache(self.cache_dir / CACHE_FILE) if self.cache_dir is not None else NoCache()
        )
        try:
            # Named streams (stdin, FIFOs) are read into a private directory the tools scan.
            with spool_dir("scriptrunner-code-") as spool:
                return self._scan(targets, cache, started, spool)
        finally:
            cache.close()

    def _scan(
        self, targets: Sequence[Path], cache: ResultCache, started: float, spool: Path
    ) -> ScanResult:
        tools = self._tools(cache)
        files, skipped = collect_sources(
            targets, self.root, excludes=self.excludes, max_bytes=self.max_bytes, spool=spool
        )
        failures: list[ToolFailure] = unread_targets(targets, self.root, skipped)
        trees: dict[str, ast.Module] = {}
        files, bad = _precheck(files, cache, trees)
        skipped += bad
        timings: dict[str, float] = {"collect": time.perf_counter() - started}

        keys: dict[str, dict[str, str]] = {}
        for tool in tools:
            recipe = (_TOOL_RESULTS, tool.name, tool.version(), tool.config_digest())
            if isinstance(tool, ProjectTool):
                t0 = time.perf_counter()
                extra = tool.file_keys(files, trees)
                timings[f"{tool.name}-keys"] = time.perf_counter() - t0
                keys[tool.name] = {f.rel: cache_key(*recipe, f.digest, extra[f.rel]) for f in files}
            else:
                keys[tool.name] = {f.rel: cache_key(*recipe, f.digest) for f in files}
        # Level 1: a file's final (merged, suppressed, fingerprinted) findings, keyed by its
        # path (fingerprints contain it) and every tool's key; level 2: each tool's own.
        final_keys = {
            f.rel: cache_key(_FINAL, f.rel, *(keys[t.name][f.rel] for t in tools)) for f in files
        }
        finals = cache.get_many(final_keys.values())
        ready = [
            finding_from_dict(d)
            for key in final_keys.values()
            if key in finals
            for d in finals[key]
        ]
        pending = [f for f in files if final_keys[f.rel] not in finals]
        cached = cache.get_many(keys[t.name][f.rel] for t in tools for f in pending)
        raw: list[Finding] = []
        todo: dict[str, list[SourceFile]] = {}
        for tool in tools:
            todo[tool.name] = []
            for f in pending:
                hit = cached.get(keys[tool.name][f.rel])
                if hit is None:
                    todo[tool.name].append(f)
                else:
                    raw += [
                        finding_from_dict({**d, "location": {**d["location"], "path": f.rel}})
                        for d in hit
                    ]

        outputs = _run_tools(
            tools, todo, self.root, failures, timings, progress=self.progress, known=len(raw)
        )
        fresh: dict[str, Any] = {}
        tool_failed = any(f.tool != INPUT_TOOL for f in failures)
        incomplete = {f.rel for f in pending} if tool_failed else set()
        for tool in tools:
            out = outputs.get(tool.name)
            if out is None:
                continue
            raw += out.findings
            skipped += out.skipped
            incomplete |= out.failed_files
            by_file: dict[str, list[dict[str, Any]]] = {f.rel: [] for f in todo[tool.name]}
            for finding in out.findings:
                by_file.setdefault(finding.location.path, []).append(finding_to_dict(finding))
            for rel, items in by_file.items():
                if rel not in out.failed_files and rel in keys[tool.name]:
                    fresh[keys[tool.name][rel]] = items

        lines = {f.rel: f.lines for f in pending}
        mapped = apply_suppressions([canonical(f) for f in raw], lambda p: lines.get(p, []))
        analysed = assign(merge(mapped), lambda p, n: _line(lines.get(p, []), n))
        per_file: dict[str, list[dict[str, Any]]] = {f.rel: [] for f in pending}
        for finding in analysed:
            per_file.setdefault(finding.location.path, []).append(finding_to_dict(finding))
        for rel, items in per_file.items():
            if rel not in incomplete and rel in final_keys:
                fresh[final_keys[rel]] = items
        cache.put_many(fresh)
        timings["total"] = time.perf_counter() - started
        return finish_scan(
            [*ready, *analysed],
            skipped=skipped,
            failures=failures,
            tools={tool.name: tool.version() for tool in tools},
            timings=timings,
            targets=targets,
            root=self.root,
        )


def _line(lines: Sequence[str], n: int) -> str:
    return lines[n - 1] if 0 < n <= len(lines) else ""


def _precheck(
    files: list[SourceFile], cache: ResultCache, trees: dict[str, ast.Module]
) -> tuple[list[SourceFile], list[Skipped]]:
    """Files whose content can be analysed, and the others (verdicts cached by content);
    the syntax trees parsed on the way go to ``trees`` (by content digest)."""
    keys = {f.rel: cache_key(_PRECHECK, f.digest) for f in files}
    known = cache.get_many(keys.values())
    good: list[SourceFile] = []
    bad: list[Skipped] = []
    fresh: dict[str, Any] = {}
    for f in files:
        verdict = known.get(keys[f.rel])
        if verdict is None:
            problem, tree = check_source(f.data)
            verdict = fresh[keys[f.rel]] = problem or ""
            if tree is not None:
                trees[f.digest] = tree
        if verdict:
            bad.append(Skipped(f.rel, str(verdict)))
        else:
            good.append(f)
    cache.put_many(fresh)
    return good, bad


def _run_tools(
    tools: Sequence[CodeTool],
    todo: dict[str, list[SourceFile]],
    root: Path,
    failures: list[ToolFailure],
    timings: dict[str, float],
    *,
    progress: ProgressHook | None = None,
    known: int = 0,
) -> dict[str, ToolOutput]:
    """Run each tool that has files to analyse, concurrently (they are separate processes);
    ``progress`` hears each tool finish (with the raw findings so far, ``known`` of them
    from the cache)."""

    def one(tool: CodeTool) -> ToolOutput:
        t0 = time.perf_counter()
        lines = {f.rel: f.lines for f in todo[tool.name]}
        try:
            # Redacted before the cache, the merge, the store or a renderer sees it.
            return redact_output(tool.analyse(todo[tool.name], root), lambda p: lines.get(p, []))
        finally:
            timings[tool.name] = time.perf_counter() - t0

    busy = [t for t in tools if todo[t.name]]
    outputs: dict[str, ToolOutput] = {}
    if not busy:
        return outputs
    done, found = len(tools) - len(busy), known
    report(progress, Progress("tools", done, len(tools), found))
    with ThreadPoolExecutor(max_workers=len(busy)) as pool:
        futures = {pool.submit(one, t): t.name for t in busy}
        for future in as_completed(futures):
            name = futures[future]
            try:
                outputs[name] = future.result()
                found += len(outputs[name].findings)
            except ScannerError as exc:
                failures.append(redact_failure(name, str(exc)))
            done += 1
            report(progress, Progress("tools", done, len(tools), found))
    return {t.name: outputs[t.name] for t in busy if t.name in outputs}
