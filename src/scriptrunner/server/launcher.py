"""How the server starts and stops work: supervised child processes of the real CLI.

No second copy of run set-up: a script starts as ``scriptrunner run -q --run-id ID SCRIPT
ARGS...`` and a workflow as ``scriptrunner workflow run -q FILE --run-id ID [--resume OLD]``,
so the CLI's application layer (gate, secrets, masking, tracing, costs, signals) does the
work and records it in the server's store.  The server chooses the run id, so it can answer
at once with the id the run will have.

* Every value reaches the child as one whole argv element, never through a shell.  The
  script is passed as its resolved absolute path: everything after it is the script's own
  argument list (``run`` reads no option there), so ``--help`` or ``; rm -rf /`` are data.
* The store reaches the child through ``SCRIPTRUNNER_HOME``/``SCRIPTRUNNER_DATABASE_URL`` in
  its environment, not its argv: a PostgreSQL password would be on every user's ``ps``.
* ``python -P`` (Python 3.11+): the child's working directory is not put on ``sys.path``.
* Children run in their own session; a thread per child reaps it (no zombies) and keeps the
  tail of its stderr (why it exited 2 before recording anything, for the log).
* :meth:`Launcher.close` (server shutdown) sends SIGTERM to every child still running: the
  CLI turns it into a clean cancel and records it.  What still runs after the kill grace
  plus :data:`RECORD_GRACE` gets SIGKILL (its whole process group).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scriptrunner.results import new_run_id
from scriptrunner.server.confine import (
    LaunchError,
    checked_args,
    checked_tags,
    confine,
    confine_recorded,
)
from scriptrunner.server.context import ServerContext
from scriptrunner.server.run_rows import find_run, stop_foreign_runner, workflow_file

__all__ = ["LaunchError", "Launcher"]

log = logging.getLogger(__name__)

#: Seconds a cancelled CLI gets, beyond the kill grace, to record how its run ended.
RECORD_GRACE = 5.0
#: ``python -P`` (3.11+): the working directory is not put first on ``sys.path``, so a
#: ``scriptrunner`` directory there cannot stand in for the package.
_SAFE_PATH = ("-P",) if sys.version_info >= (3, 11) else ()
#: Bytes of a child's stderr kept (the end of it).
STDERR_TAIL = 4096


@dataclass(frozen=True, slots=True)
class _Child:
    proc: subprocess.Popen[bytes]
    kind: str  # run | workflow


class Launcher:
    """The work this server started (one per server; ``ServerContext.services["launcher"]``)."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()
        self._children: dict[str, _Child] = {}
        self._reapers: list[threading.Thread] = []
        #: Run id -> (exit code, last stderr line) of children that have ended (the newest).
        self.ended: dict[str, tuple[int, str]] = {}
        self._closing = False

    # -- starting ------------------------------------------------------------------------

    def start_script(self, rel_path: Any, args: Any = None, tags: Any = None) -> str:
        """Start a script under a ``--scripts-dir``; returns the new run's id."""
        script = confine(
            rel_path, self.ctx.options.scripts_dirs, flag="--scripts-dir", suffix=".py"
        )
        argv, pairs = checked_args(args), checked_tags(tags)
        run_id = new_run_id()
        command = ["run", "-q", f"--run-id={run_id}", f"--cwd={script.parent}"]
        command += [f"--tag={key}={value}" for key, value in pairs.items()]
        # An absolute path is never an option: after it, argparse hands every element to
        # the script (run's ``target`` is REMAINDER), "--" and "--help" included.
        command += [str(script), *argv]
        self._spawn(run_id, "run", command)
        return run_id

    def start_workflow(self, rel_file: Any, inputs: Any = None) -> str:
        """Start a workflow file under a ``--workflows-dir``; returns the new run's id."""
        if inputs:
            raise LaunchError(
                "workflow inputs are not supported: workflow files take no inputs; "
                "send an empty object or leave inputs out"
            )
        path = confine(rel_file, self.ctx.options.workflows_dirs, flag="--workflows-dir")
        run_id = new_run_id()
        self._spawn(run_id, "workflow", ["workflow", "run", "-q", str(path), f"--run-id={run_id}"])
        return run_id

    def resume(self, workflow_run_id: Any) -> str:
        """Rerun what did not succeed in a finished workflow run (the engine's resume, with
        the file recorded for that run, still under a ``--workflows-dir``); the new id."""
        row = find_run(self.ctx.reader, workflow_run_id, kind="workflow")
        if row["status"] in ("running", "succeeded"):
            raise LaunchError(
                f"workflow run {row['id']} is {row['status']}: only a finished workflow run "
                "that did not succeed can be resumed",
                409,
            )
        recorded = workflow_file(row)
        dirs = self.ctx.options.workflows_dirs
        path = confine_recorded(recorded, dirs) if recorded is not None else None
        if path is None:
            raise LaunchError(
                f"workflow run {row['id']} cannot be resumed from this server: its file "
                f"{row['script']!r} is no longer a file under a --workflows-dir",
                409,
            )
        run_id = new_run_id()
        command = ["workflow", "run", "-q", str(path), f"--run-id={run_id}"]
        self._spawn(run_id, "workflow", [*command, f"--resume={row['id']}"])
        return run_id

    def _spawn(self, run_id: str, kind: str, command: Sequence[str]) -> None:
        settings = self.ctx.settings
        env = dict(os.environ)
        env["SCRIPTRUNNER_HOME"] = str(settings.home)
        env["SCRIPTRUNNER_DATABASE_URL"] = settings.store_url
        argv = [sys.executable, *_SAFE_PATH, "-m", "scriptrunner", *command]
        with self._lock:
            if self._closing:
                raise LaunchError("the server is shutting down; start it later", 503)
            try:
                proc = subprocess.Popen(
                    argv,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    start_new_session=True,
                    close_fds=True,
                )
            except (OSError, ValueError) as exc:
                raise LaunchError(f"could not start scriptrunner: {exc}", 503) from exc
            self._children[run_id] = _Child(proc, kind)
            reaper = threading.Thread(
                target=self._reap, args=(run_id, proc), name=f"reap-{run_id[:8]}", daemon=True
            )
            self._reapers = [t for t in self._reapers if t.is_alive()]
            self._reapers.append(reaper)
        reaper.start()

    def _reap(self, run_id: str, proc: subprocess.Popen[bytes]) -> None:
        tail = b""
        assert proc.stderr is not None
        with proc.stderr:
            for chunk in iter(lambda: proc.stderr.read(4096) if proc.stderr else b"", b""):
                tail = (tail + chunk)[-STDERR_TAIL:]
        code = proc.wait()
        lines = tail.decode("utf-8", "replace").strip().splitlines()
        last = lines[-1] if lines else ""
        with self._lock:
            self._children.pop(run_id, None)
            self.ended[run_id] = (code, last)
            while len(self.ended) > 1000:
                self.ended.pop(next(iter(self.ended)))
        if code not in (0, 1) and last:
            log.warning("run %s (pid %d) ended with exit %d: %s", run_id, proc.pid, code, last)

    # -- stopping ------------------------------------------------------------------------

    def running(self) -> list[str]:
        """Ids of the children still running."""
        with self._lock:
            return [rid for rid, child in self._children.items() if child.proc.poll() is None]

    def cancel(self, run_id: Any, *, kind: str | None = None) -> str:
        """SIGTERM the runner of a running run (of ``kind`` when given): a child of this
        server, or a runner on this host whose pid and process start time match the run's
        row (a reused pid is never signalled).  Returns the full run id; ``LaunchError``
        404 (no such run) or 409 (not running, a task, another host) otherwise."""
        try:
            row = find_run(self.ctx.reader, run_id, kind=kind)
        except LaunchError as exc:
            # Started here a moment ago and not recorded yet: stop it before it starts.
            child = self._child(run_id) if exc.status == 404 else None
            if child is None or (kind is not None and child.kind != kind):
                raise
            child.proc.send_signal(signal.SIGTERM)
            return str(run_id)
        if row["status"] != "running":
            raise LaunchError(f"run {row['id']} is not running (it is {row['status']})", 409)
        if row["kind"] == "task":
            raise LaunchError(
                f"run {row['id']} is a task of workflow run {row['workflow_run_id']}: "
                "cancel the workflow run",
                409,
            )
        child = self._child(row["id"])
        if child is not None:
            child.proc.send_signal(signal.SIGTERM)
        else:
            stop_foreign_runner(row)
        return str(row["id"])

    def _child(self, run_id: Any) -> _Child | None:
        with self._lock:
            child = self._children.get(run_id) if isinstance(run_id, str) else None
        return child if child is not None and child.proc.poll() is None else None

    def close(self, timeout: float | None = None) -> None:
        """Stop every child still running (SIGTERM, then SIGKILL after the kill grace plus
        :data:`RECORD_GRACE`) and wait for them; no new start is accepted."""
        with self._lock:
            self._closing = True
            children = [child.proc for child in self._children.values()]
            reapers = list(self._reapers)
        for proc in children:
            _signal(proc, signal.SIGTERM, group=False)
        grace = self.ctx.settings.kill_grace + RECORD_GRACE if timeout is None else timeout
        deadline = time.monotonic() + grace
        for proc in children:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal(proc, signal.SIGKILL, group=True)
        for reaper in reapers:
            reaper.join(timeout=5)


def _signal(proc: subprocess.Popen[bytes], sig: int, *, group: bool) -> None:
    if proc.poll() is not None:
        return
    try:
        if group:
            os.killpg(proc.pid, sig)  # the CLI leads its own session: the CLI and its tree
        else:
            proc.send_signal(sig)
    except ProcessLookupError:
        pass
