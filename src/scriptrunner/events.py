"""The one catalogue of event types, the event value, and the in-process bus.

Every event goes through one spine (:class:`scriptrunner.store.recorder.Recorder`): it is
written to the history store's ``events`` table in the same transaction as the rows it
describes, and only then handed to the bus's subscribers (tracing, progress output, the
dashboard).  So a reader of the ``events`` table never misses what a subscriber saw.

=======================  ======================  ==============================================
type                     producer                payload (see the ``*Payload`` types below)
=======================  ======================  ==============================================
``run.started``          runner                  command, script, cwd, tags, workflow/task
``run.attempt.finished`` runner                  one attempt: status, exit code, metrics
``run.finished``         runner                  status, exit code, attempts, metrics
``run.blocked``          pre-execution gates     script, reason, blocking findings (count)
``workflow.started``     workflow engine         name, tasks, max_parallel, the plan graph
``task.started``         workflow engine         task id, its run id, matrix values
``task.finished``        workflow engine         task id, state, result, exit code, reason
``workflow.finished``    workflow engine         status, exit code, duration, counts
``scan.completed``       scans (CLI and gates)   scan id, kind, status, counts, tools
``finding.detected``     code scans              one per counted code finding
``vulnerability.detected`` dependency scans      one per counted vulnerability
``secret.detected``      secret scans            one per counted secret (redacted only)
``cost.calculated``      cost attribution        the run's price, its lines and utilisation
``trace.span.created``   tracing                 trace, span and parent ids, span name
``trace.span.ended``     tracing                 the same, when the span ends
=======================  ======================  ==============================================

The two ``trace.span.*`` events are published only (``stored=False`` in the catalogue):
the spans themselves are stored in the ``spans`` table by the tracing session's exporter.

Each type's payload, as a ``TypedDict``, is in :mod:`scriptrunner.event_catalogue`
(``CATALOGUE``, ``payload_problems``): kept apart because defining them costs ~1.4 ms,
which every ``scriptrunner run`` would otherwise pay at start-up.

A subscriber that raises is reported once on the ``scriptrunner.events`` logger and never
breaks the run: subscribers are observers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

RUN_STARTED = "run.started"
RUN_ATTEMPT_FINISHED = "run.attempt.finished"
RUN_FINISHED = "run.finished"
RUN_BLOCKED = "run.blocked"
WORKFLOW_STARTED = "workflow.started"
TASK_STARTED = "task.started"
TASK_FINISHED = "task.finished"
WORKFLOW_FINISHED = "workflow.finished"
SCAN_COMPLETED = "scan.completed"
FINDING_DETECTED = "finding.detected"
VULNERABILITY_DETECTED = "vulnerability.detected"
SECRET_DETECTED = "secret.detected"
COST_CALCULATED = "cost.calculated"
SPAN_CREATED = "trace.span.created"
SPAN_ENDED = "trace.span.ended"


#: The per-finding event of each scanner kind.
FINDING_EVENTS: Mapping[str, str] = {
    "code": FINDING_DETECTED,
    "deps": VULNERABILITY_DETECTED,
    "secrets": SECRET_DETECTED,
}


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened: a type, the run it belongs to, when, and JSON-ready data."""

    type: str
    run_id: str | None
    payload: Mapping[str, Any] = field(default_factory=dict)
    ts: float = field(default_factory=time.time)


Subscriber = Callable[[Event], None]


class EventBus:
    """Hands events that are already stored to in-process subscribers.

    The bus stores nothing: the recorder (``scriptrunner.store.recorder``) writes an event
    with its rows, then calls :meth:`publish`.
    """

    def __init__(self) -> None:
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
        """Call every subscriber with ``event`` (stored already); failures are logged once."""
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
