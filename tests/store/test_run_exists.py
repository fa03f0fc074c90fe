"""``HistoryStore.run_exists``: what ``--run-id`` checks before a run starts, on each backend."""

from __future__ import annotations

import os

from scriptrunner.store import open_store_url
from scriptrunner.store.background import BackgroundWriter
from scriptrunner.store.rows import run_start_row


def test_run_exists_sees_only_recorded_ids(empty_store_url: str) -> None:
    store = open_store_url(empty_store_url)
    try:
        rid = os.urandom(16).hex()
        assert not store.run_exists(rid)
        store.start_run(
            run_start_row(
                run_id=rid,
                kind="run",
                script=None,
                command=["true"],
                cwd="/",
                tags={},
                started_at=1.0,
            )
        )
        assert store.run_exists(rid)
        assert not store.run_exists(rid[:-1] + ("0" if rid[-1] != "0" else "1"))
        writer = BackgroundWriter(store)
        assert writer.run_exists(rid)
        writer.close()
    finally:
        store.close()
