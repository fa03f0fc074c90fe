"""A history write that fails while a workflow runs ends the workflow at once: every
child is cancelled (none keeps running unrecorded) and the error is raised."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from scriptrunner.errors import StoreError
from scriptrunner.events import Event
from scriptrunner.store.sqlite import SqliteHistory
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.engine import WorkflowEngine
from scriptrunner.workflows.loader import workflow_from_dict


class FailingBatches(SqliteHistory):
    """Takes the workflow's own row, refuses every batch after it (a full disk)."""

    def write_batch(
        self,
        runs: Sequence[Mapping[str, Any]],
        updates: Sequence[tuple[str, Mapping[str, Any]]],
        attempts: Sequence[Mapping[str, Any]],
        samples: Sequence[Mapping[str, Any]],
        events: Sequence[Event],
    ) -> None:
        raise StoreError("cannot write history store: disk full")


def test_a_failing_writer_cancels_the_workflow_and_its_children(tmp_path: Path) -> None:
    store = FailingBatches(tmp_path / "h.db")
    plan = expand(
        workflow_from_dict(
            {"name": "w", "tasks": {"a": {"run": "sleep 30"}, "b": {"run": "sleep 30"}}},
            base_dir=tmp_path,
        )
    )
    start = time.monotonic()
    with pytest.raises(StoreError, match="disk full"):
        WorkflowEngine(store).run(plan)
    store.close()
    assert time.monotonic() - start < 15  # not the 30 s the children would have run


def test_the_environment_is_read_once_per_workflow_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tasks start from the environment as it was when the workflow started."""
    monkeypatch.setenv("SR_SNAPSHOT", "before")
    plan = expand(
        workflow_from_dict(
            {
                "name": "w",
                "tasks": {
                    "a": {"run": "true"},
                    "b": {"run": "sh -c 'test \"$SR_SNAPSHOT\" = before'", "needs": ["a"]},
                },
            },
            base_dir=tmp_path,
        )
    )
    engine = WorkflowEngine()
    # Changed while the workflow runs (after its first task's start is published).
    engine.bus.subscribe(
        lambda e: monkeypatch.setenv("SR_SNAPSHOT", "after") if e.type == "run.started" else None
    )
    assert engine.run(plan).ok
