"""The JSON shapes of a run's metrics and attempts, from plain values.

Event payloads, ``--json`` and history rows carry these.  :mod:`scriptrunner.results`'
dataclasses give theirs through here, and so does the ``run`` fast path
(``cli.fast_run``), which cannot afford to import them (dataclasses cost several times a
hello-world script's run to import and create).  Standard library only, nothing imported.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

#: The resource figures of an attempt (or, summed, of a run): ``results.Metrics``' fields,
#: the ``runs`` and ``run_attempts`` columns of the same names.
METRICS = (
    "wall_seconds",
    "cpu_user_seconds",
    "cpu_system_seconds",
    "peak_rss_bytes",
    "cpu_percent_avg",
    "cpu_percent_max",
)
#: Digits kept in payloads: microseconds, and hundredths of a percent.
_DIGITS = {"peak_rss_bytes": None, "cpu_percent_avg": 2, "cpu_percent_max": 2}


def metrics_payload(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """``metrics`` (the :data:`METRICS` values, as measured) rounded for a payload."""
    shown: dict[str, Any] = {}
    for name in METRICS:
        digits = _DIGITS.get(name, 6)
        value = metrics[name]
        shown[name] = value if digits is None else round(value, digits)
    return shown


def attempt_payload(
    *,
    attempt: int,
    status: str,
    exit_code: int,
    signal: int | None,
    started_at: float,
    finished_at: float,
    delay_before: float,
    metrics: Mapping[str, Any],
) -> dict[str, Any]:
    """One attempt as ``run.attempt.finished`` carries it (and ``--json`` shows it)."""
    return {
        "attempt": attempt,
        "status": status,
        "exit_code": exit_code,
        "signal": signal,
        "started_at": started_at,
        "finished_at": finished_at,
        "delay_before": round(delay_before, 6),
        **metrics_payload(metrics),
    }


def tail_text(kept: bytes, total: int) -> str:
    """The stored text of an output stream's last ``kept`` bytes, of ``total`` written.

    When bytes were cut off, the cut may fall inside a multi-byte character: its
    continuation bytes are dropped instead of storing a replacement character that was
    never in the output."""
    if total > len(kept):
        skip = 0
        while skip < min(3, len(kept)) and 0x80 <= kept[skip] <= 0xBF:
            skip += 1
        kept = kept[skip:]
    return kept.decode("utf-8", errors="replace")


def measured(
    *,
    wall: float,
    user: float,
    system: float,
    kernel_peak: int,
    sampled_peak: int,
    sampled_cpu_max: float,
    parent_hwm: int,
) -> dict[str, Any]:
    """An attempt's :data:`METRICS` from ``wait4``'s exact figures and the samples'.

    Peak RSS is the larger of the sampled tree sum and the kernel's exact value for the
    largest single process, when that value is not just the one the child inherited from
    the runner it was started from (``parent_hwm``, the runner's own high-water mark).
    None means unknown: a run too short to sample whose kernel value is that inherited one.
    """
    avg = (user + system) / wall * 100.0 if wall > 0 else 0.0
    exact = kernel_peak if kernel_peak > parent_hwm else 0
    return {
        "wall_seconds": wall,
        "cpu_user_seconds": user,
        "cpu_system_seconds": system,
        "peak_rss_bytes": max(sampled_peak, exact) or None,
        "cpu_percent_avg": avg,
        "cpu_percent_max": max(sampled_cpu_max, avg),
    }
