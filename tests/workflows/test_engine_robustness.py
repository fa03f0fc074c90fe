"""Any exception inside the engine ends one task as ``error`` (issue #15 defect 9): the
workflow finishes, ``always()`` tasks run and no row is left ``running``."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from scriptrunner.core.session import RunSession
from scriptrunner.settings import load_settings
from scriptrunner.store import open_reader, open_store
from scriptrunner.workflows import scheduler as scheduler_module
from scriptrunner.workflows import task_exec
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.engine import WorkflowEngine
from scriptrunner.workflows.loader import workflow_from_dict
from scriptrunner.workflows.results import WorkflowResult

TASKS = {
    "boom": {"run": "true"},
    "after": {"needs": "boom", "run": "true"},
    "always": {"needs": "boom", "if": "always()", "run": "true"},
}


def run(tmp_path: Path) -> tuple[WorkflowResult, list[dict[str, Any]]]:
    settings = load_settings(environ={"SCRIPTRUNNER_HOME": str(tmp_path / "home")})
    store = open_store(settings)
    try:
        spec = workflow_from_dict({"tasks": TASKS}, base_dir=tmp_path)
        result = WorkflowEngine(store=store).run(expand(spec))
    finally:
        store.close()
    reader = open_reader(settings)
    try:
        rows = list(reader.list_runs(limit=0))
    finally:
        reader.close()
    return result, rows


def broken(real: Any) -> Any:
    def build(inst: Any, *args: Any, **kwargs: Any) -> Any:
        if inst.id == "boom":
            raise RuntimeError("spec builder bug")
        return real(inst, *args, **kwargs)

    return build


def test_an_unexpected_error_building_a_task_ends_only_that_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduler_module, "build_run_spec", broken(scheduler_module.build_run_spec))
    result, rows = run(tmp_path)
    states = {i: t.state for i, t in result.tasks.items()}
    assert states == {"boom": "error", "after": "skipped", "always": "succeeded"}
    assert "internal error: RuntimeError('spec builder bug')" in (result.tasks["boom"].reason or "")
    assert result.status == "failed"
    assert all(r["status"] != "running" for r in rows), rows


def test_an_unexpected_error_in_the_runner_ends_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The last step of a run (``RunSession.finish``) is the one both drivers of a task's run
    # share: ``Runner.run`` (pooled tasks) and the scheduler's loop (local tasks).
    real = RunSession.finish

    def finish_then_crash(self: Any) -> Any:
        result = real(self)
        if self.spec.task_name == "boom":  # its row was written, then something broke
            raise RuntimeError("runner bug")
        return result

    monkeypatch.setattr(RunSession, "finish", finish_then_crash)
    result, rows = run(tmp_path)
    assert result.tasks["boom"].state == "error"
    assert result.tasks["always"].state == "succeeded"
    assert all(r["status"] != "running" for r in rows), [
        (r["task_name"], r["status"]) for r in rows
    ]


def test_an_unexpected_error_reading_outputs_ends_the_task_and_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []

    def read_outputs(path: Path) -> dict[str, str]:
        calls.append(path)
        if len(calls) == 1:  # boom's, the first task to finish
            raise RuntimeError("outputs bug")
        return {}

    monkeypatch.setattr(task_exec, "read_outputs", read_outputs)
    result, rows = run(tmp_path)
    boom = result.tasks["boom"]
    assert boom.state == "error" and "outputs bug" in (boom.reason or ""), boom
    assert result.tasks["always"].state == "succeeded"
    assert all(r["status"] != "running" for r in rows), [
        (r["task_name"], r["status"]) for r in rows
    ]


def test_no_outputs_directory_ends_every_task_and_the_workflow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def runner_tempdir(prefix: str = "") -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scheduler_module, "runner_tempdir", runner_tempdir)
    result, rows = run(tmp_path)
    assert {t.state for t in result.tasks.values()} == {"error"}
    assert "No space left on device" in (result.tasks["boom"].reason or "")
    assert result.status == "failed"
    assert all(r["status"] != "running" for r in rows), [
        (r["task_name"], r["status"]) for r in rows
    ]
    assert any(r["kind"] == "workflow" and r["status"] == "failed" for r in rows), rows


def test_a_store_failure_while_handling_a_crash_still_finishes_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(self: Any) -> Any:
        raise RuntimeError("runner bug")

    real_record = scheduler_module.WorkflowRun._record_unstarted

    def record(self: Any, iid: str, result: Any) -> None:
        if iid == "boom":
            raise RuntimeError("store bug")
        real_record(self, iid, result)

    monkeypatch.setattr(RunSession, "start", crash)  # the first step of every task's run
    monkeypatch.setattr(scheduler_module.WorkflowRun, "_record_unstarted", record)
    outcome: list[WorkflowResult] = []
    worker = threading.Thread(target=lambda: outcome.append(run(tmp_path)[0]), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert outcome, "the engine hung after a failure while recording a crashed task"
    assert {t.state for t in outcome[0].tasks.values()} == {"error"}
    assert outcome[0].status == "failed"
