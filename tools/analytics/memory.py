"""The last analytics query of each conversation, so "and by channel?" refines it instead of starting over.

Kept in a small SQLite table keyed by user and conversation (a user never refines another user's query);
entries older than `ttl` are not followed up.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tools.analytics.query import Query


class QueryMemory:
    def __init__(self, path: Path, ttl: timedelta = timedelta(hours=2)) -> None:
        self.path = path
        self.ttl = ttl
        self._lock = threading.Lock()
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        if not self._ready:
            conn.execute("CREATE TABLE IF NOT EXISTS analytics_last (thread TEXT PRIMARY KEY, query TEXT NOT NULL, "
                         "at TEXT NOT NULL)")
            self._ready = True
        return conn

    def get(self, user_id: str, conversation_id: str) -> Query | None:
        with self._lock, self._connect() as conn:
            row = conn.execute("SELECT query, at FROM analytics_last WHERE thread = ?",
                               (f"{user_id}:{conversation_id}",)).fetchone()
        if row is None or datetime.fromisoformat(row[1]) < datetime.now(UTC) - self.ttl:
            return None
        try:
            return Query.model_validate_json(row[0])
        except ValueError:  # written by an older version of the query model
            return None

    def put(self, user_id: str, conversation_id: str, query: Query) -> None:
        with self._lock, self._connect() as conn:
            conn.execute("INSERT INTO analytics_last VALUES (?, ?, ?) ON CONFLICT(thread) DO UPDATE SET "
                         "query = excluded.query, at = excluded.at",
                         (f"{user_id}:{conversation_id}", query.model_dump_json(), datetime.now(UTC).isoformat()))
