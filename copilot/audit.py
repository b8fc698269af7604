"""The audit log: who asked what, which tools ran with which arguments, in what data scope, how long it took and
how it ended — one row per turn, append-only, personal data masked.

Rows live in the operational database (SQLite by default, PostgreSQL by COPILOT_TICKETS_URL). The database itself
refuses to change a row (an UPDATE trigger on both engines); only rows older than the retention are deleted.
Admins read it with `copilot audit`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, Engine, Integer, MetaData, String, Table, Text, delete, select, text

from copilot.pii import mask_pii
from tools.routing.model import UtcDateTime
from tools.routing.store import make_engine

metadata = MetaData()
audit = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False, index=True),
    Column("trace_id", String(64), nullable=False),
    Column("user_id", String(64), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("scope", JSON, nullable=False),  # the regions the user's data tools were clipped to
    Column("channel", String(16), nullable=False),  # http, console, slack, dingtalk, cli
    Column("request", Text, nullable=False),  # the message, personal data masked, at most MAX_TEXT characters
    Column("tools", JSON, nullable=False),  # [{name, args (masked), ok, error}]
    Column("outcome", String(48), nullable=False),  # ok | degraded | error:<ErrorType>
    Column("latency_ms", Integer, nullable=False),
)
MAX_TEXT = 2000

# The database refuses to change a row, whoever asks.
_NO_UPDATE = {
    "sqlite": ["CREATE TRIGGER IF NOT EXISTS audit_log_append_only BEFORE UPDATE ON audit_log "
               "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"],
    "postgresql": ["CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ BEGIN "
                   "RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql",
                   "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
                   "CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"],
}


@dataclass(frozen=True)
class Entry:
    at: datetime
    trace_id: str
    user_id: str
    role: str
    scope: list[str]
    channel: str
    request: str
    tools: list[dict[str, Any]]
    outcome: str
    latency_ms: int


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_pii(value)[:MAX_TEXT]
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


class AuditLog:
    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        self._lock = threading.Lock()  # this process's writers queue here, not in SQLite's busy handler
        writer = self.engine.execution_options(copilot_write=True)
        metadata.create_all(writer)
        with writer.begin() as conn:
            for statement in _NO_UPDATE.get(self.engine.dialect.name, []):
                conn.execute(text(statement))
        self._writer = writer

    def record(self, *, trace_id: str, user_id: str, role: str, scope: list[str], channel: str, request: str,
               tools: list[dict[str, Any]], outcome: str, latency_ms: int, at: datetime | None = None) -> None:
        """Append one turn (personal data masked here, whatever the caller passed)."""
        row = {"at": at or datetime.now(UTC), "trace_id": trace_id, "user_id": user_id, "role": role,
               "scope": list(scope), "channel": channel, "request": _masked(request), "tools": _masked(tools),
               "outcome": outcome[:48], "latency_ms": int(latency_ms)}
        with self._lock, self._writer.begin() as conn:
            conn.execute(audit.insert().values(**row))

    def query(self, *, user_id: str | None = None, tool: str | None = None, since: datetime | None = None,
              outcome: str | None = None, limit: int = 50) -> list[Entry]:
        """Newest first."""
        q = select(audit).order_by(audit.c.id.desc())
        if user_id:
            q = q.where(audit.c.user_id == user_id)
        if since:
            q = q.where(audit.c.at >= since)
        if outcome:
            q = q.where(audit.c.outcome.startswith(outcome, autoescape=True))
        with self.engine.connect() as conn:
            rows = conn.execute(q.limit(limit if not tool else limit * 20)).all()
        found = []
        for r in rows:
            tools = r.tools if isinstance(r.tools, list) else json.loads(r.tools or "[]")
            if tool and not any(t.get("name") == tool for t in tools):
                continue
            found.append(Entry(r.at, r.trace_id, r.user_id, r.role, list(r.scope or []), r.channel, r.request,
                               tools, r.outcome, r.latency_ms))
            if len(found) >= limit:
                break
        return found

    def purge(self, retention_days: float, now: datetime | None = None) -> int:
        """Delete rows older than the retention; returns how many."""
        before = (now or datetime.now(UTC)) - timedelta(days=retention_days)
        with self._lock, self._writer.begin() as conn:
            return int(conn.execute(delete(audit).where(audit.c.at < before)).rowcount or 0)
