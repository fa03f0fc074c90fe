"""Ending a process at once, without the interpreter's teardown.

The ``run`` fast path and the span exporter process end with ``os._exit`` once what they
must say is flushed: tearing the interpreter down costs milliseconds on every run (and
the exporter's daemon threads may be mid-export).  ``atexit`` handlers do not run then,
so when coverage measures the process (the test suite), its data are saved first.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


def exit_now(code: int) -> NoReturn:
    """``os._exit(code)``, after saving coverage data where coverage is measuring."""
    coverage = sys.modules.get("coverage")
    if coverage is not None:
        current = coverage.Coverage.current()
        if current is not None:
            current.stop()
            current.save()
    os._exit(code)
