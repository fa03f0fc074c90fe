"""Resolving ``NAME -> reference`` mappings into ``NAME -> value``, all or nothing.

Every reference is parsed before anything is fetched (a typo fails without a network
call), then all are fetched in parallel threads, one backend per scheme (so a Vault AppRole
login happens once).  Any failure raises one :class:`SecretError` listing every variable
that could not be resolved, its reference and the cause, never a value: the run must not
start with some of its secrets missing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from scriptrunner.errors import SecretError
from scriptrunner.vaults.base import SecretRef, VaultBackend, load_backend, parse_ref
from scriptrunner.vaults.masking import MIN_LENGTH, Masker

__all__ = ["parse_refs", "resolve_secrets", "short_secrets"]

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_THREADS = 8


def parse_refs(refs: Mapping[str, str]) -> dict[str, SecretRef]:
    """Check the names (environment variable names) and parse every reference."""
    parsed: dict[str, SecretRef] = {}
    problems: list[str] = []
    for name, text in refs.items():
        if not ENV_NAME.fullmatch(name):
            problems.append(f"{name!r} is not an environment variable name")
            continue
        try:
            parsed[name] = parse_ref(text)
        except SecretError as exc:
            problems.append(f"{name}: {exc}")
    if problems:
        raise SecretError("; ".join(problems))
    return parsed


def resolve_secrets(
    refs: Mapping[str, str],
    *,
    environ: Mapping[str, str] | None = None,
    backends: Mapping[str, VaultBackend] | None = None,
    failure: str = "secret {name} could not be resolved: ",
) -> dict[str, str]:
    """Fetch every secret of ``refs`` (``NAME -> reference``); returns ``NAME -> value``.

    ``environ`` configures the backends (default: this process's environment);
    ``backends`` supplies ready-made ones by scheme (tests, or a caller holding a client);
    ``failure`` starts each line of the error (``{name}``: the variable), the cause follows.
    """
    parsed = parse_refs(refs)
    if not parsed:
        return {}
    env = os.environ if environ is None else environ
    chosen: dict[str, VaultBackend] = dict(backends or {})
    problems: dict[str, str] = {}
    for ref in parsed.values():
        if ref.scheme not in chosen and ref.scheme not in problems:
            try:
                chosen[ref.scheme] = load_backend(ref.scheme, env)
            except SecretError as exc:
                problems[ref.scheme] = str(exc)
            except ImportError as exc:
                problems[ref.scheme] = (
                    f"the {ref.scheme}:// backend needs a library that is not installed "
                    f"({exc.name}); install the vaults extra: pip install 'scriptrunner[vaults]'"
                )
    if problems:
        raise SecretError("; ".join(problems.values()))

    unique = {ref.text: ref for ref in parsed.values()}  # fetch each reference once

    def fetch(ref: SecretRef) -> str | SecretError:
        try:
            return chosen[ref.scheme].fetch(ref)
        except SecretError as exc:
            return exc
        except Exception as exc:  # a backend bug: still no value in the message
            return SecretError(f"{ref}: {type(exc).__name__}")

    with ThreadPoolExecutor(min(MAX_THREADS, len(unique))) as pool:
        results = dict(zip(unique, pool.map(fetch, unique.values()), strict=True))
    values = {name: results[ref.text] for name, ref in parsed.items()}
    failed = {name: r for name, r in values.items() if isinstance(r, SecretError)}
    if failed:
        good = Masker(v for v in values.values() if isinstance(v, str))
        lines = [f"{failure.format(name=name)}{exc}" for name, exc in failed.items()]
        # Masked anyway: a backend's error text must never carry another secret's value.
        raise SecretError(good.mask("; ".join(lines)))
    return {name: v for name, v in values.items() if isinstance(v, str)}


def short_secrets(values: Mapping[str, str]) -> list[str]:
    """Names of values too short to be masked (the caller warns about them)."""
    return [name for name, value in values.items() if len(value.strip()) < MIN_LENGTH]
