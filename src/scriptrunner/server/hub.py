"""``EventHub``: fans the events the tail reads out to every connected client.

The tail thread calls :meth:`EventHub.publish` with batches in id order; the batch is
handed to the event loop, which puts each event into the bounded queue of every
subscriber whose type filter wants it, and moves ``horizon`` (the highest id published) in
the same step.  Subscribing and publishing both happen on the loop, so a subscriber gets
every event above the horizon it was given, and none at or below it (those it reads from
the table: see ``routes/events.py``).

A subscriber whose queue is full is not waited for: it is marked ``overflowed``, dropped
from the hub, and its connection tells the client to resume from the last event it was
sent.  So a slow client costs the others nothing, and at most ``queue_size`` events of
memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from scriptrunner.errors import StoreError
from scriptrunner.server.eventlog import StoredEvent, TypeFilter
from scriptrunner.server.tail import EventTail
from scriptrunner.store.base import db_error

if TYPE_CHECKING:
    from scriptrunner.server.context import ServerContext

logger = logging.getLogger(__name__)

#: Events a client may fall behind the stream before it is told to resume.
QUEUE_SIZE = 1024
#: Seconds between heartbeat pings on a quiet WebSocket.
HEARTBEAT_SECONDS = 15.0


class Subscription:
    """One client's place in the stream: its filter and its bounded queue.

    A deque and one waiter future rather than an ``asyncio.Queue``: with 100 clients every
    event wakes 100 of these, and this is the cheapest wake-up asyncio offers."""

    __slots__ = ("filter", "overflowed", "_items", "_size", "_waiter")

    def __init__(self, wanted: TypeFilter, size: int) -> None:
        self.filter = wanted
        #: The queue was full: events were dropped, the client must resume.
        self.overflowed = False
        self._items: deque[StoredEvent] = deque()
        self._size = size
        self._waiter: asyncio.Future[None] | None = None

    @property
    def pending(self) -> int:
        """Events queued and not yet taken."""
        return len(self._items)

    async def next(self, timeout: float) -> StoredEvent | None:
        """The next event, or None after ``timeout`` seconds or once overflowed."""
        if not self._items and not self.overflowed:
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            alarm = loop.call_later(timeout, _wake, waiter)
            try:
                await waiter
            finally:
                alarm.cancel()
                self._waiter = None
        if self.overflowed or not self._items:
            return None
        return self._items.popleft()

    def _offer(self, event: StoredEvent) -> bool:
        """Queue ``event``; False when the queue is full."""
        if len(self._items) >= self._size:
            return False
        self._items.append(event)
        if self._waiter is not None:
            _wake(self._waiter)
        return True

    def _overflow(self) -> None:
        self.overflowed = True
        self._items.clear()
        if self._waiter is not None:
            _wake(self._waiter)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class EventHub:
    """Fan-out of the live event stream; counters for ``/metrics``."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        horizon: int = 0,
        queue_size: int = QUEUE_SIZE,
        heartbeat: float = HEARTBEAT_SECONDS,
    ) -> None:
        self._loop = loop
        self._subscribers: set[Subscription] = set()
        self._moved = asyncio.Event()
        self.queue_size = queue_size
        #: Seconds between pings on a quiet WebSocket (``routes/events.py`` reads it).
        self.heartbeat = heartbeat
        #: The highest event id published: every event up to it is in subscribers' queues
        #: or was read before they subscribed.
        self.horizon = horizon
        self.tail: EventTail | None = None
        #: Counters: events read from the table, events delivered to clients (the WebSocket
        #: counts its sends), subscribers told to resume.
        self.events_published = 0
        self.delivered = 0
        self.overflows = 0
        self._closed = False

    # -- metrics -------------------------------------------------------------------------

    @property
    def clients(self) -> int:
        """Connected subscribers (WebSocket clients)."""
        return len(self._subscribers)

    @property
    def tail_error(self) -> str | None:
        """The tail's last store error, None while it reads."""
        return self.tail.error if self.tail is not None else None

    # -- clients (on the loop) -----------------------------------------------------------

    def subscribe(self, wanted: TypeFilter | None = None) -> tuple[Subscription, int]:
        """A new subscription and the horizon: it gets every event above that id."""
        sub = Subscription(wanted or TypeFilter(), self.queue_size)
        if self._closed:
            sub._overflow()
        else:
            self._subscribers.add(sub)
        return sub, self.horizon

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)

    async def wait_for(self, event_id: int, timeout: float) -> bool:
        """Wait (at most ``timeout`` seconds) until the horizon reaches ``event_id``."""
        deadline = self._loop.time() + timeout
        while self.horizon < event_id:
            remaining = deadline - self._loop.time()
            if remaining <= 0:
                return False
            self._moved.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._moved.wait(), remaining)
        return True

    # -- the tail's side -----------------------------------------------------------------

    def publish(self, events: Sequence[StoredEvent]) -> None:
        """Hand a batch (in id order) to the subscribers; callable from any thread."""
        if events and not self._closed:
            batch = list(events)
            with contextlib.suppress(RuntimeError):  # the loop is closing
                self._loop.call_soon_threadsafe(self._dispatch, batch)

    def _dispatch(self, batch: list[StoredEvent]) -> None:
        for sub in list(self._subscribers):
            offer = sub._offer
            wanted = sub.filter
            for event in batch:
                if wanted.matches(event.type) and not offer(event):
                    self.overflows += 1
                    self._subscribers.discard(sub)
                    sub._overflow()
                    break
        self.horizon = batch[-1].id
        self.events_published += len(batch)
        self._moved.set()

    def close(self) -> None:
        """Stop the tail and release every subscriber (each is told to resume)."""
        self._closed = True
        if self.tail is not None:
            self.tail.close()
        for sub in list(self._subscribers):
            sub._overflow()
        self._subscribers.clear()


def start_hub(ctx: ServerContext, **options: Any) -> EventHub:
    """The server's hub, fed by one tail of ``ctx.reader``'s store from its current end;
    call from the event loop (the app's lifespan).  ``options`` go to ``EventHub``."""
    hub = EventHub(asyncio.get_running_loop(), **options)
    try:
        tail = EventTail.at_end(
            ctx.reader.engine, hub.publish, busy_timeout=ctx.settings.busy_timeout
        )
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the events of {ctx.reader.where}: {db_error(exc)}") from exc
    hub.horizon = tail.last
    hub.tail = tail
    tail.start()
    logger.debug("event tail started after id %d", tail.last)
    return hub
