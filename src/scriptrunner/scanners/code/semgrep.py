"""Semgrep, fully offline, with our bundled Python rules (``rules/``) plus user rule dirs.

Semgrep pins many libraries, so it lives in a tool environment of its own (``make`` creates
``.tools/semgrep``; users ``pipx install semgrep``) and is found by :func:`find_semgrep`.
It never talks to the network: ``--metrics=off``, no version check, rules only from local
directories (never ``--config auto`` or the registry), HOME pointed at our cache directory.

It runs as the native CLI (``--experimental``): same engine and results, a fraction of
the Python wrapper's start-up time.

Severity: a bundled rule's comes from the calibration table (``severity.py``; the rule's
own ``severity`` says the same, for Semgrep run by hand).  Any other rule: its ``severity``
ERROR/HIGH -> HIGH, WARNING/MEDIUM -> WARNING, INFO/LOW -> INFO, CRITICAL -> CRITICAL;
``metadata.scriptrunner-severity`` overrides it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scriptrunner.errors import ScannerError
from scriptrunner.findings.model import Confidence, Finding, Location, Severity, Skipped
from scriptrunner.scanners.code.files import SourceFile
from scriptrunner.scanners.code.severity import calibrated, digest
from scriptrunner.scanners.code.tool import BATCH, ToolOutput, rel_of
from scriptrunner.scanners.private import FIX, private_dir
from scriptrunner.scanners.tools import ExternalTool, find_executable, run_tool, tail

#: The rules we ship (package data).
BUNDLED_RULES = Path(__file__).with_name("rules")
#: Where ``make`` puts the tool environment, relative to a source checkout.
TOOL_ENV = Path(".tools") / "semgrep" / "bin" / "semgrep"
SEMGREP = ExternalTool(
    "semgrep",
    "install it in its own environment: `pipx install semgrep` (or `make` in a scriptrunner "
    "checkout, which creates .tools/semgrep), or point SCRIPTRUNNER_SEMGREP (setting "
    "`semgrep`) at the executable",
)
SEVERITY_MAP = {
    "CRITICAL": Severity.CRITICAL,
    "ERROR": Severity.HIGH,
    "HIGH": Severity.HIGH,
    "WARNING": Severity.WARNING,
    "MEDIUM": Severity.WARNING,
    "INFO": Severity.INFO,
    "LOW": Severity.INFO,
    "INVENTORY": Severity.INFO,
    "EXPERIMENT": Severity.INFO,
}


def find_semgrep(setting: str = "", *, search_from: Path | None = None) -> Path:
    """The semgrep executable: the setting, else ``.tools/semgrep`` of a checkout, else PATH."""
    starts = [Path(__file__).resolve().parents[4]]  # a source checkout: <repo>/src/scriptrunner/...
    if search_from is not None:
        starts += [search_from.resolve(), *search_from.resolve().parents]
    return find_executable(SEMGREP, setting, candidates=[base / TOOL_ENV for base in starts])


def rule_files(dirs: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for d in dirs:
        if d.is_file():
            files.append(d)
        elif d.is_dir():
            files += sorted(p for p in d.rglob("*") if p.suffix in (".yaml", ".yml"))
        else:
            raise ScannerError(f"rules directory {d} does not exist")
    return files


class SemgrepTool:
    """Semgrep from its own tool environment."""

    name = "semgrep"

    def __init__(
        self,
        executable: Path,
        *,
        rules: Sequence[Path] = (),
        home: Path,
        timeout_per_file: int = 30,
        home_fix: str = FIX,
    ) -> None:
        self.executable = executable
        self.rules = [BUNDLED_RULES, *rules]
        self.home = home
        #: What to tell the user when ``home`` cannot be created.
        self.home_fix = home_fix
        self._version: str | None = None
        self.timeout_per_file = timeout_per_file

    def env(self) -> dict[str, str]:
        private_dir(self.home, "Semgrep's home directory", self.home_fix)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SEMGREP_")}
        env.update(
            HOME=str(self.home),
            SEMGREP_ENABLE_VERSION_CHECK="0",
            SEMGREP_SEND_METRICS="off",
            XDG_CONFIG_HOME=str(self.home / "config"),
            XDG_CACHE_HOME=str(self.home / "cache"),
        )
        return env

    def version_key(self) -> str:
        """What identifies the installed version without starting it (~1 s)."""
        st = self.executable.resolve().stat()
        return f"{self.executable.resolve()}\0{st.st_mtime_ns}\0{st.st_size}"

    def remember_version(self, version: str) -> None:
        """Use a version found earlier for the same ``version_key`` (from the cache)."""
        self._version = version

    def version(self) -> str:
        if self._version is None:
            argv = [str(self.executable), "--experimental", "--version"]
            proc = run_tool(SEMGREP, argv, cwd=self.home, env=self.env(), timeout=120)
            text = proc.stdout.strip().splitlines()[-1:] if proc.returncode == 0 else []
            if not text or not re.fullmatch(r"\d+(\.\d+)+\S*", text[0]):
                raise ScannerError(
                    f"semgrep at {self.executable} does not work (exit {proc.returncode}): "
                    f"{tail(proc.stderr or proc.stdout)}; {SEMGREP.fix}"
                )
            self._version = text[0]
        return self._version

    def config_digest(self) -> str:
        h = hashlib.sha256(json.dumps([self.argv([]), digest("semgrep")]).encode())
        for path in rule_files(self.rules):
            h.update(str(path.name).encode() + b"\0" + path.read_bytes() + b"\0")
        return h.hexdigest()

    def argv(self, paths: Sequence[str]) -> list[str]:
        configs = [arg for rules in self.rules for arg in ("--config", str(rules))]
        return [
            str(self.executable),
            "scan",
            # The native (OCaml) CLI: the same engine and results as the Python wrapper,
            # without its start-up cost (2.6 s instead of 5.8 s on 200 files, 0.4 s instead
            # of 3.3 s on 5 files; bench/code_scan.py).
            "--experimental",
            "--json",
            "--quiet",
            "--metrics=off",
            "--disable-version-check",
            "--disable-nosem",
            "--no-rewrite-rule-ids",
            "--no-git-ignore",
            "--max-target-bytes=0",
            f"--timeout={self.timeout_per_file}",
            *configs,
            *paths,
        ]

    def analyse(self, files: Sequence[SourceFile], root: Path) -> ToolOutput:
        findings: list[Finding] = []
        skipped: list[Skipped] = []
        failed: set[str] = set()
        for i in range(0, len(files), BATCH):
            part = self._analyse(files[i : i + BATCH], root)
            findings += part.findings
            skipped += part.skipped
            failed |= part.failed_files
        return ToolOutput(findings, skipped, frozenset(failed))

    def _analyse(self, files: Sequence[SourceFile], root: Path) -> ToolOutput:
        by_abs = {str(f.path): f for f in files}
        argv = self.argv([str(f.path) for f in files])
        proc = run_tool(SEMGREP, argv, cwd=root, env=self.env())
        try:
            report: dict[str, Any] = json.loads(proc.stdout)
        except ValueError:
            raise ScannerError(
                f"semgrep failed (exit {proc.returncode}) without a report: "
                f"{tail(proc.stderr or proc.stdout)}"
            ) from None
        skipped, failed = [], set()
        for error in report.get("errors", []):
            src = rel_of(str(error.get("path", "")), root, by_abs) if error.get("path") else None
            message = str(error.get("message", "error")).strip().splitlines()[0][:300]
            if src is None:
                # An error not tied to a file (a broken rule, a crash) fails the whole tool.
                if str(error.get("level", "error")).lower() == "error":
                    raise ScannerError(f"semgrep: {message}")
                continue
            skipped.append(Skipped(src.rel, f"semgrep: {_error_type(error)}: {message}", "semgrep"))
            failed.add(src.rel)
        if proc.returncode not in (0, 1) and not report.get("results") and not skipped:
            raise ScannerError(f"semgrep failed (exit {proc.returncode}): {tail(proc.stderr)}")
        findings = []
        for item in report.get("results", []):
            src = rel_of(str(item["path"]), root, by_abs)
            if src is not None:
                findings.append(to_finding(item, src.rel))
        return ToolOutput(findings, skipped, frozenset(failed))


def _error_type(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "error")
    return str(kind[0] if isinstance(kind, list) and kind else kind)


def _cwes(values: Any) -> tuple[int, ...]:
    items = values if isinstance(values, list) else [values] if values else []
    found = (re.match(r"\s*CWE-(\d+)", str(v)) for v in items)
    return tuple(int(m.group(1)) for m in found if m)


def rule_severity(rule_id: str, level: str, metadata: Mapping[str, Any]) -> Severity:
    """A rule's severity: the calibration table's for a bundled rule, else its own."""
    known = calibrated("semgrep", rule_id)
    if known is not None:
        return known
    own = str(metadata.get("scriptrunner-severity") or level or "INFO").upper()
    return SEVERITY_MAP.get(own, Severity.INFO)


def to_finding(item: Mapping[str, Any], rel: str) -> Finding:
    """One Semgrep result as a single-tool finding (rule id = the rule's own id)."""
    extra = item.get("extra", {})
    meta = extra.get("metadata", {}) or {}
    rule_id = str(item["check_id"])  # as written in the rule: --no-rewrite-rule-ids
    confidence = str(meta.get("confidence", "")).upper()
    conf: Confidence | None = (
        confidence if confidence in ("LOW", "MEDIUM", "HIGH") else None  # type: ignore[assignment]
    )
    start, end = item["start"], item["end"]
    refs = meta.get("references")
    help_uri = meta.get("source") or (refs[0] if isinstance(refs, list) and refs else None)
    message = " ".join(str(extra.get("message", "")).split())
    return Finding(
        tools=("semgrep",),
        rule_id=rule_id,
        title=message.split(". ")[0][:120],
        message=message,
        severity=rule_severity(rule_id, str(extra.get("severity", "")), meta),
        confidence=conf,
        location=Location(
            path=rel,
            start_line=int(start["line"]),
            end_line=int(end["line"]),
            start_column=int(start["col"]),
            end_column=int(end["col"]),
        ),
        cwe=_cwes(meta.get("cwe")),
        help_uri=str(help_uri) if help_uri else None,
    )
