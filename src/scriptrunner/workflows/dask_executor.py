"""Run task attempts on a Dask ``distributed`` cluster.

Our scheduler keeps the DAG, conditions, retries and history; each attempt is one Dask
task, submitted with ``retries=0`` (retries are ours, under the task's policy), that starts
the process on a worker, where the runner core monitors it and enforces its timeout (a
process tree can only be killed where it lives).  The pieces:

* ``workflows.dask_protocol``: what submitter and worker exchange (claims, output, result);
* ``workflows.dask_worker``: the worker side (claim, run, watch, return), with
  ``workflows.dask_output`` (live output);
* ``workflows.dask_attempts``: the submitter's attempts in flight and their messages, with
  ``workflows.dask_follow`` (one attempt followed to its end) and ``dask_pending``;
* ``workflows.dask_watch``: the submitter's watch on the scheduler and its workers.

Nothing waits on Dask without a deadline: a cluster without scheduler or workers for
``cluster_timeout`` seconds ends the attempts waiting on it as ``infrastructure``, and the
executor fails every later attempt at once.  Workers need scriptrunner installed (a
``LocalCluster`` shares this environment) and the task's files at the same paths.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import threading
from collections.abc import Iterable
from typing import Any

from scriptrunner.core.attempt import AttemptFn, RunOptions
from scriptrunner.errors import ConfigError
from scriptrunner.limits import DEFAULT_CLUSTER_TIMEOUT

#: The client's batching window for messages to the scheduler.
BATCH_SECONDS = 0.001
#: How long closing the client (and a cluster of our own) may take.
CLOSE_TIMEOUT = 5.0


def plaintext_refusal(address: str) -> str | None:
    """Why secrets may not be sent to ``address`` (None: they may): a scheduler off this
    host reached without TLS."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme in ("tls", "inproc"):
        return None
    host = rest.rsplit(":", 1)[0] if rest.count(":") == 1 or "]" in rest else rest
    host = host.strip("[]")
    if host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return (
        f"the workflow uses secrets and the Dask scheduler {address} is off this host "
        "without TLS: they would travel in clear; use a tls:// address with --tls-ca-file, "
        "--tls-cert and --tls-key, or pass --allow-plaintext-secrets "
        "(allow_plaintext_secrets=True from Python)"
    )


class DaskExecutor:
    """Attempts run on a Dask cluster: the one at ``address``, or a new local one.

    ``cluster_timeout``: seconds without scheduler or workers before attempts end as
    ``infrastructure``.  ``tls_ca_file``/``tls_cert``/``tls_key``: the client's certificate
    files for a ``tls://`` scheduler (without them, Dask's own configuration applies).
    ``forward_env``: names of this process's environment variables that travel to the
    workers (a task's environment is otherwise the worker's own under what the workflow
    sets).  ``secrets`` (the workflow uses some) with a plain ``tcp://`` scheduler off
    this host is refused unless ``allow_plaintext_secrets``."""

    name = "dask"

    def __init__(
        self,
        address: str | None = None,
        n_workers: int = 2,
        options: RunOptions | None = None,
        *,
        cluster_timeout: float = DEFAULT_CLUSTER_TIMEOUT,
        tls_ca_file: str | None = None,
        tls_cert: str | None = None,
        tls_key: str | None = None,
        forward_env: Iterable[str] = (),
        secrets: bool = False,
        allow_plaintext_secrets: bool = False,
        **_: Any,
    ) -> None:
        if address and secrets and not allow_plaintext_secrets:
            refusal = plaintext_refusal(address)
            if refusal is not None:
                raise ConfigError(refusal)
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - the extra is installed by make test
            raise ConfigError(
                "the dask executor needs the 'dask' extra: pip install 'scriptrunner[dask]'"
            ) from exc
        options = options or RunOptions()
        self.options = options
        #: What a worker gets of the run options: no streams, filter or hook (output is
        #: masked and shown here).
        self.worker_options = RunOptions(
            tail_bytes=options.tail_bytes,
            kill_grace=options.kill_grace,
            sample_interval=options.sample_interval,
            max_samples=options.max_samples,
        )
        self.timeout = cluster_timeout
        self.forwarded = {k: os.environ[k] for k in forward_env if k in os.environ}
        self._cluster: Any = None
        security = _security(address, tls_ca_file, tls_cert, tls_key)
        try:
            if address:
                # One patience for the scheduler: to connect, and to reconnect after a cut.
                self.client = Client(
                    address, timeout=cluster_timeout, security=security, set_as_default=False
                )
            else:
                self._cluster = LocalCluster(
                    n_workers=n_workers,
                    threads_per_worker=4,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                )
                self.client = Client(self._cluster, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"cannot connect to the Dask scheduler {address}: {exc}") from exc
        # Our messages are few and small: sent within 1 ms rather than Dask's 10 ms batch
        # (a submission would wait behind the release of the previous attempt's task).
        stream = getattr(self.client, "scheduler_comm", None)
        if stream is not None and getattr(stream, "interval", 0) > BATCH_SECONDS:
            stream.interval = BATCH_SECONDS
        from scriptrunner.workflows.dask_attempts import RemoteAttempts
        from scriptrunner.workflows.dask_watch import ClusterWatch

        self.topic = str(self.client.id)  # emptied by the scheduler when we leave
        self.attempts = RemoteAttempts(self)
        self.client.subscribe_topic(self.topic, self.attempts.on_event)
        self.watch = ClusterWatch(self.client, cluster_timeout, self.attempts.tick)
        self.watch.start()

    def attempt_fn(self) -> AttemptFn | None:
        return self.attempts.run

    @property
    def lost(self) -> bool:
        """Whether the cluster is gone for good (see ``workflows.dask_watch``)."""
        return self.watch.gone

    def why(self, attempt_id: str) -> str | None:
        return self.attempts.why(attempt_id)

    def slots(self) -> int | None:
        """The cluster's worker threads (None: no worker seen): the default
        ``--max-parallel``."""
        return self.watch.threads or None

    def close(self) -> None:
        """Stop watching and close the client (and a cluster of our own), each bounded.
        Closing a client that is still trying to reach a lost scheduler makes Dask log the
        interrupted attempt as an error with its traceback: the cluster's loss was already
        reported (the tasks' state and reason), so the client's log is quiet meanwhile."""
        self.watch.stop()
        logger = logging.getLogger("distributed.client")
        level = logger.level
        if self.watch.down_since is not None:
            logger.setLevel(logging.CRITICAL)
        try:
            _bounded(lambda: self.client.close(timeout=CLOSE_TIMEOUT))
            if self._cluster is not None:
                _bounded(lambda: self._cluster.close(timeout=CLOSE_TIMEOUT))
        finally:
            logger.setLevel(level)


def _security(address: str | None, ca: str | None, cert: str | None, key: str | None) -> Any:
    """Dask ``Security`` from the certificate options (None: Dask's configuration)."""
    if not (ca or cert or key):
        return None
    if not (ca and cert and key):
        raise ConfigError("TLS needs all three of --tls-ca-file, --tls-cert and --tls-key")
    if not address or not address.startswith("tls://"):
        raise ConfigError("the TLS options need a tls:// scheduler address (--scheduler)")
    for flag, path in (("--tls-ca-file", ca), ("--tls-cert", cert), ("--tls-key", key)):
        if not os.path.isfile(path):
            raise ConfigError(f"{flag}: no such file: {path}")
    from distributed.security import Security

    return Security(
        tls_ca_file=ca, tls_client_cert=cert, tls_client_key=key, require_encryption=True
    )


def _bounded(fn: Any) -> None:
    """Run ``fn`` on a thread and wait for it at most :data:`CLOSE_TIMEOUT` (+1) seconds:
    closing must never hang the end of a workflow."""
    thread = threading.Thread(target=_quietly, args=(fn,), daemon=True)
    thread.start()
    thread.join(CLOSE_TIMEOUT + 1)


def _quietly(fn: Any) -> None:
    try:
        fn()
    except Exception:  # closing what is already broken
        pass
