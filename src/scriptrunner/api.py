"""The Python API: ``scriptrunner.run(...)`` and ``scriptrunner.run_workflow(...)``.

Both go through the application layer (:class:`~scriptrunner.app.RunSession`), the same
composition of store, bus and masking the CLI uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scriptrunner.app.requests import RunRequest
from scriptrunner.app.session import RunSession
from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.retry import RetryPolicy
from scriptrunner.core.runner import default_echo
from scriptrunner.core.spec import RunSpec
from scriptrunner.results import RunResult
from scriptrunner.settings import Settings, load_settings

if TYPE_CHECKING:
    from scriptrunner.workflows.model import WorkflowSpec
    from scriptrunner.workflows.results import WorkflowResult


def run(
    target: str | Path | Sequence[str],
    args: Sequence[str] = (),
    *,
    python: str | None = None,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    retry: RetryPolicy | None = None,
    tags: Mapping[str, str] | None = None,
    echo: bool = False,
    record: bool = True,
    settings: Settings | None = None,
    cancel: CancelToken | None = None,
) -> RunResult:
    """Run a Python script (``target`` is a path) or a command (``target`` is a list).

    The run is recorded in the history store unless ``record=False``; output is captured
    (and echoed live when ``echo=True``).  Returns a :class:`RunResult`; a non-zero exit is
    a result, not an exception.  Raises :class:`~scriptrunner.errors.RunnerError` when the
    script or command cannot be started and :class:`~scriptrunner.errors.StoreError` when
    the history store cannot be written.
    """
    common = {
        "env": dict(env or {}),
        "timeout": timeout,
        "retry": retry or RetryPolicy(),
        "tags": dict(tags or {}),
    }
    workdir = str(cwd) if cwd is not None else None
    if isinstance(target, (str, Path)):
        spec = RunSpec.for_script(str(target), args, python=python, cwd=workdir, **common)
    else:
        spec = RunSpec(command=(*target, *args), cwd=workdir, **common)  # type: ignore[arg-type]
    out, err = default_echo() if echo else (None, None)
    request = RunRequest(spec, echo_stdout=out, echo_stderr=err)
    with RunSession(settings or load_settings(), record=record, cancel=cancel) as session:
        return session.run(request).result


def run_workflow(
    workflow: str | Path | WorkflowSpec,
    *,
    max_parallel: int | None = None,
    fail_fast: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
    record: bool = True,
    settings: Settings | None = None,
    cancel: CancelToken | None = None,
    resume: str | None = None,
    rerun_all: bool = False,
    cluster_timeout: float | None = None,
    tls_ca_file: str | None = None,
    tls_cert: str | None = None,
    tls_key: str | None = None,
    forward_env: Sequence[str] = (),
    allow_plaintext_secrets: bool = False,
    local_always: bool = False,
) -> WorkflowResult:
    """Load (if given a path), expand and run a workflow; returns its typed result.

    Recorded in the history store unless ``record=False``.  A failing task is a result,
    not an exception; invalid files raise :class:`~scriptrunner.errors.WorkflowError`.
    The other options are ``workflow run``'s: ``resume`` (an earlier run's id or ``last``)
    and ``rerun_all``; for ``executor="dask"`` (docs/distributed.md) ``cluster_timeout``,
    the ``tls_*`` certificate files, ``forward_env`` (names of variables sent to the
    workers), ``allow_plaintext_secrets`` and ``local_always``.
    """
    from scriptrunner.app.workflow_request import WorkflowRequest
    from scriptrunner.workflows.dag import expand
    from scriptrunner.workflows.loader import load_workflow
    from scriptrunner.workflows.model import WorkflowSpec

    spec = workflow if isinstance(workflow, WorkflowSpec) else load_workflow(workflow)
    plan = expand(spec)
    request = WorkflowRequest(
        max_parallel=max_parallel,
        fail_fast=fail_fast,
        executor=executor,
        scheduler=scheduler,
        cluster_timeout=cluster_timeout,
        tls_ca_file=tls_ca_file,
        tls_cert=tls_cert,
        tls_key=tls_key,
        forward_env=tuple(forward_env),
        allow_plaintext_secrets=allow_plaintext_secrets,
        local_always=local_always,
        resume=resume,
        rerun_all=rerun_all,
    )
    with RunSession(settings or load_settings(), record=record, cancel=cancel) as session:
        return session.run_workflow(plan, request)
