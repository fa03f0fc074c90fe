"""Helpers shared by the sub-commands: settings from flags, key=value parsing, formatting.

A helper module, not a command: command modules import it and never each other.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from scriptrunner import limits
from scriptrunner.cli.formats import fmt_bytes, fmt_seconds
from scriptrunner.errors import ConfigError

__all__ = [
    "env_pair",
    "exit_codes",
    "fmt_bytes",
    "fmt_seconds",
    "parse_pairs",
    "prepare_cost_and_trace",
    "run_id_arg",
    "seconds",
    "settings_from",
    "share",
    "warn",
    "whole",
]

if TYPE_CHECKING:
    from scriptrunner.costs.attribution import RunCoster
    from scriptrunner.settings import Settings
    from scriptrunner.tracing.config import TracingConfig


_T = TypeVar("_T")

#: A portable environment variable name (POSIX: letters, digits, underscore; no leading digit).
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _argument(flag: str, check: Callable[[str], _T]) -> Callable[[str], _T]:
    """An argparse ``type=``: ``check(text)``, its ``ConfigError`` turned into argparse's
    usage error (exit 2, ``argument FLAG: ...``), so every flag is checked while parsing,
    before anything runs or is recorded."""

    def convert(text: str) -> _T:
        try:
            return check(text)
        except ConfigError as exc:
            message = str(exc).removeprefix(f"{flag}: ")
            raise argparse.ArgumentTypeError(message) from None

    convert.__name__ = flag  # argparse names the type in some of its own messages
    return convert


def seconds(flag: str, *, positive: bool = False) -> Callable[[str], float]:
    """``type=`` for a duration flag: finite, 0 (or > 0) to ``limits.MAX_SECONDS``."""
    return _argument(flag, lambda text: limits.duration(flag, text, allow_zero=not positive))


def whole(flag: str, *, minimum: int = 0, maximum: int = limits.MAX_COUNT) -> Callable[[str], int]:
    """``type=`` for a count flag: a whole number in ``[minimum, maximum]``."""
    return _argument(flag, lambda text: limits.count(flag, text, minimum=minimum, maximum=maximum))


def run_id_arg(flag: str = "--run-id") -> Callable[[str], str]:
    """``type=`` for a caller-chosen run id: 32 lowercase hex digits."""
    from scriptrunner.results import parse_run_id

    return _argument(flag, lambda text: str(parse_run_id(text, flag)))


def share(flag: str) -> Callable[[str], float]:
    """``type=`` for a fraction flag: a number in ``[0, 1]``."""
    return _argument(flag, lambda text: limits.fraction(flag, text))


def _exit_codes(flag: str, text: str) -> str:
    for part in filter(None, (p.strip() for p in text.split(","))):
        if not re.fullmatch(r"-?[0-9]+", part) or not 0 <= int(part) <= 255:
            raise ConfigError(
                f"{flag}: {part!r} is not an exit code; give comma-separated integers 0-255"
            )
    return text


def exit_codes(flag: str) -> Callable[[str], str]:
    """``type=`` for a list of exit codes (``1,75``): each 0-255; the text is kept as is."""
    return _argument(flag, lambda text: _exit_codes(flag, text))


def _env_pair(flag: str, text: str, *, whole_pair: bool) -> str:
    name, sep, value = text.partition("=")
    if not sep:
        if not whole_pair:
            return text  # the command's own parsing says what is expected
        raise ConfigError(f"{flag}: {text!r}: expected KEY=VALUE")
    if not _ENV_NAME.fullmatch(name):
        raise ConfigError(
            f"{flag}: {name!r} is not a valid environment variable name "
            "(letters, digits and _, not starting with a digit)"
        )
    if "\0" in value:
        raise ConfigError(f"{flag}: the value of {name} contains a NUL character")
    return text


def env_pair(flag: str, *, whole_pair: bool = True) -> Callable[[str], str]:
    """``type=`` for ``NAME=VALUE`` setting an environment variable (``--env``, ``--secret``):
    a portable name; the text is kept as is.  ``whole_pair=False`` checks only the name and
    leaves a missing ``=`` to the command (``--secret`` explains its ``NAME=REF`` itself)."""
    return _argument(flag, lambda text: _env_pair(flag, text, whole_pair=whole_pair))


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
    """One warning line on stderr (control characters in it escaped)."""
    from scriptrunner.display import shown  # only when warning: it costs 1 ms at start-up

    print(f"scriptrunner: warning: {shown(message, lines=True)}", file=sys.stderr)


def parse_pairs(items: Iterable[str] | None, flag: str) -> dict[str, str]:
    """``["K=V", ...]`` into a dict, with an error naming the flag on bad input."""
    result: dict[str, str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{flag} {item!r}: expected KEY=VALUE")
        result[key.strip()] = value
    return result
