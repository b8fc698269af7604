"""Tickets: their states, the allowed moves between them, and the tables that keep them.

The tables are SQLAlchemy Core so the same code runs on SQLite (default) and PostgreSQL (by URL). Times are
stored as timezone-aware UTC; the desk converts them to the configured local time zone for people.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the ticket store")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class State(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ANSWERED = "answered"
    CLOSED = "closed"
    REJECTED = "rejected"
    ESCALATED = "escalated"


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ANSWER = "answer"
    CLOSE = "close"
    REJECT = "reject"
    REOPEN = "reopen"
    ESCALATE = "escalate"


Priority = Literal["low", "normal", "high", "urgent"]
Who = Literal["owner", "requester", "manager"]

# Which states an action may start from, where it leads, and who may take it. "manager" = the owner's manager,
# the requester's manager or an admin. Escalating on an SLA breach is the scheduler's own move.
TRANSITIONS: dict[Action, tuple[frozenset[State], State, frozenset[str]]] = {
    Action.ACKNOWLEDGE: (frozenset({State.OPEN, State.ESCALATED}), State.ACKNOWLEDGED, frozenset({"owner"})),
    Action.ANSWER: (frozenset({State.OPEN, State.ACKNOWLEDGED, State.ESCALATED}), State.ANSWERED,
                    frozenset({"owner"})),
    Action.CLOSE: (frozenset({State.ANSWERED}), State.CLOSED, frozenset({"requester", "owner", "manager"})),
    Action.REJECT: (frozenset({State.OPEN, State.ACKNOWLEDGED, State.ESCALATED}), State.REJECTED,
                    frozenset({"owner"})),
    Action.REOPEN: (frozenset({State.ANSWERED}), State.OPEN, frozenset({"requester"})),
    Action.ESCALATE: (frozenset({State.OPEN, State.ACKNOWLEDGED}), State.ESCALATED,
                      frozenset({"manager", "requester_overdue"})),
}
TERMINAL = frozenset({State.CLOSED, State.REJECTED})
# Answered tickets no longer run an SLA clock: the owner has done their part.
CLOCK_STOPPED = frozenset({State.ANSWERED, *TERMINAL})

metadata = MetaData()

tickets = Table(
    "tickets", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idempotency_key", String(200), nullable=False),
    Column("requester_id", String(64), nullable=False),
    Column("department", String(64), nullable=False),
    Column("owner_id", String(64), nullable=False),
    Column("region", String(32)),
    Column("product_line", String(64)),
    Column("ask", Text, nullable=False),
    Column("object", String(200)),
    Column("priority", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("lang", String(2), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("deadline", UtcDateTime(), nullable=False),
    Column("first_response_at", UtcDateTime()),
    Column("answered_at", UtcDateTime()),
    Column("closed_at", UtcDateTime()),
    Column("reopen_count", Integer, nullable=False, default=0),
    Column("answer", Text),
    UniqueConstraint("idempotency_key", name="tickets_idempotency_key"),
    Index("tickets_owner_state", "owner_id", "state"),
    Index("tickets_requester", "requester_id", "created_at"),
)

ticket_events = Table(
    "ticket_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor_id", String(64), nullable=False),  # a user id, or "system" for the scheduler
    Column("action", String(32), nullable=False),
    Column("from_state", String(16)),
    Column("to_state", String(16), nullable=False),
    Column("note", Text),
    Index("ticket_events_ticket", "ticket_id", "id"),
)

# Messages for people, drained by the chat integrations; the tools never talk to Slack or DingTalk.
outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False),
    Column("recipient_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("claimed_until", UtcDateTime()),
    Column("delivered_at", UtcDateTime()),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Index("outbox_pending", "delivered_at", "id"),
)

# Reminders and SLA breaches, kept in the database so a restart loses none of them.
jobs = Table(
    "sla_jobs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # "reminder" | "breach"
    Column("due_at", UtcDateTime(), nullable=False),
    Column("done_at", UtcDateTime()),
    Column("outcome", String(32)),
    UniqueConstraint("ticket_id", "kind", name="sla_jobs_once"),
    Index("sla_jobs_due", "done_at", "due_at"),
)

absences = Table(
    "absences", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", String(64), nullable=False),
    Column("starts", UtcDateTime(), nullable=False),
    Column("ends", UtcDateTime(), nullable=False),
    Column("note", String(200)),
    Index("absences_user", "user_id", "ends"),
)


class Ticket(BaseModel):
    """A ticket as read back from the store (times in UTC)."""

    model_config = ConfigDict(frozen=True)

    id: int
    requester_id: str
    department: str
    owner_id: str
    region: str | None
    product_line: str | None
    ask: str
    object: str | None
    priority: Priority
    state: State
    lang: Literal["zh", "en"]
    created_at: datetime
    deadline: datetime
    first_response_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    reopen_count: int
    answer: str | None

    @property
    def ref(self) -> str:
        return f"#{self.id}"


class TicketEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    actor_id: str
    action: str
    from_state: State | None
    to_state: State
    note: str | None


class OutboxMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    ticket_id: int
    recipient_id: str
    kind: str
    payload: dict[str, str]
    created_at: datetime
    attempts: int
