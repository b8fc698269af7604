"""The chat relay's durable state: an inbox of received messages and an outbox of rendered replies.

Both live in the operational database (SQLite by default, PostgreSQL by COPILOT_TICKETS_URL), so a crash loses
nothing: a message is written before it is acknowledged, and a reply is stored in the same transaction that
marks its message answered. Duplicates are refused by a unique key (platform, event id), not by Python state, so
app retries and a second service process never answer one message twice. Claims are leases with a random token:
a worker that lost its lease (it stalled past it, someone else took the message) cannot finish the message.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from integrations.chat.model import Incoming, OutMessage
from tools.routing.model import UtcDateTime
from tools.routing.store import make_engine

metadata = MetaData()

inbox = Table(
    "chat_inbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("conversation", String(200), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("state", String(16), nullable=False),  # pending | done
    Column("claim", String(32)),
    Column("claimed_until", UtcDateTime()),
    Column("attempts", Integer, nullable=False, default=0),
    Column("done_at", UtcDateTime()),
    UniqueConstraint("platform", "event_id", name="chat_inbox_event"),
)

outbox = Table(
    "chat_outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("inbox_id", Integer),  # None for messages not answering one (ticket notifications)
    Column("dedup_key", String(200)),  # set for those: queueing the same notification twice adds nothing
    Column("platform", String(16), nullable=False),
    Column("channel", String(200), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("state", String(16), nullable=False),  # pending | sent | dead
    Column("next_at", UtcDateTime(), nullable=False),
    Column("claimed_until", UtcDateTime()),
    Column("attempts", Integer, nullable=False, default=0),
    Column("sent_at", UtcDateTime()),
    Column("last_error", Text),
    UniqueConstraint("dedup_key", name="chat_outbox_dedup"),
)


@dataclass(frozen=True)
class Claimed:
    """A received message this worker holds the lease on."""

    id: int
    token: str
    attempts: int
    incoming: Incoming


@dataclass(frozen=True)
class Outgoing:
    """A stored reply message; `attempts` counts deliveries tried, this one included."""

    id: int
    platform: str
    channel: str
    payload: dict[str, Any]
    attempts: int

    def message(self) -> OutMessage:
        return OutMessage(channel=self.channel, payload=self.payload)


def _now() -> datetime:
    return datetime.now(UTC)


class ChatStore:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._writer = self.engine.execution_options(copilot_write=True)
        self._lock = threading.Lock()
        metadata.create_all(self._writer)

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        """One write transaction. This process's writers queue on a lock rather than in SQLite's busy handler,
        whose back-off sleeps (up to 100 ms a round) would land on the webhook's ack."""
        with self._lock, self._writer.begin() as conn:
            yield conn

    # --- inbox ----------------------------------------------------------------------------------------------
    def receive(self, incoming: Incoming, now: datetime | None = None) -> bool:
        """Store a message; False if this (platform, event id) was received before (an app retry)."""
        try:
            with self._tx() as conn:
                conn.execute(inbox.insert().values(
                    platform=incoming.platform, event_id=incoming.event_id, conversation=incoming.conversation,
                    payload=incoming.model_dump(mode="json"), received_at=now or _now(), state="pending", attempts=0))
        except IntegrityError:
            return False
        return True

    def claim(self, lease: timedelta, now: datetime | None = None) -> Claimed | None:
        """The oldest unanswered message nobody holds (or whose holder's lease ran out, e.g. it crashed).

        Only the first unanswered message of each conversation is eligible: a conversation's messages are answered
        one after another, in the order they arrived (the next turn sees the previous one in its history).
        """
        now = now or _now()
        free = and_(inbox.c.state == "pending", or_(inbox.c.claimed_until.is_(None), inbox.c.claimed_until <= now))
        heads = (select(func.min(inbox.c.id)).where(inbox.c.state == "pending")
                 .group_by(inbox.c.platform, inbox.c.conversation))
        with self.engine.connect() as conn:
            rows = conn.execute(select(inbox.c.id).where(inbox.c.id.in_(heads), free)
                                .order_by(inbox.c.id).limit(5)).all()
        for (row_id,) in rows:
            token = uuid.uuid4().hex
            with self._tx() as conn:
                got = conn.execute(update(inbox).where(inbox.c.id == row_id, free)
                                   .values(claim=token, claimed_until=now + lease, attempts=inbox.c.attempts + 1))
                if got.rowcount == 1:
                    row = conn.execute(select(inbox).where(inbox.c.id == row_id)).one()
                    return Claimed(row.id, token, row.attempts, Incoming.model_validate(row.payload))
        return None

    def renew(self, claimed: Claimed, lease: timedelta, now: datetime | None = None) -> bool:
        """Extend the lease while the answer is still being worked on; False if it was lost."""
        with self._tx() as conn:
            got = conn.execute(update(inbox).where(inbox.c.id == claimed.id, inbox.c.claim == claimed.token,
                                                   inbox.c.state == "pending")
                               .values(claimed_until=(now or _now()) + lease))
        return got.rowcount == 1

    def release(self, claimed: Claimed, until: datetime) -> None:
        """Put a message back, to be claimed again at `until` (e.g. its voice note could not be fetched yet)."""
        with self._tx() as conn:
            conn.execute(update(inbox).where(inbox.c.id == claimed.id, inbox.c.claim == claimed.token,
                                             inbox.c.state == "pending").values(claim=None, claimed_until=until))

    def finish(self, claimed: Claimed, replies: list[OutMessage], stored: Incoming,
               now: datetime | None = None) -> bool:
        """Mark the message answered and queue its replies in one transaction (only while the lease is ours).

        `stored` replaces the kept copy of the message (personal data masked once it has been answered).
        """
        now = now or _now()
        with self._tx() as conn:
            got = conn.execute(update(inbox).where(inbox.c.id == claimed.id, inbox.c.claim == claimed.token,
                                                   inbox.c.state == "pending")
                               .values(state="done", done_at=now, claimed_until=None,
                                       payload=stored.model_dump(mode="json")))
            if got.rowcount != 1:
                return False
            for reply in replies:
                conn.execute(outbox.insert().values(
                    inbox_id=claimed.id, platform=claimed.incoming.platform, channel=reply.channel,
                    payload=reply.payload, created_at=now, state="pending", next_at=now, attempts=0))
        return True

    # --- outbox ---------------------------------------------------------------------------------------------
    def queue(self, platform: str, messages: list[OutMessage], key: str, now: datetime | None = None) -> bool:
        """Queue messages that answer no inbox message (a ticket notification); False if `key` was queued before."""
        now = now or _now()
        try:
            with self._tx() as conn:
                for i, message in enumerate(messages):
                    conn.execute(outbox.insert().values(
                        dedup_key=f"{key}:{i}", platform=platform, channel=message.channel, payload=message.payload,
                        created_at=now, state="pending", next_at=now, attempts=0))
        except IntegrityError:
            return False
        return True

    def claim_heads(self, lease: timedelta, skip: set[str], now: datetime | None = None,
                    limit: int = 20) -> list[Outgoing]:
        """The first unsent reply of each channel, if it is due: a channel's replies go out strictly in order."""
        now = now or _now()
        heads = (select(func.min(outbox.c.id)).where(outbox.c.state == "pending")
                 .group_by(outbox.c.platform, outbox.c.channel))
        due = and_(outbox.c.state == "pending", outbox.c.next_at <= now,
                   or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= now))
        with self.engine.connect() as conn:
            rows = conn.execute(select(outbox).where(outbox.c.id.in_(heads), due)
                                .order_by(outbox.c.id).limit(limit)).all()
        claimed: list[Outgoing] = []
        for r in rows:
            if f"{r.platform}:{r.channel}" in skip:
                continue
            with self._tx() as conn:
                got = conn.execute(update(outbox).where(outbox.c.id == r.id, due)
                                   .values(claimed_until=now + lease, attempts=outbox.c.attempts + 1))
            if got.rowcount == 1:
                claimed.append(Outgoing(r.id, r.platform, r.channel, r.payload, r.attempts + 1))
        return claimed

    def sent(self, message_id: int, now: datetime | None = None) -> None:
        with self._tx() as conn:
            conn.execute(update(outbox).where(outbox.c.id == message_id)
                         .values(state="sent", sent_at=now or _now(), claimed_until=None, last_error=None))

    def retry(self, message_id: int, at: datetime, error: str) -> None:
        with self._tx() as conn:
            conn.execute(update(outbox).where(outbox.c.id == message_id)
                         .values(next_at=at, claimed_until=None, last_error=error[:500]))

    def dead(self, message_id: int, error: str) -> None:
        """Given up on: the channel's next reply may go."""
        with self._tx() as conn:
            conn.execute(update(outbox).where(outbox.c.id == message_id)
                         .values(state="dead", claimed_until=None, last_error=error[:500]))

    def next_due(self) -> datetime | None:
        """When the earliest unsent reply may go (so the sender can sleep until then)."""
        with self.engine.connect() as conn:
            at: datetime | None = conn.execute(select(func.min(outbox.c.next_at))
                                               .where(outbox.c.state == "pending")).scalar()
        return at

    # --- upkeep ---------------------------------------------------------------------------------------------
    def purge(self, before: datetime) -> int:
        """Forget answered messages and finished replies older than `before` (their ids no longer dedup)."""
        with self._tx() as conn:
            a = conn.execute(delete(inbox).where(inbox.c.state == "done", inbox.c.received_at < before)).rowcount
            b = conn.execute(delete(outbox).where(outbox.c.state != "pending", outbox.c.created_at < before)).rowcount
        return int(a or 0) + int(b or 0)

    def counts(self) -> dict[str, int]:
        """Messages by state, for /healthz-style checks, tests and benchmarks."""
        with self.engine.connect() as conn:
            a = conn.execute(select(inbox.c.state, func.count()).group_by(inbox.c.state)).all()
            b = conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state)).all()
        return {**{f"inbox_{s}": int(n) for s, n in a}, **{f"outbox_{s}": int(n) for s, n in b}}
