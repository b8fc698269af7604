"""Read access to the people directory kept in the operational SQLite database."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from copilot.context import User
from copilot.errors import BadRequest, NotReady, UnknownUser

_COLUMNS = "user_id, name_zh, name_en, role, department, regions, manager_id, discount_limit_pct"


@dataclass(frozen=True)
class Department:
    code: str
    name_zh: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class OwnerRule:
    """Who answers a department's requests: for a region (None = any) and a product line (None = any)."""

    department: str
    region_code: str | None
    user_id: str
    priority: int
    product_line: str | None


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

    def departments(self) -> list[Department]:
        with self._connect() as conn:
            rows = conn.execute("SELECT code, name_zh, name_en FROM departments ORDER BY code").fetchall()
        return [Department(r["code"], r["name_zh"], r["name_en"]) for r in rows]

    def owner_rules(self, department: str) -> list[OwnerRule]:
        """The department's routing table, active owners only (an owner who left is skipped, not routed to)."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT o.* FROM department_owners o JOIN users u ON u.user_id = o.user_id "
                "WHERE o.department = ? AND u.active = 1 ORDER BY o.priority, o.user_id", (department,)).fetchall()
        columns = set(rows[0].keys()) if rows else set()  # a directory built before product lines has no column
        return [OwnerRule(r["department"], r["region_code"], r["user_id"], r["priority"],
                          r["product_line"] if "product_line" in columns else None) for r in rows]

    def chat_ids(self, user_id: str) -> tuple[str | None, str | None]:
        """The user's (Slack user id, DingTalk staff id)."""
        with self._connect() as conn:
            row = conn.execute("SELECT slack_user_id, dingtalk_staff_id FROM users WHERE user_id = ?",
                               (user_id,)).fetchone()
        if row is None:
            raise UnknownUser(en=f"No directory user '{user_id}'.", zh=f"目录中没有用户“{user_id}”。")
        return row["slack_user_id"], row["dingtalk_staff_id"]

    def link(self, user_id: str, *, slack: str | None = None, dingtalk: str | None = None) -> None:
        """Map a chat-app identity to a directory user (how a Slack or DingTalk message finds its role and scope).

        An id already linked to someone else is refused rather than moved: two people must never share a scope.
        """
        self.chat_ids(user_id)  # the user exists
        with sqlite3.connect(self._path) as conn:
            for column, value in (("slack_user_id", slack), ("dingtalk_staff_id", dingtalk)):
                if value is None:
                    continue
                other = conn.execute(f"SELECT user_id FROM users WHERE {column} = ? AND user_id <> ?",
                                     (value, user_id)).fetchone()
                if other is not None:
                    raise BadRequest(en=f"{value} is already linked to {other[0]}.",
                                     zh=f"{value} 已关联到用户 {other[0]}。")
                conn.execute(f"UPDATE users SET {column} = ? WHERE user_id = ?", (value, user_id))

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
