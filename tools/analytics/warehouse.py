"""Read-only access to the sales warehouse through SQLAlchemy: DuckDB by default, any other engine by URL.

Every connection is read-only (DuckDB opened read_only; PostgreSQL sessions default to read-only
transactions), every statement has a time limit (PostgreSQL statement_timeout; DuckDB is interrupted by a
timer), and results are capped in rows.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from copilot.errors import CopilotError, NotReady
from tools.dims import Kind, Member, customers, members

log = logging.getLogger(__name__)


class QueryTimeout(CopilotError):
    status = 504
    default_en = "That question took too long to compute; try a shorter period or fewer groupings."
    default_zh = "该查询计算超时，请缩短时间范围或减少分组。"


class TooManyRows(CopilotError):
    status = 422
    default_en = "That question has too many rows to answer in chat; add a filter or a coarser grouping."
    default_zh = "结果行数过多，请增加筛选条件或使用更粗的分组。"


class _Qmark:
    """The `conn.execute(sql, [params]).fetchall()` shape of a DuckDB connection, over a SQLAlchemy one, so the
    dimension helpers in tools.dims serve both."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sa.CursorResult[Any]:
        names = iter(range(len(params)))
        text = re.sub(r"\?", lambda _: f":p{next(names)}", sql)
        return self._conn.execute(sa.text(text), {f"p{i}": v for i, v in enumerate(params)})


class Warehouse:
    """One engine per service; dimension members cached (they change only when the warehouse is rebuilt)."""

    def __init__(self, path: Path, url: str | None = None, timeout_s: float = 10.0, max_rows: int = 5000) -> None:
        self.path = path
        self.url = url
        self.timeout_s = timeout_s
        self.max_rows = max_rows
        self._engine: sa.Engine | None = None
        self._lock = threading.Lock()
        self._members: dict[str, list[Member]] = {}
        self._coverage: dict[str, tuple[date | None, date | None]] = {}

    def engine(self) -> sa.Engine:
        with self._lock:
            if self._engine is None:
                self._engine = self._build()
            return self._engine

    def _build(self) -> sa.Engine:
        if self.url is None:
            if not self.path.exists():
                raise NotReady(detail=f"missing {self.path}")
            import duckdb
            from duckdb_engine import ConnectionWrapper

            path = str(self.path)
            # Same configuration as every other reader of this file in the process (DuckDB refuses a mix).
            return sa.create_engine("duckdb://", creator=lambda: ConnectionWrapper(duckdb.connect(path,
                                                                                                  read_only=True)))
        if self.url.startswith("postgresql"):
            ms = int(self.timeout_s * 1000)
            options = f"-c default_transaction_read_only=on -c statement_timeout={ms}"
            return sa.create_engine(self.url, connect_args={"options": options}, pool_pre_ping=True)
        return sa.create_engine(self.url, pool_pre_ping=True)

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        with self.engine().connect() as conn:
            yield conn

    def run(self, stmt: sa.Executable) -> list[Any]:
        """Execute with the time limit and the row cap; raises QueryTimeout / TooManyRows."""
        started = time.perf_counter()
        with self.connect() as conn:
            timer = self._interrupter(conn)
            try:
                rows = conn.execute(stmt).fetchmany(self.max_rows + 1)
            except sa.exc.DBAPIError as exc:
                if (timer is not None and not timer.is_alive()) or "statement timeout" in str(exc).lower():
                    raise QueryTimeout(detail=str(exc).splitlines()[0]) from exc
                raise
            finally:
                if timer is not None:
                    timer.cancel()
        log.debug("warehouse query %.1f ms, %d rows", (time.perf_counter() - started) * 1000, len(rows))
        if len(rows) > self.max_rows:
            raise TooManyRows(detail=f"more than {self.max_rows} rows")
        return list(rows)

    def _interrupter(self, conn: sa.Connection) -> threading.Timer | None:
        """DuckDB has no statement timeout: a timer interrupts the connection instead."""
        if conn.dialect.name != "duckdb":
            return None
        raw = conn.connection.dbapi_connection
        timer = threading.Timer(self.timeout_s, raw.interrupt)  # type: ignore[union-attr]
        timer.daemon = True
        timer.start()
        return timer

    def members(self, kind: Kind | str) -> list[Member]:
        """Members of a dimension (code, zh/en names, aliases): regions, channels, categories, SKUs, customers."""
        if kind not in self._members:
            with self.connect() as conn:
                q = _Qmark(conn)
                found = customers(q) if kind == "customer" else members(q, kind)  # type: ignore[arg-type]
            self._members[kind] = found
        return self._members[kind]

    def coverage(self, source: str, column: Any, table: Any) -> tuple[date | None, date | None]:
        """First and last date with data in a source: periods are clipped to them."""
        if source not in self._coverage:
            with self.connect() as conn:
                lo, hi = conn.execute(sa.select(sa.func.min(column), sa.func.max(column)).select_from(table)).one()
            self._coverage[source] = (_day(lo), _day(hi))
        return self._coverage[source]


def _day(value: Any) -> date | None:
    return value.date() if isinstance(value, datetime) else value
