"""Secrets of one run (``run --secret NAME=REF``, ``scriptrunner.run(secrets=...)``).

References are checked first (a typo fails before any scan or fetch), then fetched
together (a failure stops the run before anything starts), and their values handed out
with the :class:`Masker` that hides them everywhere the run is recorded or shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scriptrunner.errors import ConfigError
from scriptrunner.vaults.masking import MIN_LENGTH, Masker
from scriptrunner.vaults.resolve import parse_refs, resolve_secrets, short_secrets


def parse_secret_args(items: Sequence[str] | None) -> dict[str, str]:
    """``--secret NAME=REF`` values into ``NAME -> REF`` (references checked, not fetched)."""
    refs: dict[str, str] = {}
    for item in items or ():
        name, sep, ref = item.partition("=")
        if not sep or not name.strip() or not ref.strip():
            raise ConfigError(f"--secret {item!r}: expected NAME=REF, e.g. DB_PASSWORD=vault://...")
        if name.strip() in refs:
            raise ConfigError(f"--secret {name.strip()} is given twice")
        refs[name.strip()] = ref.strip()
    parse_refs(refs)
    return refs


@dataclass(frozen=True, slots=True)
class RunSecrets:
    """Fetched values (``NAME -> value``; ``repr`` shows none), their masker, and warnings
    about values too short to mask."""

    values: Mapping[str, str]
    masker: Masker
    warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"RunSecrets({len(self.values)} values)"


def fetch_run_secrets(refs: Mapping[str, str], explicit_env: Mapping[str, str]) -> RunSecrets:
    """Fetch a run's secrets; raises ``SecretError`` (no value in it) when one fails.

    A secret may not share its name with an ``--env`` variable (which one was meant?); it
    does win over a variable inherited from the environment.
    """
    clash = sorted(set(refs) & set(explicit_env))
    if clash:
        raise ConfigError(f"{clash[0]} is set by both --env and --secret; keep one")
    values = resolve_secrets(refs)
    warnings = tuple(
        f"secret {name} is shorter than {MIN_LENGTH} characters and will not be masked in output"
        for name in short_secrets(values)
    )
    return RunSecrets(values, Masker(values.values()), warnings)
