"""Durations and sizes as the CLI prints them; standard library only (the ``run`` fast
path prints its summary line with these)."""

from __future__ import annotations


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 120:
        return f"{value:.2f} s"
    minutes, seconds = divmod(value, 60)
    if minutes < 120:
        return f"{minutes:.0f}m{seconds:02.0f}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours:.0f}h{minutes:02.0f}m"


def fmt_bytes(value: int | None) -> str:
    if value is None:
        return "-"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"  # pragma: no cover - unreachable


def summary_line(
    *,
    status: str,
    exit_code: int,
    duration: float,
    cpu: float,
    peak_rss: int | None,
    attempts: int,
    run_id: str,
) -> str:
    """The line ``scriptrunner run`` ends with on stderr (without ``-q``)."""
    mark = "ok" if status == "succeeded" else status.replace("_", " ")
    return (
        f"scriptrunner: {mark} · exit {exit_code} · {fmt_seconds(duration)}"
        f" · CPU {fmt_seconds(cpu)} · peak RSS {fmt_bytes(peak_rss)}"
        f" · attempts {attempts} · run {run_id[:8]}"
    )
