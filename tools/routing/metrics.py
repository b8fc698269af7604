"""Collaboration health per department and region: how fast and how well requests are answered.

- response time: creation -> first response (acknowledged, answered or rejected), p50 / p90 in hours;
- SLA hit rate: answered by the deadline, among tickets answered or already past their deadline;
- first-pass rate: answered tickets never reopened; reopen rate: answered tickets reopened at least once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from copilot.context import User
from copilot.errors import PermissionDenied
from tools.routing.model import State, Ticket


@dataclass(frozen=True)
class HealthRow:
    department: str
    region: str  # "*" = requests with no region (national owners)
    tickets: int
    open: int
    response_p50_h: float | None
    response_p90_h: float | None
    sla_hit_rate: float | None
    first_pass_rate: float | None
    reopen_rate: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def health(tickets: list[Ticket], now: datetime) -> list[HealthRow]:
    groups: dict[tuple[str, str], list[Ticket]] = {}
    for t in tickets:
        groups.setdefault((t.department, t.region or "*"), []).append(t)
    return [_row(dept, region, group, now) for (dept, region), group in sorted(groups.items())]


def _row(dept: str, region: str, group: list[Ticket], now: datetime) -> HealthRow:
    hours = [(t.first_response_at - t.created_at) / timedelta(hours=1) for t in group if t.first_response_at]
    answered = [t for t in group if t.answer is not None]  # kept through a reopen
    due = [t for t in group if t.answered_at is not None or t.deadline <= now]
    hit = [t for t in due if t.answered_at is not None and t.answered_at <= t.deadline]
    reopened = [t for t in answered if t.reopen_count > 0]
    return HealthRow(
        department=dept, region=region, tickets=len(group),
        open=sum(t.state in (State.OPEN, State.ACKNOWLEDGED, State.ESCALATED) for t in group),
        response_p50_h=_pct(hours, 50), response_p90_h=_pct(hours, 90),
        sla_hit_rate=_share(len(hit), len(due)),
        first_pass_rate=_share(len(answered) - len(reopened), len(answered)),
        reopen_rate=_share(len(reopened), len(answered)),
    )


def scoped(user: User, rows: list[HealthRow]) -> list[HealthRow]:
    """Managers and admins only; a regional manager sees their regions and national (*) rows."""
    if user.role not in ("manager", "admin"):
        raise PermissionDenied(en="Collaboration metrics are for managers.", zh="协作指标仅对经理开放。")
    if user.all_regions:
        return rows
    return [r for r in rows if r.region in user.regions or r.region == "*"]


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None
