"""Run the dashboard: open the store, make sure a token exists, serve until a signal."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from scriptrunner.errors import ConfigError
from scriptrunner.server.context import ServerContext
from scriptrunner.server.options import ServeOptions, check_options
from scriptrunner.settings import Settings
from scriptrunner.store.reader import HistoryReader
from scriptrunner.store.tokens import TokenStore

if TYPE_CHECKING:
    import uvicorn

TOKEN_FILE = "serve-token"


def write_secret_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600, whatever the umask),
    replacing it atomically: the token is never in a file anyone else could read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    os.replace(partial, path)


def first_token(tokens: TokenStore, home: Path, out: TextIO) -> None:
    """On an empty token table, create one operator token into ``home/serve-token``."""
    if tokens.list():
        return
    info, token = tokens.create("operator", "serve")
    path = home / TOKEN_FILE
    try:
        write_secret_file(path, token + "\n")
    except OSError as exc:
        tokens.revoke(info.id)
        raise ConfigError(f"cannot write the first token to {path}: {exc.strerror}") from exc
    print(f"Created an operator token (id {info.id}) in {path} (mode 0600)", file=out, flush=True)


def listen(options: ServeOptions) -> socket.socket:
    """The listening socket, bound before anything else starts: a taken port is one clear
    error, not uvicorn's traceback."""
    try:
        infos = socket.getaddrinfo(options.host, options.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConfigError(f"--host {options.host}: cannot resolve it ({exc.strerror})") from exc
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on {options.host}:{options.port}: {exc.strerror}; "
            "choose another --port (0 picks a free one)"
        ) from exc
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings, options: ServeOptions, *, out: TextIO = sys.stdout) -> int:
    """Serve until SIGINT or SIGTERM; prints ``Serving on URL`` once connections are taken."""
    check_options(options)
    import uvicorn

    from scriptrunner.server.app import create_app

    sock = listen(options)
    reader: HistoryReader | None = None
    try:
        reader = HistoryReader(
            settings.store_url,
            busy_timeout=settings.busy_timeout,
            lease_timeout=settings.lease_timeout,
        )
        tokens = TokenStore(reader.engine, reader.where)
        first_token(tokens, settings.home, out)
        ctx = ServerContext(settings=settings, options=options, reader=reader, tokens=tokens)
        config = uvicorn.Config(
            create_app(ctx),
            log_level="warning",
            access_log=False,
            server_header=False,
            ssl_certfile=str(options.tls_cert) if options.tls_cert else None,
            ssl_keyfile=str(options.tls_key) if options.tls_key else None,
            ws_ping_interval=None,  # the event stream sends its own pings
            timeout_graceful_shutdown=5,
        )
        server = uvicorn.Server(config)
        # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the
        # handlers it found: these record it, so a requested stop exits 0, not by the signal.
        stopped: list[int] = []
        previous = {
            sig: signal.signal(sig, lambda signum, _frame: stopped.append(signum))
            for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            asyncio.run(_serve(server, ctx, sock, out))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0 if server.started else 1
    finally:
        sock.close()
        if reader is not None:
            reader.close()


async def _serve(
    server: uvicorn.Server, ctx: ServerContext, sock: socket.socket, out: TextIO
) -> None:
    from scriptrunner.server.app import start_services

    with start_services(ctx):
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.02)
        if server.started:
            port = sock.getsockname()[1]
            host = ctx.options.host
            shown = f"[{host}]" if ":" in host else host
            print(f"Serving on {ctx.options.scheme}://{shown}:{port}/", file=out, flush=True)
        await task
