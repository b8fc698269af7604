"""Build the embedded demo company: `warehouse.duckdb` (analytics) and `ops.sqlite` (operational state).

Both files are written to a temporary name inside `data_dir` and then moved into place with `os.replace`,
so a crash mid-build never leaves a half-written database where the copilot expects a good one.
The whole build is deterministic in `seed` and takes a few seconds (numpy + one bulk insert per table).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from copilot.demo.catalog import (
    CATEGORIES,
    CHANNELS,
    DEPARTMENT_OWNERS,
    DEPARTMENTS,
    PRODUCTS,
    REGIONS,
    SALES_END,
    SALES_START,
    USERS,
)
from copilot.demo.crm import customers_frame, generate_opportunities
from copilot.demo.events import calendar_frame, promotions_frame
from copilot.demo.sales import generate_sales

DEFAULT_SEED = 20261123
WAREHOUSE_FILE = "warehouse.duckdb"
OPS_FILE = "ops.sqlite"

Progress = Callable[[str, float], None]

WAREHOUSE_DDL = """
CREATE TABLE dim_alias (kind VARCHAR NOT NULL, code VARCHAR NOT NULL, alias VARCHAR NOT NULL);
CREATE TABLE dim_region (region_code VARCHAR PRIMARY KEY, name_zh VARCHAR NOT NULL, name_en VARCHAR NOT NULL);
CREATE TABLE dim_channel (
    channel_code VARCHAR PRIMARY KEY, name_zh VARCHAR NOT NULL, name_en VARCHAR NOT NULL);
CREATE TABLE dim_product (
    sku VARCHAR PRIMARY KEY, name_zh VARCHAR NOT NULL, name_en VARCHAR NOT NULL,
    category_code VARCHAR NOT NULL, category_zh VARCHAR NOT NULL, category_en VARCHAR NOT NULL,
    unit_price DOUBLE NOT NULL, unit_cost DOUBLE NOT NULL, launch_date DATE NOT NULL);
CREATE TABLE dim_calendar (
    date DATE PRIMARY KEY, year INTEGER, quarter INTEGER, month INTEGER, iso_week INTEGER,
    weekday INTEGER, is_holiday BOOLEAN, holiday_name VARCHAR);
CREATE TABLE promotions (
    promo_id VARCHAR PRIMARY KEY, name_zh VARCHAR, name_en VARCHAR, start_date DATE, end_date DATE,
    channel_code VARCHAR, category_code VARCHAR, discount_pct DOUBLE);
CREATE TABLE fact_sales (
    date DATE NOT NULL, sku VARCHAR NOT NULL, region_code VARCHAR NOT NULL, channel_code VARCHAR NOT NULL,
    units INTEGER NOT NULL, price DOUBLE NOT NULL, revenue DOUBLE NOT NULL, cost DOUBLE NOT NULL,
    promo_id VARCHAR);
CREATE TABLE dim_customer (
    customer_id VARCHAR PRIMARY KEY, name_zh VARCHAR NOT NULL, name_en VARCHAR NOT NULL, industry VARCHAR,
    region_code VARCHAR NOT NULL, tier VARCHAR CHECK (tier IN ('KA', 'A', 'B')));
CREATE TABLE opportunities (
    opp_id VARCHAR PRIMARY KEY, customer_id VARCHAR NOT NULL, owner_user_id VARCHAR NOT NULL,
    sku VARCHAR NOT NULL,
    stage VARCHAR CHECK (stage IN ('prospecting', 'qualification', 'proposal', 'negotiation', 'won', 'lost')),
    amount DOUBLE NOT NULL, expected_close DATE, created_at DATE);
"""

OPS_DDL = """
CREATE TABLE departments (code TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL);
CREATE TABLE users (
    user_id TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL, email TEXT,
    role TEXT NOT NULL CHECK (role IN ('rep', 'manager', 'admin')),
    department TEXT REFERENCES departments(code), title_zh TEXT, title_en TEXT,
    manager_id TEXT REFERENCES users(user_id), regions TEXT NOT NULL,
    slack_user_id TEXT UNIQUE, dingtalk_staff_id TEXT UNIQUE,
    discount_limit_pct REAL NOT NULL DEFAULT 0, active INTEGER NOT NULL DEFAULT 1);
CREATE TABLE department_owners (
    department TEXT NOT NULL REFERENCES departments(code), region_code TEXT,
    user_id TEXT NOT NULL REFERENCES users(user_id), priority INTEGER NOT NULL DEFAULT 1,
    product_line TEXT);
CREATE INDEX department_owners_lookup ON department_owners(department, region_code, priority);
"""


@dataclass(frozen=True)
class DemoSummary:
    """What `build_demo` produced, for the CLI to print and tests to check."""

    data_dir: Path
    n_skus: int
    n_categories: int
    n_regions: int
    n_channels: int
    n_sales_rows: int
    date_from: date
    date_to: date
    n_customers: int
    n_opportunities: int
    n_users: int
    seconds: float


def _dimension_frames() -> dict[str, pd.DataFrame]:
    cats = {c.code: c for c in CATEGORIES}
    return {
        "dim_region": pd.DataFrame([(r.code, r.name_zh, r.name_en) for r in REGIONS],
                                   columns=["region_code", "name_zh", "name_en"]),
        "dim_channel": pd.DataFrame([(c.code, c.name_zh, c.name_en) for c in CHANNELS],
                                    columns=["channel_code", "name_zh", "name_en"]),
        "dim_product": pd.DataFrame([
            (p.sku, p.name_zh, p.name_en, p.category_code, cats[p.category_code].name_zh,
             cats[p.category_code].name_en, p.unit_price, p.unit_cost, p.launch_date) for p in PRODUCTS],
            columns=["sku", "name_zh", "name_en", "category_code", "category_zh", "category_en", "unit_price",
                     "unit_cost", "launch_date"]),
        "dim_alias": _alias_frame(),
        "dim_calendar": calendar_frame(),
        "promotions": promotions_frame(),
        "dim_customer": customers_frame(),
    }


def _alias_frame() -> pd.DataFrame:
    """Other names users give regions, channels and categories (华东区, online, shampoo ...)."""
    rows = [("region", r.code, a) for r in REGIONS for a in r.aliases]
    rows += [("channel", c.code, a) for c in CHANNELS for a in c.aliases]
    for c in CATEGORIES:
        short = c.name_en.split("&")[0].strip()
        rows += [("category", c.code, a) for a in {short, short.lower().rstrip("s"), c.code.replace("_", " ")}]
    return pd.DataFrame(rows, columns=["kind", "code", "alias"])


def _load(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Bulk insert a DataFrame, casting each column to the declared type of the table."""
    types = {name: typ for name, typ, *_ in con.execute(f"DESCRIBE {table}").fetchall()}
    cols = ", ".join(f'CAST("{c}" AS {types[c]}) AS "{c}"' for c in frame.columns)
    con.register("_frame", frame)
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT {cols} FROM _frame")
    finally:
        con.unregister("_frame")


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


def _write_warehouse(path: Path, frames: dict[str, pd.DataFrame]) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    wal = Path(f"{tmp}.wal")
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute(WAREHOUSE_DDL)
            for table, frame in frames.items():
                _load(con, table, frame)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        _remove(Path(f"{path}.wal"))  # a stale WAL would be replayed onto the new file
        os.replace(tmp, path)
    finally:
        _remove(tmp, wal)


def _write_ops(path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        con = sqlite3.connect(tmp)
        try:
            con.executescript(OPS_DDL)
            con.executemany("INSERT INTO departments VALUES (?, ?, ?)",
                            [(d.code, d.name_zh, d.name_en) for d in DEPARTMENTS])
            con.executemany(
                "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(u.user_id, u.name_zh, u.name_en, u.email, u.role, u.department, u.title_zh, u.title_en,
                  u.manager_id, json.dumps(list(u.regions)), u.slack_user_id, u.dingtalk_staff_id,
                  u.discount_limit_pct, int(u.active)) for u in USERS])
            con.executemany("INSERT INTO department_owners VALUES (?, ?, ?, ?, ?)",
                            [(o.department, o.region_code, o.user_id, o.priority, o.product_line)
                             for o in DEPARTMENT_OWNERS])
            con.commit()
        finally:
            con.close()
        _remove(Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal"))
        os.replace(tmp, path)
    finally:
        _remove(tmp, Path(f"{tmp}-journal"))


def build_demo(data_dir: Path, seed: int = DEFAULT_SEED, progress: Progress | None = None) -> DemoSummary:
    """(Re)create the demo warehouse and operational database in `data_dir`; same seed -> same data.

    Stop anything holding these files open first: the old files are replaced, not migrated.
    """
    started = time.perf_counter()
    report: Progress = progress or (lambda _label, _fraction: None)
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)

    report("master data", 0.05)
    frames = _dimension_frames()
    frames["opportunities"] = generate_opportunities(seed)
    report("sales history", 0.15)
    sales = generate_sales(seed).frame
    frames["fact_sales"] = sales
    report("warehouse", 0.55)
    _write_warehouse(data_dir / WAREHOUSE_FILE, frames)
    report("directory", 0.9)
    _write_ops(data_dir / OPS_FILE)
    report("done", 1.0)
    return DemoSummary(
        data_dir=data_dir,
        n_skus=len(PRODUCTS),
        n_categories=len(CATEGORIES),
        n_regions=len(REGIONS),
        n_channels=len(CHANNELS),
        n_sales_rows=len(sales),
        date_from=SALES_START,
        date_to=SALES_END,
        n_customers=len(frames["dim_customer"]),
        n_opportunities=len(frames["opportunities"]),
        n_users=len(USERS),
        seconds=round(time.perf_counter() - started, 3),
    )
