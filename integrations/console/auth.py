"""Console sign-in and file links: signed, expiring tokens (itsdangerous), checked on every request.

Three kinds, each signed with its own salt so one can never stand in for another: a sign-in link made by an admin
(`copilot console token USER`), the session cookie it is exchanged for, and a link to one chart or report of one
user. The expiry travels inside the signed payload and is checked against an injectable clock. A sign-in link also
carries a random nonce and works once: its first use is recorded in the operational database.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Column, MetaData, String, Table, delete
from sqlalchemy.exc import IntegrityError

from copilot.errors import CopilotError
from copilot.settings import Settings
from tools.routing.model import UtcDateTime
from tools.routing.store import make_engine

Purpose = Literal["login", "session", "file"]
KEY_FILE = "console.key"


class SignInRequired(CopilotError):
    """No valid console session: the page sends the user to the sign-in form with this message."""

    status_code = 401
    default_en = "Please sign in to the console."
    default_zh = "请先登录控制台。"


_EXPIRED = {
    "login": ("This sign-in link has expired. Ask an admin for a new one (copilot console token USER).",
              "该登录链接已过期，请联系管理员重新生成（copilot console token 用户）。"),
    "session": ("Your console session has expired. Please sign in again.", "控制台登录已过期，请重新登录。"),
    "file": ("This link has expired. Ask the question again for a fresh chart or report.",
             "该链接已过期，请重新提问以生成新的图表或报告。"),
}
_INVALID = {
    "login": ("This sign-in link is not valid (it may have been cut short or changed).",
              "该登录链接无效（可能不完整或被修改）。"),
    "session": ("Your console session is not valid. Please sign in again.", "控制台登录无效，请重新登录。"),
    "file": ("This link is not valid.", "该链接无效。"),
}


def console_secret(settings: Settings) -> str:
    """COPILOT_CONSOLE_SECRET, else a random key created once under the data folder (owner-only file)."""
    if settings.console_secret is not None:
        return settings.console_secret.get_secret_value()
    path = settings.data_dir / KEY_FILE
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip()


class ConsoleKeys:
    """Issues and reads the console's tokens."""

    def __init__(self, secret: str, clock: Callable[[], float] = time.time) -> None:
        self._serializer = URLSafeSerializer(secret)
        self._clock = clock

    def issue(self, purpose: Purpose, claims: dict[str, Any], hours: float) -> str:
        return self._serializer.dumps({**claims, "exp": int(self._clock() + hours * 3600)}, salt=purpose)

    def read(self, purpose: Purpose, token: str) -> dict[str, Any]:
        """The token's claims; SignInRequired with a message that says what is wrong (expired or not valid)."""
        try:
            claims = self._serializer.loads(token, salt=purpose)
        except BadSignature:
            en, zh = _INVALID[purpose]
            raise SignInRequired(en=en, zh=zh, detail=f"bad {purpose} token") from None
        if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
            en, zh = _INVALID[purpose]
            raise SignInRequired(en=en, zh=zh, detail=f"malformed {purpose} token")
        if claims["exp"] <= self._clock():
            en, zh = _EXPIRED[purpose]
            raise SignInRequired(en=en, zh=zh, detail=f"expired {purpose} token")
        return claims


def sign_in_link(settings: Settings, user_id: str, hours: float, base_url: str | None = None) -> str:
    """The link an admin hands to a user; opening it signs them in (`copilot console token`)."""
    keys = ConsoleKeys(console_secret(settings))
    token = keys.issue("login", {"u": user_id, "n": secrets.token_hex(12)}, hours)
    base = (base_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    return f"{base}/login?token={token}"


metadata = MetaData()
used_links = Table(
    "console_used_links", metadata,
    Column("nonce", String(32), primary_key=True),
    Column("used_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),  # kept until the link would have expired anyway
)
_USED = ("This sign-in link has already been used. Ask an admin for a new one (copilot console token USER).",
         "该登录链接已经使用过，请联系管理员重新生成（copilot console token 用户）。")


class UsedLinks:
    """Sign-in link nonces already spent (the ops database, so several service processes agree)."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url).execution_options(copilot_write=True)
        metadata.create_all(self.engine)

    def spend(self, claims: dict[str, Any]) -> None:
        """Mark the link of these claims used; SignInRequired when it has no nonce or was used before."""
        nonce = claims.get("n")
        if not isinstance(nonce, str) or not 8 <= len(nonce) <= 32:
            en, zh = _INVALID["login"]
            raise SignInRequired(en=en, zh=zh, detail="sign-in link without a nonce")
        now = datetime.now(UTC)
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(used_links).where(used_links.c.expires_at < now))
                conn.execute(used_links.insert().values(nonce=nonce, used_at=now,
                                                        expires_at=datetime.fromtimestamp(claims["exp"], UTC)))
        except IntegrityError:
            en, zh = _USED
            raise SignInRequired(en=en, zh=zh, detail="sign-in link used again") from None
