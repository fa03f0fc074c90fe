"""Live event latency of ``scriptrunner serve`` with many WebSocket clients.

    .venv/bin/python bench/event_stream.py [--clients 100] [--events 200] [--rate 20]
                                           [--database-url URL] [--compression]

Starts a real ``scriptrunner serve`` (a fresh home), connects N WebSocket clients, and lets
another process write events one by one (one commit each, ``--rate`` a second) through the
store's own writer.  Latency = arrival on a client - the event's ``ts`` (taken just before
the write, so it includes the commit): p50/p95/p99 over every (event, client) pair.
Targets (issue #16): p95 <= 50 ms with 100 clients; server memory <= 150 MiB.

The clients share one process (and the machine with the server), so their own queueing is
part of the figure: an upper bound of what separate browsers would see.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import websockets

SCRIPTRUNNER = Path(sys.executable).with_name("scriptrunner")

WRITER = """
import sys, time
from scriptrunner.store import open_store_url
from scriptrunner.store.recorder import Recorder
store = open_store_url(sys.argv[1])
recorder = Recorder(store)
count, pause = int(sys.argv[2]), 1.0 / float(sys.argv[3])
for i in range(count):
    recorder.emit("bench.tick", None, i=i)
    time.sleep(pause)
store.close()
"""


def start_server(home: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen(
        [str(SCRIPTRUNNER), "serve", "--port", "0"],
        env=env,
        cwd=home.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for _ in range(5):
        found = re.search(r"Serving on (http\S+)", proc.stdout.readline())
        if found:
            url = found.group(1).rstrip("/")
            return proc, url, (home / "serve-token").read_text().strip()
    raise SystemExit(f"serve did not start: {proc.communicate(timeout=10)}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def client(url: str, token: str, count: int, out: list[float], compression: bool) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    options: dict[str, Any] = {} if compression else {"compression": None}
    async with websockets.connect(url, additional_headers=headers, **options) as ws:
        seen = 0
        while seen < count:
            message = json.loads(await ws.recv())
            if message["type"] == "bench.tick":
                out.append(time.time() - message["ts"])
                seen += 1


async def measure(args: argparse.Namespace, url: str, token: str, env: dict[str, str]) -> None:
    ws_url = "ws" + url[len("http") :] + "/api/v1/events/ws?types=bench.*"
    latencies: list[float] = []
    clients = [
        asyncio.ensure_future(client(ws_url, token, args.events, latencies, args.compression))
        for _ in range(args.clients)
    ]
    await asyncio.sleep(2.0)  # every client connected and subscribed
    store_url = (
        env.get("SCRIPTRUNNER_DATABASE_URL") or f"sqlite:///{env['SCRIPTRUNNER_HOME']}/history.db"
    )
    writer = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WRITER, store_url, str(args.events), str(args.rate), env=env
    )
    await writer.wait()
    await asyncio.wait_for(asyncio.gather(*clients), 60)
    ms = sorted(x * 1000 for x in latencies)
    q = statistics.quantiles(ms, n=100)
    print(
        f"event latency, {args.clients} clients x {args.events} events "
        f"({'deflate' if args.compression else 'no compression'}): "
        f"p50 {q[49]:.1f} ms  p95 {q[94]:.1f} ms  p99 {q[98]:.1f} ms  max {ms[-1]:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="events per second")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--compression", action="store_true", help="negotiate permessage-deflate")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-events-")) / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRIPTRUNNER_")}
    env["SCRIPTRUNNER_HOME"] = str(home)
    if args.database_url:
        env["SCRIPTRUNNER_DATABASE_URL"] = args.database_url
    proc, url, token = start_server(home, env)
    try:
        idle = rss_mib(proc.pid)
        cpu = cpu_seconds(proc.pid)
        asyncio.run(measure(args, url, token, env))
        used = (cpu_seconds(proc.pid) - cpu) * 1000 / args.events
        print(f"server memory: {idle:.0f} MiB idle, {rss_mib(proc.pid):.0f} MiB after the run")
        print(f"server CPU: {used:.1f} ms per event (all clients, plus idle polling)")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        shutil.rmtree(home.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
