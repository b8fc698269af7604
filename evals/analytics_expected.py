"""Expected answers for the analytics_query eval (evals/data/analytics.jsonl), computed independently.

The tool answers with SQL over the warehouse; this module reads the raw tables once and does every window,
filter, grouping, comparison and sort in pandas, so a shared mistake in SQL (or in tools/) cannot make both
sides agree. It follows the written contract literally: windows clipped to the source's last date, comparison
windows shifted with relativedelta, groups from either window kept, ties broken by key ascending.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from dateutil.relativedelta import relativedelta

SOURCES = ("sales", "pipeline")
METRICS: dict[str, tuple[str, ...]] = {
    "sales": ("revenue", "units", "gross_margin", "gross_margin_pct"),
    "pipeline": ("pipeline_amount", "won_amount", "deal_count", "win_rate"),
}
RATIO_METRICS = frozenset({"gross_margin_pct", "win_rate"})
TIME_GRAINS = ("day", "week", "month", "quarter", "year")
# Dimension -> column of the joined source frame; time grains are derived from the date column.
DIM_COLUMNS: dict[str, dict[str, str]] = {
    "sales": {"region": "region_code", "channel": "channel_code", "category": "category_code", "sku": "sku"},
    "pipeline": {"region": "region_code", "category": "category_code", "sku": "sku", "customer": "customer_id",
                 "rep": "owner_user_id"},
}
DIMS: dict[str, tuple[str, ...]] = {src: (*cols, *TIME_GRAINS) for src, cols in DIM_COLUMNS.items()}
# Filter name -> column; "regions" is a list, the others a single code.
FILTER_COLUMNS: dict[str, dict[str, str]] = {
    src: {("regions" if dim == "region" else dim): col for dim, col in cols.items()}
    for src, cols in DIM_COLUMNS.items()
}
DATE_COLUMN = {"sales": "date", "pipeline": "expected_close"}
COMPARES = ("none", "previous_period", "last_year")
SORTS = ("value_desc", "value_asc", "change_desc", "change_asc", "change_pct_desc", "change_pct_asc", "key_asc")
TYPES = ("total", "compare", "yoy", "grouped", "top_n", "rank_change", "time_series", "filtered", "pipeline",
         "follow_up", "scoped")
ALL_REGIONS = "*"
FIELDS = ("value", "previous", "change", "change_pct")

Window = tuple[date, date]


@dataclass(frozen=True)
class Tables:
    """The two sources as joined frames, loaded once per eval run (the fact table is ~1.3M rows)."""

    sales: pd.DataFrame  # fact_sales + dim_product.category_code
    pipeline: pd.DataFrame  # opportunities + dim_customer.region_code + dim_product.category_code

    def frame(self, source: str) -> pd.DataFrame:
        return self.sales if source == "sales" else self.pipeline


def load_tables(warehouse_path: str | Path) -> Tables:
    """Read the raw tables with plain SELECT * (no SQL logic) and join the lookup columns in pandas."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        raw = {name: con.execute(f"SELECT * FROM {name}").df()
               for name in ("fact_sales", "dim_product", "opportunities", "dim_customer")}
    finally:
        con.close()
    category = raw["dim_product"][["sku", "category_code"]]
    sales = raw["fact_sales"].merge(category, on="sku", how="left", validate="many_to_one")
    sales["date"] = pd.to_datetime(sales["date"])
    pipeline = (raw["opportunities"]
                .merge(raw["dim_customer"][["customer_id", "region_code"]], on="customer_id", how="left",
                       validate="many_to_one")
                .merge(category, on="sku", how="left", validate="many_to_one"))
    pipeline["expected_close"] = pd.to_datetime(pipeline["expected_close"])
    return Tables(sales=sales, pipeline=pipeline)


def _period_kind(start: date, end: date) -> str:
    """Which calendar period [start, end] names, as written; decides how previous_period shifts."""
    if start.day == 1 and end == start + relativedelta(months=1, days=-1):
        return "month"
    if start.day == 1 and start.month in (1, 4, 7, 10) and end == start + relativedelta(months=3, days=-1):
        return "quarter"
    if (start.month, start.day) == (1, 1) and end == date(start.year, 12, 31):
        return "year"
    if start.weekday() == 0 and end == start + timedelta(days=6):
        return "week"
    return "custom"


_SHIFT = {"month": relativedelta(months=1), "quarter": relativedelta(months=3), "year": relativedelta(years=1),
          "week": relativedelta(days=7)}


def windows(start: date, end: date, compare: str, last: date) -> tuple[Window, Window | None]:
    """(current, comparison) windows: end clipped to the source's last date, then shifted per the contract.

    The comparison shifts the *clipped* end, so a year-to-date is compared with the same stretch a year earlier;
    the end is shifted as "the day after, shifted, minus one day", so September 30 maps to August 31.
    """
    if end < start:
        raise ValueError(f"end {end} before start {start}")
    clipped = min(end, last)
    if compare == "none":
        return (start, clipped), None
    if compare == "last_year":
        year = relativedelta(years=1)
        return (start, clipped), (start - year, _shift_end(clipped, year))
    kind = _period_kind(start, end)
    if kind != "custom":
        return (start, clipped), (start - _SHIFT[kind], _shift_end(clipped, _SHIFT[kind]))
    prev_end = start - timedelta(days=1)
    return (start, clipped), (prev_end - (clipped - start), prev_end)


def _shift_end(end: date, shift: relativedelta) -> date:
    return end + timedelta(days=1) - shift - timedelta(days=1)


def _bucket(dates: pd.Series, grain: str) -> pd.Series:
    """Row keys of a time grain; formatted once per distinct date, since the fact table repeats dates a lot."""
    fmt: dict[str, Callable[[pd.Timestamp], str]] = {
        "day": lambda d: d.strftime("%Y-%m-%d"),
        "week": lambda d: (d - pd.Timedelta(days=d.weekday())).strftime("%Y-%m-%d"),
        "month": lambda d: d.strftime("%Y-%m"),
        "quarter": lambda d: f"{d.year}-Q{d.quarter}",
        "year": lambda d: f"{d.year}",
    }
    mapping = {d: fmt[grain](d) for d in dates.drop_duplicates()}
    return dates.map(mapping)


def _measure(frame: pd.DataFrame, metric: str) -> tuple[pd.DataFrame, pd.Series, pd.Series | None]:
    """(rows the metric counts, numerator, denominator or None). A group exists only if it has such rows."""
    if metric == "revenue":
        return frame, frame["revenue"], None
    if metric == "units":
        return frame, frame["units"].astype(float), None
    if metric == "gross_margin":
        return frame, frame["revenue"] - frame["cost"], None
    if metric == "gross_margin_pct":
        return frame, frame["revenue"] - frame["cost"], frame["revenue"]
    stage = frame["stage"]
    if metric == "pipeline_amount":
        rows = frame[stage.notna() & ~stage.isin(["won", "lost"])]  # SQL NOT IN: a NULL stage is not open
        return rows, rows["amount"], None
    if metric == "won_amount":
        rows = frame[stage == "won"]
        return rows, rows["amount"], None
    if metric == "deal_count":
        return frame, pd.Series(1.0, index=frame.index), None
    if metric == "win_rate":
        rows = frame[stage.isin(["won", "lost"])]
        return rows, (rows["stage"] == "won").astype(float), pd.Series(1.0, index=rows.index)
    raise ValueError(f"unknown metric {metric!r}")


def _aggregate(frame: pd.DataFrame, source: str, metric: str, by: list[str]) -> dict[tuple[str, ...], float | None]:
    """Metric per group key (a tuple in `by` order); ungrouped -> {(): value}, present even with no rows."""
    rows, num, den = _measure(frame, metric)
    work = pd.DataFrame({"num": num, "den": 1.0 if den is None else den}, index=rows.index)
    date_col = rows[DATE_COLUMN[source]]
    for dim in by:
        work[dim] = _bucket(date_col, dim) if dim in TIME_GRAINS else rows[DIM_COLUMNS[source][dim]]
    if not by:
        total_num, total_den = float(work["num"].sum()), float(work["den"].sum())
        if den is None:
            return {(): total_num}
        return {(): total_num / total_den if total_den else None}
    sums = work.groupby(by, sort=False, dropna=False)[["num", "den"]].sum()
    out: dict[tuple[str, ...], float | None] = {}
    for key, n, d in zip(sums.index, sums["num"], sums["den"], strict=True):
        k = tuple(str(x) for x in key) if isinstance(key, tuple) else (str(key),)
        out[k] = float(n) if den is None else (float(n) / float(d) if d else None)
    return out


def _validate(spec: dict[str, Any], scope: list[str] | None) -> None:
    """Reject specs outside the contract, so a typo in the eval file fails loudly instead of scoring nonsense."""
    source = spec.get("source")
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    if spec.get("metric") not in METRICS[source]:
        raise ValueError(f"metric {spec.get('metric')!r} is not a {source} metric")
    by = spec.get("by") or []
    if any(d not in DIMS[source] for d in by) or len(set(by)) != len(by):
        raise ValueError(f"bad dimensions {by} for {source}")
    compare = spec.get("compare", "none")
    if compare not in COMPARES:
        raise ValueError(f"unknown compare {compare!r}")
    if compare != "none" and any(d in TIME_GRAINS for d in by):
        # The contract keeps groups of either window by key, which for time keys would never line up.
        raise ValueError("a time grain with a comparison is not defined by the contract")
    if spec.get("sort") is not None and spec["sort"] not in SORTS:
        raise ValueError(f"unknown sort {spec['sort']!r}")
    if compare == "none" and (spec.get("sort") or "").startswith("change"):
        raise ValueError("sorting by change needs a comparison")
    limit = spec.get("limit")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"bad limit {limit!r}")
    filters = spec.get("filters") or {}
    unknown = set(filters) - set(FILTER_COLUMNS[source])
    if unknown:
        raise ValueError(f"filters {sorted(unknown)} do not apply to {source}")
    regions = filters.get("regions")
    if regions is not None:
        if not isinstance(regions, list) or not regions:
            raise ValueError("regions filter must be a non-empty list")
        if scope is not None and ALL_REGIONS not in scope and not set(regions) <= set(scope):
            raise ValueError(f"regions {regions} outside the user's scope {scope}")


def _sort(rows: list[dict[str, Any]], sort: str, by: list[str]) -> list[dict[str, Any]]:
    """Sort by the field, ties by key ascending; rows whose field is None go last (they have no rank)."""
    rows = sorted(rows, key=lambda r: tuple(r["key"][d] for d in by))
    if sort == "key_asc":
        return rows
    field, _, direction = sort.rpartition("_")
    ranked = [r for r in rows if r[field] is not None]
    ranked.sort(key=lambda r: r[field], reverse=direction == "desc")  # stable: key order kept on ties
    return ranked + [r for r in rows if r[field] is None]


def expected_rows(spec: dict[str, Any], scope: list[str] | None, tables: Tables) -> list[dict[str, Any]]:
    """The rows analytics_query must return for `spec` asked by a user with region `scope` (None = all)."""
    _validate(spec, scope)
    source, metric = spec["source"], spec["metric"]
    by: list[str] = list(spec.get("by") or [])
    compare = spec.get("compare", "none")
    frame = tables.frame(source)
    date_col = DATE_COLUMN[source]
    if scope is not None and ALL_REGIONS not in scope:
        frame = frame[frame["region_code"].isin(scope)]
    for name, value in (spec.get("filters") or {}).items():
        col = FILTER_COLUMNS[source][name]
        frame = frame[frame[col].isin(value)] if name == "regions" else frame[frame[col] == value]

    last = tables.frame(source)[date_col].max().date()  # the whole source's last date, not the slice's
    current, previous = windows(date.fromisoformat(spec["start"]), date.fromisoformat(spec["end"]), compare, last)

    def in_window(w: Window) -> pd.DataFrame:
        dates = frame[date_col]
        return frame[(dates >= pd.Timestamp(w[0])) & (dates <= pd.Timestamp(w[1]))]

    cur = _aggregate(in_window(current), source, metric, by)
    prev = _aggregate(in_window(previous), source, metric, by) if previous is not None else None
    missing = None if metric in RATIO_METRICS else 0.0
    rows: list[dict[str, Any]] = []
    for key in (cur if prev is None else sorted(set(cur) | set(prev))):
        value = cur.get(key, missing)
        row: dict[str, Any] = {"key": dict(zip(by, key, strict=True)), "value": value, "previous": None,
                               "change": None, "change_pct": None}
        if prev is not None:
            before = prev.get(key, missing)
            change = None if value is None or before is None else value - before
            row.update(previous=before, change=change,
                       change_pct=change / before if change is not None and before else None)
        rows.append(row)
    sort = spec.get("sort") or ("key_asc" if any(d in TIME_GRAINS for d in by) else "value_desc")
    limit = spec.get("limit")
    return _sort(rows, sort, by)[:limit]


def _close(a: Any, b: Any, rel_tol: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=rel_tol, abs_tol=1e-9)


def compare_rows(got: list[dict[str, Any]], want: list[dict[str, Any]], rel_tol: float = 1e-6) -> str | None:
    """None when `got` matches `want` row by row (keys exact, numbers within tolerance), else the first reason."""
    if len(got) != len(want):
        return f"{len(got)} rows, expected {len(want)}"
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if g.get("key") != w["key"]:
            return f"row {i}: key {g.get('key')} != expected {w['key']}"
        for name in FIELDS:
            if not _close(g.get(name), w.get(name), rel_tol):
                return f"row {i} {w['key']}: {name} {g.get(name)!r} != expected {w.get(name)!r}"
    return None
