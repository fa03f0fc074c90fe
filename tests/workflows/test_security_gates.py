"""Per-workflow and per-task ``security``: script tasks scanned (real Bandit and Semgrep)
before they start, blocked on serious findings, recorded with their scan."""

from __future__ import annotations

import sqlite3
import stat
import sys
import textwrap
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from scriptrunner import events as ev
from scriptrunner.errors import WorkflowError
from scriptrunner.events import RUN_BLOCKED
from scriptrunner.findings.model import Severity
from scriptrunner.gates import GateContext, GatePolicy
from scriptrunner.settings import load_settings
from scriptrunner.store import open_store
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.engine import EngineOptions, WorkflowEngine
from scriptrunner.workflows.loader import load_workflow, parse_workflow
from scriptrunner.workflows.results import TaskResult, WorkflowResult

# Each script leaves a marker next to itself when it runs: a blocked one must leave none.
MARK = 'from pathlib import Path\n\nPath(__file__).with_suffix(".ran").write_text("ran")\n'
# HIGH and above: a shell command from a variable (Bandit B602, Semgrep shell-injection).
RISKY = MARK + (
    "import subprocess\nimport sys\n\n"
    'cmd = sys.argv[1] if len(sys.argv) > 1 else "true"\n'
    "subprocess.call(cmd, shell=True)\n"
)

WORKFLOW = """\
name: gated
security: {scan: code}
tasks:
  risky: {script: risky.py}
  after_risky: {script: clean.py, needs: risky, args: [again]}
  clean: {script: clean.py}
  waived: {script: waived.py, security: false}
  tolerant: {script: tolerant.py, continue_on_error: true}
  command: {run: python -c "print('no file to scan')"}
"""


@dataclass
class GatedRun:
    dir: Path
    result: WorkflowResult
    events: list[ev.Event]
    db: Path


@pytest.fixture(scope="module")
def gated(
    tmp_path_factory: pytest.TempPathFactory,
    semgrep_exe: Path,
    scan_cache: Path,
) -> GatedRun:
    """One workflow run: a risky script, its dependent, a clean one, a waived one."""
    base = tmp_path_factory.mktemp("gated")
    (base / "wf.yaml").write_text(WORKFLOW)
    for name, text in {
        "risky.py": RISKY,
        "clean.py": MARK,
        "waived.py": RISKY,
        "tolerant.py": RISKY,
    }.items():
        (base / name).write_text(text)
    settings = load_settings(overrides={"home": str(base / "home")})
    events: list[ev.Event] = []
    lock = threading.Lock()

    def keep(event: ev.Event) -> None:
        with lock:
            events.append(event)

    bus = ev.EventBus()
    bus.subscribe(keep)
    store = open_store(settings)
    try:
        context = GateContext(cache_dir=scan_cache, semgrep=str(semgrep_exe))
        engine = WorkflowEngine(store, bus, EngineOptions(max_parallel=3, gate_context=context))
        result = engine.run(expand(load_workflow(base / "wf.yaml")))
    finally:
        store.close()
    return GatedRun(base, result, events, base / "home" / "history.db")


def test_a_blocked_script_never_starts_and_its_dependents_are_skipped(gated: GatedRun) -> None:
    tasks = gated.result.tasks
    assert {i: t.state for i, t in tasks.items()} == {
        "risky": "blocked",
        "after_risky": "skipped",
        "clean": "succeeded",
        "waived": "succeeded",
        "tolerant": "blocked",
        "command": "succeeded",
    }
    assert not (gated.dir / "risky.ran").exists() and tasks["risky"].run is None
    assert (gated.dir / "clean.ran").exists() and (gated.dir / "waived.ran").exists()
    assert tasks["risky"].reason is not None
    assert "risky.py:8: shell-injection (CRITICAL)" in tasks["risky"].reason
    # continue_on_error does not turn a security block into a success
    assert tasks["tolerant"].result == "failure"
    assert gated.result.status == "failed"


def test_task_finished_event_says_blocked_and_why(gated: GatedRun) -> None:
    finished = {e.payload["task"]: e.payload for e in gated.events if e.type == ev.TASK_FINISHED}
    assert finished["risky"]["state"] == "blocked"
    assert finished["risky"]["result"] == "failure"
    assert "blocked by a security gate" in finished["risky"]["reason"]
    assert any(e.type == RUN_BLOCKED and e.payload["task"] == "risky" for e in gated.events)


def test_blocked_task_row_and_its_findings_are_in_history(gated: GatedRun) -> None:
    with sqlite3.connect(gated.db) as conn:
        rows = dict(
            conn.execute(
                "SELECT task_name, id FROM runs WHERE workflow_run_id = ?", (gated.result.run_id,)
            ).fetchall()
        )
        status, code, error = conn.execute(
            "SELECT status, exit_code, error FROM runs WHERE id = ?", (rows["risky"],)
        ).fetchone()
        scans = dict(conn.execute("SELECT run_id, status FROM scans WHERE kind = 'gate'"))
        findings = conn.execute(
            "SELECT f.rule_id, f.severity FROM findings f JOIN scans s ON s.id = f.scan_id "
            "WHERE s.run_id = ?",
            (rows["risky"],),
        ).fetchall()
    assert (status, code) == ("blocked", 3) and "security gate" in error
    assert ("shell-injection", "CRITICAL") in findings
    # Every scanned task's scan is linked to its run; unscanned tasks have none.
    assert scans[rows["risky"]] == "findings" and rows["clean"] in scans
    assert rows["waived"] not in scans and rows["command"] not in scans


def test_a_scanner_that_cannot_run_fails_the_task_closed(tmp_path: Path) -> None:
    (tmp_path / "job.py").write_text(MARK)
    broken = tmp_path / "semgrep"
    broken.write_text(
        f"#!{sys.executable}\nimport sys\nif '--version' in sys.argv: print('1.0.0')\n"
        "else: print('garbage')\n"
    )
    broken.chmod(broken.stat().st_mode | stat.S_IEXEC)
    spec = parse_workflow(
        "tasks:\n  job: {script: job.py, security: {scan: [code]}}\n",
        source="wf.yaml",
        base_dir=tmp_path,
    )
    context = GateContext(cache_dir=None, semgrep=str(broken))
    result = WorkflowEngine(options=EngineOptions(gate_context=context)).run(expand(spec))
    job: TaskResult = result.tasks["job"]
    assert job.state == "error" and job.reason is not None
    assert "did not complete" in job.reason and not (tmp_path / "job.ran").exists()


# -- loading -------------------------------------------------------------------------------


def load(text: str) -> dict[str, GatePolicy | None]:
    spec = parse_workflow(textwrap.dedent(text), source="wf.yaml", base_dir=Path("."))
    return {name: task.security for name, task in spec.tasks.items()}


def test_workflow_default_applies_to_script_tasks_only_and_tasks_override_it() -> None:
    code = GatePolicy(("code",), Severity.CRITICAL)
    assert load(
        """\
        security: {scan: code, block_on: critical}
        tasks:
          a: {script: a.py}
          b: {run: x}
          c: {script: c.py, security: false}
          d: {script: d.py, security: {scan: []}}
          e: {script: e.py, security: {block_on: warning}}
        """
    ) == {
        "a": code,
        "b": None,
        "c": None,
        "d": None,
        "e": GatePolicy(("code",), Severity.WARNING),
    }
    assert load("tasks:\n  a: {script: a.py, security: {scan: 'code'}}\n") == {
        "a": GatePolicy(("code",), Severity.HIGH)
    }


def test_fail_on_is_the_key_with_the_clis_scale_and_block_on_still_works() -> None:
    """``fail_on`` as on the command line (``--fail-on``), Bandit/Semgrep words accepted;
    ``block_on`` (the 7.0 name) means the same."""
    assert load(
        """\
        security: {scan: code, fail_on: medium}
        tasks:
          a: {script: a.py}
          b: {script: b.py, security: {fail_on: error}}
          c: {script: c.py, security: {block_on: critical}}
        """
    ) == {
        "a": GatePolicy(("code",), Severity.WARNING),
        "b": GatePolicy(("code",), Severity.HIGH),
        "c": GatePolicy(("code",), Severity.CRITICAL),
    }
    with pytest.raises(WorkflowError) as info:
        load("security: {scan: code, fail_on: high, block_on: high}\ntasks:\n  a: {script: a.py}\n")
    assert "security.block_on: block_on is the old name of fail_on; keep one" in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "tasks:\n  a:\n    run: x\n    security: {scan: code}\n",
            "wf.yaml:4: tasks.a.security: applies to script tasks: there is no Python file "
            "to scan in a run command",
        ),
        (
            "tasks:\n  a:\n    script: a.py\n    security:\n      scan: [code, licence]\n",
            "wf.yaml:5: tasks.a.security.scan[1]: unknown scan kind 'licence' "
            "(valid: code, deps, secrets)",
        ),
        (
            "security: {scan: 'code,cod'}\ntasks:\n  a: {script: a.py}\n",
            "wf.yaml:1: security.scan: unknown scan kind 'cod' (did you mean 'code'? valid: code, "
            "deps, secrets)",
        ),
        (
            "security:\n  scan: code\n  block_on: severe\ntasks:\n  a: {script: a.py}\n",
            "wf.yaml:3: security.block_on: expected one of info, warning, high, critical, "
            "got 'severe'",
        ),
        (
            "security: {block_on: high}\ntasks:\n  a: {script: a.py}\n",
            "wf.yaml:1: security: missing required key 'scan'",
        ),
        (
            "tasks:\n  a:\n    script: a.py\n    security: {block_on: high}\n",
            "wf.yaml:4: tasks.a.security: missing key 'scan': the workflow has no top-level "
            "security",
        ),
        (
            "tasks:\n  a:\n    script: a.py\n    security: true\n",
            "wf.yaml:4: tasks.a.security: expected false or a mapping",
        ),
        (
            "tasks:\n  a:\n    script: a.py\n    security: {scan: code, level: high}\n",
            "wf.yaml:4: tasks.a.security: unknown key 'level'",
        ),
    ],
    ids=[
        "on a run task",
        "unknown kind",
        "typo in a kind",
        "unknown level",
        "default without scan",
        "task without scan or default",
        "true",
        "unknown key",
    ],
)
def test_security_errors_name_file_line_and_field(text: str, message: str) -> None:
    with pytest.raises(WorkflowError) as info:
        parse_workflow(text, source="wf.yaml", base_dir=Path("."))
    assert message in str(info.value)
