"""The one-thread event loop under the workflow scheduler (``core.reactor``)."""

from __future__ import annotations

import os
import threading
import time

from scriptrunner.core.reactor import Reactor


def test_timers_run_in_deadline_order_and_a_cancelled_one_never_runs() -> None:
    loop = Reactor()
    try:
        ran: list[str] = []
        now = time.monotonic()
        loop.call_at(now + 0.02, lambda: ran.append("late"))
        loop.call_at(now + 0.01, lambda: ran.append("early"))
        loop.call_at(now + 0.015, lambda: ran.append("cancelled")).cancel()
        deadline = time.monotonic() + 5
        while len(ran) < 2 and time.monotonic() < deadline:
            loop.run_once()
        assert ran == ["early", "late"]
    finally:
        loop.close()


def test_call_soon_from_another_thread_wakes_a_blocked_loop() -> None:
    loop = Reactor()
    try:
        ran = threading.Event()
        threading.Timer(0.05, lambda: loop.call_soon(ran.set)).start()
        start = time.monotonic()
        loop.run_once()  # no timer, no descriptor: only the other thread's call wakes it
        assert ran.is_set()
        assert time.monotonic() - start < 5
    finally:
        loop.close()


def test_a_readable_descriptor_calls_its_reader_until_removed() -> None:
    loop = Reactor()
    read_end, write_end = os.pipe()
    try:
        got: list[bytes] = []
        loop.add_reader(read_end, lambda: got.append(os.read(read_end, 100)))
        os.write(write_end, b"hello")
        loop.run_once(1.0)
        assert got == [b"hello"]
        loop.remove_reader(read_end)
        os.write(write_end, b"more")
        loop.run_once(0.01)
        assert got == [b"hello"]
    finally:
        loop.close()
        os.close(read_end)
        os.close(write_end)


def test_a_wake_up_after_close_is_ignored() -> None:
    loop = Reactor()
    loop.close()
    loop.call_soon(lambda: None)  # a late hand-over from a pool thread: no error, no write
