"""The dashboard (``scriptrunner serve``) under load, measured side by side in one run.

    .venv/bin/python bench/dashboard.py [--clients 100] [--runs 100000] [--events 200]
        [--rate 50] [--client-procs 2] [--requests 200] [--loads 5]

(``make bench`` compiles bytecode first, as users' installs have it; by hand, run
``make bytecode`` before.)  One store, one real server subprocess (``scriptrunner serve
--port 0``, ``SCRIPTRUNNER_HOME`` a temporary directory; its URL from the ``Serving on``
line, its token from ``serve-token``), all of it measured against the same server:

1. ``GET /api/v1/runs?limit=50`` with filters over ``--runs`` stored runs (seeded by bulk
   insert into a store made by the real code: ``bench/dashboard_seed.py``), and page 2 via
   the cursor: p50/p95 of ``--requests`` requests each on one keep-alive httpx client.
   Target p95 <= 50 ms.
2. The runs page in Chromium: navigation start to the first visible ``tr[data-run-id]``,
   ``--loads`` loads, each in a fresh browser context (``bench/dashboard_browser.py``).
   Target <= 1.0 s.
3. Event latency: ``--clients`` WebSocket clients of ``/api/v1/events/ws`` (the
   ``websockets`` library; ``--client-procs`` processes, one asyncio loop each:
   ``bench/dashboard_clients.py``) while a separate writer process appends ``--events``
   events at ``--rate`` per second through the store code the CLI uses
   (``bench/dashboard_writer.py``).  Latency per (event, client) = the client's receive
   time - the writer's ``time.time()`` right after the commit returned (a side channel);
   the same from the event's ``ts`` (set just before the write) is shown too.  Every
   client must get every event.  Target p95 <= 50 ms.
4. The server's RSS (the process and its children, psutil) with the clients still
   connected, after the events.  Target <= 150 MiB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from dashboard_browser import page_loads
from dashboard_seed import DAY, seed
from dashboard_serve import Server, bench_env, load, percentile, start_server, verdict

HERE = Path(__file__).resolve().parent
MIB = 2**20


def row(label: str, p50: float, p95: float, p99: float | None, target: str, ok: str) -> str:
    p99_text = f"{p99:8.1f}" if p99 is not None else " " * 8
    return f"  {label:<44}{p50:8.1f}{p95:8.1f}{p99_text}   {target:<14}{ok}"


def timed_gets(client: httpx.Client, path: str, requests: int) -> tuple[list[float], Any]:
    """Milliseconds of ``requests`` GETs of ``path`` (after 5 unmeasured), and the last answer."""
    body: Any = None
    times = []
    for i in range(requests + 5):
        start = time.perf_counter()
        answer = client.get(path)
        elapsed = (time.perf_counter() - start) * 1000
        if answer.status_code != 200:
            raise SystemExit(f"GET {path}: {answer.status_code} {answer.text[:300]}")
        if i >= 5:
            times.append(elapsed)
        body = answer.json()
    return times, body


def list_bench(server: Server, seeded: Any, requests: int) -> list[str]:
    now = seeded.newest
    script_name = seeded.script.rsplit("/", 1)[1]
    queries = [
        ("no filter", ""),
        ("status=failed", "&status=failed"),
        (f"script={script_name}", f"&script={script_name}"),
        (f"tag=team={seeded.team}", f"&tag=team={seeded.team}"),
        ("since=24h ago", f"&since={now - DAY:.0f}"),
        ("status+tag+since=7d", f"&status=failed&tag=team={seeded.team}&since={now - 7 * DAY:.0f}"),
        (f"tag=ticket={seeded.ticket} (rare)", f"&tag=ticket={seeded.ticket}"),
    ]
    lines = []
    headers = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
        for label, query in queries:
            times, body = timed_gets(client, f"/api/v1/runs?limit=50{query}", requests)
            p95 = percentile(times, 95)
            label = f"{label} [{len(body['items'])} items]"
            lines.append(
                row(label, percentile(times, 50), p95, None, "p95 <= 50 ms", verdict(p95, 50))
            )
        for label, query in queries[:2]:
            _, first = timed_gets(client, f"/api/v1/runs?limit=50{query}", 0)
            cursor = first["next"]
            if not cursor:
                raise SystemExit(f"no next cursor for {label}")
            path = f"/api/v1/runs?limit=50{query}&cursor={cursor}"
            times, body = timed_gets(client, path, requests)
            ids = {item["id"] for item in first["items"]} & {item["id"] for item in body["items"]}
            if ids or len(body["items"]) != 50:
                raise SystemExit(
                    f"page 2 of {label}: {len(body['items'])} items, {len(ids)} repeated"
                )
            p95 = percentile(times, 95)
            lines.append(
                row(f"page 2 (cursor) of {label}", percentile(times, 50), p95, None,
                    "p95 <= 50 ms", verdict(p95, 50))
            )  # fmt: skip
    return lines


def last_event_id(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])


def event_bench(server: Server, home: Path, args: argparse.Namespace) -> tuple[list[str], int]:
    """Latency rows and the server's RSS after the events with the clients connected."""
    db = home / "history.db"
    after = last_event_id(db)
    procs: list[tuple[subprocess.Popen[str], Path]] = []
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
        assert proc.stdout is not None and proc.stdin is not None
        if proc.stdout.readline().strip() != "connected":
            raise SystemExit("WebSocket clients did not connect")
    time.sleep(1.0)  # let the server settle with every client subscribed
    rss_idle = server.rss()
    writer = subprocess.run(
        [sys.executable, str(HERE / "dashboard_writer.py"), f"sqlite:///{db}",
         str(args.events), str(args.rate)],
        capture_output=True, text=True, env=bench_env(home), check=True,
    )  # fmt: skip
    written = {}
    for line in writer.stdout.split("\n"):
        if line.strip():
            seq, ts, committed = line.split()
            written[int(seq)] = (float(ts), float(committed))
    results: list[dict[str, Any]] = []
    for proc, _ in procs:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(f"drain {args.events}\n")
        proc.stdin.flush()
    for proc, out in procs:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "done":
            raise SystemExit("WebSocket clients failed")
        results += json.loads(out.read_text())
    time.sleep(0.5)
    rss = server.rss()
    threads = server.threads()
    for proc, _ in procs:
        assert proc.stdin is not None
        proc.stdin.write("close\n")
        proc.stdin.flush()
    for proc, _ in procs:
        proc.wait(timeout=60)
    from_commit, from_ts = [], []
    complete, resumes, errors, doubled = 0, 0, [], 0
    for client in results:
        seqs = [seq for seq, _, _ in client["events"]]
        doubled += len(seqs) - len(set(seqs))
        complete += set(seqs) == set(written)
        resumes += client["resumes"]
        if client["error"]:
            errors.append(client["error"])
        for seq, at, _ in client["events"]:
            ts, committed = written[seq]
            from_commit.append((at - committed) * 1000)
            from_ts.append((at - ts) * 1000)
    p95 = percentile(from_commit, 95)
    label = f"commit -> {args.clients} clients ({len(from_commit)} pairs)"
    lines = [
        row(label, percentile(from_commit, 50), p95, percentile(from_commit, 99),
            "p95 <= 50 ms", verdict(p95, 50)),
        row("event ts (before the write) -> clients", percentile(from_ts, 50),
            percentile(from_ts, 95), percentile(from_ts, 99), "", ""),
        f"  every event on every client: {complete}/{len(results)} clients got all "
        f"{len(written)} events; {doubled} duplicates; {resumes} resumes; "
        f"{len(errors)} errors{' (' + errors[0] + ')' if errors else ''}   "
        f"{'PASS' if complete == args.clients and not doubled else 'GAP'}",
        f"  server RSS with {args.clients} clients connected, before the events: "
        f"{rss_idle / MIB:.1f} MiB; {threads} threads after",
    ]  # fmt: skip
    return lines, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50.0, help="events per second")
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--requests", type=int, default=200, help="per list query")
    parser.add_argument("--loads", type=int, default=5, help="runs page loads")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sr-bench-dash-"))
    home = work / "home"
    home.mkdir()
    server: Server | None = None
    try:
        seeded = seed(f"sqlite:///{home / 'history.db'}", runs=args.runs)
        print(
            f"dashboard: {seeded.runs:,} runs + {seeded.workflows:,} workflows "
            f"({seeded.tasks:,} tasks), {seeded.events:,} events, seeded in {seeded.seconds:.1f} s"
        )
        load_before = load()
        server = start_server(home, work / "serve.stderr")
        rss_start = server.rss()
        header = f"  {'':<44}{'p50':>8}{'p95':>8}{'p99':>8}   {'target':<14}"
        print(f"GET /api/v1/runs?limit=50 over {seeded.runs:,} runs (ms, {args.requests} each):")
        print(header)
        print("\n".join(list_bench(server, seeded, args.requests)))

        loads, console = page_loads(server.url, server.token, args.loads)
        first = [p.first_row_ms for p in loads]
        print(f"runs page in Chromium, {args.loads} loads in fresh contexts (ms):")
        print(f"  {'':<44}{'median':>8}{'max':>8}{'min':>8}   {'target':<14}")
        print(
            row("navigation start -> first visible row", statistics.median(first), max(first),
                min(first), "<= 1000 ms", verdict(max(first), 1000))
        )  # fmt: skip
        wall = [p.wall_ms for p in loads]
        dcl = [p.dom_content_loaded_ms for p in loads]
        print(row("  goto -> row visible (Playwright)", statistics.median(wall), max(wall),
                  min(wall), "", ""))  # fmt: skip
        print(row("  DOMContentLoaded", statistics.median(dcl), max(dcl), min(dcl), "", ""))
        print(f"  rows shown: {loads[-1].rows}; console errors: {len(console)}")

        print(
            f"event latency, {args.events} events at {args.rate:g}/s by a writer process, "
            f"{args.clients} WebSocket clients in {args.client_procs} processes (ms):"
        )
        print(header)
        lines, rss = event_bench(server, home, args)
        print("\n".join(lines))
        print("server memory (RSS, process and children):")
        print(f"  at start {rss_start / MIB:.1f} MiB")
        print(
            f"  {args.clients} clients connected, after the events: {rss / MIB:.1f} MiB"
            f"   target <= 150 MiB   {verdict(rss / MIB, 150)}"
        )
        print(f"load average (1/5/15 min) before: {load_before}; after: {load()}")
    finally:
        if server is not None:
            code = server.stop()
            if code != 0:
                print(f"serve exited {code}: {(work / 'serve.stderr').read_text()[-2000:]}")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
