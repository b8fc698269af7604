"""Copy the DuckDB warehouse into PostgreSQL, so analytics can run on an external engine (and be tested there).

Each table is created with mapped column types and filled with COPY from a CSV that DuckDB writes, inside one
transaction per table (a failed copy leaves the old table in place). Tables are replaced, never appended to.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

_TYPES = {"VARCHAR": "text", "DOUBLE": "double precision", "FLOAT": "real", "INTEGER": "integer",
          "BIGINT": "bigint", "SMALLINT": "smallint", "DATE": "date", "BOOLEAN": "boolean",
          "TIMESTAMP": "timestamp", "DECIMAL": "numeric"}
Progress = Callable[[str, int], None]


def _pg_type(duck: str) -> str:
    base = duck.split("(")[0].upper()
    if base not in _TYPES:
        raise ValueError(f"column type {duck} has no PostgreSQL mapping")
    return _TYPES[base] + (duck[len(base):] if base == "DECIMAL" else "")


def copy_to_postgres(warehouse: Path, url: str, tables: list[str] | None = None,
                     progress: Progress | None = None) -> dict[str, int]:
    """Copy tables (default: all) from the DuckDB file to PostgreSQL; returns rows per table."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    copied: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as duck, psycopg.connect(dsn) as pg, \
            tempfile.TemporaryDirectory() as tmp:
        names = tables or [r[0] for r in duck.execute("SELECT table_name FROM information_schema.tables "
                                                      "WHERE table_schema = 'main' ORDER BY 1").fetchall()]
        for name in names:
            columns = duck.execute("SELECT column_name, data_type FROM information_schema.columns "
                                   "WHERE table_name = ? ORDER BY ordinal_position", [name]).fetchall()
            csv = Path(tmp) / f"{name}.csv"
            duck.execute(f"COPY (SELECT * FROM \"{name}\") TO '{csv}' (HEADER false, DELIMITER ',')")
            ident = sql.Identifier(name)
            cols = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_pg_type(t)))
                                      for c, t in columns)
            with pg.transaction(), pg.cursor() as cur:
                cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(ident))
                cur.execute(sql.SQL("CREATE TABLE {} ({})").format(ident, cols))
                with cur.copy(sql.SQL("COPY {} FROM STDIN (FORMAT csv)").format(ident)) as copy, \
                        csv.open("rb") as fh:
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk)
                if any(c == "date" for c, _ in columns):
                    cur.execute(sql.SQL("CREATE INDEX ON {} (date)").format(ident))
                cur.execute(sql.SQL("ANALYZE {}").format(ident))
                count = cur.execute(sql.SQL("SELECT count(*) FROM {}").format(ident)).fetchone()
            copied[name] = int(count[0]) if count else 0
            if progress:
                progress(name, copied[name])
    return copied
