"""The event writer of ``bench/dashboard.py``: a separate process appending events to the
store through the code path the CLI uses (``open_store_url(url).append_event``: the fast
SQLite writer, one ``BEGIN IMMEDIATE``/``COMMIT`` per event) at a steady rate.

    python bench/dashboard_writer.py URL COUNT RATE

Event ``i`` is a ``run.started`` with the payload a runner writes plus ``bench_seq: i``; its
``ts`` is set just before the write (as the runner's are).  The side channel, on stdout
once all are written: one line ``i ts committed`` per event, ``committed`` being
``time.time()`` read right after the commit returned.
"""

from __future__ import annotations

import sys
import time
import uuid

from scriptrunner.events import Event
from scriptrunner.store import open_store_url


def main() -> None:
    url, count, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    store = open_store_url(url)
    lines = []
    start = time.monotonic()
    try:
        for seq in range(count):
            delay = start + seq / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            script = f"/srv/jobs/bench/tick_{seq % 7}.py"
            event = Event(
                "run.started",
                uuid.uuid4().hex,
                {
                    "command": ["python", script],
                    "script": script,
                    "cwd": "/srv/jobs/bench",
                    "tags": {"team": "bench"},
                    "bench_seq": seq,
                },
            )
            store.append_event(event)
            committed = time.time()
            lines.append(f"{seq} {event.ts!r} {committed!r}")
    finally:
        store.close()
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
