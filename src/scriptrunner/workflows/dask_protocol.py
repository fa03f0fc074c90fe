"""What the submitter and a Dask worker exchange for one attempt.

An attempt is one Dask task, :func:`scriptrunner.workflows.dask_worker.run_remote` of a
:class:`RemoteJob`, submitted with ``retries=0`` under a key named after the job's
``attempt_id``.  Before it starts anything the worker *claims* the attempt: it publishes a
``claim`` message on the submitter's topic and waits for the submitter's answer.  The
submitter accepts the first claim of an attempt that it still waits for, and nothing else:
a copy that Dask's scheduler runs again after its worker died (its ``allowed-failures``), a
task queued past a cancel or a timeout, an attempt the submitter gave up, all refuse to
start.  It answers (and forwards a cancel's signal) by calling the worker's
:data:`HANDLER` (``dask_worker.answer``, which the worker installs) directly, or through the
scheduler (``Client.run``) when it cannot reach the worker.  Then ``spawned`` (the process
id) and the output (``out`` chunks, at most :data:`CHUNK_BYTES` each) follow on the same
topic, and the result (:class:`RemoteReply`, with the bytes of the attempt's outputs file)
as a ``done`` message when it is small (:data:`DONE_BYTES`: the submitter need not wait for
Dask to report the task finished and fetch its value), else as the task's value.

The topic is the submitter's Dask client id: the scheduler keeps a bounded log of each
topic and empties that one when the client leaves, so nothing accumulates per attempt.
Messages are plain dicts (Dask sends them with msgpack).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scriptrunner.core.attempt import RunOptions
from scriptrunner.core.spec import RunSpec
from scriptrunner.payloads import METRICS
from scriptrunner.results import AttemptResult, Metrics, Placement, Sample
from scriptrunner.workflows.outputs import MAX_OUTPUT_BYTES

#: Message ``op`` values (worker -> submitter).
CLAIM = "claim"
SPAWNED = "spawned"
OUT = "out"
DONE = "done"
#: The name of the worker's handler of the submitter's answers (accept, signal).
HANDLER = "scriptrunner_attempt"
#: The largest piece of output in one message.
CHUNK_BYTES = 32 * 1024
#: The largest result sent as a ``done`` message (an estimate of its encoded size).
DONE_BYTES = 16 * 1024
#: How long the worker lets output gather before it sends what it has.
LINGER_SECONDS = 0.05
#: The prefix of every attempt's Dask key.
KEY_PREFIX = "scriptrunner-attempt-"


@dataclass(frozen=True, slots=True)
class RemoteJob:
    """One attempt as a worker receives it.

    ``env`` is what the run sets (``core.session``), laid over the worker's own environment;
    ``options`` holds only what a worker uses (no echo streams, filter or hook: output is
    masked and shown by the submitter); ``deadline`` is the cluster timeout: how long the
    worker waits for the submitter's answer to its claim, and how long the attempt may run on
    once the worker has lost its scheduler."""

    attempt_id: str
    topic: str
    spec: RunSpec
    n: int
    cwd: str
    env: Mapping[str, str]
    delay: float
    options: RunOptions
    deadline: float
    outputs_limit: int = MAX_OUTPUT_BYTES


@dataclass(frozen=True, slots=True)
class RemoteReply:
    """What a worker hands back for one attempt.

    ``attempt`` is None when no process started: the claim was refused (``refused`` says
    why) or the command could not start (``error``, a ``RunnerError``'s message).
    ``outputs`` is the outputs file's content (None: no file, or larger than the job's
    ``outputs_limit``; ``outputs_size`` says which).  ``sent`` counts the bytes of
    stdout and stderr published as ``out`` chunks.  ``published``: the task's value is
    only this marker, the reply went as a ``done`` message."""

    attempt_id: str
    attempt: AttemptResult | None = None
    outputs: bytes | None = None
    outputs_size: int = 0
    error: str | None = None
    refused: str | None = None
    sent: tuple[int, int] = (0, 0)
    published: bool = False


def small(reply: RemoteReply) -> bool:
    """Whether ``reply`` goes as a ``done`` message (at most about :data:`DONE_BYTES`)."""
    samples = len(reply.attempt.metrics.samples) if reply.attempt is not None else 0
    return len(reply.outputs or b"") + 48 * samples + 1024 <= DONE_BYTES


def encode_reply(reply: RemoteReply) -> dict[str, Any]:
    """``reply`` as plain values for a ``done`` message (msgpack: no pickle)."""
    attempt = None
    if reply.attempt is not None:
        a, m = reply.attempt, reply.attempt.metrics
        attempt = {
            "attempt": a.attempt,
            "status": a.status,
            "exit_code": a.exit_code,
            "started_at": a.started_at,
            "finished_at": a.finished_at,
            "signal": a.signal,
            "delay_before": a.delay_before,
            "metrics": [getattr(m, name) for name in METRICS],
            "samples": [[s.t, s.cpu_percent, s.rss_bytes, s.num_procs] for s in m.samples],
            "placement": list(a.placement.values().values()) if a.placement else None,
        }
    return {
        "attempt": attempt,
        "outputs": reply.outputs,
        "outputs_size": reply.outputs_size,
        "error": reply.error,
        "refused": reply.refused,
        "sent": list(reply.sent),
    }


def decode_reply(attempt_id: str, data: Mapping[str, Any]) -> RemoteReply:
    """The :class:`RemoteReply` of a ``done`` message's ``reply``."""
    attempt = None
    raw = data["attempt"]
    if raw is not None:
        samples = tuple(Sample(float(t), float(c), int(r), int(n)) for t, c, r, n in raw["samples"])
        metrics = Metrics(**dict(zip(METRICS, raw["metrics"], strict=True)), samples=samples)
        placement = Placement(*raw["placement"]) if raw["placement"] else None
        attempt = AttemptResult(
            attempt=int(raw["attempt"]),
            status=raw["status"],
            exit_code=int(raw["exit_code"]),
            started_at=float(raw["started_at"]),
            finished_at=float(raw["finished_at"]),
            metrics=metrics,
            signal=raw["signal"],
            delay_before=float(raw["delay_before"]),
            placement=placement,
        )
    outputs = data["outputs"]
    return RemoteReply(
        attempt_id,
        attempt=attempt,
        outputs=bytes(outputs) if outputs is not None else None,
        outputs_size=int(data["outputs_size"]),
        error=data["error"],
        refused=data["refused"],
        sent=(int(data["sent"][0]), int(data["sent"][1])),
    )
