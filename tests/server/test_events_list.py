"""``GET /api/v1/events`` of a real server over runs made by the CLI (pages, filters, bad
input), and the heartbeat of a quiet WebSocket (in process, with a short interval)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import websockets
from tests.fixtures.server import Served, serve
from tests.fixtures.waiting import wait_until

from scriptrunner.server.app import create_app
from scriptrunner.server.context import ServerContext
from scriptrunner.server.eventlog import event_item
from scriptrunner.server.options import ServeOptions
from scriptrunner.settings import Settings
from scriptrunner.store.reader import HistoryReader
from scriptrunner.store.tokens import TokenStore

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("events-list")
    script = root / "job.py"
    script.write_text("import sys\nsys.exit(int(sys.argv[1]))\n")
    with serve(root / "home") as s:
        for code in ("0", "1", "0"):
            s.cli("run", str(script), code)
        yield s


def table(served: Served) -> list[dict[str, Any]]:
    reader = HistoryReader(f"sqlite:///{served.home / 'history.db'}")
    try:
        return [event_item(row) for row in reader.events(after_id=0)]
    finally:
        reader.close()


def test_pages_follow_the_cursor_through_the_whole_table(served: Served) -> None:
    pages: list[list[dict[str, Any]]] = []
    params: dict[str, Any] = {"limit": 2}
    with served.client() as client:
        while True:
            answer = client.get("/api/v1/events", params=params)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            pages.append(body["items"])
            if body["next"] is None:
                break
            params["cursor"] = body["next"]
    everything = table(served)
    assert len(everything) >= 9
    assert [item for page in pages for item in page] == everything
    assert all(len(page) == 2 for page in pages[:-1])


def test_after_run_id_and_types_filter_the_list(served: Served) -> None:
    everything = table(served)
    run_id = everything[-1]["run_id"]
    with served.client() as client:

        def items(**params: Any) -> list[dict[str, Any]]:
            answer = client.get("/api/v1/events", params=params)
            assert answer.status_code == 200, answer.text
            return list(answer.json()["items"])

        middle = everything[3]["id"]
        assert items(after=middle, limit=500) == [e for e in everything if e["id"] > middle]
        assert items(run_id=run_id) == [e for e in everything if e["run_id"] == run_id]
        assert items(run_id="0" * 32) == []
        finished = [e for e in everything if e["type"] == "run.finished"]
        assert items(types="run.finished") == finished
        assert [e["payload"]["exit_code"] for e in finished] == [0, 1, 0]
        assert items(types="no.such.type,nothing.*") == []


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"cursor": "abc"}, 400),
        ({"cursor": "WyJ4Il0"}, 400),  # base64url of ["x"]: not an id
        ({"types": "run*"}, 400),
        ({"types": ","}, 400),
        ({"limit": 0}, 422),
        ({"limit": 501}, 422),
        ({"after": -1}, 422),
        ({"after": 2**63}, 422),  # beyond any id a store holds
    ],
)
def test_bad_list_parameters_are_refused(
    served: Served, params: dict[str, Any], status: int
) -> None:
    with served.client() as client:
        answer = client.get("/api/v1/events", params=params)
    assert answer.status_code == status, answer.text
    assert answer.json()["detail"]


def test_a_quiet_stream_gets_heartbeat_pings(tmp_path: Path) -> None:
    """In process (uvicorn on a thread), to shorten the hub's 15 s interval."""
    settings = Settings(home=tmp_path / "home")
    reader = HistoryReader(settings.store_url)
    tokens = TokenStore(reader.engine, reader.where)
    _, token = tokens.create("viewer", "heartbeat")
    ctx = ServerContext(settings, ServeOptions(), reader, tokens)
    config = uvicorn.Config(create_app(ctx), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run)
    thread.start()

    async def two_pings() -> list[dict[str, Any]]:
        port = server.servers[0].sockets[0].getsockname()[1]
        url = f"ws://127.0.0.1:{port}/api/v1/events/ws"
        headers = {"Authorization": f"Bearer {token}"}
        async with websockets.connect(url, additional_headers=headers) as ws:
            return [json.loads(await asyncio.wait_for(ws.recv(), 10)) for _ in range(2)]

    try:
        wait_until(lambda: server.started, "the server to start")
        ctx.services["hub"].heartbeat = 0.2  # the interval is the hub's (15 s by default)
        started = time.time()
        pings = asyncio.run(two_pings())
    finally:
        server.should_exit = True
        thread.join(30)
        reader.close()
    assert [p["type"] for p in pings] == ["ping", "ping"]
    assert started < pings[0]["ts"] < pings[1]["ts"] < started + 5
