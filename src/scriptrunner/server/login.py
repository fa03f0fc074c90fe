"""``/login`` and ``/logout``: the browser exchanges a token for a session cookie once."""

from __future__ import annotations

import html
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from scriptrunner.server.auth import (
    COOKIE,
    SESSION_SECONDS,
    auth_state,
    client_address,
    same_origin,
)
from scriptrunner.server.context import context_of

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · scriptrunner</title><link rel="stylesheet" href="/static/app.css"></head>
<body class="login"><main class="login-box">
<h1>scriptrunner</h1>
<form method="post" action="/login">
<label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="{next}">
<button type="submit">Log in</button>
</form>
<p class="error" role="alert">{error}</p>
<p class="hint">Create a token with <code>scriptrunner token create --role viewer</code>;
the first operator token is in <code>$SCRIPTRUNNER_HOME/serve-token</code>.</p>
</main></body></html>
"""


def safe_next(target: str) -> str:
    """A same-site path to go to after logging in (never another host: ``//x``, ``/\\x``)."""
    if not target.startswith("/") or target.startswith(("//", "/\\")) or "\n" in target:
        return "/"
    return target


def _page(next_path: str, error: str = "", status: int = 200) -> HTMLResponse:
    body = _PAGE.format(next=html.escape(safe_next(next_path)), error=html.escape(error))
    return HTMLResponse(body, status_code=status)


@router.get("/login")
def login_form(request: Request) -> Response:
    return _page(request.query_params.get("next", "/"))


@router.post("/login")
async def login(request: Request) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=4)
    token = (form.get("token") or [""])[0].strip()
    next_path = (form.get("next") or ["/"])[0]
    if same_origin(request) is False:
        return _page(next_path, "This form must be sent from this server's own page.", 403)
    state = auth_state(request)
    address = client_address(request)
    if state.limited(address):
        response = _page(next_path, "Too many failed logins; wait a minute.", 429)
        response.headers["Retry-After"] = "60"
        return response
    info = context_of(request).tokens.verify(token) if token else None
    if info is None:
        state.failed(address)
        return _page(next_path, "That token is not valid (or was revoked).", 401)
    redirect = RedirectResponse(safe_next(next_path), status_code=303)
    redirect.set_cookie(
        COOKIE,
        state.open_session(info),
        max_age=int(SESSION_SECONDS),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return redirect


@router.post("/logout")
def logout(request: Request) -> Response:
    sid = request.cookies.get(COOKIE)
    if sid and same_origin(request) is not False:
        auth_state(request).close_session(sid)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
