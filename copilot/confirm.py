"""Confirmations of side-effect tool calls: a call that would change something (a ticket, a notification to a
colleague) is held as a pending action until the person who asked says yes — a button, or "确认" / "yes" — and then
runs exactly once.

The pending action's id is its idempotency key: claiming it is a compare-and-set update, so a double click, a
redelivered button press or two service processes never run it twice, and a second "yes" gets the first result.
Rows live in the operational database (SQLite, or PostgreSQL by COPILOT_TICKETS_URL), next to the tickets.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import JSON, Column, Engine, MetaData, String, Table, Text, UniqueConstraint, delete, select, update
from sqlalchemy.exc import IntegrityError

from copilot.pii import mask_pii
from tools.routing.model import UtcDateTime
from tools.routing.store import make_engine

Decision = Literal["yes", "no"]
State = Literal["pending", "running", "done", "cancelled"]
# A run that has been "running" this long is taken to have died with its process; it may be claimed again (the
# tool's own idempotency key, e.g. the ticket's user:message:department, still keeps it from acting twice).
RUN_LEASE = timedelta(minutes=2)

metadata = MetaData()
pending_actions = Table(
    "pending_actions", metadata,
    Column("id", String(32), primary_key=True),  # random; what buttons carry; the action's idempotency key
    Column("user_id", String(64), nullable=False),
    Column("conversation_id", String(200), nullable=False, index=True),
    Column("message_key", String(200), nullable=False),  # the chat message id: a redelivery proposes once
    Column("tool", String(64), nullable=False),
    Column("args", JSON, nullable=False),
    Column("text", Text, nullable=False),  # the request as sent (tools read it); masked once the action is settled
    Column("lang", String(2), nullable=False),
    Column("summary", Text, nullable=False),  # what the user was asked to confirm
    Column("state", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False, index=True),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("claimed_at", UtcDateTime(), nullable=True),
    Column("result", JSON, nullable=True),  # {"text", "record", "attachments"} of the run
    UniqueConstraint("user_id", "message_key", "tool", name="pending_actions_message"),
)

_YES = (r"确认|确定|是|是的|对|好|好的|行|可以|同意|提交|执行|没问题|确认提交|确认创建|"
        r"y|yes|yep|yeah|sure|ok|okay|confirm|confirmed|go ahead|do it|proceed|please do")
_NO = r"取消|不|不要|不用|算了|否|别|no|n|nope|cancel|stop|don't|do not|never mind|nevermind"
_DECISION = re.compile(rf"^\s*(?:(?P<yes>{_YES})|(?P<no>{_NO}))(?:\s+(?P<token>[0-9a-f]{{8,32}}))?"
                       r"[\s.!！。~～,，]*$", re.IGNORECASE)


def parse_decision(text: str) -> tuple[Decision, str | None] | None:
    """("yes"|"no", action id or None) when the whole message is a yes or a no (buttons add the action id);
    None for anything else, e.g. "已确认库存500台" is an answer, not a confirmation."""
    m = _DECISION.match(text or "")
    if m is None:
        return None
    return ("yes" if m.group("yes") else "no"), (m.group("token") or "").lower() or None


@dataclass(frozen=True)
class Pending:
    id: str
    user_id: str
    conversation_id: str
    message_key: str
    tool: str
    args: dict[str, Any]
    text: str
    lang: Literal["zh", "en"]
    summary: str
    state: State
    created_at: datetime
    expires_at: datetime
    result: dict[str, Any] | None

    def expired(self, now: datetime) -> bool:
        return self.state == "pending" and now >= self.expires_at


class PendingActions:
    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        self._writer = self.engine.execution_options(copilot_write=True)
        self._lock = threading.Lock()  # this process's writers queue here, not in SQLite's busy handler
        metadata.create_all(self._writer)

    def propose(self, *, user_id: str, conversation_id: str, message_key: str, tool: str, args: dict[str, Any],
                text: str, lang: Literal["zh", "en"], summary: str, ttl: timedelta,
                now: datetime | None = None) -> Pending:
        """Hold a call for confirmation; the same message proposing the same tool again gets the same action."""
        now = now or datetime.now(UTC)
        row = {"id": secrets.token_hex(16), "user_id": user_id, "conversation_id": conversation_id,
               "message_key": message_key[:200], "tool": tool, "args": args, "text": text,
               "lang": lang, "summary": summary, "state": "pending", "created_at": now, "expires_at": now + ttl,
               "claimed_at": None, "result": None}
        try:
            with self._lock, self._writer.begin() as conn:
                conn.execute(pending_actions.insert().values(**row))
        except IntegrityError:
            with self.engine.connect() as conn:
                found = conn.execute(select(pending_actions).where(
                    pending_actions.c.user_id == user_id, pending_actions.c.message_key == row["message_key"],
                    pending_actions.c.tool == tool)).first()
            assert found is not None
            return _pending(found._mapping)
        return _pending(row)

    def find(self, user_id: str, conversation_id: str, action_id: str | None = None) -> Pending | None:
        """The action a yes/no means: the one named (buttons), else the newest unsettled one of this conversation.
        Only the asker's own actions are ever found."""
        q = select(pending_actions).where(pending_actions.c.user_id == user_id)
        if action_id:
            q = q.where(pending_actions.c.id == action_id)
        else:
            q = q.where(pending_actions.c.conversation_id == conversation_id,
                        pending_actions.c.state.in_(("pending", "running"))
                        ).order_by(pending_actions.c.created_at.desc())
        with self.engine.connect() as conn:
            row = conn.execute(q.limit(1)).first()
        return _pending(row._mapping) if row is not None else None

    def claim(self, action_id: str, user_id: str, now: datetime | None = None) -> bool:
        """Move a live pending action (or a run whose process died) to running; True for exactly one caller."""
        now = now or datetime.now(UTC)
        c = pending_actions.c
        live = (c.state == "pending") & (c.expires_at > now)
        stale = (c.state == "running") & (c.claimed_at < now - RUN_LEASE)
        with self._lock, self._writer.begin() as conn:
            done = conn.execute(update(pending_actions).where(c.id == action_id, c.user_id == user_id, live | stale)
                                .values(state="running", claimed_at=now))
        return bool(done.rowcount == 1)

    def finish(self, action_id: str, result: dict[str, Any]) -> None:
        """running -> done, with what the run answered; the request text is masked from now on."""
        c = pending_actions.c
        with self._lock, self._writer.begin() as conn:
            row = conn.execute(select(c.text).where(c.id == action_id)).first()
            if row is not None:
                conn.execute(update(pending_actions).where(c.id == action_id, c.state == "running")
                             .values(state="done", result=result, text=mask_pii(row.text)))

    def cancel(self, action_id: str, user_id: str) -> bool:
        """pending -> cancelled; False when it was already running, done or cancelled."""
        c = pending_actions.c
        with self._lock, self._writer.begin() as conn:
            row = conn.execute(select(c.text).where(c.id == action_id, c.user_id == user_id,
                                                    c.state == "pending")).first()
            if row is None:
                return False
            done = conn.execute(update(pending_actions).where(c.id == action_id, c.state == "pending")
                                .values(state="cancelled", text=mask_pii(row.text)))
        return bool(done.rowcount == 1)

    def purge(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Delete settled and expired actions older than `older_than`; returns how many."""
        before = (now or datetime.now(UTC)) - older_than
        with self._lock, self._writer.begin() as conn:
            return int(conn.execute(delete(pending_actions).where(
                pending_actions.c.created_at < before, pending_actions.c.state != "running")).rowcount or 0)


def _pending(row: Any) -> Pending:
    return Pending(id=row["id"], user_id=row["user_id"], conversation_id=row["conversation_id"],
                   message_key=row["message_key"], tool=row["tool"], args=dict(row["args"] or {}), text=row["text"],
                   lang=row["lang"], summary=row["summary"], state=row["state"],
                   created_at=_utc(row["created_at"]), expires_at=_utc(row["expires_at"]), result=row["result"])


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
