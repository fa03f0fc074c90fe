"""The one attempt of a fast-path ``scriptrunner run`` (see :mod:`scriptrunner.cli.fast_run`).

The child is spawned before anything else is loaded; the store, the watchdog and the
``running`` row are set up while it runs.  Rows and events are the ones
:class:`~scriptrunner.core.runner.Runner` writes (``tests/cli/test_fast_parity.py`` compares
them); the rare paths (a signal, processes left behind, a run long enough to sample) use
the full path's own ``core`` classes, imported only then.
"""

from __future__ import annotations

import os
import signal
import time

from scriptrunner.cli import fast_run
from scriptrunner.core.supervise import attempt_mark, become_subreaper, track_root, untrack_root

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from typing import Any

    from scriptrunner.core.monitor import Monitor
    from scriptrunner.core.process import ProcessTree
    from scriptrunner.core.supervise import Lifeline

_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_CHUNK = 65536


def _json(value: object) -> str:
    import json

    return json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))


def _stored(value: object) -> object:
    return _json(value) if isinstance(value, (dict, list, tuple)) else value


def _insert(conn: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        cols = list(rows[0])
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        conn.executemany(sql, [[_stored(r[c]) for c in cols] for r in rows])


def _event(type: str, run_id: str, payload: dict[str, Any], ts: float) -> dict[str, Any]:
    return {"type": type, "run_id": run_id, "ts": ts, "payload": payload}


def _tail(data: bytearray, total: int, limit: int) -> str:
    """``core.output.TailBuffer.snapshot``'s text of the kept bytes."""
    kept = bytes(data[-limit:]) if limit else b""
    if total > len(kept):
        skip = 0
        while skip < min(3, len(kept)) and 0x80 <= kept[skip] <= 0xBF:
            skip += 1
        kept = kept[skip:]
    return kept.decode("utf-8", errors="replace")


class Attempt:
    """Spawn, record, stream, reap and record again."""

    def __init__(self, plan: fast_run.Plan) -> None:
        self.plan = plan
        self.run_id = os.urandom(16).hex()
        self.signal: int | None = None
        self.tree: ProcessTree | None = None
        self.monitor: Monitor | None = None
        self.watchdog: Lifeline | None = None
        self.conn: sqlite3.Connection | None = None
        self.bufs = (bytearray(), bytearray())
        self.totals = [0, 0]
        self.echo: list[int | None] = [None, None] if plan.quiet else [1, 2]

    # -- start ---------------------------------------------------------------------------

    def spawn(self) -> bool:
        p = self.plan
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        env.update(p.env)
        env["SCRIPTRUNNER_RUN_ID"] = self.run_id
        env["SCRIPTRUNNER_ATTEMPT"] = "1"
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        actions: list[tuple[int, ...]] = [
            (os.POSIX_SPAWN_DUP2, out_w, 1),
            (os.POSIX_SPAWN_DUP2, err_w, 2),
        ]
        try:  # close_fds=True, as the full path: inherited descriptors stay here
            for name in os.listdir("/proc/self/fd"):
                fd = int(name)
                if fd > 2 and fd not in (out_w, err_w) and os.get_inheritable(fd):
                    actions.append((os.POSIX_SPAWN_CLOSE, fd))
        except (OSError, ValueError):
            pass
        become_subreaper()
        self.handlers = {s: signal.signal(s, self._on_signal) for s in _SIGNALS}
        here = os.getcwd()
        if p.chdir:
            os.chdir(p.chdir)
        # The child's ru_maxrss starts at the runner's own high-water mark (see
        # ``core.attempt.run_attempt``): only a larger value is the child's own.
        self.parent_hwm = _maxrss_self()
        self.t0 = time.time()
        self.m0 = time.monotonic()
        try:
            self.pid = os.posix_spawnp(
                p.command[0],
                p.command,
                env,
                file_actions=actions,
                setsid=True,
                setsigdef=(signal.SIGPIPE, signal.SIGXFSZ, *_SIGNALS),
            )
        except OSError:
            for fd in (out_r, out_w, err_r, err_w):
                os.close(fd)
            for sig, handler in self.handlers.items():
                signal.signal(sig, handler)
            os.chdir(here)
            return False
        track_root(self.pid)
        os.close(out_w)
        os.close(err_w)
        self.fds = (out_r, err_r)
        self.mark = attempt_mark(self.run_id, 1)
        return True

    def _on_signal(self, signum: int, _frame: object) -> None:
        if self.signal is None:
            self.signal = signum
        self._process_tree().send(signum)
        if not getattr(self, "_killer", None):
            import threading

            self._killer = threading.Thread(
                target=self._process_tree().kill_after, args=(fast_run.KILL_GRACE,), daemon=True
            )
            self._killer.start()

    def _process_tree(self) -> ProcessTree:
        if self.tree is None:
            from scriptrunner.core.process import ProcessTree

            self.tree = ProcessTree(self.pid, self.mark)
        return self.tree

    def _start_row(self) -> None:
        """Watchdog, store, ``running`` row and ``run.started``, while the child runs."""
        from scriptrunner.cmdline import mask_args
        from scriptrunner.core.supervise import lifeline

        self.watchdog = lifeline()
        if self.watchdog is not None:
            self.watchdog.watch(self.pid)
        p = self.plan
        row = {
            "id": self.run_id,
            "kind": "run",
            "script": p.script,
            "command": mask_args(p.command),
            "cwd": p.cwd,
            "tags": dict(p.tags),
            "status": "running",
            "attempts": 0,
            "started_at": self.t0,
            "parent_run_id": None,
            "workflow_run_id": None,
            "task_name": None,
            "hostname": os.uname().nodename,
            "pid": os.getpid(),
            "pid_started": _started(),
        }
        payload = {
            "command": row["command"],
            "script": p.script,
            "cwd": p.cwd,
            "tags": dict(p.tags),
            "workflow_run_id": None,
            "task_name": None,
        }
        import sqlite3

        try:
            conn = sqlite3.connect(p.store, timeout=fast_run.BUSY_TIMEOUT, isolation_level=None)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA journal_size_limit=4194304")  # the WAL file, once truncated
            conn.execute("PRAGMA wal_autocheckpoint=1000")
        except sqlite3.Error as exc:
            from pathlib import Path

            from scriptrunner.store.sqlite import _open_error

            raise _open_error("configure", Path(p.store), exc) from exc
        self.conn = conn
        tags = [{"run_id": self.run_id, "key": k, "value": v} for k, v in p.tags.items()]
        started = _event("run.started", self.run_id, payload, self.t0)
        self._write(("runs", [row]), ("run_tags", tags), ("events", [started]))

    def _write(
        self,
        *inserts: tuple[str, list[dict[str, Any]]],
        update: tuple[str, list[object]] | None = None,
    ) -> None:
        """One ``BEGIN IMMEDIATE`` transaction: ``update`` then ``inserts``, as
        ``store.sqlite.SqliteHistory`` writes them."""
        import sqlite3

        from scriptrunner.errors import StoreError

        assert self.conn is not None
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                if update is not None:
                    self.conn.execute(*update)
                for table, rows in inserts:
                    _insert(self.conn, table, rows)
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write history store {self.plan.store}: {exc}") from exc

    # -- run -----------------------------------------------------------------------------

    def finish(self) -> int:
        try:
            self._start_row()
        except Exception as exc:
            self._abandon()
            return _error(exc)
        info = self._stream()
        return self._record(info)

    def _abandon(self) -> None:
        """The start row failed: the whole tree is killed and reaped, nothing left running."""
        try:
            self._process_tree().send(signal.SIGKILL)
        finally:
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            untrack_root(self.pid)
            if self.watchdog is not None:
                self.watchdog.release(self.pid)

    def _read(self, index: int) -> bool:
        try:
            chunk = os.read(self.fds[index], _CHUNK)
        except BlockingIOError:
            return True
        if not chunk:
            return False
        self.totals[index] += len(chunk)
        buf, limit = self.bufs[index], self.plan.tail_bytes
        if limit:
            buf += chunk
            if len(buf) > 2 * limit:
                del buf[: len(buf) - limit]
        target = self.echo[index]
        if target is not None:
            try:
                view = memoryview(chunk)
                while view:
                    view = view[os.write(target, view) :]
            except OSError:
                self.echo[index] = None
        return True

    def _stream(self) -> tuple[int, Any]:
        """Output until the child exits (then the drain); returns its wait4 status, rusage."""
        import select

        poller = select.poll()
        open_fds = {fd: i for i, fd in enumerate(self.fds)}
        for fd in open_fds:
            poller.register(fd, select.POLLIN)
        pidfd: int | None = None
        try:
            pidfd = os.pidfd_open(self.pid)
            poller.register(pidfd, select.POLLIN)
        except (OSError, AttributeError):
            pass
        status = usage = None
        sample_at = self.m0 + fast_run.FIRST_SAMPLE
        while status is None:
            timeout = max(0.0, sample_at - time.monotonic()) if self.monitor is None else 1.0
            if pidfd is None:
                timeout = min(timeout, 0.01)
            for fd, _ in poller.poll(timeout * 1000):
                if fd in open_fds and not self._read(open_fds[fd]):
                    poller.unregister(fd)
                    del open_fds[fd]
            done, code, rusage = os.wait4(self.pid, os.WNOHANG)
            if done:
                status, usage = code, rusage
            elif self.monitor is None and time.monotonic() >= sample_at:
                self._start_monitor()
        self._process_tree().reaped.set() if self.tree is not None else None
        untrack_root(self.pid)
        if pidfd is not None:
            poller.unregister(pidfd)
            os.close(pidfd)
        if self.monitor is not None:
            self.monitor.stop()
        if self.tree is not None and getattr(self, "_killer", None):
            self._killer.join()
        if not self.plan.keep_daemons and self._maybe_leftovers():
            self._process_tree().end_leftovers(fast_run.KILL_GRACE)
        if self.watchdog is not None:
            self.watchdog.release(self.pid)
        deadline = time.monotonic() + fast_run.DRAIN_SECONDS
        while open_fds:
            events = poller.poll(max(0.0, deadline - time.monotonic()) * 1000)
            if not events:  # a process still holds the pipe (a daemon): given up
                break
            for fd, _ in events:
                if not self._read(open_fds[fd]):
                    poller.unregister(fd)
                    del open_fds[fd]
        self.wall = time.monotonic() - self.m0
        return status, usage

    def _start_monitor(self) -> None:
        from scriptrunner.core.monitor import Monitor

        self.monitor = Monitor(self._process_tree(), interval=1.0, max_samples=512)
        # Started one first interval late: its first sample is due now.
        self.monitor.first_interval = 0.005
        self.monitor.start()

    def _maybe_leftovers(self) -> bool:
        """Anything alive in the child's group, or re-parented to us (cheap, no psutil)?"""
        from scriptrunner.core.supervise import own_children

        try:
            os.killpg(self.pid, 0)
            return True
        except PermissionError:
            return True
        except ProcessLookupError:
            return bool(own_children())

    # -- end -----------------------------------------------------------------------------

    def _record(self, info: tuple[int, Any]) -> int:
        status_word, usage = info
        returncode = os.waitstatus_to_exitcode(status_word)
        sig = -returncode if returncode < 0 else None
        code = 128 - returncode if returncode < 0 else returncode
        user, system = usage.ru_utime, usage.ru_stime
        kernel = usage.ru_maxrss * 1024
        sampled = self.monitor.peak_rss if self.monitor is not None else 0
        peak = max(sampled, kernel if kernel > self.parent_hwm else 0) or None
        samples = self.monitor.samples if self.monitor is not None else []
        wall = self.wall
        avg = (user + system) / wall * 100.0 if wall > 0 else 0.0
        top = max(max((s.cpu_percent for s in samples), default=0.0), avg)
        if self.signal is not None:
            status = "cancelled"
        else:
            status = "succeeded" if returncode == 0 else "failed"
        metrics = {
            "wall_seconds": round(wall, 6),
            "cpu_user_seconds": round(user, 6),
            "cpu_system_seconds": round(system, 6),
            "peak_rss_bytes": peak,
            "cpu_percent_avg": round(avg, 2),
            "cpu_percent_max": round(top, 2),
        }
        attempt = {
            "attempt": 1,
            "status": status,
            "exit_code": code,
            "signal": sig,
            "started_at": self.t0,
            "finished_at": self.t0 + wall,
            "delay_before": 0.0,
            **metrics,
        }
        finished = time.time()
        out, err = (
            _tail(b, t, self.plan.tail_bytes) for b, t in zip(self.bufs, self.totals, strict=True)
        )
        values = {
            "status": status,
            "exit_code": code,
            "attempts": 1,
            "finished_at": finished,
            "duration_seconds": finished - self.t0,
            "cpu_user_seconds": user,
            "cpu_system_seconds": system,
            "peak_rss_bytes": peak,
            "cpu_percent_avg": avg,
            "cpu_percent_max": top,
            "stdout_tail": out,
            "stderr_tail": err,
            "stdout_bytes": self.totals[0],
            "stderr_bytes": self.totals[1],
            "error": None,
            "outputs": None,
            "cloud_cost_usd": None,
        }
        attempt_row = {
            "run_id": self.run_id,
            **{k: v for k, v in attempt.items() if k not in metrics},
            "wall_seconds": wall,
            "cpu_user_seconds": user,
            "cpu_system_seconds": system,
            "peak_rss_bytes": peak,
            "cpu_percent_avg": avg,
            "cpu_percent_max": top,
        }
        sample_rows = [
            {
                "run_id": self.run_id,
                "attempt": 1,
                "t": s.t,
                "cpu_percent": s.cpu_percent,
                "rss_bytes": s.rss_bytes,
                "num_procs": s.num_procs,
            }
            for s in samples
        ]
        events = [
            _event("run.attempt.finished", self.run_id, attempt, time.time()),
            _event(
                "run.finished",
                self.run_id,
                {
                    "status": status,
                    "exit_code": code,
                    "attempts": 1,
                    "duration_seconds": round(finished - self.t0, 6),
                    **metrics,
                },
                finished,
            ),
        ]
        cols = list(values)
        update = f"UPDATE runs SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?"
        try:
            self._write(
                ("run_attempts", [attempt_row]),
                ("metric_samples", sample_rows),
                ("events", events),
                update=(update, [*(_stored(values[c]) for c in cols), self.run_id]),
            )
        except Exception as exc:
            return _error(exc)
        if not self.plan.quiet:
            from scriptrunner.cli.formats import fmt_bytes, fmt_seconds

            mark = "ok" if status == "succeeded" else status.replace("_", " ")
            _say(
                f"scriptrunner: {mark} · exit {code} · {fmt_seconds(finished - self.t0)}"
                f" · CPU {fmt_seconds(user + system)} · peak RSS {fmt_bytes(peak)}"
                f" · attempts 1 · run {self.run_id[:8]}"
            )
        if status == "cancelled" and self.signal is not None:
            return 128 + self.signal
        return code


def _maxrss_self() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _started() -> int | None:
    """``store.liveness.process_started`` of this process (that module loads the results
    dataclasses), from the one reader of ``/proc/PID/stat``."""
    from scriptrunner.core.supervise import _stat

    fields = _stat(os.getpid())
    try:
        return int(fields[19]) if fields else None
    except (ValueError, IndexError):
        return None


def _say(line: str) -> None:
    try:
        os.write(2, (line + "\n").encode("utf-8", "backslashreplace"))
    except OSError:
        pass


def _error(exc: BaseException) -> int:
    from scriptrunner.display import shown
    from scriptrunner.errors import ScriptRunnerError

    if isinstance(exc, ScriptRunnerError):
        _say(f"scriptrunner: error: {shown(exc, lines=True)}")
        return exc.exit_code
    _say(f"scriptrunner: error: internal error: {exc.__class__.__name__}: {exc}")
    return 2
