"""One helper for every name -> implementation registry (scanners, gates, sources, vault
backends, executors, cost feeds, exporters).

A registry maps a user-facing name to a ``"module:attribute"`` string (imported only when
that name is used, so an unused backend costs nothing at start-up) or to the object itself.
An unknown name raises :class:`~scriptrunner.errors.ConfigError` with one wording
everywhere: ``unknown scanner 'cdoe' (did you mean 'code'? valid: code, deps, secrets)``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

from scriptrunner.errors import ConfigError, ScriptRunnerError

Impl = TypeVar("Impl")


def unknown_name(
    what: str,
    name: str,
    valid: tuple[str, ...] | list[str],
    error: type[ScriptRunnerError] = ConfigError,
) -> ScriptRunnerError:
    """The error for ``name`` not among ``valid``, with a did-you-mean when one is close."""
    import difflib  # only on this error path: it costs start-up time on every run

    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return error(f"unknown {what} {name!r} ({hint}valid: {', '.join(valid)})")


class Registry(Generic[Impl]):
    """Names of one kind of extension (``what``: "scanner", "vault backend"...)."""

    def __init__(
        self,
        what: str,
        entries: Mapping[str, str | Impl],
        *,
        error: type[ScriptRunnerError] = ConfigError,
    ) -> None:
        self.what = what
        self.error = error
        self._entries: dict[str, str | Impl] = dict(entries)

    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def register(self, name: str, target: str | Impl) -> None:
        """Add (or replace) ``name``; ``target`` is the object or ``"module:attribute"``."""
        self._entries[name] = target

    def check(self, name: str) -> str:
        """``name`` if registered, else the did-you-mean error (``ConfigError`` by default)."""
        if name not in self._entries:
            raise unknown_name(self.what, name, self.names(), self.error)
        return name

    def get(self, name: str) -> Impl:
        """The implementation registered as ``name`` (imported on first use)."""
        target = self._entries[self.check(name)]
        if isinstance(target, str) and ":" in target:
            module, _, attr = target.partition(":")
            loaded: Impl = getattr(importlib.import_module(module), attr)
            self._entries[name] = loaded
            return loaded
        return target  # type: ignore[return-value]
