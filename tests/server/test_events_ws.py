"""The live event stream of a real ``scriptrunner serve``: events written by the CLI in
other processes arrive in id order, a dropped connection resumes with nothing missing or
doubled, type filters hold, and a client that stops reading is told to resume while the
others keep receiving.  Every check compares what was received with the events table."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import websockets
from tests.fixtures.cli import run_python
from tests.fixtures.server import Served, serve

from scriptrunner.server.eventlog import event_item
from scriptrunner.store.reader import HistoryReader

pytestmark = pytest.mark.slow

#: Writes N filler events of SIZE random (incompressible) bytes each (in transactions of 100, 50 a second) to the
#: store at URL: another process writing fast, as a busy workflow or many runners would.
WRITER = """
import contextlib, os, sys, time
from scriptrunner.events import Event
from scriptrunner.store import open_store_url
from scriptrunner.store.recorder import Recorder
store = open_store_url(sys.argv[1])
recorder = Recorder(store)
count, size = int(sys.argv[2]), int(sys.argv[3])
for start in range(0, count, 100):
    # The SQLite fast path groups commits; on PostgreSQL each event is its own commit.
    with getattr(store, "transaction", contextlib.nullcontext)():
        recorder.record([Event("test.filler", None, {"i": i, "pad": os.urandom(size // 2).hex()})
                         for i in range(start, min(start + 100, count))])
    time.sleep(0.02)
store.close()
"""


@pytest.fixture
def served(tmp_path: Path, empty_store_url: str) -> Iterator[Served]:
    with serve(tmp_path / "home", env={"SCRIPTRUNNER_DATABASE_URL": empty_store_url}) as s:
        yield s


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "job.py"
    path.write_text("import sys\nprint('out <b>\\xff')\nsys.exit(int(sys.argv[1]))\n")
    return path


def stored(served: Served) -> list[dict[str, Any]]:
    """The events table, as EVENT objects."""
    reader = HistoryReader(served.env.get("SCRIPTRUNNER_DATABASE_URL") or "")
    try:
        return [event_item(row) for row in reader.events(after_id=0, limit=1_000_000)]
    finally:
        reader.close()


def connect(served: Served, query: str = "", **options: Any) -> Any:
    headers = {"Authorization": f"Bearer {served.token}"}
    url = f"{served.ws_url}/api/v1/events/ws{query}"
    return websockets.connect(url, additional_headers=headers, open_timeout=20, **options)


async def receive_until(ws: Any, last_id: int, timeout: float = 30) -> list[dict[str, Any]]:
    """Events (pings left out) until the one with ``last_id``."""
    got: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while not got or got[-1]["id"] < last_id:
            message = json.loads(await ws.recv())
            if message["type"] != "ping":
                got.append(message | {"received": time.time()})
    return got


async def receive_live(
    ws: Any, writing: Coroutine[Any, Any, Any], served: Served
) -> list[dict[str, Any]]:
    """Events as they arrive (each with its arrival time) while ``writing`` runs, until the
    last one stored when it is done."""
    got: list[dict[str, Any]] = []

    async def read() -> None:
        async for text in ws:
            message = json.loads(text)
            if message["type"] != "ping":
                got.append(message | {"received": time.time()})

    reading = asyncio.ensure_future(read())
    try:
        await writing
        last = stored(served)[-1]["id"]
        async with asyncio.timeout(120):
            while not got or got[-1]["id"] < last:
                await asyncio.sleep(0.01)
    finally:
        reading.cancel()
    return got


def run_in_background(served: Served, script: Path, codes: list[int]) -> threading.Thread:
    def work() -> None:
        for code in codes:
            # An argument holding a byte that is not UTF-8: stored exactly, shown escaped.
            served.cli("run", "--tag", f"code={code}", str(script), str(code), "caf\udcff")

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_cli_runs_arrive_live_in_order_and_match_the_table(served: Served, script: Path) -> None:
    async def main() -> list[dict[str, Any]]:
        async with connect(served, "?after=0") as ws:
            writer = run_in_background(served, script, [0, 3])
            return await receive_live(ws, asyncio.to_thread(writer.join), served)

    got = asyncio.run(main())
    table = stored(served)
    assert [{k: v for k, v in m.items() if k != "received"} for m in got] == table
    assert {e["type"] for e in table} >= {"run.started", "run.finished"}
    assert "\\xff" in json.dumps(table)  # the undecodable byte, shown as the reader shows it
    latency = [m["received"] - m["ts"] for m in got]
    assert max(latency) < 1.0, latency  # generous: a shared machine (bench: p95 target 50 ms)
    with served.client() as client:
        listed = client.get("/api/v1/events", params={"limit": 500}).json()
    assert listed == {"items": table, "next": None}


def test_a_dropped_socket_resumes_with_nothing_missing_or_doubled(
    served: Served, script: Path
) -> None:
    async def main() -> list[dict[str, Any]]:
        writer = run_in_background(served, script, [0, 1, 0, 2, 0, 0])
        received: list[dict[str, Any]] = []
        after = 0
        for drop_after in (2, 3, 5, 4):  # drop mid-stream, several times
            async with connect(served, f"?after={after}") as ws:
                for _ in range(drop_after):
                    message = json.loads(await asyncio.wait_for(ws.recv(), 60))
                    if message["type"] != "ping":
                        received.append(message)
            after = received[-1]["id"]
        await asyncio.to_thread(writer.join)
        async with connect(served, f"?after={after}") as ws:
            received += await receive_until(ws, stored(served)[-1]["id"])
        return received

    received = [{k: v for k, v in m.items() if k != "received"} for m in asyncio.run(main())]
    assert received == stored(served)


@pytest.mark.parametrize(
    "types", ["run.*", "run.finished,run.started", "task.*", "workflow.finished,task.*", "x.*"]
)
def test_type_filters_on_the_socket_and_the_list(served: Served, script: Path, types: str) -> None:
    assert served.cli("run", str(script), "0").returncode == 0
    flow = script.with_name("flow.yml")
    flow.write_text("name: pair\ntasks:\n  a: {run: 'true'}\n  b: {needs: [a], run: 'true'}\n")
    done = served.cli("workflow", "run", str(flow))
    assert done.returncode == 0, done.stderr
    table = stored(served)
    names = types.split(",")
    prefixes = tuple(n[:-1] for n in names if n.endswith(".*"))
    wanted = [e for e in table if e["type"] in names or e["type"].startswith(prefixes)]
    assert wanted or types == "x.*"

    async def main() -> list[dict[str, Any]]:
        async with connect(served, f"?after=0&types={types}") as ws:
            if not wanted:
                # Nothing may come: a later event of another type must not arrive either.
                assert served.cli("run", str(script), "0").returncode == 0
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(ws.recv(), 1.0)
                return []
            return await receive_until(ws, wanted[-1]["id"])

    got = [{k: v for k, v in m.items() if k != "received"} for m in asyncio.run(main())]
    assert got == wanted
    with served.client() as client:
        listed = client.get("/api/v1/events", params={"types": types}).json()["items"]
        assert listed == wanted
        assert client.get("/api/v1/events", params={"types": "run*"}).status_code == 400


def test_bad_stream_parameters_are_refused_with_400(served: Served) -> None:
    async def status(query: str) -> int:
        try:
            async with connect(served, query):
                return 101
        except websockets.InvalidStatus as exc:
            return exc.response.status_code

    assert asyncio.run(status("?types=Run")) == 400
    assert asyncio.run(status("?after=-1")) == 400
    assert asyncio.run(status(f"?after={2**63}")) == 400
    assert asyncio.run(status(f"?after={2**63 - 1}")) == 101
    assert asyncio.run(status("?after=0&types=run.*")) == 101


def small_socket(served: Served) -> socket.socket:
    """A client socket with a tiny receive buffer: a client that stops reading is noticed
    by the server after kilobytes, not megabytes."""
    address = urlsplit(served.url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((address.hostname, address.port))
    return sock


def clients_connected(served: Served) -> int:
    with served.client() as client:
        text = client.get("/metrics").text
    found = re.search(r"^scriptrunner_websocket_clients (\S+)$", text, re.MULTILINE)
    assert found, text
    return int(float(found.group(1)))


def test_a_slow_client_is_told_to_resume_while_a_fast_one_keeps_receiving(
    served: Served, tmp_path: Path
) -> None:
    url = served.env.get("SCRIPTRUNNER_DATABASE_URL") or ""

    async def write_until_the_slow_one_is_dropped() -> None:
        # What a stalled connection absorbs depends on the kernel's buffers (megabytes on
        # loopback): write rounds of 2,000 events until the server has dropped it.
        for _ in range(8):
            done = await asyncio.to_thread(
                run_python, WRITER, url, "2000", "1000", env=served.env, cwd=tmp_path, timeout=300
            )
            assert done.returncode == 0, done.stderr
            if await asyncio.to_thread(clients_connected, served) == 1:
                return
        raise AssertionError("the client that does not read was never told to resume")

    async def main() -> tuple[list[dict[str, Any]], list[dict[str, Any]], Any]:
        async with (
            connect(served, "?after=0", compression=None) as fast,
            # Uncompressed, random padding: the bytes on the wire are the bytes written.
            connect(
                served, "?after=0", sock=small_socket(served), max_queue=2, compression=None
            ) as slow,
        ):
            fast_got = await receive_live(fast, write_until_the_slow_one_is_dropped(), served)
            # Only now does the slow client read: what it was sent, then the resume message.
            slow_got: list[dict[str, Any]] = []
            async with asyncio.timeout(60):
                with contextlib.suppress(websockets.ConnectionClosedError):  # 4000 is not 1000
                    async for text in slow:
                        slow_got.append(json.loads(text))
            return fast_got, slow_got, slow.close_code

    fast_got, slow_got, close_code = asyncio.run(main())
    table = stored(served)
    assert [m["id"] for m in fast_got] == [e["id"] for e in table]
    assert close_code == 4000
    events = [m for m in slow_got if m["type"] not in ("ping", "resume")]
    resume = slow_got[-1]
    assert resume["type"] == "resume" and resume["after"] == events[-1]["id"]
    assert events == table[: len(events)] and len(events) < len(table)

    async def resumed() -> list[dict[str, Any]]:
        async with connect(served, f"?after={resume['after']}") as ws:
            return await receive_until(ws, table[-1]["id"], timeout=120)

    rest = [{k: v for k, v in m.items() if k != "received"} for m in asyncio.run(resumed())]
    assert events + rest == table
