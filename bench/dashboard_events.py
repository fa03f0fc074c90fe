"""The event-latency part of ``bench/dashboard.py``: WebSocket clients in separate processes
(``dashboard_clients.py``), events written by other processes, every delivery timed.

Two writers, one after the other, while the clients stay connected:

* ``dashboard_writer.py``: ``--events`` events at ``--rate`` per second through the store
  code the CLI uses; latency = receive time - ``time.time()`` right after the commit (its
  side channel), and - the event's ``ts`` (set just before the write);
* ``--cli-runs`` real ``scriptrunner run -q tiny.py`` processes, one after another (their
  ``run.*`` events); latency = receive time - the event's ``ts`` (the runner sets it when
  it makes the event, just before the transaction that stores it).

The check: every client was sent exactly the events the table holds after the start, in
id order, each once.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from dashboard_serve import SCRIPTRUNNER, Server, bench_env, percentile, row, verdict

HERE = Path(__file__).resolve().parent


def _events_after(db: Path, after: int) -> list[tuple[int, str, float, Any]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT id, type, ts, payload FROM events WHERE id > ? ORDER BY id", (after,)
        ).fetchall()
    return [(int(i), str(t), float(ts), json.loads(p)) for i, t, ts, p in rows]


def _start_clients(
    server: Server, home: Path, args: argparse.Namespace, after: int
) -> list[tuple[subprocess.Popen[str], Path]]:
    procs = []
    share = [args.clients // args.client_procs] * args.client_procs
    share[0] += args.clients - sum(share)
    for i, count in enumerate(share):
        out = home / f"clients-{i}.json"
        cmd = [sys.executable, str(HERE / "dashboard_clients.py"), server.ws_url, server.token]
        proc = subprocess.Popen(
            [*cmd, str(count), str(after), str(out)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=bench_env(home),
        )
        procs.append((proc, out))
    for proc, _ in procs:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "connected":
            raise SystemExit("WebSocket clients did not connect")
    return procs


def _tell(procs: list[tuple[subprocess.Popen[str], Path]], line: str) -> None:
    for proc, _ in procs:
        assert proc.stdin is not None
        proc.stdin.write(line + "\n")
        proc.stdin.flush()


def event_bench(server: Server, home: Path, args: argparse.Namespace) -> tuple[list[str], int]:
    """Latency rows, and the server's RSS after the events with the clients connected."""
    db = home / "history.db"
    with sqlite3.connect(db) as conn:
        after = int(conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])
    procs = _start_clients(server, home, args, after)
    time.sleep(1.0)  # let the server settle with every client subscribed
    rss_idle = server.rss()
    env = bench_env(home)
    writer = subprocess.run(
        [sys.executable, str(HERE / "dashboard_writer.py"), f"sqlite:///{db}",
         str(args.events), str(args.rate)],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    committed = {}
    for line in writer.stdout.split("\n"):
        if line.strip():
            seq, _ts, done = line.split()
            committed[int(seq)] = float(done)
    (home / "tiny.py").write_text("print('hi')\n")
    for _ in range(args.cli_runs):
        subprocess.run(
            [str(SCRIPTRUNNER), "run", "-q", "tiny.py"], cwd=home, env=env, check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
    stored = _events_after(db, after)
    _tell(procs, f"drain {stored[-1][0]}")
    results: list[dict[str, Any]] = []
    for proc, out in procs:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "done":
            raise SystemExit("WebSocket clients failed")
        results += json.loads(out.read_text())
    time.sleep(0.5)
    rss = server.rss()
    threads = server.threads()
    _tell(procs, "close")
    for proc, _ in procs:
        proc.wait(timeout=60)

    by_id = {i: (kind, ts, payload) for i, kind, ts, payload in stored}
    ids = [i for i, _, _, _ in stored]
    from_commit: list[float] = []
    from_ts: list[float] = []
    cli_ts: list[float] = []
    exact, resumes, errors = 0, 0, []
    for client in results:
        exact += [i for i, _ in client["events"]] == ids
        resumes += client["resumes"]
        if client["error"]:
            errors.append(client["error"])
        for event_id, at in client["events"]:
            _, ts, payload = by_id[event_id]
            seq = payload.get("bench_seq") if isinstance(payload, dict) else None
            if seq is not None:
                from_commit.append((at - committed[seq]) * 1000)
                from_ts.append((at - ts) * 1000)
            else:
                cli_ts.append((at - ts) * 1000)
    p95 = percentile(from_commit, 95)
    cli_events = len(ids) - len(committed)
    lines = [
        row(f"commit -> client ({len(from_commit)} pairs)", percentile(from_commit, 50), p95,
            percentile(from_commit, 99), "p95 <= 50 ms", verdict(p95, 50)),
        row("  event ts (just before the write) -> client", percentile(from_ts, 50),
            percentile(from_ts, 95), percentile(from_ts, 99), "", ""),
        row(f"{args.cli_runs} real `scriptrunner run`s: ts -> client", percentile(cli_ts, 50),
            percentile(cli_ts, 95), percentile(cli_ts, 99), "p95 <= 50 ms",
            verdict(percentile(cli_ts, 95), 50)),
        f"  ({cli_events} run.* events, {len(cli_ts)} pairs)",
        f"  every client got exactly the {len(ids)} events stored, in order, once: "
        f"{exact}/{args.clients} clients; {resumes} resumes; {len(errors)} errors"
        f"{' (' + errors[0] + ')' if errors else ''}   "
        f"{'PASS' if exact == args.clients else 'GAP'}",
        f"  server RSS with {args.clients} clients connected, before the events: "
        f"{rss_idle / 2**20:.1f} MiB; {threads} threads after",
    ]  # fmt: skip
    return lines, rss
