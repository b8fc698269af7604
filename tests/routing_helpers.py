"""Shared set-up for the route_request tests: a ticket desk on the demo directory with a clock the test moves."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine

from copilot.context import User
from copilot.directory import Directory
from tools.base import ToolDeps
from tools.routing.desk import TicketDesk
from tools.routing.model import metadata
from tools.routing.store import TicketStore

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # a Monday morning
POSTGRES_ENV = "COPILOT_TEST_POSTGRES_URL"


class Clock:
    def __init__(self, at: datetime = START) -> None:
        self.at = at.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **kwargs: float) -> datetime:
        self.at += timedelta(**kwargs)
        return self.at


def store_urls() -> list[str]:
    """SQLite always; PostgreSQL too when CI (or a developer) provides a server."""
    urls = ["sqlite"]
    if os.environ.get(POSTGRES_ENV):
        urls.append("postgres")
    elif os.environ.get("COPILOT_TEST_REQUIRE_POSTGRES"):
        pytest.fail(f"{POSTGRES_ENV} is not set but COPILOT_TEST_REQUIRE_POSTGRES is")
    return urls


def fresh_url(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'tickets.sqlite'}"
    url = os.environ[POSTGRES_ENV]
    engine = create_engine(url)
    metadata.drop_all(engine)  # every test starts from an empty schema
    engine.dispose()
    return url


def make_desk(url: str, demo_dir: Path, clock: Clock) -> TicketDesk:
    directory = Directory(demo_dir / "ops.sqlite")
    deps = ToolDeps(warehouse_path=demo_dir / "warehouse.duckdb", directory=directory)
    return TicketDesk(TicketStore(url), directory, deps.warehouse, SHANGHAI, clock)


def user(desk: TicketDesk, user_id: str) -> User:
    return desk.directory.get(user_id)
