"""sales_summary: revenue, units and gross margin of a slice of the sales warehouse, vs a comparison period.

The foundation's data tool; `analytics_query` (semantic layer, charts, follow-ups) extends it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import duckdb
from dateutil.relativedelta import relativedelta
from pydantic import Field

from copilot import fmt
from copilot.context import RequestContext
from copilot.errors import ToolInputError
from copilot.normalize import Period
from tools.base import Tool, ToolArgs, ToolDeps, ToolOutput
from tools.dims import Member, members, resolve
from tools.grounding import grounded_choice, grounded_member, grounded_members, grounded_period

RegionCode = Literal["east", "south", "north", "central", "southwest", "northwest", "northeast"]
Metric = Literal["revenue", "units", "gross_margin", "gross_margin_pct"]
GroupBy = Literal["none", "region", "channel", "category", "sku", "month"]

METRIC_NAMES = {
    "revenue": ("revenue", "销售额"),
    "units": ("units", "销量"),
    "gross_margin": ("gross margin", "毛利"),
    "gross_margin_pct": ("gross margin %", "毛利率"),
}
# The user's words for each metric; when they name exactly one, it overrides the model's pick.
METRIC_WORDS: dict[str, tuple[str, ...]] = {
    "revenue": ("销售额", "营业额", "收入", "营收", "revenue", "sales value", "turnover"),
    "units": ("销量", "件数", "卖了多少", "units", "volume", "how many"),
    "gross_margin": ("毛利", "毛利额", "gross margin", "gross profit"),
    "gross_margin_pct": ("毛利率", "margin %", "margin rate", "gross margin %", "margin percentage"),
}
# Grouping is only done when the user asks for it ("各渠道", "by channel", "trend"); small models add it freely.
GROUP_WORDS: dict[str, tuple[str, ...]] = {
    "region": ("各区域", "各大区", "各地区", "各区", "分区域", "按区域", "哪个区", "by region", "per region",
               "which region", "regions"),
    "channel": ("各渠道", "分渠道", "按渠道", "哪个渠道", "by channel", "per channel", "which channel", "channels"),
    "category": ("各品类", "分品类", "按品类", "哪个品类", "by category", "per category", "which category",
                 "categories"),
    "sku": ("各产品", "按产品", "哪些产品", "单品", "top sku", "top product", "by sku", "by product", "per sku",
            "which product", "skus", "products"),
    "month": ("每月", "各月", "按月", "月度", "趋势", "走势", "monthly", "by month", "per month", "trend"),
}
_GROUP_SQL = {
    "region": ("f.region_code", "r.name_zh", "r.name_en"),
    "channel": ("f.channel_code", "c.name_zh", "c.name_en"),
    "category": ("p.category_code", "p.category_zh", "p.category_en"),
    "sku": ("f.sku", "p.name_zh", "p.name_en"),
    "month": ("strftime(f.date, '%Y-%m')", "strftime(f.date, '%Y-%m')", "strftime(f.date, '%Y-%m')"),
}
MAX_ROWS = 10
Row = tuple[str, float, float, float]  # (code\tname_zh\tname_en, revenue, units, gross margin)


class SalesSummaryArgs(ToolArgs):
    """Arguments of sales_summary; the period is the user's own words, turned into dates by code."""

    period: str = Field(..., min_length=1, max_length=60,
                        description="period as the user said it: 上个月, Q3, 2026年10月, last quarter, this year")
    metric: Metric = "revenue"
    regions: list[RegionCode] | None = Field(None, max_length=7, description="omit = all regions in scope")
    channel: str | None = Field(None, max_length=40, description="e-commerce, KA, distributor, convenience")
    category: str | None = Field(None, max_length=40, description="product category, e.g. 洗发水, body wash")
    sku: str | None = Field(None, max_length=40)
    group_by: GroupBy = "none"
    compare: Literal["previous_period", "last_year", "none"] = "previous_period"


def sales_summary(args: SalesSummaryArgs, ctx: RequestContext, deps: ToolDeps) -> ToolOutput:
    """Sales figures for a period: revenue/销售额, units/销量, gross_margin/毛利, gross_margin_pct/毛利率.
    "各渠道/by channel" -> group_by=channel (likewise region, category, sku, month). compare=last_year for 同比/YoY.

    Runs inside the asking user's region scope.
    """
    period = grounded_period(args.period, ctx)
    with deps.warehouse() as conn:
        args = _grounded(args, ctx, conn)
        region_names = {m.code: m for m in members(conn, "region")}
        labels = {code: (m.name_zh, m.name_en) for code, m in region_names.items()}
        asked = grounded_members(list(args.regions or []), ctx, list(region_names.values()))
        regions = ctx.scoped_regions(asked, list(region_names), labels)
        filters, params = _filters(conn, args, regions)
        lo, hi = conn.execute("SELECT min(date), max(date) FROM fact_sales").fetchone() or (None, None)
        current = _query(conn, args, period.start, period.end, filters, params)
        previous = None
        if args.compare != "none":
            p_start, p_end = _comparison(period, args.compare)
            previous = _query(conn, args, p_start, p_end, filters, params)
    coverage = (lo, hi)
    return _render(args, ctx, period, regions, region_names, current, previous, coverage)


def _grounded(args: SalesSummaryArgs, ctx: RequestContext, conn: duckdb.DuckDBPyConnection) -> SalesSummaryArgs:
    """The model's arguments corrected by what the user's own words name."""
    return args.model_copy(update={
        "metric": grounded_choice(args.metric, ctx, METRIC_WORDS),
        "group_by": grounded_choice(args.group_by, ctx, GROUP_WORDS, unnamed="none"),
        "channel": grounded_member(args.channel, ctx, members(conn, "channel")),
        "category": grounded_member(args.category, ctx, members(conn, "category")),
    })


def _filters(conn: object, args: SalesSummaryArgs, regions: list[str]) -> tuple[str, list[object]]:
    clauses = [f"f.region_code IN ({', '.join('?' for _ in regions)})"]
    params: list[object] = list(regions)
    for kind, value, column in (("channel", args.channel, "f.channel_code"),
                                ("category", args.category, "p.category_code"),
                                ("sku", args.sku, "f.sku")):
        if value:
            clauses.append(f"{column} = ?")
            params.append(resolve(conn, kind, value).code)  # type: ignore[arg-type]
    return " AND ".join(clauses), params


def _comparison(period: Period, how: str) -> tuple[date, date]:
    if how == "last_year":
        return period.start - relativedelta(years=1), period.end - relativedelta(years=1)
    if period.grain in ("month", "quarter", "year"):
        months = {"month": 1, "quarter": 3, "year": 12}[period.grain]
        start = period.start - relativedelta(months=months)
        return start, period.start - timedelta(days=1)
    days = (period.end - period.start).days + 1
    return period.start - timedelta(days=days), period.start - timedelta(days=1)


def _query(conn: object, args: SalesSummaryArgs, start: date, end: date, filters: str,
           params: list[object]) -> list[Row]:
    """Rows of (label, revenue, units, gross margin); one row labelled '' when not grouped."""
    if args.group_by == "none":
        key, zh, en = "''", "''", "''"
    else:
        key, zh, en = _GROUP_SQL[args.group_by]
    sql = f"""
        SELECT {key} AS k, any_value({zh}) AS zh, any_value({en}) AS en,
               coalesce(sum(f.revenue), 0), coalesce(sum(f.units), 0), coalesce(sum(f.revenue - f.cost), 0)
        FROM fact_sales f
        JOIN dim_product p ON p.sku = f.sku
        JOIN dim_region r ON r.region_code = f.region_code
        JOIN dim_channel c ON c.channel_code = f.channel_code
        WHERE f.date BETWEEN ? AND ? AND {filters}
        GROUP BY k"""
    rows = conn.execute(sql, [start, end, *params]).fetchall()  # type: ignore[attr-defined]
    return [(f"{r[0]}\t{r[1]}\t{r[2]}", float(r[3]), float(r[4]), float(r[5])) for r in rows]


def _value(metric: Metric, revenue: float, units: float, margin: float) -> float:
    if metric == "revenue":
        return revenue
    if metric == "units":
        return units
    if metric == "gross_margin":
        return margin
    return margin / revenue if revenue else 0.0


def _fmt(metric: Metric, value: float, lang: Literal["zh", "en"]) -> str:
    if metric in ("revenue", "gross_margin"):
        return fmt.money(value, lang)
    if metric == "units":
        return fmt.count(value, lang)
    return fmt.pct(value)


def _total(metric: Metric, rows: list[Row]) -> float:
    return _value(metric, sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows))


def _change(args: SalesSummaryArgs, total: float, previous: float, lang: Literal["zh", "en"]) -> str:
    """'（环比 +2.1%）' / ' (+2.1% vs previous period)'; margin % changes in percentage points."""
    if args.metric == "gross_margin_pct":
        shown = f"{(total - previous) * 100:+.1f} " + ("个百分点" if lang == "zh" else "pts")
    else:
        shown = fmt.pct((total - previous) / abs(previous), signed=True)
    if lang == "zh":
        return f"（{ {'previous_period': '环比', 'last_year': '同比'}[args.compare]} {shown}）"
    return f" ({shown} {'vs previous period' if args.compare == 'previous_period' else 'vs last year'})"


def _render(args: SalesSummaryArgs, ctx: RequestContext, period: Period, regions: list[str],
            known: dict[str, Member], current: list[Row], previous: list[Row] | None,
            coverage: tuple[date | None, date | None]) -> ToolOutput:
    lang = ctx.lang
    lo, hi = coverage
    empty = not current or all(r[1] == 0 and r[2] == 0 for r in current)
    if empty and lo and hi and (period.end < lo or period.start > hi):
        raise ToolInputError(
            en=f"No sales data for {period.label}: the warehouse covers {lo} to {hi}.",
            zh=f"{period.label} 没有销售数据：数据范围为 {lo} 至 {hi}。",
        )
    total = _total(args.metric, current)
    prev_total = _total(args.metric, previous) if previous is not None else None
    name_en, name_zh = METRIC_NAMES[args.metric]
    change = _change(args, total, prev_total, lang) if prev_total else ""
    sep, name = ("：", name_zh) if lang == "zh" else (": ", name_en)
    scope = _scope_label(regions, known, lang)
    lines = [f"{scope} · {period.label} {name}{sep}{_fmt(args.metric, total, lang)}{change}"]
    rows = []
    if args.group_by != "none":
        ranked = sorted(current, key=lambda r: _value(args.metric, r[1], r[2], r[3]), reverse=True)
        for key, rev, units, margin in ranked[:MAX_ROWS]:
            code, zh, en = key.split("\t")
            value = _value(args.metric, rev, units, margin)
            rows.append({"key": code, "name": zh if lang == "zh" else en, "value": round(value, 4)})
            lines.append(f"- {rows[-1]['name']}: {_fmt(args.metric, value, lang)}")
        if len(ranked) > MAX_ROWS:
            lines.append(f"… 共 {len(ranked)} 项" if lang == "zh" else f"… {len(ranked)} rows in all")
    data = {"metric": args.metric, "period": period.label, "start": str(period.start), "end": str(period.end),
            "regions": regions, "value": round(total, 4),
            "previous_value": round(prev_total, 4) if prev_total is not None else None, "rows": rows}
    applied = {"period": period.label, "start": str(period.start), "end": str(period.end), "regions": regions,
               **args.model_dump(include={"metric", "group_by", "channel", "category"}, exclude_none=True)}
    return ToolOutput(text="\n".join(lines), data=data, applied=applied)


def _scope_label(regions: list[str], known: dict[str, Member], lang: Literal["zh", "en"]) -> str:
    if sorted(regions) == sorted(known):
        return "全国" if lang == "zh" else "All regions"
    return ("、" if lang == "zh" else ", ").join(known[r].name(lang) for r in regions)


TOOL = Tool(
    name="sales_summary",
    args_model=SalesSummaryArgs,
    run=sales_summary,
    examples=(
        ("上个月华东区各渠道的销售额", {"period": "上个月", "regions": ["east"], "group_by": "channel"}),
        ("Q3 2026 gross margin % in South China",
         {"period": "Q3 2026", "metric": "gross_margin_pct", "regions": ["south"]}),
    ),
)
