"""The runner's half of tracing a recorded command: ids for the children, and a helper
process that builds and exports the spans from the event log.

The runner process does not import OpenTelemetry, build spans, or encode anything: it
spawns ``python -m scriptrunner.tracing.exporter_main`` (without waiting for it to start),
hands it the job on its stdin (the store, the configuration, the root run id, the incoming
``TRACEPARENT``), and gives each child the ``TRACEPARENT`` :mod:`.ids` derives, which is
the id of the span the helper builds for that run.  At the end, :meth:`ExportProcess.close`
says ``end`` on the pipe and waits for the helper's one-line verdict: the warnings to show
(collector unreachable, spans not exported...).  It waits at most ``exit_wait`` +
:data:`CATCH_UP` seconds from when both the command ended and the helper said it was
ready, and never more than ``exit_wait`` + :data:`HELPER_START` from the end.  The helper finishes on its own once it has seen the root's final event, and
within a bounded time if the runner dies (its stdin closes).

Standard library only.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from scriptrunner.tracing.config import TracingConfig, config_to_plain
from scriptrunner.tracing.ids import IdMinter

__all__ = ["CATCH_UP", "HELPER_START", "ExportProcess"]

#: The most the end of a command waits for a helper that has not said it is ready (still
#: importing OpenTelemetry on a loaded machine), beyond ``exit_wait``.
HELPER_START = 5.0
#: Seconds a ready helper is allowed beyond ``exit_wait``: reading the last events.
CATCH_UP = 0.5


class ExportProcess:
    """One helper process exporting the spans of the run or workflow ``root``."""

    #: :attr:`env_hook` reads run ids only: the spans are named from the (masked) events.
    names_from_spec = False

    def __init__(
        self,
        config: TracingConfig,
        *,
        store_url: str,
        busy_timeout: float,
        root: str,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self.config = config
        self.root = root
        self.minter = IdMinter(config.sampler, config.sampler_arg, env)
        job = {
            "store_url": store_url,
            "busy_timeout": busy_timeout,
            "root": root,
            "config": config_to_plain(config),
            "environ": {k: env[k] for k in ("TRACEPARENT", "TRACESTATE") if k in env},
        }
        self._closed = False
        #: Why the helper could not be started (telemetry fails open: the runs go on).
        self.failed: str | None = None
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "scriptrunner.tracing.exporter_main"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                start_new_session=True,  # a Ctrl-C for the runner is not one for the helper
            )
            assert self._proc.stdin is not None
            self._proc.stdin.write(json.dumps(job).encode() + b"\n")
            self._proc.stdin.flush()
        except OSError as exc:
            self.failed = f"{type(exc).__name__}: {exc}"
        self._buffer = b""  # read from the helper's stdout, not yet a whole line
        #: The helper's own CPU seconds, as its verdict says (for benchmarks).
        self.helper_cpu: float | None = None

    @property
    def env_hook(self) -> Callable[[str, Any], Mapping[str, str]]:
        """For :attr:`RunOptions.env_hook`: TRACEPARENT/TRACESTATE of each run's span."""
        return self.minter.env_for

    def attach(self, bus: object) -> None:
        """Nothing to follow in process: the helper reads the event log."""

    def close(self) -> list[str]:
        """Tell the helper the command is over; return its warnings (or one saying it did
        not answer in time).  Never raises for telemetry failures."""
        if self._closed:
            return []
        self._closed = True
        if self.failed is not None:
            return [f"could not start the trace export process ({self.failed}); spans not exported"]
        proc = self._proc
        try:
            assert proc.stdin is not None
            proc.stdin.write(b"end\n")
            proc.stdin.close()
        except OSError:
            pass  # it ended already: its verdict (or its absence) says how
        end = time.monotonic()
        wait = self.config.exit_wait
        deadline = end + wait + HELPER_START
        while True:
            line = self._read_line(deadline)
            if line is None:
                return [
                    f"trace export did not finish within {deadline - end:.1f} s; spans not "
                    "exported by then are lost (the runs themselves are not affected)"
                ]
            try:
                message = json.loads(line)
                if message.get("ready"):
                    deadline = min(deadline, max(end, time.monotonic()) + wait + CATCH_UP)
                    continue
                self.helper_cpu = float(message.get("cpu_seconds") or 0.0)
                return [str(w) for w in message["warnings"]]
            except (ValueError, KeyError, TypeError, AttributeError):
                return [
                    f"the trace export process ended without a verdict (exit {proc.poll()}); "
                    "spans may be missing"
                ]

    def _read_line(self, deadline: float) -> bytes | None:
        """The helper's next line before ``deadline`` (None: timed out); at its EOF, what
        is left (possibly empty)."""
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 4096)
            if not chunk:
                line, self._buffer = self._buffer, b""
                return line
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line
