"""WebSocket clients of ``bench/dashboard.py``: one process, one asyncio loop, N clients
of ``/api/v1/events/ws`` (the ``websockets`` library), each timing every event it gets.

    python bench/dashboard_clients.py WS_URL TOKEN CLIENTS AFTER OUT_JSON

Protocol with the bench, over stdin/stdout: prints ``connected`` once all clients are
open (each asked for the events after id AFTER, so none written later can be missed); on
the line ``drain LAST`` it waits (at most 15 s) until every client has been sent event id
LAST, writes OUT_JSON (per client: ``[id, receive time]`` of every event, in the order
received; resumes; error) and prints ``done``; on ``close`` it closes the connections and
exits.  A client told to resume (its queue overflowed: message ``resume``, close code
4000) reconnects with ``after=`` the id it names, as the protocol asks; resumes are counted.

The receive time is ``time.time()`` taken as soon as the client's coroutine gets the
message from the library, before it is parsed, so any delay of this loop counts against
the server, never for it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


class Client:
    def __init__(self, url: str, token: str, after: int) -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.after = after  # the last event id received
        self.received: list[tuple[int, float]] = []
        self.target = -1
        self.resumes = 0
        self.opened = asyncio.Event()
        self.complete = asyncio.Event()
        self.error = ""

    async def run(self, stop: asyncio.Event) -> None:
        stopping = asyncio.ensure_future(stop.wait())
        while not stop.is_set():
            try:
                async with connect(
                    f"{self.url}/api/v1/events/ws?after={self.after}",
                    additional_headers=self.headers,
                    open_timeout=60,
                    max_size=2**22,
                ) as ws:
                    self.opened.set()
                    while True:
                        receiving = asyncio.ensure_future(ws.recv())
                        await asyncio.wait(
                            (receiving, stopping), return_when=asyncio.FIRST_COMPLETED
                        )
                        if not receiving.done():
                            receiving.cancel()
                            return
                        message = receiving.result()
                        at = time.time()
                        self._note(json.loads(message), at)
            except ConnectionClosed as exc:
                if exc.rcvd is None or exc.rcvd.code != 4000:
                    self.error = f"closed: {exc}"
                    self.opened.set()
                    return
                self.resumes += 1
            except Exception as exc:  # reported, not raised: the others go on
                self.error = f"{type(exc).__name__}: {exc}"
                self.opened.set()
                return

    def _note(self, item: dict[str, Any], at: float) -> None:
        if item.get("type") == "resume":
            self.after = int(item["after"])
        elif "id" in item:
            self.after = int(item["id"])
            self.received.append((self.after, at))
            if 0 <= self.target <= self.after:
                self.complete.set()

    def expect(self, last: int) -> None:
        self.target = last
        if last <= self.after:
            self.complete.set()

    def result(self) -> dict[str, Any]:
        return {"events": self.received, "resumes": self.resumes, "error": self.error}


async def main() -> None:
    url, token, count, after, out = sys.argv[1:6]
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    clients = [Client(url, token, int(after)) for _ in range(int(count))]
    tasks = [asyncio.ensure_future(c.run(stop)) for c in clients]
    await asyncio.gather(*(c.opened.wait() for c in clients))
    print("connected", flush=True)
    line = await loop.run_in_executor(None, sys.stdin.readline)
    for c in clients:
        c.expect(int(line.split()[1]))
    try:
        await asyncio.wait_for(asyncio.gather(*(c.complete.wait() for c in clients)), 15)
    except TimeoutError:
        pass
    with open(out, "w") as fh:
        json.dump([c.result() for c in clients], fh)
    print("done", flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    stop.set()
    await asyncio.gather(*tasks)


if __name__ == "__main__":
    asyncio.run(main())
