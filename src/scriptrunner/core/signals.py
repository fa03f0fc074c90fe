"""The signal numbers and ``signal()`` of the ``signal`` module, without its enums.

``import signal`` builds ``enum`` classes of every signal and handler: a fifth of what a
hello-world script costs to run (measured with callgrind), on the path of every
``scriptrunner run``.  Its C core ``_signal`` has the same functions and numbers (plain
ints).  Modules the ``run`` fast path imports take them from here; the rest may use
``signal`` as usual.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from signal import SIGHUP, SIGINT, SIGKILL, SIGPIPE, SIGTERM, SIGXFSZ, set_wakeup_fd, signal
else:
    try:
        from _signal import (
            SIGHUP,
            SIGINT,
            SIGKILL,
            SIGPIPE,
            SIGTERM,
            SIGXFSZ,
            set_wakeup_fd,
            signal,
        )
    except ImportError:  # pragma: no cover - not CPython
        from signal import SIGHUP, SIGINT, SIGKILL, SIGPIPE, SIGTERM, SIGXFSZ, set_wakeup_fd, signal

__all__ = [
    "SIGHUP",
    "SIGINT",
    "SIGKILL",
    "SIGPIPE",
    "SIGTERM",
    "SIGXFSZ",
    "set_wakeup_fd",
    "signal",
]
