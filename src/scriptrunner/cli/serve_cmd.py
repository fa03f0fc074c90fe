"""``scriptrunner serve`` (the dashboard) and ``scriptrunner token`` (its API tokens)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from scriptrunner.cli import options
from scriptrunner.cli.common import settings_from, whole
from scriptrunner.cli.report_out import write_output
from scriptrunner.display import shown
from scriptrunner.errors import ConfigError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="serve the dashboard: REST API, live event stream and web UI",
        description="Serve the dashboard on HOST:PORT, reading the same history store as the "
        "CLI.  On first start (no tokens yet) an operator token is written to "
        "$SCRIPTRUNNER_HOME/serve-token (mode 0600).  Stops cleanly on SIGINT/SIGTERM.",
        epilog=options.examples(
            "scriptrunner serve",
            "scriptrunner serve --port 9000 --workflows-dir flows/ --scripts-dir jobs/",
            "scriptrunner serve --host 0.0.0.0 --tls-cert cert.pem --tls-key key.pem",
        ),
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="HOST",
        help="address to listen on (default 127.0.0.1)",
    )
    p.add_argument(
        "--port",
        type=whole("--port", maximum=65535),
        default=8765,
        metavar="PORT",
        help="port to listen on (default 8765; 0: any free port)",
    )
    p.add_argument(
        "--workflows-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="workflow files under DIR may be started from the web (repeatable)",
    )
    p.add_argument(
        "--scripts-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="scripts under DIR may be started from the web (repeatable)",
    )
    p.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this certificate (PEM)")
    p.add_argument("--tls-key", metavar="FILE", help="the certificate's private key (PEM)")
    p.add_argument(
        "--insecure-remote",
        action="store_true",
        help="allow plain HTTP on a non-loopback address (behind a TLS proxy only)",
    )
    p.set_defaults(handler=handle_serve)

    t = sub.add_parser(
        "token",
        help="manage the dashboard's API tokens",
        description="API tokens for `scriptrunner serve`: viewers read, operators also start, "
        "cancel and resume work.  Only a hash of each token is stored.",
        epilog=options.examples(
            "scriptrunner token create --role viewer --name grafana",
            "scriptrunner token list",
            "scriptrunner token revoke 1a2b3c4d",
        ),
    )
    actions = t.add_subparsers(dest="token_action", metavar="ACTION")
    actions.required = True
    c = actions.add_parser(
        "create",
        help="create a token and print it (shown once)",
        description="Create an API token and print it on stdout; it is shown only this once "
        "(the store keeps its hash).",
        epilog=options.examples(
            "scriptrunner token create --role viewer --name grafana",
            "scriptrunner token create --role operator --name ci > ci-token",
        ),
    )
    c.add_argument(
        "--role",
        choices=ROLES,
        required=True,
        metavar="ROLE",
        help="viewer (reads) or operator (also starts, cancels and resumes work)",
    )
    c.add_argument("--name", default="", metavar="NAME", help="a label to recognise it by")
    c.set_defaults(handler=handle_create)
    ls = actions.add_parser(
        "list",
        help="list tokens (never the tokens themselves)",
        description="List the API tokens: id, role, dates, state and name (never the token).",
        epilog=options.examples("scriptrunner token list", "scriptrunner token list --json"),
    )
    options.add_report_format(ls, ("table", "json"), default="table")
    ls.set_defaults(handler=handle_list)
    rv = actions.add_parser(
        "revoke",
        help="revoke a token by id; it stops working at once",
        description="Revoke a token by the id `token list` shows; it stops working at once.",
        epilog=options.examples(
            "scriptrunner token revoke 1a2b3c4d       # an id from `scriptrunner token list`",
            "scriptrunner --home /srv/scriptrunner token revoke 1a2b3c4d",
        ),
    )
    rv.add_argument("id", metavar="ID", help="the token's id, as `scriptrunner token list` shows")
    rv.set_defaults(handler=handle_revoke)


#: Token roles (``store.tokens``; not imported here, it needs SQLAlchemy).
ROLES = ("viewer", "operator")


def _dirs(values: list[str], flag: str) -> tuple[Path, ...]:
    dirs = []
    for value in values:
        path = Path(value).expanduser()
        if not path.is_dir():
            raise ConfigError(f"{flag} {value}: not a directory")
        dirs.append(path.resolve())
    return tuple(dirs)


def _server_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            f"the dashboard needs the server extra ({exc.name} is missing): "
            "pip install 'scriptrunner[server]'"
        ) from exc


def handle_serve(args: argparse.Namespace) -> int:
    _server_extra()
    from scriptrunner.server.options import ServeOptions
    from scriptrunner.server.serve import serve

    options = ServeOptions(
        host=args.host,
        port=args.port,
        workflows_dirs=_dirs(args.workflows_dir, "--workflows-dir"),
        scripts_dirs=_dirs(args.scripts_dir, "--scripts-dir"),
        tls_cert=Path(args.tls_cert) if args.tls_cert else None,
        tls_key=Path(args.tls_key) if args.tls_key else None,
        insecure_remote=args.insecure_remote,
    )
    return serve(settings_from(args), options)


def _tokens(args: argparse.Namespace) -> Any:
    from scriptrunner.store import open_reader
    from scriptrunner.store.tokens import TokenStore

    reader = open_reader(settings_from(args))
    return reader, TokenStore(reader.engine, reader.where)


def handle_create(args: argparse.Namespace) -> int:
    reader, tokens = _tokens(args)
    try:
        info, token = tokens.create(args.role, args.name)
    finally:
        reader.close()
    print(token)
    print(
        f"Created {info.role} token {info.id} ({info.name}); it is shown only this once.",
        file=sys.stderr,
    )
    return 0


def _when(value: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(value)) if value else "-"


def handle_list(args: argparse.Namespace) -> int:
    reader, tokens = _tokens(args)
    try:
        found = tokens.list()
    finally:
        reader.close()
    if args.format == "json":
        doc = [
            {
                "id": t.id,
                "name": t.name,
                "role": t.role,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "revoked_at": t.revoked_at,
            }
            for t in found
        ]
        return write_output(args.output, json.dumps(doc) + "\n")
    if not found:
        print("No tokens yet; create one with `scriptrunner token create --role viewer`.")
        return 0
    lines = [f"{'ID':<9} {'ROLE':<9} {'CREATED':<17} {'LAST USED':<17} {'STATE':<8} NAME"]
    for t in found:
        state = "active" if t.active else "revoked"
        lines.append(
            f"{t.id:<9} {t.role:<9} {_when(t.created_at):<17} {_when(t.last_used_at):<17} "
            f"{state:<8} {shown(t.name)}"
        )
    return write_output(args.output, "\n".join(lines) + "\n")


def handle_revoke(args: argparse.Namespace) -> int:
    reader, tokens = _tokens(args)
    try:
        info = tokens.revoke(args.id)
    finally:
        reader.close()
    print(f"Revoked token {info.id} ({info.name}).")
    return 0
