"""Masking at the edges: everything a run stores, publishes or logs goes through a Masker.

Rather than masking field by field in the runner, the workflow engine and the tracer (and
missing the next field someone adds), the whole history store, the event bus and the
logging system are wrapped while secrets are in use:

* :class:`MaskingStore` masks every string in every row, event and span row written;
* :class:`MaskingBus` masks events before any subscriber (tracing, progress, dashboard)
  sees them, so spans built from events carry no values either;
* :func:`mask_logging` masks every log record's message and traceback.

Output is masked earlier, in the runner's output pipeline (``RunOptions.output_filter``).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from scriptrunner.events import Event, EventBus, Subscriber
from scriptrunner.vaults.masking import Masker


def mask_event(masker: Masker, event: Event) -> Event:
    """``event`` with every string in its payload masked."""
    if not masker:
        return event
    return dataclasses.replace(event, payload=masker.mask_obj(dict(event.payload)))


class MaskingStore:
    """A history store (any ``HistoryStore``) whose every write is masked first."""

    def __init__(self, inner: Any, masker: Masker) -> None:
        self._inner = inner
        self._masker = masker
        self.where: str = inner.where

    @property
    def inner(self) -> Any:
        return self._inner

    def _mask(self, value: Any) -> Any:
        if isinstance(value, Event):
            return mask_event(self._masker, value)
        if isinstance(value, list | tuple):
            return type(value)(self._mask(v) for v in value)
        return self._masker.mask_obj(value)

    # The HistoryStore methods, spelled out so type checkers see the protocol.
    def start_run(self, row: Mapping[str, Any], events: Sequence[Event] = ()) -> None:
        self._inner.start_run(self._mask(row), self._mask(list(events)))

    def finish_run(
        self,
        run_id: str,
        values: Mapping[str, Any],
        attempts: Sequence[Mapping[str, Any]],
        samples: Sequence[Mapping[str, Any]],
        events: Sequence[Event] = (),
    ) -> None:
        self._inner.finish_run(
            run_id, self._mask(values), self._mask(attempts), samples, self._mask(list(events))
        )

    def append_event(self, event: Event) -> None:
        self._inner.append_event(self._mask(event))

    def append_spans(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self._inner.append_spans(self._mask(list(rows)))

    def set_run_cost(self, run_id: str, usd: float, events: Sequence[Event] = ()) -> None:
        self._inner.set_run_cost(run_id, usd, self._mask(list(events)))

    def record_scan(
        self,
        scan: Mapping[str, Any],
        findings: Sequence[Mapping[str, Any]],
        events: Sequence[Event] = (),
    ) -> None:
        self._inner.record_scan(
            self._mask(scan), self._mask(list(findings)), self._mask(list(events))
        )

    def run_exists(self, run_id: str) -> bool:
        return bool(self._inner.run_exists(run_id))

    def close(self) -> None:
        self._inner.close()

    def __getattr__(self, name: str) -> Any:
        """Any other method of the wrapped store (scan records...), with masked arguments."""
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def masked(*args: Any, **kwargs: Any) -> Any:
            return attr(
                *(self._mask(a) for a in args), **{k: self._mask(v) for k, v in kwargs.items()}
            )

        return masked


class MaskingBus(EventBus):
    """Forwards masked events to ``inner``; subscribing subscribes to ``inner``."""

    def __init__(self, inner: EventBus, masker: Masker) -> None:
        super().__init__()
        self._inner = inner
        self._masker = masker

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        return self._inner.subscribe(fn)

    def publish(self, event: Event) -> None:
        self._inner.publish(mask_event(self._masker, event))


def mask_logging(masker: Masker) -> Callable[[], None]:
    """Mask every log record created from now on (any logger, including libraries');
    returns a function that restores the previous record factory."""
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if masker:
            try:
                record.msg = masker.mask(record.getMessage())
                record.args = None
                if record.exc_info:
                    text = logging.Formatter().formatException(record.exc_info)
                    record.exc_text = masker.mask(text)
            except Exception:  # a bad format string: logging reports it later as usual
                pass
        return record

    logging.setLogRecordFactory(factory)

    def restore() -> None:
        logging.setLogRecordFactory(previous)

    return restore
