"""What every route reaches through ``request.app.state``: one per server process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from starlette.requests import HTTPConnection

from scriptrunner.server.options import ServeOptions
from scriptrunner.settings import Settings
from scriptrunner.store.reader import HistoryReader
from scriptrunner.store.tokens import TokenStore


@dataclass(slots=True)
class ServerContext:
    """The server's settings and options, its one store reader and token table, and its
    long-lived services by name (``hub``: the event fan-out, ``launcher``: the work it
    started, ``metrics``), created and closed by ``server.app``'s lifespan."""

    settings: Settings
    options: ServeOptions
    reader: HistoryReader
    tokens: TokenStore
    services: dict[str, Any] = field(default_factory=dict)


def context_of(conn: HTTPConnection) -> ServerContext:
    return cast(ServerContext, conn.app.state.ctx)
