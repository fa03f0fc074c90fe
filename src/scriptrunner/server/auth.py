"""Who is calling: bearer tokens for programs, a session cookie for the browser.

Fail closed: every ``/api/v1`` route and the WebSocket need a valid token (401 without),
operator actions need an operator token (403 for a viewer), and a request whose ``Origin``
is not this server (a cross-site form or WebSocket) is refused (403) before its token is
even looked at.  A browser logs in once (``POST /login`` with the token) and gets an
HttpOnly, SameSite=Strict cookie naming a server-side session; the token itself never goes
into the cookie.  Failed logins and bad bearer tokens are counted per client address and
refused with 429 once there are too many.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from fastapi import HTTPException
from starlette.requests import HTTPConnection

from scriptrunner.server.context import context_of
from scriptrunner.store.tokens import TokenInfo

COOKIE = "sr_session"
#: A browser session lasts this long (seconds) without a new login.
SESSION_SECONDS = 12 * 3600.0
#: At most this many failed logins (or bad bearer tokens) per address per window.
MAX_FAILURES = 10
FAILURE_WINDOW = 60.0
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class Principal:
    token_id: str
    name: str
    role: str
    via: Literal["bearer", "cookie"]

    @property
    def operator(self) -> bool:
        return self.role == "operator"


@dataclass(slots=True)
class _Session:
    token_id: str
    expires: float


@dataclass(slots=True)
class AuthState:
    """The server's sessions and failed-login counts (in memory: a restart logs out)."""

    sessions: dict[str, _Session] = field(default_factory=dict)
    failures: dict[str, deque[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def open_session(self, info: TokenInfo) -> str:
        sid = secrets.token_urlsafe(32)
        with self.lock:
            now = time.time()
            expired = [k for k, v in self.sessions.items() if v.expires < now]
            for key in expired:
                del self.sessions[key]
            self.sessions[sid] = _Session(info.id, now + SESSION_SECONDS)
        return sid

    def session_token(self, sid: str) -> str | None:
        with self.lock:
            session = self.sessions.get(sid)
            if session is None or session.expires < time.time():
                self.sessions.pop(sid, None)
                return None
            return session.token_id

    def close_session(self, sid: str) -> None:
        with self.lock:
            self.sessions.pop(sid, None)

    def limited(self, address: str) -> bool:
        """True when ``address`` has failed too often lately."""
        with self.lock:
            times = self.failures.get(address)
            if times is None:
                return False
            cutoff = time.monotonic() - FAILURE_WINDOW
            while times and times[0] < cutoff:
                times.popleft()
            return len(times) >= MAX_FAILURES

    def failed(self, address: str) -> None:
        with self.lock:
            self.failures.setdefault(address, deque(maxlen=MAX_FAILURES)).append(time.monotonic())


def auth_state(conn: HTTPConnection) -> AuthState:
    state: AuthState = context_of(conn).services["auth"]
    return state


def client_address(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client is not None else "unknown"


def same_origin(conn: HTTPConnection) -> bool | None:
    """Whether the request's ``Origin`` is this server (None: no ``Origin`` header).

    The origin is compared with the ``Host`` the client addressed, so the check holds
    behind any name or port the server is reached by; a browser always sends both."""
    origin = conn.headers.get("origin")
    if origin is None:
        return None
    if origin == "null":
        # A browser sends "Origin: null" with a form POST from a page whose referrer policy
        # is no-referrer (ours); its Sec-Fetch-Site, which no page can set, still tells.
        return conn.headers.get("sec-fetch-site") == "same-origin"
    host = conn.headers.get("host", "")
    scheme = "https" if conn.url.scheme in ("https", "wss") else "http"
    return secrets.compare_digest(origin.lower(), f"{scheme}://{host}".lower())


def _too_many() -> HTTPException:
    return HTTPException(
        429,
        detail="too many failed logins from this address; wait a minute",
        headers={"Retry-After": str(int(FAILURE_WINDOW))},
    )


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def authenticate(conn: HTTPConnection) -> Principal:
    """The caller, or an ``HTTPException`` (401, 403, 429) saying why not."""
    unsafe = conn.scope["type"] == "websocket" or conn.scope.get("method") in _UNSAFE
    origin_ok = same_origin(conn)
    if unsafe and origin_ok is False:
        raise HTTPException(403, detail="cross-origin request refused (Origin is not this server)")
    ctx = context_of(conn)
    state = auth_state(conn)
    address = client_address(conn)
    header = conn.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("the Authorization header must be 'Bearer TOKEN'")
        if state.limited(address):
            raise _too_many()
        info = ctx.tokens.verify(token.strip())
        if info is None:
            state.failed(address)
            raise _unauthorized("invalid or revoked token")
        return Principal(info.id, info.name, info.role, "bearer")
    sid = conn.cookies.get(COOKIE)
    token_id = state.session_token(sid) if sid else None
    info = ctx.tokens.active(token_id) if token_id else None
    if info is None:
        raise _unauthorized("log in: send 'Authorization: Bearer TOKEN' or use /login")
    if unsafe and origin_ok is not True:
        # A cookie rides along with cross-site requests; only a same-origin page may act.
        raise HTTPException(403, detail="a cookie-authenticated request needs this server's Origin")
    return Principal(info.id, info.name, info.role, "cookie")


def require_viewer(conn: HTTPConnection) -> Principal:
    """FastAPI dependency: any valid token (viewer or operator)."""
    return authenticate(conn)


def require_operator(conn: HTTPConnection) -> Principal:
    """FastAPI dependency: an operator token (403 for a viewer)."""
    principal = authenticate(conn)
    if not principal.operator:
        raise HTTPException(403, detail="this action needs an operator token")
    return principal


def optional_principal(conn: HTTPConnection) -> Principal | None:
    """The caller if authenticated (pages redirect to ``/login`` otherwise)."""
    try:
        return authenticate(conn)
    except HTTPException:
        return None
