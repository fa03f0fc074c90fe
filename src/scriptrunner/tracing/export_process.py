"""The runner's half of tracing a recorded command: ids for the children, and a helper
process that builds and exports the spans from the event log.

The runner process does not import OpenTelemetry, build spans, or encode anything: it
spawns ``python -m scriptrunner.tracing.exporter_main`` (without waiting for it to start),
hands it the job on its stdin (the store, the configuration, the root run id, the incoming
``TRACEPARENT``), and gives each child the ``TRACEPARENT`` :mod:`.ids` derives, which is
the id of the span the helper builds for that run.  At the end, :meth:`ExportProcess.close`
says ``end`` on the pipe and waits, for at most :attr:`ExportProcess.wait`, for the
helper's one-line verdict: the warnings to show (collector unreachable, spans not
exported...).  The helper finishes on its own once it has seen the root's final event, and
within a bounded time if the runner dies (its stdin closes).

Standard library only.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import select
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from scriptrunner.tracing.config import TracingConfig
from scriptrunner.tracing.ids import IdMinter

__all__ = ["HELPER_START", "ExportProcess"]

#: Seconds the end of a command allows the helper beyond ``exit_wait``: its start-up
#: (importing OpenTelemetry) when the command itself was shorter than that.
HELPER_START = 1.0


class ExportProcess:
    """One helper process exporting the spans of the run or workflow ``root``."""

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
        #: The most :meth:`close` waits for the verdict.
        self.wait = config.exit_wait + HELPER_START
        job = {
            "store_url": store_url,
            "busy_timeout": busy_timeout,
            "root": root,
            "config": base64.b64encode(pickle.dumps(config)).decode(),
            "environ": {k: env[k] for k in ("TRACEPARENT", "TRACESTATE") if k in env},
        }
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "scriptrunner.tracing.exporter_main"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # a Ctrl-C for the runner is not one for the helper
        )
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(job).encode() + b"\n")
        self._proc.stdin.flush()
        self._closed = False

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
        proc = self._proc
        try:
            assert proc.stdin is not None
            proc.stdin.write(b"end\n")
            proc.stdin.close()
        except OSError:
            pass  # it ended already: its verdict (or its absence) says how
        line = _read_line(proc, time.monotonic() + self.wait)
        if line is None:
            return [
                f"trace export did not finish within {self.wait:g} s; spans not exported "
                "by then are lost (the runs themselves are not affected)"
            ]
        try:
            verdict = json.loads(line)
            return [str(w) for w in verdict["warnings"]]
        except (ValueError, KeyError, TypeError):
            code = proc.poll()
            return [
                f"the trace export process ended without a verdict (exit {code}); "
                "spans may be missing"
            ]


def _read_line(proc: subprocess.Popen[bytes], deadline: float) -> bytes | None:
    """One line from ``proc``'s stdout before ``deadline`` (None: timed out); EOF gives
    what was read, possibly empty."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    data = b""
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    proc.stdout.close()
    if data:
        proc.poll()  # reap it if it has ended
    return data
