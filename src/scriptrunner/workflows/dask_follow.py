"""Following one remote attempt to its end, on the task's thread (``workflows.dask_attempts``).

:class:`Follow` submits the attempt and waits in short slices, woken by the task's result,
a message, the cancel token or the cluster watch (``workflows.dask_watch``), and ends the
attempt as:

* the worker's result, on this machine's clock (started when its claim came in: queue time
  excluded), its outputs written to the file the run reads, like a local task's;
* ``cancelled`` without any process when cancelled while queued (its Dask task is
  cancelled and any later claim refused), else the cancel's signal is sent to the worker
  and the result awaited;
* ``timed_out`` when it queued longer than the task's ``timeout``;
* ``lost`` when its worker died after claiming it (Dask's scheduler may run the task again
  elsewhere: that copy's claim is refused);
* ``infrastructure`` when the cluster is gone or the attempt can no longer be followed.

Every end without the worker's result leaves its reason with ``RemoteAttempts.note``.
"""

from __future__ import annotations

import dataclasses
import signal
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.outcome import CLUSTER_FAILURE_EXIT_CODE
from scriptrunner.core.output import OutputStream
from scriptrunner.errors import RunnerError
from scriptrunner.results import TIMEOUT_EXIT_CODE, AttemptResult, Metrics, Placement, RunStatus
from scriptrunner.workflows.dask_pending import Pending
from scriptrunner.workflows.dask_protocol import KEY_PREFIX, RemoteJob, RemoteReply

#: The longest single wait of an attempt's thread between two looks at its state.
SLICE_SECONDS = 0.5
#: How long the last output chunks may trail the result.
OUTPUT_TRAIL_SECONDS = 1.0


class Table(Protocol):
    """What :class:`Follow` needs of ``dask_attempts.RemoteAttempts``: the executor, the
    attempts in flight, where reasons go, and how to signal a worker."""

    ex: Any
    pending: dict[str, Pending]

    def note(self, attempt_id: str, reason: str) -> None: ...

    async def answer(
        self, worker: str, attempt_id: str, sig: int | None = None, accept: bool = True
    ) -> None: ...


class Follow:
    """One attempt followed to its end (see the module docstring)."""

    def __init__(
        self,
        attempts: Table,
        job: RemoteJob,
        token: CancelToken,
        streams: tuple[OutputStream, OutputStream],
        env: Mapping[str, str],
    ) -> None:
        self.attempts, self.ex, self.job, self.token = attempts, attempts.ex, job, token
        self.streams = streams
        self.outputs_path = env.get("SCRIPTRUNNER_OUTPUT")
        self.pending = Pending(job)
        self.submitted_wall = time.time()
        self.submitted = time.monotonic()
        self.signalled_at: float | None = None

    def run(self, after_spawn: Callable[[], None]) -> AttemptResult:
        ex, pending, job = self.ex, self.pending, self.job
        if ex.watch.gone:
            return self.failed("infrastructure", ex.watch.reason)
        from scriptrunner.workflows.dask_worker import run_remote

        self.attempts.pending[job.attempt_id] = pending
        future = None
        remove = self.token.add_callback(lambda _sig: pending.wake.set())
        try:
            try:
                future = ex.client.submit(
                    run_remote, job, key=KEY_PREFIX + job.attempt_id, retries=0, pure=False
                )
            except Exception as exc:  # a client that is closing or closed
                return self.failed("infrastructure", f"cannot submit to Dask: {exc}")
            future.add_done_callback(lambda _f: pending.wake.set())
            announced = False
            while True:
                pending.wake.wait(SLICE_SECONDS)
                pending.wake.clear()
                self.drain()
                if pending.state == "claimed" and not announced:
                    announced = True
                    after_spawn()
                if pending.reply is not None:  # it came as a message: no need to fetch it
                    return self.finish(pending.reply)
                if future.done():
                    return self.result(future)
                ended = self.check()
                if ended is not None:
                    _cancel(future)
                    return ended
        finally:
            remove()
            self.attempts.pending.pop(job.attempt_id, None)
            if future is not None:
                future.release()

    def check(self) -> AttemptResult | None:
        """The attempt's end when something other than its result ended it, else None."""
        pending, ex, now = self.pending, self.ex, time.monotonic()
        if pending.lost:
            return self.failed("lost", self.died())
        if self.token.cancelled:
            if pending.close_if_queued():
                return self.cancelled()
            if self.signalled_at is None:
                self.signalled_at = now
                self.send_signal(self.token.signal or signal.SIGTERM)
            elif now - self.signalled_at > ex.worker_options.kill_grace + ex.timeout:
                why = f"worker {pending.worker} never answered the cancel"
                return self.failed("lost", why)
        timeout = self.job.spec.timeout
        if timeout is not None and now - self.submitted > timeout and pending.close_if_queued():
            why = f"no worker started it within its timeout ({timeout:g} s)"
            return self.failed("timed_out", why, TIMEOUT_EXIT_CODE)
        if ex.watch.gone:
            return self.failed("infrastructure", ex.watch.reason)
        if pending.state == "claimed" and ex.watch.has_left(pending.worker, pending.claimed_at):
            return self.failed("lost", self.died())
        return None

    def died(self) -> str:
        return f"its worker {self.pending.worker} died while it ran"

    def cancelled(self) -> AttemptResult:
        """Cancelled before any process started."""
        return self.failed("cancelled", None, 128 + (self.token.signal or signal.SIGTERM))

    def send_signal(self, sig: int) -> None:
        worker, client = str(self.pending.worker), self.ex.client
        try:
            client.sync(
                self.attempts.answer, worker, self.job.attempt_id, sig, callback_timeout=5.0
            )
        except Exception:  # the worker or the cluster is gone: the watch will say so
            pass

    def drain(self) -> None:
        """Output that arrived, through the run's streams (masked, kept, echoed)."""
        inbox, received = self.pending.inbox, self.pending.received
        while inbox:
            fd, data = inbox.popleft()
            received[fd - 1] += len(data)
            self.streams[fd - 1].on_data(data)

    def result(self, future: Any) -> AttemptResult:
        """The attempt's end from its finished Dask task."""
        status, pending = future.status, self.pending
        if status == "error":
            exc = future.exception()
            if type(exc).__name__ == "KilledWorker":  # Dask's own limit of worker deaths
                return self.failed("lost", self.died())
            raise RunnerError(f"the Dask worker failed to run {self.job.spec.command[0]}: {exc}")
        if pending.lost:
            return self.failed("lost", self.died())
        if status == "lost":
            return self.failed("lost", f"its result was lost with worker {pending.worker}")
        if status != "finished":  # cancelled under us: our client lost its scheduler
            return self.failed("infrastructure", "the Dask client lost its scheduler")
        try:
            reply: RemoteReply = future.result(timeout=self.ex.timeout)
        except Exception as exc:
            return self.failed("infrastructure", f"its result could not be fetched: {exc}")
        if reply.published:  # the ``done`` message is on its way (it came first)
            self.trailing_output((0, 0))
            if self.pending.reply is None:
                return self.failed("infrastructure", "its result message was lost")
            reply = self.pending.reply
        return self.finish(reply)

    def finish(self, reply: RemoteReply) -> AttemptResult:
        """The attempt's end from its worker's reply."""
        if reply.refused is not None:
            if self.token.cancelled:
                return self.cancelled()
            return self.failed("infrastructure", f"the worker did not start it: {reply.refused}")
        if reply.error is not None:
            raise RunnerError(reply.error)
        assert reply.attempt is not None
        self.trailing_output(reply.sent)
        self.write_outputs(reply)
        return self.rebased(reply.attempt)

    def trailing_output(self, sent: tuple[int, int]) -> None:
        """Wait (briefly) for output chunks, or the ``done`` message (``sent`` zero), still
        on their way."""
        deadline = time.monotonic() + OUTPUT_TRAIL_SECONDS
        pending, received = self.pending, self.pending.received

        def missing() -> bool:
            if sent == (0, 0):
                return pending.reply is None
            return received[0] < sent[0] or received[1] < sent[1]

        self.drain()
        while missing() and time.monotonic() < deadline:
            self.pending.wake.wait(0.05)
            self.pending.wake.clear()
            self.drain()

    def write_outputs(self, reply: RemoteReply) -> None:
        """The worker's outputs into the file the run reads, as a local task leaves it: an
        outputs file over the limit is left at its size, so reading it fails alike."""
        path = self.outputs_path
        if path is None:
            return
        if reply.outputs is not None:
            with open(path, "wb") as f:
                f.write(reply.outputs)
        elif reply.outputs_size:
            with open(path, "wb") as f:
                f.truncate(reply.outputs_size)  # sparse: no data, only the size

    def placement(self) -> Placement:
        pending = self.pending
        queued = pending.claimed_at - self.submitted if pending.claimed_at else None
        return Placement(self.job.attempt_id, pending.host, pending.pid, pending.worker, queued)

    def rebased(self, attempt: AttemptResult) -> AttemptResult:
        """The worker's result on this machine's clock: it started when its claim came in
        (queue time excluded), and lasted what the worker measured."""

        placement = self.placement()
        worker_placement = attempt.placement
        if worker_placement is not None:
            placement = dataclasses.replace(
                placement,
                host=worker_placement.host,
                pid=worker_placement.pid,
                worker=worker_placement.worker,
            )
        started = self.submitted_wall + (placement.queued_seconds or 0.0)
        wall = attempt.finished_at - attempt.started_at
        return dataclasses.replace(
            attempt, started_at=started, finished_at=started + wall, placement=placement
        )

    def failed(
        self, status: RunStatus, why: str | None, code: int = CLUSTER_FAILURE_EXIT_CODE
    ) -> AttemptResult:
        """An attempt that ended without its worker's result; ``why`` is kept for the
        task's reason (``RemoteAttempts.why``)."""
        if why:
            self.attempts.note(self.job.attempt_id, why)
        now = time.time()
        placement = self.placement()
        ran = placement.queued_seconds is not None  # claimed: it may have run
        started = self.submitted_wall + (placement.queued_seconds or 0.0) if ran else now
        started = min(started, now)
        return AttemptResult(
            attempt=self.job.n,
            status=status,
            exit_code=code,
            started_at=started,
            finished_at=now,
            metrics=Metrics(wall_seconds=now - started),
            delay_before=self.job.delay,
            placement=placement,
        )


def _cancel(future: Any) -> None:
    try:
        future.cancel(reason="scriptrunner gave the attempt up")
    except Exception:  # a closed client: its tasks are gone with it
        pass
