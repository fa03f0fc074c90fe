"""The worker side of the Dask executor: claim an attempt, run it, watch it, return it.

:func:`run_remote` is the Dask task of one attempt (``workflows.dask_protocol``).  It
claims the attempt and starts nothing until the submitter accepts the claim (through
:func:`answer`, this worker's ``scriptrunner_attempt`` handler), then runs it with the
runner core (``core.attempt.run_attempt``: timeout, monitoring, the process tree, the
watchdog that kills the tree if this worker process dies, however it dies), in this
worker's own environment under what the run sets, with an outputs file of its own in this
worker's temporary directory.  Output is published live in bounded chunks; the outputs file's bytes
(bounded) go back with the result, as a ``done`` message when it is small.

A per-process watcher ends an attempt (SIGTERM, SIGKILL after the kill grace) that nobody
waits for any more, its task released by the scheduler (the submitter gave it up or left),
or whose worker has lost its scheduler for longer than the job's deadline: no process runs
on unrecorded.  :func:`signal_attempt` forwards a cancel's signal (Ctrl-C stays SIGINT).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import tempfile
import threading
import time
from typing import Any, BinaryIO, cast

from scriptrunner.core.attempt import run_attempt
from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.output import TailBuffer
from scriptrunner.errors import RunnerError
from scriptrunner.results import Placement
from scriptrunner.workflows.dask_output import Publisher
from scriptrunner.workflows.dask_protocol import (
    CLAIM,
    DONE,
    HANDLER,
    SPAWNED,
    RemoteJob,
    RemoteReply,
    encode_reply,
    small,
)

#: How often a waiting claim and the watcher look at the worker's state.
_LOOK_SECONDS = 0.05
_WATCH_SECONDS = 0.25
#: Worker-side states of a task whose result nobody wants any more.
_RELEASED = ("cancelled", "released", "forgotten")

_lock = threading.Lock()
_claims: dict[str, _Claim] = {}
_watcher_pid = 0


class _Claim:
    """One attempt on this worker, from its claim to its end."""

    def __init__(self, job: RemoteJob, worker: Any, key: object) -> None:
        self.job = job
        self.worker = worker
        self.key = key
        self.answered = threading.Event()
        self.accepted = False
        self.token = CancelToken()
        self.running = False
        self.disconnected_since: float | None = None


def answer(attempt_id: str, sig: int | None = None, accept: bool = True) -> bool:
    """The worker's ``scriptrunner_attempt`` handler (on its event loop): the submitter
    accepts or refuses the claim of ``attempt_id``, or (``sig``) cancels it with that
    signal."""
    if sig is not None:
        return signal_attempt(attempt_id, sig)
    claim = _claims.get(attempt_id)
    if claim is None:
        return False
    claim.accepted = accept
    claim.answered.set()
    return True


def signal_attempt(attempt_id: str, sig: int) -> bool:
    """Cancel ``attempt_id`` with ``sig``: a running attempt's tree gets it (then SIGKILL
    after the grace); one still waiting for its answer never starts."""
    claim = _claims.get(attempt_id)
    if claim is None:
        return False
    claim.answered.set()
    # Off the worker's event loop: signalling a tree may walk /proc.
    threading.Thread(target=claim.token.cancel, args=(sig,), daemon=True).start()
    return True


def run_remote(job: RemoteJob) -> RemoteReply:
    """The Dask task of one attempt (see the module docstring)."""
    from dask.context import thread_state  # the key of the task this thread runs
    from distributed import get_worker

    worker = get_worker()
    if worker.handlers.get(HANDLER) is not answer:  # the submitter calls it directly
        worker.handlers[HANDLER] = answer
    claim = _Claim(job, worker, getattr(thread_state, "key", None))
    with _lock:
        _claims[job.attempt_id] = claim
    _start_watcher()
    try:
        host = os.uname().nodename
        message = {"op": CLAIM, "id": job.attempt_id, "worker": worker.address, "host": host}
        worker.log_event(job.topic, message)
        refused = _wait_for_answer(claim)
        if refused is not None:
            return RemoteReply(job.attempt_id, refused=refused)
        return _run(claim, host)
    finally:
        with _lock:
            _claims.pop(job.attempt_id, None)


def _wait_for_answer(claim: _Claim) -> str | None:
    """None once the submitter accepted the claim; else why it will not start."""
    deadline = time.monotonic() + claim.job.deadline
    while not claim.answered.wait(_LOOK_SECONDS):
        if not _wanted(claim):
            return "the submitter no longer waits for this attempt"
        if time.monotonic() > deadline:
            return f"no answer from the submitter within {claim.job.deadline:g} s"
    if claim.token.cancelled:
        return "cancelled before it started"
    return None if claim.accepted else "refused by the submitter"


def _run(claim: _Claim, host: str) -> RemoteReply:
    job, worker = claim.job, claim.worker
    tmp = tempfile.mkdtemp(prefix="scriptrunner-outputs-")
    out, err = Publisher(worker, job, 1), Publisher(worker, job, 2)
    pids: list[int] = []

    def spawned(pid: int) -> None:
        pids.append(pid)
        worker.log_event(job.topic, {"op": SPAWNED, "id": job.attempt_id, "pid": pid})

    try:
        outputs_path = os.path.join(tmp, "outputs")
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")  # live output from Python children
        env.update(job.env)
        env["SCRIPTRUNNER_OUTPUT"] = outputs_path
        options = dataclasses.replace(
            job.options,
            echo_stdout=cast(BinaryIO, out),
            echo_stderr=cast(BinaryIO, err),
            output_filter=None,
            env_hook=None,
        )
        claim.running = True
        try:
            job.spec.check_executable(env, job.cwd)
            attempt = run_attempt(
                options,
                job.spec,
                job.n,
                job.cwd,
                env,
                claim.token,
                TailBuffer(0),
                TailBuffer(0),
                job.delay,
                _nothing,
                on_spawn=spawned,
            )
        except RunnerError as exc:
            return RemoteReply(job.attempt_id, error=str(exc))
        finally:
            claim.running = False
            out.close()
            err.close()
        outputs, size = _read_outputs(outputs_path, job.outputs_limit)
        placement = Placement(job.attempt_id, host, pids[0] if pids else None, worker.address)
        reply = RemoteReply(
            job.attempt_id,
            attempt=dataclasses.replace(attempt, placement=placement),
            outputs=outputs,
            outputs_size=size,
            sent=(out.sent, err.sent),
        )
        if not small(reply):
            return reply
        # After the output's last chunks on the same stream: the submitter has it all.
        message = {"op": DONE, "id": job.attempt_id, "reply": encode_reply(reply)}
        worker.log_event(job.topic, message)
        return RemoteReply(job.attempt_id, published=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_outputs(path: str, limit: int) -> tuple[bytes | None, int]:
    """The outputs file's bytes and size: (None, 0) without a file, (None, size) when it
    is larger than ``limit`` (the submitter reports that as it does for a local task)."""
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        return None, 0
    if size > limit:
        return None, size
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    return (data, len(data)) if len(data) <= limit else (None, len(data))


def _nothing() -> None:
    return None


def _start_watcher() -> None:
    global _watcher_pid
    with _lock:
        if _watcher_pid == os.getpid():
            return
        _watcher_pid = os.getpid()
    threading.Thread(target=_watch, name="scriptrunner-dask-watch", daemon=True).start()


def _watch() -> None:
    """Forever, in the background of a worker process: end the attempts nobody may wait
    for any more (see the module docstring)."""
    while True:
        time.sleep(_WATCH_SECONDS)
        with _lock:
            running = [c for c in _claims.values() if c.running and not c.token.cancelled]
        now = time.monotonic()
        for claim in running:
            if not _wanted(claim):
                claim.token.cancel(signal.SIGTERM)
            elif _connected(claim.worker):
                claim.disconnected_since = None
            elif claim.disconnected_since is None:
                claim.disconnected_since = now
            elif now - claim.disconnected_since > claim.job.deadline:
                claim.token.cancel(signal.SIGTERM)


def _wanted(claim: _Claim) -> bool:
    """Whether the scheduler still wants this attempt's task (not released or cancelled)."""
    try:
        task = claim.worker.state.tasks.get(claim.key)
    except Exception:  # another version of distributed: assume it is
        return True
    return task is not None and task.state not in _RELEASED


def _connected(worker: Any) -> bool:
    """Whether this worker's stream to its scheduler is open."""
    stream = getattr(worker, "batched_stream", None)
    comm = getattr(stream, "comm", None)
    return comm is not None and not comm.closed()
