"""Run task attempts on a Dask ``distributed`` cluster.

Our scheduler keeps the DAG, conditions, retries and history; each attempt is one Dask
task that starts the process on a worker, where the runner core monitors it and enforces
its timeout (a process tree can only be killed where it lives).  Cancelling reaches the
worker through a ``distributed.Event`` named after the attempt.

Workers need scriptrunner installed (a ``LocalCluster`` shares this environment).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

from scriptrunner.core.attempt import AttemptFn, RunOptions, run_attempt
from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.output import TailBuffer
from scriptrunner.core.spec import RunSpec
from scriptrunner.errors import ConfigError, RunnerError
from scriptrunner.results import AttemptResult


def remote_attempt(
    spec: RunSpec,
    n: int,
    cwd: str,
    env: Mapping[str, str],
    delay: float,
    options: RunOptions,
    cancel_event: str,
) -> tuple[AttemptResult, bytes, bytes]:
    """Runs on a worker: one attempt, with its output tails returned as bytes."""
    from distributed import Event, get_client

    token = CancelToken()
    finished = threading.Event()
    # Bound here, in the task's thread: a plain thread has no worker context, and on a
    # worker that has no client yet, Event(...) there finds none and wait() raises.
    event = Event(cancel_event, client=get_client())

    def watch() -> None:
        # Blocks on the cluster-wide event; released by a cancel or by our own set() below.
        event.wait()
        if not finished.is_set():
            token.cancel()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = TailBuffer(options.tail_bytes), TailBuffer(options.tail_bytes)
    try:
        attempt = run_attempt(options, spec, n, cwd, env, token, out, err, delay, lambda: None)
    finally:
        finished.set()
        event.set()
    return attempt, out.raw(), err.raw()


class DaskExecutor:
    """Attempts run on a Dask cluster: the one at ``address``, or a new local one."""

    name = "dask"

    def __init__(
        self,
        address: str | None = None,
        n_workers: int = 2,
        options: RunOptions | None = None,
        **_: Any,
    ) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - the extra is installed by make test
            raise ConfigError(
                "the dask executor needs the 'dask' extra: pip install 'scriptrunner[dask]'"
            ) from exc
        self.options = options or RunOptions()
        self._cluster: Any = None
        try:
            if address:
                self.client = Client(address, timeout="10s")
            else:
                self._cluster = LocalCluster(
                    n_workers=n_workers,
                    threads_per_worker=4,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                )
                self.client = Client(self._cluster)
        except OSError as exc:
            raise ConfigError(f"cannot connect to the Dask scheduler {address}: {exc}") from exc

    def attempt_fn(self) -> AttemptFn | None:
        return self._attempt

    def _attempt(
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
        from distributed import Event

        event_name = f"scriptrunner-cancel-{os.urandom(8).hex()}"
        future = self.client.submit(
            remote_attempt, spec, n, cwd, dict(env), delay, self.options, event_name, pure=False
        )
        after_spawn()
        remove = token.add_callback(lambda _sig: Event(event_name, client=self.client).set())
        try:
            attempt, out_bytes, err_bytes = future.result()
        except Exception as exc:
            raise RunnerError(f"dask worker failed to run {spec.command[0]}: {exc}") from exc
        finally:
            remove()
        out.write(out_bytes)
        err.write(err_bytes)
        return attempt

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
