"""The delayed story's parts that an outage test cannot cheaply reach: a workflow with
secrets keeps a task's command line out of it unless the journal has the stored (masked)
row; costs and ends come from the journal's records as the store will get them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scriptrunner.app.story_delayed import delayed_workflow_story
from scriptrunner.results import AttemptResult, Metrics, RunResult
from scriptrunner.store import ops, rows
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.loader import parse_workflow
from scriptrunner.workflows.results import TaskResult, WorkflowResult

FLOW = """\
name: delayed
secrets:
  TOKEN: vault://secret/app#token
tasks:
  early:
    run: deploy "${{ secrets.TOKEN }}"
  late:
    needs: early
    run: deploy "${{ secrets.TOKEN }}"
"""
WID = "a" * 32


def run(run_id: str, name: str, t0: float) -> RunResult:
    attempt = AttemptResult(1, "succeeded", 0, t0, t0 + 1, Metrics(wall_seconds=1.0))
    return RunResult(
        run_id=run_id,
        command=("deploy", "s3cr3t-value"),  # not secret-looking: only a masker knows
        script=None,
        cwd="/w",
        status="succeeded",
        exit_code=0,
        started_at=t0,
        finished_at=t0 + 1,
        attempts=(attempt,),
        metrics=Metrics(wall_seconds=1.0),
        workflow_run_id=WID,
        task_name=name,
    )


def test_command_only_from_the_journal_and_costs_from_its_records(tmp_path: Path) -> None:
    plan = expand(parse_workflow(FLOW, base_dir=tmp_path))
    early, late = run("b" * 32, "early", 100.0), run("c" * 32, "late", 102.0)
    result = WorkflowResult(
        WID,
        "delayed",
        {"early": TaskResult("early", "early", "succeeded", early),
         "late": TaskResult("late", "late", "succeeded", late)},
        started_at=99.0,
        finished_at=104.0,
    )  # fmt: skip
    # The journal holds late's rows, masked as the store will get them, and its cost.
    start = rows.run_start_row(
        run_id=late.run_id, kind="task", script=None, command=["deploy", "***"],
        cwd="/w", tags={}, started_at=102.0, workflow_run_id=WID, task_name="late",
    )  # fmt: skip
    records: list[dict[str, Any]] = [
        ops.op_record((ops.START, start, [])),
        ops.op_record((ops.FINISH, late.run_id, rows.run_finish_values(late), [], [], [])),
        ops.op_record((ops.COST, late.run_id, 0.25, [])),
    ]
    story = delayed_workflow_story(plan, result, "/j/x.jnl", records)
    assert (story["history"], story["journal"]) == ("delayed", "/j/x.jnl")
    assert list(story["tasks"]) == ["early", "late"]  # in the order they started
    first, second = story["tasks"]["early"], story["tasks"]["late"]
    assert first["command"] is None  # only the store has it masked
    assert second["command"] == ["deploy", "***"]
    assert "s3cr3t-value" not in repr(story)
    assert (first["cloud_cost_usd"], second["cloud_cost_usd"]) == (None, 0.25)
    assert story["cloud_cost_usd"] == 0.25  # the tasks' sum, of what is known
    assert [a["ended"] for a in first["attempts"]] == ["succeeded"]
    assert second["attempts"] == []  # the journal's end had none: the store will have none
    assert story["outputs"] == {"counts": {"succeeded": 2}}
