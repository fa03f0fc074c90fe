"""API tokens for the dashboard (``scriptrunner token``, ``scriptrunner serve``).

A token is ``sr_`` + 43 URL-safe characters (256 random bits).  Only its SHA-256 digest is
stored: the token itself is shown once, when it is created, and cannot be read back from
the store.  A slow password hash would add nothing for random tokens of this size and
would cost every API call.  A token is found by its digest, so what an attacker controls
(the token) is never compared byte by byte with a stored secret.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from scriptrunner.errors import ConfigError, StoreError
from scriptrunner.store import schema
from scriptrunner.store.base import db_error

ROLES = ("viewer", "operator")
PREFIX = "sr_"
#: ``last_used_at`` is written at most this often per token (every call would be a write).
_TOUCH_EVERY = 60.0


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A stored token, without the token."""

    id: str
    name: str
    role: str
    created_at: float
    last_used_at: float | None
    revoked_at: float | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def operator(self) -> bool:
        return self.role == "operator"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def _info(row: Any) -> TokenInfo:
    m = row._mapping
    return TokenInfo(
        id=m["id"],
        name=m["name"],
        role=m["role"],
        created_at=m["created_at"],
        last_used_at=m["last_used_at"],
        revoked_at=m["revoked_at"],
    )


class TokenStore:
    """The ``api_tokens`` table of a history store (an engine on a migrated store)."""

    def __init__(self, engine: Engine, where: str) -> None:
        self.engine = engine
        self.where = where
        self._touched: dict[str, float] = {}

    def _fail(self, what: str, exc: SQLAlchemyError) -> StoreError:
        return StoreError(f"cannot {what} in history store {self.where}: {db_error(exc)}")

    def create(self, role: str, name: str = "") -> tuple[TokenInfo, str]:
        """A new token of ``role``: its stored record and the token (shown once)."""
        if role not in ROLES:
            raise ConfigError(f"unknown token role {role!r}: use viewer or operator")
        token = PREFIX + secrets.token_urlsafe(32)
        token_id, created = secrets.token_hex(4), time.time()
        row = {
            "id": token_id,
            "name": name or role,
            "role": role,
            "token_sha256": digest(token),
            "created_at": created,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(schema.api_tokens.insert(), [row])
        except SQLAlchemyError as exc:
            raise self._fail("create a token", exc) from exc
        return TokenInfo(token_id, name or role, role, created, None, None), token

    def list(self, *, include_revoked: bool = True) -> list[TokenInfo]:
        t = schema.api_tokens
        q = select(t).order_by(t.c.created_at, t.c.id)
        if not include_revoked:
            q = q.where(t.c.revoked_at.is_(None))
        try:
            with self.engine.connect() as conn:
                return [_info(r) for r in conn.execute(q)]
        except SQLAlchemyError as exc:
            raise self._fail("list tokens", exc) from exc

    def count_active(self) -> int:
        t = schema.api_tokens
        try:
            with self.engine.connect() as conn:
                q = select(func.count()).select_from(t).where(t.c.revoked_at.is_(None))
                return int(conn.execute(q).scalar() or 0)
        except SQLAlchemyError as exc:
            raise self._fail("count tokens", exc) from exc

    def revoke(self, token_id: str) -> TokenInfo:
        t = schema.api_tokens
        try:
            with self.engine.begin() as conn:
                rows = list(conn.execute(select(t).where(t.c.id == token_id)))
                if not rows:
                    raise ConfigError(
                        f"no token with id {token_id!r}; see `scriptrunner token list`"
                    )
                if rows[0]._mapping["revoked_at"] is None:
                    conn.execute(update(t).where(t.c.id == token_id).values(revoked_at=time.time()))
                return _info(conn.execute(select(t).where(t.c.id == token_id)).one())
        except SQLAlchemyError as exc:
            raise self._fail("revoke a token", exc) from exc

    def verify(self, token: str) -> TokenInfo | None:
        """The active token ``token`` is, or None (unknown, revoked or malformed)."""
        if not token.startswith(PREFIX) or len(token) > 128:
            return None
        wanted = digest(token)
        t = schema.api_tokens
        try:
            with self.engine.connect() as conn:
                rows = list(conn.execute(select(t).where(t.c.token_sha256 == wanted)))
        except SQLAlchemyError as exc:
            raise self._fail("check a token", exc) from exc
        if not rows:
            return None
        info = _info(rows[0])
        if not info.active:
            return None
        self._touch(info.id)
        return info

    def active(self, token_id: str) -> TokenInfo | None:
        """The token with this id if it is still active (a session checks its token)."""
        t = schema.api_tokens
        try:
            with self.engine.connect() as conn:
                rows = list(conn.execute(select(t).where(t.c.id == token_id)))
        except SQLAlchemyError as exc:
            raise self._fail("check a token", exc) from exc
        info = _info(rows[0]) if rows else None
        return info if info is not None and info.active else None

    def _touch(self, token_id: str) -> None:
        now = time.time()
        if now - self._touched.get(token_id, 0.0) < _TOUCH_EVERY:
            return
        self._touched[token_id] = now
        t = schema.api_tokens
        try:
            with self.engine.begin() as conn:
                conn.execute(update(t).where(t.c.id == token_id).values(last_used_at=now))
        except SQLAlchemyError:
            pass  # a busy or read-only store: the token is still valid
