"""Personal API tokens for the HTTP API (`/v1/chat`, `/v1/voice`, tickets): who is calling, proven.

A token is `cpt_<id>_<secret>`. Only the id and a SHA-256 of the secret are stored (in the operational database,
next to the tickets), so a leaked database or log line never yields a usable token; the token itself is shown
once, when an admin issues it (`copilot token issue USER`). Tokens expire, can be revoked, and act for their own
user only — except an admin's, which may act for any directory user (a trusted back end such as a CRM plug-in).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, Engine, MetaData, String, Table, select, update
from sqlalchemy.exc import IntegrityError

from copilot.errors import CopilotError
from tools.routing.model import UtcDateTime
from tools.routing.store import make_engine

PREFIX = "cpt_"
_TOKEN = re.compile(r"^cpt_([0-9a-f]{12})_([A-Za-z0-9_-]{40,64})$")
TOUCH_EVERY = timedelta(minutes=5)  # last_used_at is refreshed at most this often (reads stay reads)

metadata = MetaData()
api_tokens = Table(
    "api_tokens", metadata,
    Column("id", String(12), primary_key=True),  # public part of the token, shown in listings
    Column("user_id", String(64), nullable=False, index=True),
    Column("name", String(80), nullable=False),
    Column("secret_sha256", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=True),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Column("last_used_at", UtcDateTime(), nullable=True),
)


class Unauthorized(CopilotError):
    """No valid API token: missing, malformed, unknown, expired or revoked (one answer for all; the log says which)."""

    status_code = 401
    default_en = ("Please authenticate: send `Authorization: Bearer <token>` (an admin issues one with "
                  "`copilot token issue USER`).")
    default_zh = "请先认证：请求头需带 `Authorization: Bearer <令牌>`（由管理员用 `copilot token issue 用户` 生成）。"


@dataclass(frozen=True)
class TokenInfo:
    id: str
    user_id: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and _utc(self.expires_at) <= now:
            return "expired"
        return "active"


class ApiTokens:
    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        self._writer = self.engine.execution_options(copilot_write=True)
        self._lock = threading.Lock()
        metadata.create_all(self._writer)

    def issue(self, user_id: str, name: str, days: float | None, now: datetime | None = None) -> tuple[TokenInfo,
                                                                                                        str]:
        """A new token for a user: (its listing, the token itself — shown once, never stored)."""
        now = now or datetime.now(UTC)
        secret = secrets.token_urlsafe(40)
        row: dict[str, Any] = {
            "user_id": user_id, "name": name[:80] or "api", "secret_sha256": _digest(secret), "created_at": now,
            "expires_at": now + timedelta(days=days) if days else None, "revoked_at": None, "last_used_at": None}
        for _ in range(5):  # a 48-bit id colliding is rare; try again rather than fail
            token_id = secrets.token_hex(6)
            try:
                with self._lock, self._writer.begin() as conn:
                    conn.execute(api_tokens.insert().values(id=token_id, **row))
            except IntegrityError:
                continue
            info = TokenInfo(id=token_id, user_id=user_id, name=row["name"], created_at=now,
                             expires_at=row["expires_at"], revoked_at=None, last_used_at=None)
            return info, f"{PREFIX}{token_id}_{secret}"
        raise RuntimeError("could not allocate a token id")

    def verify(self, token: str, now: datetime | None = None) -> TokenInfo:
        """The token's listing if it is valid now; Unauthorized otherwise (the detail, never the secret, is logged
        by the caller)."""
        now = now or datetime.now(UTC)
        m = _TOKEN.match(token.strip())
        if m is None:
            raise Unauthorized(detail="malformed token")
        token_id, secret = m.groups()
        with self.engine.connect() as conn:
            row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
        # Compared in constant time, and a missing id costs the same digest, so timing says nothing.
        stored = row.secret_sha256 if row is not None else "0" * 64
        if not hmac.compare_digest(_digest(secret), stored) or row is None:
            raise Unauthorized(detail=f"unknown token {token_id}")
        info = _info(row)
        if info.state(now) != "active":
            raise Unauthorized(detail=f"{info.state(now)} token {token_id}")
        if info.last_used_at is None or now - _utc(info.last_used_at) >= TOUCH_EVERY:
            with self._lock, self._writer.begin() as conn:
                conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now))
        return info

    def list(self, user_id: str | None = None) -> list[TokenInfo]:
        q = select(api_tokens).order_by(api_tokens.c.created_at.desc())
        if user_id:
            q = q.where(api_tokens.c.user_id == user_id)
        with self.engine.connect() as conn:
            return [_info(r) for r in conn.execute(q).all()]

    def revoke(self, token_id: str, now: datetime | None = None) -> bool:
        """True when an active token was revoked now."""
        with self._lock, self._writer.begin() as conn:
            done = conn.execute(update(api_tokens).where(api_tokens.c.id == token_id,
                                                         api_tokens.c.revoked_at.is_(None))
                                .values(revoked_at=now or datetime.now(UTC)))
        return bool(done.rowcount == 1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _info(row: object) -> TokenInfo:
    return TokenInfo(id=row.id, user_id=row.user_id, name=row.name,  # type: ignore[attr-defined]
                     created_at=_utc(row.created_at), expires_at=_opt(row.expires_at),  # type: ignore[attr-defined]
                     revoked_at=_opt(row.revoked_at), last_used_at=_opt(row.last_used_at))  # type: ignore[attr-defined]


def _opt(at: datetime | None) -> datetime | None:
    return _utc(at) if at is not None else None


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
