"""The FastAPI application: routes mounted behind the auth, security headers, services.

Route modules (``server/routes/NAME.py``) know nothing of auth: each exports ``router``
(read routes) and maybe ``operator_router`` (actions), and this module mounts them under
``/api/v1`` with the viewer or operator check, so no route can be added unprotected.
Operator routes carry the OpenAPI tag ``operator`` (the auth tests read it).  The check
covers WebSocket routes too: FastAPI runs a router's dependencies before the handshake is
accepted, and the ``HTTPException`` becomes the HTTP denial (401/403/429) of the upgrade.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Depends, FastAPI, Request
from starlette.responses import JSONResponse, Response

from scriptrunner.errors import ConfigError, ScriptRunnerError, StoreError
from scriptrunner.server.auth import AuthState, require_operator, require_viewer
from scriptrunner.server.context import ServerContext
from scriptrunner.server.metrics import metrics_registry, metrics_response
from scriptrunner.server.security import SecurityHeaders
from scriptrunner.version import __version__

API = "/api/v1"
#: The ``server.routes`` modules mounted under ``/api/v1``.
ROUTE_MODULES: tuple[str, ...] = (
    # the read API
    "runs",
    "workflows",
    "traces",
    "scans",
    "findings",
    "costs",
    # operator actions
    "actions",
    # GET /events and the WebSocket /events/ws
    "events",
    # the caller (for the web UI)
    "me",
)
#: Long-lived services: ``(name, "module:factory")``; ``factory(ctx)`` returns an object
#: with ``close()``.  Started in this order when the server starts (``ctx.services[name]``),
#: closed in reverse order when it stops.
SERVICES: tuple[tuple[str, str], ...] = (
    # the live event stream (routes/events.py)
    ("hub", "scriptrunner.server.hub:start_hub"),
    # the work this server started (stopped with SIGTERM when the server stops)
    ("launcher", "scriptrunner.server.launcher:Launcher"),
)
#: Modules with browser pages (``router``, no auth applied: a page redirects to /login).
PAGE_MODULES: tuple[str, ...] = ("scriptrunner.server.login", "scriptrunner.server.pages")


def start_services(ctx: ServerContext) -> contextlib.ExitStack:
    """Start ``SERVICES`` (from the event loop: the hub needs it) into ``ctx.services``;
    the returned stack closes them in reverse order.  A service that cannot start closes
    the ones already started and raises (a ``StoreError`` names the store)."""
    stack = contextlib.ExitStack()
    try:
        for name, target in SERVICES:
            module, _, factory = target.partition(":")
            service = getattr(importlib.import_module(module), factory)(ctx)
            ctx.services[name] = service
            stack.callback(service.close)
    except BaseException:
        stack.close()
        raise
    return stack


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Services for an app served by someone else; ``scriptrunner serve`` starts them
    itself before uvicorn (so a failure is one error line, not a lifespan traceback)."""
    ctx: ServerContext = app.state.ctx
    if all(name in ctx.services for name, _ in SERVICES):
        yield
        return
    with start_services(ctx):
        yield


def create_app(ctx: ServerContext) -> FastAPI:
    app = FastAPI(
        title="scriptrunner",
        version=__version__,
        openapi_url=None,  # served below, behind the token like every /api/v1 route
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN: not served
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    ctx.services.setdefault("auth", AuthState())
    registry = metrics_registry(ctx)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", include_in_schema=False, dependencies=[Depends(require_viewer)])
    def metrics() -> Response:
        return metrics_response(registry)

    @app.get(f"{API}/openapi.json", include_in_schema=False, dependencies=[Depends(require_viewer)])
    def openapi() -> dict[str, Any]:
        return app.openapi()

    for name in ROUTE_MODULES:
        module = importlib.import_module(f"scriptrunner.server.routes.{name}")
        viewer = getattr(module, "router", None)
        if viewer is not None:
            app.include_router(viewer, prefix=API, dependencies=[Depends(require_viewer)])
        operator = getattr(module, "operator_router", None)
        if operator is not None:
            app.include_router(
                operator, prefix=API, dependencies=[Depends(require_operator)], tags=["operator"]
            )
    for name in PAGE_MODULES:
        app.include_router(importlib.import_module(name).router)
    _error_handlers(app)
    app.add_middleware(SecurityHeaders, tls=ctx.options.tls)
    return app


def _error_handlers(app: FastAPI) -> None:
    """scriptrunner's own errors become one-sentence JSON answers, never a traceback."""

    async def store_error(_request: Request, exc: Exception) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    async def bad_input(_request: Request, exc: Exception) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    app.add_exception_handler(StoreError, store_error)
    app.add_exception_handler(ConfigError, bad_input)
    app.add_exception_handler(ScriptRunnerError, bad_input)
