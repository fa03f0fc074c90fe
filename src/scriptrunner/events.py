"""The event bus: in-process subscribers, with every event persisted to the history store.

Event types defined so far (later features add their own):

``run.started``, ``run.attempt.finished``, ``run.finished`` — the runner core;
``workflow.started``, ``task.started``, ``task.finished``, ``workflow.finished`` — the
workflow engine.

The store is the system of record: an event is written before subscribers see it, so the
dashboard can always catch up by reading the ``events`` table.  A subscriber that raises is
reported once on the ``scriptrunner.events`` logger and never breaks the run (subscribers
are observers: tracing, progress output, the dashboard).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

RUN_STARTED = "run.started"
RUN_ATTEMPT_FINISHED = "run.attempt.finished"
RUN_FINISHED = "run.finished"
WORKFLOW_STARTED = "workflow.started"
TASK_STARTED = "task.started"
TASK_FINISHED = "task.finished"
WORKFLOW_FINISHED = "workflow.finished"


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened: a type, the run it belongs to, when, and JSON-ready data."""

    type: str
    run_id: str | None
    payload: Mapping[str, Any] = field(default_factory=dict)
    ts: float = field(default_factory=time.time)


class EventSink(Protocol):
    """Where events are persisted (the history store implements this)."""

    def append_event(self, event: Event) -> None: ...


Subscriber = Callable[[Event], None]


class EventBus:
    """Publishes events to a persistent sink and to in-process subscribers."""

    def __init__(self, sink: EventSink | None = None) -> None:
        self._sink = sink
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self._failed: set[int] = set()

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Register ``fn``; returns a function that unsubscribes it."""
        with self._lock:
            self._subscribers.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._subscribers:
                    self._subscribers.remove(fn)

        return unsubscribe

    def publish(self, event: Event) -> None:
        """Persist ``event`` (errors propagate: history must not silently lose it), then notify."""
        if self._sink is not None:
            self._sink.append_event(event)
        self.notify(event)

    def notify(self, event: Event) -> None:
        """Hand an event that is already persisted (written in a batch) to the subscribers."""
        with self._lock:
            subscribers = list(self._subscribers)
        for fn in subscribers:
            try:
                fn(event)
            except Exception:
                # Observers fail open, but say so once per subscriber instead of every event.
                if id(fn) not in self._failed:
                    import logging  # only on this rare path: logging costs 2.5 ms to import

                    self._failed.add(id(fn))
                    logging.getLogger("scriptrunner.events").warning(
                        "event subscriber %r failed", fn, exc_info=True
                    )

    def emit(self, type: str, run_id: str | None, **payload: Any) -> Event:
        """Build and publish an event; returns it."""
        event = Event(type=type, run_id=run_id, payload=payload)
        self.publish(event)
        return event
