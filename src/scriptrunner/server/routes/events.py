"""``GET /api/v1/events`` (pages of the events table) and the live stream
``/api/v1/events/ws``.

The WebSocket subscribes to the hub *first*, which gives it the hub's horizon; it then
sends the backlog from the table (``after < id <= horizon``, in pages) and switches to the
events the hub queued meanwhile, all above the horizon: no gap, no duplicate.  A quiet
stream gets a ``{"type":"ping"}`` every ``hub.heartbeat`` seconds; a client whose queue
overflowed gets ``{"type":"resume","after":ID}`` and the close code 4000, and reconnects
with ``?after=ID``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Awaitable
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from scriptrunner.server.context import ServerContext, context_of
from scriptrunner.server.eventlog import StoredEvent, TypeFilter, read_events, stored_event
from scriptrunner.server.hub import EventHub, Subscription
from scriptrunner.server.pagination import (
    DEFAULT_LIMIT,
    BadQuery,
    Cursor,
    Limit,
    decode_cursor,
    encode_cursor,
)

router = APIRouter()
logger = logging.getLogger(__name__)

#: Events read from the table per query of the WebSocket's backlog.
BACKLOG_PAGE = 500
#: The close code that tells a client to reconnect with ``?after=`` (the contract's).
RESUME_CODE = 4000
#: The largest id a store can hold (a signed 64-bit integer on both backends).
MAX_ID = 2**63 - 1
#: How long a list request waits for the tail to catch up with rows already in the table.
CATCH_UP_SECONDS = 0.5


def _hub(ctx: ServerContext) -> EventHub | None:
    hub: EventHub | None = ctx.services.get("hub")
    return hub


def _type_filter(types: str | None) -> TypeFilter:
    try:
        return TypeFilter.parse(types)
    except ValueError as exc:
        raise BadQuery(str(exc)) from None


def _read(ctx: ServerContext, **query: Any) -> list[dict[str, Any]]:
    with ctx.reader.engine.connect() as conn:
        return read_events(conn, **query)


@router.get("/events")
async def list_events(
    request: Request,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="only events with a larger id")] = 0,
    types: Annotated[str | None, Query(description="comma-separated: run.finished,task.*")] = None,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Stored events in id order, ``{"items": [EVENT...], "next": CURSOR|null}``."""
    if cursor:
        (last,) = decode_cursor(cursor, 1)
        if not isinstance(last, int) or not 0 <= last <= MAX_ID:
            raise BadQuery("cursor is not a cursor this server gave: pass `next` as is")
        after = max(after, last)
    ctx = context_of(request)
    wanted = _type_filter(types)
    rows = await run_in_threadpool(
        _read, ctx, after=after, types=wanted, run_id=run_id, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    hub = _hub(ctx)
    if hub is not None and rows and rows[-1]["id"] > hub.horizon:
        # Only what the stream has confirmed (see ``server.tail``): on PostgreSQL a higher id
        # may be visible before a lower one, and a page must never skip the lower one.
        await hub.wait_for(rows[-1]["id"], CATCH_UP_SECONDS)
        if rows[-1]["id"] > hub.horizon:
            return {"items": [row for row in rows if row["id"] <= hub.horizon], "next": None}
    return {"items": rows, "next": encode_cursor([rows[-1]["id"]]) if more else None}


def _stream_params(params: QueryParams) -> tuple[int | None, TypeFilter]:
    raw = params.get("after")
    if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) <= MAX_ID):
        raise ValueError(f"after: {raw[:40]!r} is not an event id (a whole number >= 0)")
    return (int(raw) if raw is not None else None), TypeFilter.parse(params.get("types"))


@router.websocket("/events/ws")
async def event_stream(ws: WebSocket) -> None:
    """Live events as JSON text messages: ``?after=ID`` first sends the stored events after
    ID; ``?types=run.*,task.finished`` filters by type."""
    try:
        after, wanted = _stream_params(ws.query_params)
    except ValueError as exc:
        await ws.send_denial_response(JSONResponse({"detail": str(exc)}, status_code=400))
        return
    ctx = context_of(ws)
    hub = _hub(ctx)
    if hub is None:
        await ws.send_denial_response(
            JSONResponse({"detail": "the event stream is not running"}, status_code=503)
        )
        return
    sub, horizon = hub.subscribe(wanted)
    try:
        await ws.accept()
        # Sending and watching for the client's close side by side; the first to end ends
        # both (an anyio task group, as Starlette itself does, so cancellation stays exact).
        async with anyio.create_task_group() as group:

            async def first(work: Awaitable[None]) -> None:
                await work
                group.cancel_scope.cancel()

            group.start_soon(first, _until_closed(ws))
            group.start_soon(first, _send(ws, ctx, hub, sub, after, horizon))
    finally:
        hub.unsubscribe(sub)


async def _until_closed(ws: WebSocket) -> None:
    """Read (and ignore) what the client sends, until it goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return


async def _send(
    ws: WebSocket,
    ctx: ServerContext,
    hub: EventHub,
    sub: Subscription,
    after: int | None,
    horizon: int,
) -> None:
    # ``position``: every wanted event up to this id has been sent (resume after it).
    position = horizon if after is None else after
    try:
        while position < horizon:
            rows = await run_in_threadpool(
                _read, ctx, after=position, upto=horizon, types=sub.filter, limit=BACKLOG_PAGE
            )
            for row in rows:
                await _send_event(ws, hub, stored_event(row))
                position = row["id"]
            if len(rows) < BACKLOG_PAGE:
                break
        quiet_since = time.monotonic()
        while True:
            wait = quiet_since + hub.heartbeat - time.monotonic()
            item = await sub.next(max(wait, 0.0))
            if sub.overflowed:
                await ws.send_text(json.dumps({"type": "resume", "after": position}))
                await ws.close(code=RESUME_CODE, reason="fell behind: resume after the given id")
                return
            if item is None:
                await ws.send_text(json.dumps({"type": "ping", "ts": time.time()}))
            elif item.id > position:
                await _send_event(ws, hub, item)
                position = item.id
            else:
                continue
            quiet_since = time.monotonic()
    except (WebSocketDisconnect, OSError, RuntimeError):
        return  # the client went away (RuntimeError: sending after the close)
    except Exception as exc:  # a store error: end this stream, the client reconnects
        logger.warning("event stream: %s", " ".join(str(exc).split())[:300])
        with contextlib.suppress(Exception):
            await ws.close(code=1011, reason="cannot read the events table; reconnect later")


async def _send_event(ws: WebSocket, hub: EventHub, event: StoredEvent) -> None:
    await ws.send_text(event.text)
    hub.delivered += 1
