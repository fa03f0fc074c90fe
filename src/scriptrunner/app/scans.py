"""Recording a scan an entry point ran (``scriptrunner scan code|deps|secrets``)."""

from __future__ import annotations

import time

from scriptrunner.findings.model import ScanResult
from scriptrunner.settings import Settings
from scriptrunner.store import open_store
from scriptrunner.store.recorder import Recorder


def record_scan(settings: Settings, kind: str, result: ScanResult, *, started_at: float) -> str:
    """Store ``result`` (rows and events, through the event spine); returns the scan id."""
    store = open_store(settings)
    try:
        return Recorder(store).record_scan(
            kind, result, started_at=started_at, finished_at=time.time()
        )
    finally:
        store.close()
