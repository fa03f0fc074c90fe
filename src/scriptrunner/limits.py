"""One validation rule for every duration and count the user gives (CLI flags, settings,
workflow files): finite, within documented bounds, else a ``ConfigError`` naming the field.

``nan`` would time out at once and ``1e308`` overflows ``time.monotonic() + x``; both are
refused here, before anything runs or is recorded.
"""

from __future__ import annotations

import math

from scriptrunner.errors import ConfigError

#: Defaults of the settings a run reads (``settings.Settings``; the ``run`` fast path runs
#: with these, and only when nothing overrides them).
DEFAULT_TAIL_BYTES = 64 * 1024
DEFAULT_KILL_GRACE = 5.0
DEFAULT_SAMPLE_INTERVAL = 1.0
DEFAULT_MAX_SAMPLES = 512
DEFAULT_BUSY_TIMEOUT = 30.0
#: The lease of a running row (``runs.heartbeat_at``): renewed every this many seconds by
#: its runner, and taken for expired (the row is ``lost``) this long after its last renewal:
#: three renewals missed, plus 30 s for clocks that disagree between hosts.
DEFAULT_HEARTBEAT_INTERVAL = 10.0
DEFAULT_LEASE_TIMEOUT = 60.0
#: How long a Dask cluster may be without scheduler or workers (``cluster_timeout``).
DEFAULT_CLUSTER_TIMEOUT = 30.0
#: The SQLite store's write-ahead log: checkpointed into the database every this many pages
#: (SQLite's default), and cut back to this size after a checkpoint.  A ``run`` on the fast
#: path ends without the checkpoint of a last close, so the log stays bounded by these.
WAL_CHECKPOINT_PAGES = 1000
WAL_SIZE_LIMIT = 4 * 2**20
#: How long to keep reading output after the child exited, for grandchildren holding pipes.
DRAIN_SECONDS = 1.0
#: When a run's first monitoring sample is taken (``core.monitor.Monitor``).
FIRST_SAMPLE_SECONDS = 0.05

#: The longest duration accepted anywhere (timeouts, delays, grace periods): 30 days.
MAX_SECONDS = 30 * 24 * 3600.0
#: The largest count accepted where no tighter bound is documented (retries, limits...).
MAX_COUNT = 1_000_000
#: The most output kept per stream (``tail_bytes``, ``--tail-bytes``): it is held in memory
#: while the script runs (two buffers of up to twice this), so it is capped: 64 MiB.
MAX_TAIL_BYTES = 64 * 2**20


def duration(
    field: str,
    value: object,
    *,
    minimum: float = 0.0,
    maximum: float = MAX_SECONDS,
    allow_zero: bool = True,
) -> float:
    """``value`` as seconds within ``[minimum, maximum]`` (``allow_zero=False``: > 0)."""
    try:
        if isinstance(value, bool):
            raise TypeError
        if not isinstance(value, (int, float, str)):
            raise TypeError
        seconds = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{field}: expected a number of seconds, got {value!r}") from None
    if not math.isfinite(seconds):
        raise ConfigError(f"{field}: expected a finite number of seconds, got {value!r}")
    if seconds < minimum or seconds > maximum or (not allow_zero and seconds == 0):
        if not allow_zero and minimum == 0:
            bounds = f"more than 0 and at most {maximum:g}"
        else:
            bounds = f"between {minimum:g} and {maximum:g}"
        raise ConfigError(f"{field}: must be {bounds} seconds, got {value!r}")
    return seconds


def count(field: str, value: object, *, minimum: int = 0, maximum: int = MAX_COUNT) -> int:
    """``value`` as a whole number within ``[minimum, maximum]``."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ConfigError(f"{field}: expected a whole number, got {value!r}")
    try:
        if not isinstance(value, (int, float, str)):
            raise TypeError
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"{field}: expected a whole number, got {value!r}") from None
    if number < minimum or number > maximum:
        raise ConfigError(f"{field}: must be between {minimum} and {maximum}, got {value!r}")
    return number


def fraction(field: str, value: object) -> float:
    """``value`` as a number in ``[0, 1]`` (jitter)."""
    try:
        if isinstance(value, bool):
            raise TypeError
        if not isinstance(value, (int, float, str)):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{field}: expected a number between 0 and 1, got {value!r}") from None
    if not math.isfinite(number) or not 0 <= number <= 1:
        raise ConfigError(f"{field}: expected a number between 0 and 1, got {value!r}")
    return number
