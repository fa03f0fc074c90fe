"""The scan step of the scriptrunner GitHub Action (``action.yml``): run the chosen scans
(and a workflow file), one SARIF file per scan, then the job summary, the step outputs and
the exit status.

It runs with the Python scriptrunner is installed in (the action's install step gives it)
and reads the action's inputs from ``INPUT_*`` variables, which ``action.yml`` sets from
``inputs`` in the step's ``env:``: no input is ever part of a shell command's text.  Lists
(``paths``, ``requirements``, ``extra-args``) are split like a POSIX shell splits words
(quotes keep a path with spaces whole) but nothing is expanded or run: every word becomes
one argument of ``scriptrunner``.  An ``extra-args`` line that starts with ``code:``,
``deps:``, ``secrets:`` or ``workflow:`` applies to that command only; other lines apply to
every scan.

Exit status: the scans' own codes, the worst one wins (2, a scan failed or could not start;
1, findings at or above ``fail-on``; 0 none), then the workflow's (``workflow run``: 1 a
task failed); with ``fail-on: none`` findings never fail the step.  The summary and the
outputs are written from the SARIF files themselves (``scriptrunner.findings.from_sarif``),
so they count exactly what is uploaded.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import subprocess
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scriptrunner.errors import ConfigError
from scriptrunner.findings import ScanResult, Severity, from_sarif
from scriptrunner.findings.github import command_data
from scriptrunner.findings.markdown import OverviewRow, render_markdown, render_overview

SCANS = ("code", "deps", "secrets")
#: Files ``scan deps`` reads when the ``requirements`` input is empty (workspace top level).
REQUIREMENT_FILES = ("requirements*.txt", "poetry.lock", "uv.lock", "Pipfile.lock")
_PREFIX = re.compile(r"(code|deps|secrets|workflow):(.*)\Z", re.DOTALL)


class InputError(ValueError):
    """An input the action cannot use (the step fails with exit 2 and says which)."""


@dataclass(frozen=True, slots=True)
class Inputs:
    """The action's inputs, parsed."""

    scans: tuple[str, ...]
    workflow: str
    paths: tuple[str, ...]
    baseline: str
    requirements: tuple[str, ...]
    advisory_db: str
    fail_on: str
    working_directory: str = "."
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sarif_dir: Path = Path("scriptrunner-sarif")
    summary: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Inputs:
        def get(name: str) -> str:
            return env.get(f"INPUT_{name}", "").strip()

        scans = tuple(
            dict.fromkeys(s.strip().lower() for s in get("SCANS").split(",") if s.strip())
        )
        unknown = [s for s in scans if s not in SCANS]
        if unknown:
            raise InputError(f"scans: unknown {', '.join(unknown)} (valid: {', '.join(SCANS)})")
        fail_on = get("FAIL_ON").lower() or "high"
        if fail_on != "none":
            try:
                Severity.parse(fail_on)
            except ConfigError as exc:  # it lists the valid names
                raise InputError(f"fail-on: {exc} (or none)") from None
        if not scans and not get("WORKFLOW"):
            raise InputError("nothing to do: give scans, a workflow, or both")
        default_dir = Path(env.get("RUNNER_TEMP") or ".") / "scriptrunner-sarif"
        return cls(
            scans=scans,
            workflow=get("WORKFLOW"),
            paths=words("paths", get("PATHS")) or (".",),
            baseline=get("BASELINE"),
            requirements=words("requirements", get("REQUIREMENTS")),
            advisory_db=get("ADVISORY_DB"),
            fail_on=fail_on,
            working_directory=get("WORKING_DIRECTORY") or ".",
            extra=extra_args(get("EXTRA_ARGS")),
            sarif_dir=Path(get("SARIF_DIR")) if get("SARIF_DIR") else default_dir,
            summary=get("SUMMARY").lower() != "false",
        )


def words(name: str, text: str) -> tuple[str, ...]:
    """Shell-like words of ``text`` (quotes group, nothing is expanded)."""
    try:
        return tuple(shlex.split(text))
    except ValueError as exc:
        raise InputError(f"{name}: {exc}") from None


def extra_args(text: str) -> dict[str, tuple[str, ...]]:
    """``extra-args`` lines -> command (``code``... or ``*`` for every scan) -> arguments."""
    extra: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        match = _PREFIX.match(line.strip())
        target, rest = (match.group(1), match.group(2)) if match else ("*", line)
        extra[target] = extra.get(target, ()) + words("extra-args", rest)
    return extra


def deps_files(inputs: Inputs, workspace: Path) -> tuple[str, ...]:
    """The ``requirements`` input, else the dependency files at the workspace's top level
    (``pyproject.toml`` when there is nothing else)."""
    if inputs.requirements:
        return inputs.requirements
    found = sorted({p.name for pattern in REQUIREMENT_FILES for p in workspace.glob(pattern)})
    if not found and (workspace / "pyproject.toml").is_file():
        found = ["pyproject.toml"]
    return tuple(found)


def scan_command(kind: str, inputs: Inputs, workspace: Path, sarif: Path) -> list[str]:
    """``python -m scriptrunner scan KIND ... --format sarif -o SARIF`` for one scan."""
    argv = [sys.executable, "-m", "scriptrunner", "scan", kind]
    if kind == "deps":
        argv += deps_files(inputs, workspace)
        argv += ["--db", inputs.advisory_db] if inputs.advisory_db else ["--online"]
    else:
        argv += inputs.paths
    argv += ["--format", "sarif", "-o", str(sarif), "--no-record"]
    if inputs.fail_on != "none":
        argv += ["--fail-on", inputs.fail_on]
    if inputs.baseline:
        argv += ["--baseline", inputs.baseline]
    return argv + [*inputs.extra.get("*", ()), *inputs.extra.get(kind, ())]


@dataclass(frozen=True, slots=True)
class Outcome:
    """One scan (or the workflow): its exit code, its SARIF file and what it found."""

    name: str
    exit_code: int
    sarif: Path | None = None
    result: ScanResult | None = None

    def status(self, fail_on: str) -> str:
        if self.exit_code == 0:
            return "passed"
        if self.name == "workflow":
            return {1: "a task failed", 2: "bad workflow file or option"}.get(
                self.exit_code, f"exit {self.exit_code}"
            )
        if self.exit_code == 1:
            return (
                "findings (not failing)" if fail_on == "none" else f"findings at or above {fail_on}"
            )
        if self.exit_code == 2:
            return "failed: incomplete, not reported as clean"
        return f"exit {self.exit_code}"


def run(argv: list[str], workspace: Path, env: Mapping[str, str]) -> int:
    """One command, its output in a collapsed group of the job log."""
    sys.stdout.write(f"::group::{command_data('scriptrunner ' + shlex.join(argv[3:]))}\n")
    sys.stdout.flush()
    try:
        return subprocess.run(argv, cwd=workspace, env=dict(env), check=False).returncode
    finally:
        sys.stdout.write("::endgroup::\n")
        sys.stdout.flush()


def run_scan(kind: str, inputs: Inputs, workspace: Path, env: Mapping[str, str]) -> Outcome:
    sarif = inputs.sarif_dir / f"{kind}.sarif"
    sarif.unlink(missing_ok=True)
    if kind == "deps" and not deps_files(inputs, workspace):
        sys.stderr.write("scriptrunner: deps: no dependency file found: set `requirements`\n")
        return Outcome(kind, 2)
    code = run(scan_command(kind, inputs, workspace, sarif), workspace, env)
    if not sarif.is_file():
        return Outcome(kind, code if code else 2)
    return Outcome(kind, code, sarif, from_sarif(json.loads(sarif.read_text(encoding="utf-8"))))


def exit_status(outcomes: list[Outcome], fail_on: str) -> int:
    """The worst scan code (2 over 1 over 0; 1 ignored with ``fail-on: none``), else the
    workflow's."""
    codes = [o.exit_code for o in outcomes if o.name != "workflow"]
    codes = [c for c in codes if not (c == 1 and fail_on == "none")]
    worst = 2 if 2 in codes else max(codes, default=0)
    flow = [o.exit_code for o in outcomes if o.name == "workflow"]
    return worst or next(iter(flow), 0)


def outputs(
    outcomes: list[Outcome], inputs: Inputs, workspace: Path, status: int
) -> dict[str, str]:
    """The step outputs (``action.yml`` lists them)."""
    results = [o.result for o in outcomes if o.result is not None]
    findings = [f for r in results for f in r.findings]
    values = {
        "findings": str(len(findings)),
        **{s.name.lower(): str(sum(f.severity == s for f in findings)) for s in Severity},
        "suppressed": str(sum(len(r.suppressed) for r in results)),
        "working-directory": str(workspace),
        "sarif-dir": str(inputs.sarif_dir),
        "sarif-files": json.dumps([str(o.sarif) for o in outcomes if o.sarif]),
        "exit-code": str(status),
    }
    for o in outcomes:
        if o.name == "workflow":
            values["workflow-exit-code"] = str(o.exit_code)
            continue
        values[f"findings-{o.name}"] = str(len(o.result.findings)) if o.result else ""
        values[f"sarif-{o.name}"] = str(o.sarif or "")
    return values


def summary(outcomes: list[Outcome], inputs: Inputs, status: int) -> str:
    """The job summary: the overview table, then each scan's section."""
    rows = [OverviewRow(o.name, o.result, o.status(inputs.fail_on)) for o in outcomes]
    verdict = "passed" if status == 0 else f"failed (exit {status})"
    text = render_overview(rows, title=f"scriptrunner: {verdict}")
    if inputs.fail_on != "none":
        text += f"Fails at `{inputs.fail_on}` and above.\n\n"
    for o in outcomes:
        if o.result is not None:
            text += render_markdown(o.result, title=o.name, level=3) + "\n"
    return text


def write_outputs(path: str, values: Mapping[str, str]) -> None:
    """``name<<DELIMITER`` blocks (a value can never end its block early)."""
    with open(path, "a", encoding="utf-8") as out:
        for name, value in values.items():
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
            out.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def main(env: Mapping[str, str] = os.environ) -> int:
    try:
        inputs = Inputs.from_env(env)
    except InputError as exc:
        sys.stdout.write(f"::error title=scriptrunner action::{command_data(str(exc))}\n")
        return 2
    workspace = (Path(env.get("GITHUB_WORKSPACE") or ".") / inputs.working_directory).resolve()
    if not workspace.is_dir():
        sys.stdout.write(f"::error title=scriptrunner action::working-directory: no {workspace}\n")
        return 2
    child = dict(env)
    child.setdefault(
        "SCRIPTRUNNER_HOME", str(Path(env.get("RUNNER_TEMP") or ".") / "scriptrunner-home")
    )
    if not inputs.sarif_dir.is_absolute():
        inputs = dataclasses.replace(inputs, sarif_dir=workspace / inputs.sarif_dir)
    inputs.sarif_dir.mkdir(parents=True, exist_ok=True)
    outcomes = [run_scan(kind, inputs, workspace, child) for kind in inputs.scans]
    if inputs.workflow:
        argv = [sys.executable, "-m", "scriptrunner", "workflow", "run", inputs.workflow]
        argv += inputs.extra.get("workflow", ())
        outcomes.append(Outcome("workflow", run(argv, workspace, child)))
    status = exit_status(outcomes, inputs.fail_on)
    if env.get("GITHUB_OUTPUT"):
        write_outputs(env["GITHUB_OUTPUT"], outputs(outcomes, inputs, workspace, status))
    if inputs.summary and env.get("GITHUB_STEP_SUMMARY"):
        with open(env["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as out:
            out.write(summary(outcomes, inputs, status))
    for o in outcomes:
        sys.stdout.write(f"scriptrunner: {o.name}: {o.status(inputs.fail_on)}\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
