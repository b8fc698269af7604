"""A structured analytics query, compiled to SQL by code (SQLAlchemy Core) and computed into sorted rows.

The LLM never writes SQL: it fills a pydantic model, code resolves names to codes, and this module builds one
parameterised SELECT with conditional sums for the current and comparison windows. Every value a user typed
travels as a bound parameter, so "east'; DROP TABLE" is only ever a literal that matches nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tools.analytics.semantic import METRICS, SOURCES, TIME_GRAINS, Metric, Source

Compare = Literal["none", "previous_period", "last_year"]
Sort = Literal["value_desc", "value_asc", "change_desc", "change_asc", "change_pct_desc", "change_pct_asc",
               "key_asc"]
Dim = Literal["region", "channel", "category", "sku", "customer", "rep", "day", "week", "month", "quarter", "year"]
FILTER_KINDS = ("channel", "category", "sku", "customer", "rep")
MAX_GROUPS = 5000  # more groups than this is not a question a chat answer can show


class Query(BaseModel):
    """A fully resolved query: codes, dates and choices only (what `applied` shows and follow-ups refine)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: str
    by: tuple[Dim, ...] = ()
    regions: tuple[str, ...] = ()  # after scope: never empty when run
    filters: dict[str, str] = Field(default_factory=dict)  # kind -> code (channel, category, sku, customer, rep)
    start: date
    end: date
    period_label: str
    grain: str = "custom"  # the period's grain: month/quarter/... decides how "previous period" shifts
    compare: Compare = "none"
    sort: Sort = "value_desc"
    limit: int | None = Field(10, ge=1, le=1000)

    @model_validator(mode="after")
    def _valid(self) -> Query:
        if self.metric not in METRICS:
            raise ValueError(f"unknown metric {self.metric}")
        source = SOURCES[METRICS[self.metric].source]
        for dim in (*self.by, *self.filters):
            if dim not in TIME_GRAINS and dim not in source.dims:
                raise ValueError(f"{dim} is not a dimension of {source.name}")
        if len(set(self.by)) != len(self.by) or sum(d in TIME_GRAINS for d in self.by) > 1:
            raise ValueError("dimensions repeat")
        if self.start > self.end:
            raise ValueError("period starts after it ends")
        return self

    @property
    def metric_def(self) -> Metric:
        return METRICS[self.metric]

    @property
    def source(self) -> Source:
        return SOURCES[self.metric_def.source]

    @property
    def time_dim(self) -> str | None:
        return next((d for d in self.by if d in TIME_GRAINS), None)


class Windows(BaseModel):
    """The dates actually read: the asked period clipped to the data, and its comparison window."""

    start: date
    end: date
    prev_start: date | None = None
    prev_end: date | None = None
    shift: str | None = None  # SQL interval from the comparison window to the current one, e.g. '1 year'


def windows(query: Query, data_end: date | None) -> Windows:
    """Clip the period to the last day with data and shift the comparison by the period's own grain, so
    "this year vs last year" compares Jan-Oct with Jan-Oct, not with twelve months."""
    end = min(query.end, data_end) if data_end else query.end
    if query.compare == "none":
        return Windows(start=query.start, end=end)
    grain = "year" if query.compare == "last_year" else query.grain
    if grain not in _SHIFTS:
        prev_end = query.start - timedelta(days=1)
        days = (query.start - (prev_end - (end - query.start))).days
        return Windows(start=query.start, end=end, prev_start=prev_end - (end - query.start), prev_end=prev_end,
                       shift=f"{days} days")
    shift, interval = _SHIFTS[grain]
    # The day after the window, shifted, minus one: September 30 -> August 31, not August 30.
    prev_end = end + timedelta(days=1) - shift - timedelta(days=1)
    return Windows(start=query.start, end=end, prev_start=query.start - shift, prev_end=prev_end, shift=interval)


_SHIFTS = {"week": (relativedelta(days=7), "7 days"), "month": (relativedelta(months=1), "1 month"),
           "quarter": (relativedelta(months=3), "3 months"), "year": (relativedelta(years=1), "1 year")}


def compile_query(query: Query, win: Windows) -> sa.Select[Any]:
    """One SELECT: group keys, then per part the sum in the current window and (if compared) the previous one."""
    src = query.source
    in_cur = src.date.between(sa.literal(win.start, sa.Date), sa.literal(win.end, sa.Date))
    in_prev = (src.date.between(sa.literal(win.prev_start, sa.Date), sa.literal(win.prev_end, sa.Date))
               if win.prev_start and win.prev_end else None)
    keys = [_key_expr(src, dim, query, win, in_prev).label(f"k_{dim}") for dim in query.by]
    sums = []
    for part in query.metric_def.parts:
        expr = src.parts[part]
        sums.append(sa.func.sum(sa.case((in_cur, expr), else_=None)).label(f"cur_{part}"))
        if in_prev is not None:
            sums.append(sa.func.sum(sa.case((in_prev, expr), else_=None)).label(f"prev_{part}"))
    where = [sa.or_(in_cur, in_prev) if in_prev is not None else in_cur,
             src.region.in_([sa.literal(r) for r in query.regions])]
    for kind, code in sorted(query.filters.items()):
        where.append(src.dims[kind] == sa.literal(code))
    stmt = sa.select(*keys, *sums).select_from(src.from_clause).where(*where)
    if keys:
        stmt = stmt.group_by(*keys).order_by(*keys)
    return stmt.limit(MAX_GROUPS + 1)


def _key_expr(src: Source, dim: str, query: Query, win: Windows, in_prev: Any) -> Any:
    if dim not in TIME_GRAINS:
        return src.dims[dim]
    day = src.date
    if in_prev is not None and win.shift:
        # A compared time series lines each bucket up with the same bucket one comparison-shift earlier.
        day = sa.case((in_prev, src.date + sa.literal_column(f"INTERVAL '{win.shift}'")), else_=src.date)
    return sa.func.date_trunc(sa.literal_column(f"'{dim}'"), day)


def time_key(grain: str, value: date | datetime) -> str:
    """'2026-10' for a month bucket, '2026-Q3', '2026', the Monday of a week, the day itself."""
    d = value.date() if isinstance(value, datetime) else value
    if grain == "month":
        return f"{d:%Y-%m}"
    if grain == "quarter":
        return f"{d.year}-Q{(d.month - 1) // 3 + 1}"
    if grain == "year":
        return f"{d.year}"
    return d.isoformat()


def rows_from(query: Query, raw: list[Any]) -> list[dict[str, Any]]:
    """Raw SQL rows -> [{"key": {dim: code}, "value", "previous", "change", "change_pct"}], sorted and limited."""
    metric = query.metric_def
    compared = query.compare != "none"
    out = []
    for r in raw:
        m = r._mapping
        key = {d: (time_key(d, m[f"k_{d}"]) if d in TIME_GRAINS else str(m[f"k_{d}"])) for d in query.by}
        cur = {p: float(m[f"cur_{p}"] or 0) for p in metric.parts}
        prev_parts = [m[f"prev_{p}"] for p in metric.parts] if compared else []
        if query.by and not any(cur.values()) and not any(prev_parts):
            continue  # nothing counted in either window is not a row (e.g. reps with no won deal)
        row: dict[str, Any] = {"key": key, "value": metric.formula(cur), "previous": None, "change": None,
                               "change_pct": None}
        if compared:
            prev = {p: float(m[f"prev_{p}"] or 0) for p in metric.parts}
            row["previous"] = metric.formula(prev)
            if row["value"] is not None and row["previous"] is not None:
                row["change"] = row["value"] - row["previous"]
                row["change_pct"] = row["change"] / row["previous"] if row["previous"] else None
        out.append(row)
    return _sorted(out, query)[: query.limit]


def _sorted(rows: list[dict[str, Any]], query: Query) -> list[dict[str, Any]]:
    """Sort by the asked field, rows without a value last, ties by key (so answers are reproducible)."""
    field, _, direction = query.sort.rpartition("_")
    rows = sorted(rows, key=lambda r: tuple(r["key"].values()))
    if query.sort == "key_asc":
        return rows
    present = [r for r in rows if r[field] is not None]
    missing = [r for r in rows if r[field] is None]
    present.sort(key=lambda r: -r[field] if direction == "desc" else r[field])  # stable: key order kept on ties
    return present + missing

