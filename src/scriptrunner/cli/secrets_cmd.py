"""``scriptrunner secrets get REF``, and the ``--secret NAME=REF`` plumbing of ``run``.

``secrets get`` checks that a reference resolves, without showing it: it prints
``resolved (N characters)``; ``--reveal`` prints the value itself (and nothing else, for
piping).  Failures exit 2 with the reason, never a value.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scriptrunner.errors import ConfigError

if TYPE_CHECKING:
    from scriptrunner.vaults.masking import Masker


def register(sub: Any) -> None:
    s = sub.add_parser("secrets", help="check secret references (vault://, aws-sm://, azure-kv://)")
    ssub = s.add_subparsers(dest="secrets_command", metavar="COMMAND")
    ssub.required = True
    g = ssub.add_parser(
        "get",
        help="resolve one reference; prints its length, or the value with --reveal",
        description="Fetch a secret the way `run --secret` would (same configuration and "
        "errors) and say whether it resolved.  Exit 2 if it cannot be fetched.",
    )
    g.add_argument("ref", metavar="REF", help="e.g. vault://secret/app#password")
    g.add_argument("--reveal", action="store_true", help="print the value itself")
    g.set_defaults(handler=handle_get)


def handle_get(args: argparse.Namespace) -> int:
    from scriptrunner.vaults.resolve import resolve_secrets

    # No variable here: a failure reads "cannot resolve REF: why".
    value = resolve_secrets({"REF": args.ref}, failure="cannot resolve ")["REF"]
    if args.reveal:
        sys.stdout.write(value + "\n")
    else:
        print(f"{args.ref.strip()}: resolved ({len(value)} characters)")
    return 0


def parse_secret_args(items: Sequence[str] | None) -> dict[str, str]:
    """``--secret NAME=REF`` values into ``NAME -> REF`` (references checked, not fetched)."""
    from scriptrunner.vaults.resolve import parse_refs

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


def resolve_for_run(
    refs: Mapping[str, str], explicit_env: Mapping[str, str]
) -> tuple[dict[str, str], Masker]:
    """Fetch the run's secrets (exit 2 before anything starts if one fails) and build the
    masker; warns on stderr about values too short to mask.

    A secret may not share its name with an ``--env`` variable (which one was meant?); it
    does win over a variable inherited from the environment.
    """
    from scriptrunner.vaults.masking import MIN_LENGTH, Masker
    from scriptrunner.vaults.resolve import resolve_secrets, short_secrets

    clash = sorted(set(refs) & set(explicit_env))
    if clash:
        raise ConfigError(f"{clash[0]} is set by both --env and --secret; keep one")
    values = resolve_secrets(refs)
    for name in short_secrets(values):
        print(
            f"scriptrunner: warning: secret {name} is shorter than {MIN_LENGTH} characters "
            "and will not be masked in output",
            file=sys.stderr,
        )
    return values, Masker(values.values())


def masked_printer(masker: Masker | None) -> Callable[[str], str]:
    """What the CLI prints after a run goes through this (identity without secrets)."""
    if masker is None or not masker:
        return lambda text: text
    return masker.mask
