"""The submitter's table of remote attempts in flight, and the messages of their workers.

:class:`RemoteAttempts` keeps the attempts in flight by attempt id
(``results.Placement.attempt_id``) and handles the messages workers publish on the
executor's topic (``workflows.dask_protocol``), on the Dask client's event loop: it accepts
the first claim of an attempt still waited for and nothing else (a copy Dask runs again
after its worker died is refused, and the attempt is lost), and hands output and process
ids to the attempt's thread.  A message or result of an attempt no longer in the table (an
older attempt of the same run, a copy Dask ran again) is ignored.

:meth:`RemoteAttempts.run` is the executor's attempt function (``core.attempt.AttemptFn``);
``workflows.dask_follow`` follows each attempt to its end.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.output import TailBuffer
from scriptrunner.core.spec import RunSpec
from scriptrunner.results import AttemptResult
from scriptrunner.workflows.dask_follow import Follow
from scriptrunner.workflows.dask_pending import Pending, open_stream
from scriptrunner.workflows.dask_protocol import CLAIM, DONE, OUT, SPAWNED, RemoteJob, decode_reply

#: How many reasons of ended attempts are kept for ``why`` (the newest).
MAX_REASONS = 1000
#: How long a direct call to a worker may take before the scheduler relays them instead.
DIRECT_SECONDS = 2.0


class RemoteAttempts:
    """The executor's attempts in flight; ``executor`` gives the client, the watch, the
    topic, the worker options, the timeout and the forwarded variables."""

    def __init__(self, executor: Any) -> None:
        self.ex = executor
        self.pending: dict[str, Pending] = {}
        #: Whether workers answer direct calls from here (else through the scheduler).
        self.direct = True
        #: Why recent attempts ended without their worker's result (bounded, oldest out).
        self.reasons: OrderedDict[str, str] = OrderedDict()
        self.lock = threading.Lock()

    def note(self, attempt_id: str, reason: str) -> None:
        with self.lock:
            self.reasons[attempt_id] = reason
            while len(self.reasons) > MAX_REASONS:
                self.reasons.popitem(last=False)

    def why(self, attempt_id: str) -> str | None:
        with self.lock:
            return self.reasons.pop(attempt_id, None)

    def tick(self) -> None:
        """After each probe of the cluster watch: wake every attempt to look at it."""
        for pending in list(self.pending.values()):
            pending.wake.set()

    # -- messages (on the client's event loop) -----------------------------------------

    def on_event(self, event: tuple[float, Any]) -> None:
        """One message of the topic: never raises (it runs in the client's report loop)."""
        try:
            self._handle(event[1])
        except Exception:  # a message not of our making: ignored
            pass

    def _handle(self, message: Any) -> None:
        if not isinstance(message, dict):
            return  # the scheduler's own events on the client's topic
        op, attempt_id = message.get("op"), str(message.get("id"))
        pending = self.pending.get(attempt_id)
        if pending is None:  # an attempt nobody waits for (an old one): ignored, and a
            if op == CLAIM:  # copy Dask runs again is told at once not to start
                worker = str(message["worker"])
                self.ex.client.loop.add_callback(self.answer, worker, attempt_id, None, False)
            return
        if op == OUT:
            pending.inbox.append((int(message["fd"]), bytes(message["data"])))
            pending.wake.set()
        elif op == SPAWNED:
            pending.pid = int(message["pid"])
        elif op == DONE:
            pending.reply = decode_reply(pending.job.attempt_id, message["reply"])
            pending.wake.set()
        elif op == CLAIM:
            worker = str(message["worker"])
            accept = pending.claim(worker, str(message["host"]))
            self.ex.client.loop.add_callback(self.answer, worker, attempt_id, None, accept)

    async def answer(
        self, worker: str, attempt_id: str, sig: int | None = None, accept: bool = True
    ) -> None:
        """Accept (or refuse) the claim of ``attempt_id`` on ``worker``, or (``sig``)
        cancel it: through the worker's own handler, directly; through the scheduler when
        the worker cannot be reached from here (then always)."""
        client = self.ex.client
        if self.direct:
            try:
                call = client.rpc(worker).scriptrunner_attempt(
                    attempt_id=attempt_id, sig=sig, accept=accept
                )
                await asyncio.wait_for(call, DIRECT_SECONDS)
                return
            except Exception:
                self.direct = False
        from scriptrunner.workflows.dask_worker import answer

        await client._run(answer, attempt_id, sig, accept, workers=[worker], on_error="ignore")

    # -- one attempt (on the task's thread) ----------------------------------------------

    def run(
        self,
        spec: RunSpec,
        n: int,
        cwd: str,
        env: Mapping[str, str],
        token: CancelToken,
        out: TailBuffer,
        err: TailBuffer,
        delay: float,
        after_spawn: Callable[[], None],
    ) -> AttemptResult:
        ex = self.ex
        job = RemoteJob(
            os.urandom(16).hex(),
            ex.topic,
            spec,
            n,
            cwd,
            {**ex.forwarded, **env},
            delay,
            ex.worker_options,
            ex.timeout,
        )
        follow = Follow(self, job, token, (open_stream(out), open_stream(err)), env)
        try:
            return follow.run(after_spawn)
        finally:
            for stream in follow.streams:
                stream.on_eof()
