"""The one reader per server that follows the ``events`` table written by other processes:
:class:`scriptrunner.store.tail.EventTail` (shared with the span exporter process), handing
the hub each batch as :class:`~scriptrunner.server.eventlog.StoredEvent` values."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine

from scriptrunner.server.eventlog import StoredEvent, stored_event
from scriptrunner.store import tail

__all__ = ["EventTail"]


class EventTail(tail.EventTail):
    """:class:`scriptrunner.store.tail.EventTail` delivering :class:`StoredEvent` batches."""

    def __init__(
        self,
        engine: Engine,
        deliver: Callable[[Sequence[StoredEvent]], None],
        **options: Any,
    ) -> None:
        def as_stored(items: Sequence[dict[str, Any]]) -> None:
            deliver([stored_event(item) for item in items])

        super().__init__(engine, as_stored, **options)
