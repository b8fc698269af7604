"""Ticket persistence: every change is one transaction (ticket + history + notifications + SLA jobs, or nothing).

SQLite by default (WAL, writes serialised with BEGIN IMMEDIATE so concurrent requests queue instead of failing),
PostgreSQL or any SQLAlchemy URL in production. Concurrency is handled by the database, not by Python locks:
the idempotency key is a unique constraint, state changes are compare-and-set updates, and scheduler jobs and
outbox messages are claimed with conditional updates, so two service processes never act twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, create_engine, event, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool

from copilot.errors import CopilotError
from tools.routing.model import (
    Action,
    OutboxMessage,
    State,
    Ticket,
    TicketEvent,
    absences,
    jobs,
    metadata,
    outbox,
    ticket_events,
    tickets,
)

log = logging.getLogger(__name__)

# (recipient user id, kind, payload) — a message for a person, rendered by the integration that delivers it.
Note = tuple[str, str, dict[str, str]]


class Conflict(CopilotError):
    """Someone else changed the ticket at the same moment."""

    status_code = 409
    default_en = "That ticket was just changed by someone else; please look at it again."
    default_zh = "该工单刚被他人修改，请刷新后再试。"


@dataclass(frozen=True)
class Job:
    id: int
    ticket_id: int
    kind: str
    due_at: datetime


_WRITE = "copilot_write"


def make_engine(url: str) -> Engine:
    """An engine for the ticket database; SQLite gets WAL, a busy timeout and immediate write transactions."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, future=True)
    memory = url in ("sqlite://", "sqlite:///:memory:")
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60},
                           poolclass=StaticPool if memory else None, future=True)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below be the only transaction control
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # Writers take the lock up front (no deadlock on upgrade); readers never wait for writers in WAL mode.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

    return engine


class TicketStore:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._writer = self.engine.execution_options(**{_WRITE: True})
        metadata.create_all(self._writer)

    @contextmanager
    def tx(self) -> Iterator[Connection]:
        """One write transaction."""
        with self._writer.begin() as conn:
            yield conn

    # --- tickets ------------------------------------------------------------------------------------------
    def create(self, values: dict[str, Any], key: str, now: datetime, jobs_due: dict[str, datetime],
               notes: Callable[[Ticket], list[Note]]) -> tuple[Ticket, bool]:
        """Insert a ticket with its first event, notifications and SLA jobs; (ticket, False) if the key exists."""
        existing = self.by_key(key)
        if existing is not None:
            return existing, False
        try:
            with self.tx() as conn:
                row = {"state": State.OPEN.value, **values, "idempotency_key": key, "created_at": now,
                       "reopen_count": 0}
                ticket_id = conn.execute(tickets.insert().values(**row).returning(tickets.c.id)).scalar_one()
                ticket = _ticket(conn.execute(select(tickets).where(tickets.c.id == ticket_id)).one())
                conn.execute(ticket_events.insert().values(ticket_id=ticket_id, at=now, actor_id=ticket.requester_id,
                                                           action="create", from_state=None, to_state=row["state"]))
                for kind, due in jobs_due.items():
                    conn.execute(jobs.insert().values(ticket_id=ticket_id, kind=kind, due_at=due))
                queue_notes(conn, ticket_id, notes(ticket), now)
            return ticket, True
        except IntegrityError:  # the same message, delivered twice at the same moment: the other one won
            found = self.by_key(key)
            if found is None:
                raise
            return found, False

    def by_key(self, key: str) -> Ticket | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(tickets).where(tickets.c.idempotency_key == key)).first()
        return _ticket(row) if row else None

    def by_message(self, prefix: str) -> list[Ticket]:
        """Tickets whose idempotency key starts with `prefix` (user:message:), i.e. made by one message."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(tickets).where(tickets.c.idempotency_key.startswith(prefix, autoescape=True))
                                .order_by(tickets.c.id)).all()
        return [_ticket(r) for r in rows]

    def get(self, ticket_id: int, conn: Connection | None = None) -> Ticket | None:
        if conn is not None:
            row = conn.execute(select(tickets).where(tickets.c.id == ticket_id)).first()
        else:
            with self.engine.connect() as own:
                row = own.execute(select(tickets).where(tickets.c.id == ticket_id)).first()
        return _ticket(row) if row else None

    def events(self, ticket_id: int) -> list[TicketEvent]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(ticket_events).where(ticket_events.c.ticket_id == ticket_id)
                                .order_by(ticket_events.c.id)).all()
        return [TicketEvent(at=r.at, actor_id=r.actor_id, action=r.action,
                            from_state=State(r.from_state) if r.from_state else None,
                            to_state=State(r.to_state), note=r.note) for r in rows]

    def list_for(self, user_id: str, *, limit: int = 20, open_only: bool = False) -> list[Ticket]:
        """Tickets the user asked for or owns, newest first."""
        query = select(tickets).where(or_(tickets.c.requester_id == user_id, tickets.c.owner_id == user_id))
        if open_only:
            query = query.where(tickets.c.state.not_in([State.CLOSED.value, State.REJECTED.value]))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(tickets.c.id.desc()).limit(limit)).all()
        return [_ticket(r) for r in rows]

    def all_since(self, since: datetime) -> list[Ticket]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(tickets).where(tickets.c.created_at >= since).order_by(tickets.c.id)).all()
        return [_ticket(r) for r in rows]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(tickets)).scalar_one())

    def open_counts(self, user_ids: list[str]) -> dict[str, int]:
        """Tickets each user has on their desk (not yet answered), for load balancing."""
        query = (select(tickets.c.owner_id, func.count()).where(tickets.c.owner_id.in_(user_ids))
                 .where(tickets.c.state.in_([State.OPEN.value, State.ACKNOWLEDGED.value, State.ESCALATED.value]))
                 .group_by(tickets.c.owner_id))
        with self.engine.connect() as conn:
            found = {r[0]: int(r[1]) for r in conn.execute(query).all()}
        return {u: found.get(u, 0) for u in user_ids}

    @contextmanager
    def _within(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
        else:
            with self.tx() as own:
                yield own

    def transition(self, ticket_id: int, actor_id: str, action: Action | str, target: State, now: datetime,
                   note: str | None, notes: Callable[[Ticket], list[Note]],
                   changes: dict[str, Any] | None = None, expect: State | None = None,
                   conn: Connection | None = None) -> Ticket:
        """Move a ticket from the state it had when read (`expect`) to `target`; Conflict if it moved meanwhile.

        Runs in the caller's transaction when `conn` is given (the scheduler marks its job done in the same one).
        """
        with self._within(conn) as conn:
            row = conn.execute(select(tickets).where(tickets.c.id == ticket_id)).one()
            before = _ticket(row)
            if expect is not None and before.state != expect:
                raise Conflict(detail=f"ticket {ticket_id} is {before.state}, expected {expect}")
            done = conn.execute(update(tickets).where(and_(tickets.c.id == ticket_id,
                                                           tickets.c.state == before.state.value))
                                .values(state=target.value, **(changes or {})))
            if done.rowcount != 1:
                raise Conflict(detail=f"ticket {ticket_id} changed during {action}")
            conn.execute(ticket_events.insert().values(
                ticket_id=ticket_id, at=now, actor_id=actor_id, action=str(action),
                from_state=before.state.value, to_state=target.value, note=note))
            after = _ticket(conn.execute(select(tickets).where(tickets.c.id == ticket_id)).one())
            queue_notes(conn, ticket_id, notes(after), now)
        return after

    # --- SLA jobs -------------------------------------------------------------------------------------------
    def due_jobs(self, now: datetime, limit: int = 100) -> list[Job]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(jobs).where(jobs.c.done_at.is_(None), jobs.c.due_at <= now)
                                .order_by(jobs.c.due_at, jobs.c.id).limit(limit)).all()
        return [Job(r.id, r.ticket_id, r.kind, r.due_at) for r in rows]

    def finish_job(self, conn: Connection, job_id: int, now: datetime, outcome: str) -> bool:
        """Mark a job done inside the caller's transaction; False if another scheduler already did."""
        done = conn.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.done_at.is_(None))
                            .values(done_at=now, outcome=outcome))
        return done.rowcount == 1

    def pending_jobs(self, ticket_id: int) -> dict[str, datetime]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(jobs.c.kind, jobs.c.due_at)
                                .where(jobs.c.ticket_id == ticket_id, jobs.c.done_at.is_(None))).all()
        return {r.kind: r.due_at for r in rows}

    # --- outbox ---------------------------------------------------------------------------------------------
    def claim(self, now: datetime, limit: int = 50, lease: timedelta = timedelta(minutes=2)) -> list[OutboxMessage]:
        """Messages to deliver, each leased to this caller so two drainers never send the same one."""
        ready = and_(outbox.c.delivered_at.is_(None),
                     or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= now))
        claimed: list[OutboxMessage] = []
        with self.engine.connect() as conn:
            rows = conn.execute(select(outbox).where(ready).order_by(outbox.c.id).limit(limit)).all()
        for r in rows:
            with self.tx() as conn:
                got = conn.execute(update(outbox).where(outbox.c.id == r.id, ready)
                                   .values(claimed_until=now + lease, attempts=outbox.c.attempts + 1))
            if got.rowcount == 1:
                claimed.append(OutboxMessage(id=r.id, ticket_id=r.ticket_id, recipient_id=r.recipient_id,
                                             kind=r.kind, payload=r.payload, created_at=r.created_at,
                                             attempts=r.attempts + 1))
        return claimed

    def delivered(self, message_id: int, now: datetime) -> None:
        with self.tx() as conn:
            conn.execute(update(outbox).where(outbox.c.id == message_id).values(delivered_at=now, last_error=None))

    def failed(self, message_id: int, now: datetime, error: str, retry_in: timedelta) -> None:
        with self.tx() as conn:
            conn.execute(update(outbox).where(outbox.c.id == message_id)
                         .values(claimed_until=now + retry_in, last_error=error[:500]))

    def pending_messages(self, recipient_id: str | None = None) -> list[OutboxMessage]:
        query = select(outbox).where(outbox.c.delivered_at.is_(None))
        if recipient_id:
            query = query.where(outbox.c.recipient_id == recipient_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(outbox.c.id)).all()
        return [OutboxMessage(id=r.id, ticket_id=r.ticket_id, recipient_id=r.recipient_id, kind=r.kind,
                              payload=r.payload, created_at=r.created_at, attempts=r.attempts) for r in rows]

    # --- absences -------------------------------------------------------------------------------------------
    def add_absence(self, user_id: str, starts: datetime, ends: datetime, note: str | None = None) -> None:
        with self.tx() as conn:
            conn.execute(absences.insert().values(user_id=user_id, starts=starts, ends=ends, note=note))

    def away(self, user_ids: list[str], at: datetime) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(absences.c.user_id).where(
                absences.c.user_id.in_(user_ids), absences.c.starts <= at, absences.c.ends > at)).all()
        return {r[0] for r in rows}


def queue_notes(conn: Connection, ticket_id: int, notes: list[Note], now: datetime) -> None:
    for recipient, kind, payload in notes:
        conn.execute(outbox.insert().values(ticket_id=ticket_id, recipient_id=recipient, kind=kind,
                                            payload=payload, created_at=now, attempts=0))


def _ticket(row: Any) -> Ticket:
    data = dict(row._mapping)
    data.pop("idempotency_key", None)
    return Ticket.model_validate(data)
