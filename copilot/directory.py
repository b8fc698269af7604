"""Read access to the people directory kept in the operational SQLite database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from copilot.context import User
from copilot.errors import NotReady, UnknownUser

_COLUMNS = "user_id, name_zh, name_en, role, department, regions, manager_id, discount_limit_pct"


class Directory:
    """Looks users up by directory id, Slack user id or DingTalk staff id."""

    def __init__(self, ops_path: Path) -> None:
        self._path = ops_path

    def _connect(self) -> sqlite3.Connection:
        if not self._path.exists():
            raise NotReady(detail=f"missing {self._path}")
        conn = sqlite3.connect(f"file:{self._path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        return conn

    def get(self, user_id: str) -> User:
        """The active user with this directory, Slack or DingTalk id."""
        with self._connect() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM users WHERE active = 1 AND "
                "(user_id = ? OR slack_user_id = ? OR dingtalk_staff_id = ?)",
                (user_id, user_id, user_id),
            ).fetchone()
        if row is None:
            raise UnknownUser(
                en=f"I don't know the user '{user_id}'. Ask an admin to add you to the directory.",
                zh=f"目录中没有用户“{user_id}”，请联系管理员添加。",
            )
        return _to_user(row)

    def list_users(self) -> list[User]:
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM users WHERE active = 1 ORDER BY user_id").fetchall()
        return [_to_user(r) for r in rows]


def _to_user(row: sqlite3.Row) -> User:
    return User(
        user_id=row["user_id"],
        name_zh=row["name_zh"],
        name_en=row["name_en"],
        role=row["role"],
        department=row["department"],
        regions=tuple(json.loads(row["regions"] or "[]")),
        manager_id=row["manager_id"],
        discount_limit_pct=row["discount_limit_pct"],
    )
