"""Helpers shared by the sub-commands: settings from flags, key=value parsing, formatting.

A helper module, not a command: command modules import it and never each other.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

from scriptrunner.errors import ConfigError

if TYPE_CHECKING:
    from scriptrunner.costs.attribution import RunCoster
    from scriptrunner.settings import Settings
    from scriptrunner.tracing.config import TracingConfig


def settings_from(args: argparse.Namespace, **extra: object) -> Settings:
    from scriptrunner.settings import load_settings

    return load_settings(overrides={"home": args.home, "database_url": args.database_url, **extra})


def prepare_cost_and_trace(
    args: argparse.Namespace, settings: Settings
) -> tuple[RunCoster | None, TracingConfig | None]:
    """``--cost-profile`` and ``--trace`` (or the ``trace`` setting), checked before anything
    runs: a bad profile, or tracing without its extra, exits 2 up front."""
    coster = None
    if args.cost_profile:
        from scriptrunner.costs.attribution import prepare

        coster = prepare(args.cost_profile, settings.home, settings.cost_max_age_days)
    trace_config = None
    if args.trace or settings.trace:
        from scriptrunner.tracing import config_for

        trace_config = config_for(settings)
    return coster, trace_config


def warn(message: str) -> None:
    """One warning line on stderr."""
    print(f"scriptrunner: warning: {message}", file=sys.stderr)


def parse_pairs(items: Iterable[str] | None, flag: str) -> dict[str, str]:
    """``["K=V", ...]`` into a dict, with an error naming the flag on bad input."""
    result: dict[str, str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{flag} {item!r}: expected KEY=VALUE")
        result[key.strip()] = value
    return result


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
