"""Local workflow tasks on the loop (``core.loop_attempt``, ``core.loop_run``): a program
that cannot be started fails its task with the reason, a timeout ends the attempt's tree,
a cancel while an attempt runs ends it at once; the workflow itself completes."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.monitor import Monitor
from scriptrunner.settings import load_settings
from scriptrunner.store import open_store
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.engine import WorkflowEngine
from scriptrunner.workflows.loader import workflow_from_dict


def run(tmp_path: Path, tasks: dict[str, object], cancel: CancelToken | None = None) -> Any:
    plan = expand(workflow_from_dict({"name": "errs", "tasks": tasks}, base_dir=tmp_path))
    store = open_store(load_settings(overrides={"home": str(tmp_path / "home")}))
    try:
        return WorkflowEngine(store).run(plan, cancel=cancel)
    finally:
        store.close()


def test_a_program_not_found_fails_its_task_with_the_reason(tmp_path: Path) -> None:
    result = run(tmp_path, {"bad": {"run": "no-such-program-xyz"}, "ok": {"run": "true"}})
    bad = result.tasks["bad"]
    assert bad.state == "error" and bad.run is None
    assert "command not found: no-such-program-xyz" in (bad.reason or "")
    assert result.tasks["ok"].state == "succeeded"


def test_a_program_the_kernel_cannot_start_fails_its_task_with_the_reason(
    tmp_path: Path,
) -> None:
    prog = tmp_path / "broken"
    prog.write_text("#!/no/such/interpreter\n")
    prog.chmod(0o755)
    result = run(tmp_path, {"bad": {"run": str(prog)}})
    bad = result.tasks["bad"]
    assert bad.state == "error" and bad.run is not None
    assert (bad.run.status, bad.run.exit_code, bad.run.attempts) == ("error", 2, ())
    assert bad.run.error == f"cannot start {prog}: No such file or directory"
    assert bad.reason == bad.run.error


def test_a_timeout_ends_the_attempt(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run(tmp_path, {"slow": {"run": "sleep 5", "timeout": 0.3}})
    assert time.monotonic() - started < 4
    slow = result.tasks["slow"]
    assert slow.run is not None and slow.run.status == "timed_out"
    assert slow.state != "succeeded"


def test_a_cancel_while_an_attempt_runs_ends_it_at_once(tmp_path: Path) -> None:
    token = CancelToken()
    threading.Timer(0.3, token.cancel).start()
    started = time.monotonic()
    result = run(tmp_path, {"slow": {"run": "sleep 5"}}, token)
    assert time.monotonic() - started < 4
    slow = result.tasks["slow"]
    assert slow.state == "cancelled"
    assert slow.run is not None and slow.run.status == "cancelled"


def test_a_broken_sampler_does_not_stop_the_attempt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Monitor) -> float | None:
        raise OSError("sampler broke")

    monkeypatch.setattr(Monitor, "sample", broken)
    result = run(tmp_path, {"slow": {"run": "sh -c 'sleep 0.3; echo done'"}})
    slow = result.tasks["slow"]
    assert slow.state == "succeeded"
    assert slow.run is not None and slow.run.stdout.text == "done\n"
    assert slow.run.metrics.samples == ()
