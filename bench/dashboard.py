"""The dashboard (``scriptrunner serve``) under load, measured side by side in one run.

    .venv/bin/python bench/dashboard.py [--clients 100] [--runs 100000] [--events 200]
        [--rate 50] [--client-procs 2] [--cli-runs 20] [--requests 200] [--loads 5]

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
3. Event latency (``bench/dashboard_events.py``): ``--clients`` WebSocket clients of
   ``/api/v1/events/ws`` (the ``websockets`` library; ``--client-procs`` processes, one
   asyncio loop each: ``bench/dashboard_clients.py``; on 2 cores one loop added ~2 ms to
   the p50 and four processes contended with the server, so 2 by default; the clients
   share the machine with the server: an upper bound of what separate browsers see).  First a separate writer process
   appends ``--events`` events at ``--rate`` per second through the store code the CLI
   uses (``open_store_url(...).append_event``: ``bench/dashboard_writer.py``); latency per
   (event, client) = the client's receive time - the writer's ``time.time()`` right after
   the commit returned (a side channel); the same from the event's ``ts`` (set just before
   the write) is shown too.  Then ``--cli-runs`` real ``scriptrunner run`` processes of a
   tiny script (their ``run.*`` events, timed from their ``ts``).  Every client must be
   sent exactly the events the table holds, in order, once.  Target p95 <= 50 ms.
4. The server's RSS (the process and its children, psutil) with the clients still
   connected, after the events.  Target <= 150 MiB.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from dashboard_browser import page_loads
from dashboard_events import event_bench
from dashboard_seed import DAY, seed
from dashboard_serve import Server, load, percentile, row, start_server, verdict

MIB = 2**20


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


def browser_bench(server: Server, loads: int) -> list[str]:
    if httpx.get(server.url, timeout=30).status_code == 404:
        return ["  not measured: this server has no runs page (GET / answers 404)   GAP"]
    timed, console = page_loads(server.url, server.token, loads)
    first = [p.first_row_ms for p in timed]
    wall = [p.wall_ms for p in timed]
    dcl = [p.dom_content_loaded_ms for p in timed]
    return [
        f"  {'':<46}{'median':>8}{'max':>8}{'min':>8}   {'target':<14}",
        row("navigation start -> first visible row", statistics.median(first), max(first),
            min(first), "<= 1000 ms", verdict(max(first), 1000)),
        row("  goto -> row visible (Playwright)", statistics.median(wall), max(wall),
            min(wall), "", ""),
        row("  DOMContentLoaded", statistics.median(dcl), max(dcl), min(dcl), "", ""),
        f"  rows shown: {timed[-1].rows}; console errors: {len(console)}",
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50.0, help="events per second")
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--cli-runs", type=int, default=20, help="real `scriptrunner run`s")
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
        header = f"  {'':<46}{'p50':>8}{'p95':>8}{'p99':>8}   {'target':<14}"
        print(f"GET /api/v1/runs?limit=50 over {seeded.runs:,} runs (ms, {args.requests} each):")
        print(header)
        print("\n".join(list_bench(server, seeded, args.requests)))

        print(f"runs page in Chromium, {args.loads} loads in fresh contexts (ms):")
        print("\n".join(browser_bench(server, args.loads)))

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
