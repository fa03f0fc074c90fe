"""``scriptrunner secrets get REF``.

``secrets get`` checks that a reference resolves, without showing it: it prints
``resolved (N characters)``; ``--reveal`` prints the value itself (and nothing else, for
piping).  Failures exit 2 with the reason, never a value.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scriptrunner.cli import options


def register(sub: Any) -> None:
    s = sub.add_parser(
        "secrets",
        help="check secret references (vault://, aws-sm://, azure-kv://)",
        description="Check that secret references resolve, with the configuration "
        "`run --secret` uses (docs/secrets.md).",
        epilog=options.examples(
            "scriptrunner secrets get vault://secret/app#password",
            "scriptrunner secrets get aws-sm://prod/db#password --reveal",
        ),
    )
    ssub = s.add_subparsers(dest="secrets_command", metavar="COMMAND")
    ssub.required = True
    g = ssub.add_parser(
        "get",
        help="resolve one reference; prints its length, or the value with --reveal",
        description="Fetch a secret the way `run --secret` would (same configuration and "
        "errors) and say whether it resolved.  Exit 2 if it cannot be fetched.",
        epilog=options.examples(
            "scriptrunner secrets get vault://secret/app#password",
            "scriptrunner secrets get azure-kv://my-vault/db-password --reveal | wc -c",
        ),
    )
    g.add_argument(
        "ref",
        metavar="REF",
        help="a reference: vault://MOUNT/PATH[#FIELD], aws-sm://SECRET-ID[#FIELD] or "
        "azure-kv://VAULT/NAME[/VERSION][#FIELD]",
    )
    g.add_argument(
        "--reveal", action="store_true", help="print the value itself (and nothing else)"
    )
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
