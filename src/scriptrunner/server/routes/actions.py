"""Operator actions: start a script or a workflow, cancel a run, resume a workflow run.

Mounted by ``server.app`` behind the operator check (``operator_router``).  Each answers 202
with the run's id at once: the work runs in a child process of the CLI (``server.launcher``)
and shows up in the read routes and the event stream like any other run.  A refused action
answers 400 (not a file under a ``--scripts-dir``/``--workflows-dir``, bad args or tags),
404 (no such run) or 409 (not running, already succeeded, on another host), with one
sentence in ``detail``.
"""

from __future__ import annotations

from typing import Any, NoReturn

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from scriptrunner.server.confine import LaunchError
from scriptrunner.server.context import context_of
from scriptrunner.server.launcher import Launcher
from scriptrunner.server.run_rows import find_run

operator_router = APIRouter()


class StartRun(BaseModel):
    """``POST /runs``: a script under a ``--scripts-dir`` (relative path), its arguments
    (each passed as one argument, never through a shell) and tags."""

    model_config = ConfigDict(extra="forbid")
    script: str = Field(max_length=4096)
    args: list[str] = Field(default_factory=list, max_length=1000)
    tags: dict[str, str] = Field(default_factory=dict)


class StartWorkflow(BaseModel):
    """``POST /workflows``: a workflow file under a ``--workflows-dir`` (relative path).
    Workflow files take no inputs: ``inputs`` must be empty when given."""

    model_config = ConfigDict(extra="forbid")
    file: str = Field(max_length=4096)
    inputs: dict[str, Any] = Field(default_factory=dict)


def _launcher(request: Request) -> Launcher:
    launcher = context_of(request).services.get("launcher")
    if not isinstance(launcher, Launcher):
        raise HTTPException(503, detail="this server does not start work (no launcher running)")
    return launcher


def _refused(exc: LaunchError) -> NoReturn:
    raise HTTPException(exc.status, detail=str(exc)) from None


@operator_router.post("/runs", status_code=202)
def start_run(body: StartRun, request: Request) -> dict[str, str]:
    try:
        run_id = _launcher(request).start_script(body.script, body.args, body.tags)
    except LaunchError as exc:
        _refused(exc)
    return {"run_id": run_id, "status": "running"}


@operator_router.post("/runs/{run_id}/cancel", status_code=202)
def cancel_run(run_id: str, request: Request) -> dict[str, Any]:
    try:
        full = _launcher(request).cancel(run_id)
    except LaunchError as exc:
        _refused(exc)
    return {"run_id": full, "cancelled": True}


@operator_router.post("/workflows", status_code=202)
def start_workflow(body: StartWorkflow, request: Request) -> dict[str, str]:
    try:
        run_id = _launcher(request).start_workflow(body.file, body.inputs)
    except LaunchError as exc:
        _refused(exc)
    return {"run_id": run_id, "status": "running"}


@operator_router.post("/workflows/{run_id}/cancel", status_code=202)
def cancel_workflow(run_id: str, request: Request) -> dict[str, Any]:
    try:
        full = _launcher(request).cancel(run_id, kind="workflow")
    except LaunchError as exc:
        _refused(exc)
    return {"run_id": full, "cancelled": True}


@operator_router.post("/workflows/{run_id}/resume", status_code=202)
def resume_workflow(run_id: str, request: Request) -> dict[str, str]:
    launcher = _launcher(request)
    try:
        old = str(find_run(context_of(request).reader, run_id, kind="workflow")["id"])
        new = launcher.resume(old)
    except LaunchError as exc:
        _refused(exc)
    return {"run_id": new, "resumed_from": old}
