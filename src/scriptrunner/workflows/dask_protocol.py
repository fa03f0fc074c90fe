"""What the submitter and a Dask worker exchange for one attempt.

An attempt is one Dask task, :func:`scriptrunner.workflows.dask_worker.run_remote` of a
:class:`RemoteJob`, submitted with ``retries=0`` under a key named after the job's
``attempt_id``.  Before it starts anything the worker *claims* the attempt: it publishes a
``claim`` message on the submitter's topic and waits for the submitter to call
``dask_worker.acknowledge`` on that worker.  The submitter acknowledges the first claim of
an attempt that it still waits for, and nothing else: a copy that Dask's scheduler runs
again after its worker died (its ``allowed-failures``), a task queued past a cancel or a
timeout, an attempt the submitter gave up, all refuse to start.  Then ``spawned`` (the
process id) and the output (``out`` chunks, at most :data:`CHUNK_BYTES` each) follow on
the same topic, and the result comes back as the task's value (:class:`RemoteReply`, with
the bytes of the attempt's outputs file).

The topic is the submitter's Dask client id: the scheduler keeps a bounded log of each
topic and empties that one when the client leaves, so nothing accumulates per attempt.
Messages are plain dicts (Dask sends them with msgpack).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scriptrunner.core.attempt import RunOptions
from scriptrunner.core.spec import RunSpec
from scriptrunner.results import AttemptResult
from scriptrunner.workflows.outputs import MAX_OUTPUT_BYTES

#: Message ``op`` values (worker -> submitter).
CLAIM = "claim"
SPAWNED = "spawned"
OUT = "out"
#: The largest piece of output in one message.
CHUNK_BYTES = 32 * 1024
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
    stdout and stderr published as ``out`` chunks."""

    attempt_id: str
    attempt: AttemptResult | None = None
    outputs: bytes | None = None
    outputs_size: int = 0
    error: str | None = None
    refused: str | None = None
    sent: tuple[int, int] = (0, 0)
