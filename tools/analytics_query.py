"""analytics_query: managers' ad-hoc questions over the sales warehouse, answered with a finding, a table, a chart
and (on request) the query used — always inside the asker's region scope."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa

from copilot.context import RequestContext
from copilot.errors import PermissionDenied, Redirect, ToolInputError
from tools.analytics import chart, render, semantic
from tools.analytics.memory import QueryMemory
from tools.analytics.query import Query, Windows, compile_query, rows_from, windows
from tools.analytics.semantic import TIME_GRAINS
from tools.analytics.understand import FOLLOW_UP_PATTERNS, AnalyticsArgs, understand, wants_query
from tools.analytics.warehouse import Warehouse
from tools.base import Attachment, Tool, ToolDeps, ToolOutput
from tools.chart_worker import ChartWorker
from tools.dims import Member

log = logging.getLogger(__name__)
CHART_SERIES = 8  # lines in one time-series chart


@dataclass(frozen=True)
class Analytics:
    """What the tool reads and writes: the warehouse, the per-conversation last query, chart files."""

    warehouse: Warehouse
    memory: QueryMemory
    charts_dir: Path


def analytics_query(args: AnalyticsArgs, ctx: RequestContext, deps: ToolDeps) -> ToolOutput:
    """Sales figures and rankings: revenue/销售额, units/销量, gross_margin/毛利, gross_margin_pct/毛利率, and the
    pipeline (pipeline_amount/商机, won_amount/赢单金额, deal_count, win_rate/赢单率); grouped by region, channel,
    category, sku, customer, rep or a time grain (week/month/quarter); compared with the previous period (环比) or
    last year (同比); ranked ("top 10", "dropped most"). Follow-ups ("and by channel?") refine the last question.

    Runs inside the asking user's region scope.
    """
    if deps.analytics is None:
        raise ToolInputError(en="Analytics is not configured.", zh="未配置数据分析。")
    an: Analytics = deps.analytics()
    wh = an.warehouse
    lookup = _lookup(wh, deps)
    previous = an.memory.get(ctx.user.user_id, ctx.conversation_id)
    query, defaults = understand(args, ctx, lookup, previous)
    _check_members_in_scope(query, ctx, wh, deps, lookup)
    src = query.source
    first, last = wh.coverage(src.name, src.date, src.from_clause)
    _check_period(query, ctx, first, last)
    win = windows(query, last)
    stmt = compile_query(query, win)
    started = time.perf_counter()
    rows = rows_from(query, wh.run(stmt))
    if query.by:
        whole = query.model_copy(update={"by": ()})
        total = rows_from(whole, wh.run(compile_query(whole, win)))[0]
    else:
        total = rows[0]
    ms = (time.perf_counter() - started) * 1000
    an.memory.put(ctx.user.user_id, ctx.conversation_id, query)
    sql = str(stmt.compile(dialect=wh.engine().dialect, compile_kwargs={"literal_binds": True}))
    return _output(query, win, rows, total, defaults, last, ctx, an, lookup, args.show_query, ms, sql, deps.charts)


def _lookup(wh: Warehouse, deps: ToolDeps) -> Any:
    def lookup(kind: str) -> list[Member]:
        if kind == "rep":
            return [Member(u.user_id, u.name_zh, u.name_en) for u in deps.directory.list_users()
                    if u.department == "sales"]
        if kind == "sku":  # product codes are what people type: "SK-405", "X100"
            return [Member(m.code, m.name_zh, m.name_en, (*m.aliases, m.code)) for m in wh.members(kind)]
        return wh.members(kind)
    return lookup


def _check_members_in_scope(query: Query, ctx: RequestContext, wh: Warehouse, deps: ToolDeps, lookup: Any) -> None:
    """A customer or rep outside the asker's regions is refused like a region, not answered with a scope-filtered
    zero ("Midea Group won ¥0") that a rep could mistake for the whole."""
    if ctx.user.all_regions:
        return
    outside: list[tuple[str, str]] = []
    if code := query.filters.get("customer"):
        stmt = sa.select(semantic.dim_customer.c.region_code).where(
            semantic.dim_customer.c.customer_id == sa.literal(code))
        if not {r for (r,) in wh.run(stmt)} <= set(ctx.user.regions):
            outside.append(_names(lookup("customer"), code))
    if code := query.filters.get("rep"):
        rep = deps.directory.get(code)
        if rep.all_regions or not set(rep.regions) <= set(ctx.user.regions):
            outside.append((rep.name_zh, rep.name_en))
    if outside:
        raise PermissionDenied(en=f"Your data scope does not include: {', '.join(en for _, en in outside)}.",
                               zh=f"您的数据权限不包含：{'、'.join(zh for zh, _ in outside)}。",
                               detail=f"user={ctx.user.user_id} filters={query.filters}")


def _names(members: list[Member], code: str) -> tuple[str, str]:
    found = next((m for m in members if m.code == code), None)
    return (found.name_zh, found.name_en) if found else (code, code)


# What query_forecast predicts: a question about these in a period that has not started asks for a forecast.
FORECASTABLE = frozenset({"revenue", "units", "gross_margin"})


def _check_period(query: Query, ctx: RequestContext, first: Any, last: Any) -> None:
    if query.start > ctx.today and not query.source.forward:
        if query.metric in FORECASTABLE:
            # "how many X200 units do we expect to ship next month?" has no actuals yet: it is a forecast question.
            raise Redirect("query_forecast", detail=f"{query.period_label} has not started")
        raise ToolInputError(en=f"{query.period_label} has not started yet; I can only report on the past.",
                             zh=f"{query.period_label} 尚未开始，只能查询已发生的数据。")
    if first is None or last is None or query.start > last or query.end < first:
        raise ToolInputError(
            en=f"No data for {query.period_label}: the warehouse covers {first} to {last}.",
            zh=f"{query.period_label} 没有数据：数据范围为 {first} 至 {last}。",
        )


def _output(query: Query, win: Windows, rows: list[dict[str, Any]], total: dict[str, Any], defaults: list[str],
            data_end: Any, ctx: RequestContext, an: Analytics, lookup: Any, show_query: bool, ms: float,
            sql: str, charts: ChartWorker) -> ToolOutput:
    lang = ctx.lang
    names: dict[str, dict[str, str]] = {}

    def name_of(dim: str, code: str) -> str:
        """A member's name in the user's language (time keys and unknown codes as they are)."""
        if dim in TIME_GRAINS:
            return code
        if dim not in names:
            names[dim] = {m.code: m.name(lang) for m in lookup(dim)}
        return names[dim].get(code, code)

    scope = _scope_label(list(query.regions), lookup("region"), lang)
    filters = [name_of(k, v) for k, v in query.filters.items()]
    if filters:
        scope += " · " + " · ".join(filters)
    lines = [render.headline(query, rows, total, name_of, scope, lang), *render.table(query, rows, name_of, lang)]
    lines += render.notes(query, win, defaults, data_end, lang)
    if show_query or wants_query(ctx.text):
        lines.append(("查询语句：" if lang == "zh" else "Query used:") + f"\n```sql\n{sql}\n```")
    attachments = []
    if len(rows) >= 2:
        path = _chart(query, rows, name_of, scope, an.charts_dir, ctx, charts)
        attachments.append(Attachment(kind="chart", path=str(path), title=render.chart_title(query, scope, lang)))
    data = {"metric": query.metric, "by": list(query.by), "start": str(win.start), "end": str(win.end),
            "compare": query.compare, "regions": list(query.regions), "filters": query.filters,
            "rows": [{**r, "name": render.row_label(query, r, name_of), **_share(query, r, total)} for r in rows[:100]],
            "total": total, "query_ms": round(ms, 1), "sql": sql}
    applied = {"metric": query.metric, "period": query.period_label, "start": str(query.start), "end": str(query.end),
               "window": [str(win.start), str(win.end)], "by": list(query.by), "regions": list(query.regions),
               **query.filters, "compare": query.compare, "sort": query.sort, "limit": query.limit}
    return ToolOutput(text="\n".join(lines), data=data, applied=applied, attachments=attachments)


def _scope_label(regions: list[str], known: list[Member], lang: Literal["zh", "en"]) -> str:
    if sorted(regions) == sorted(m.code for m in known):
        return "全国" if lang == "zh" else "All regions"
    by_code = {m.code: m for m in known}
    return ("、" if lang == "zh" else ", ").join(by_code[r].name(lang) for r in regions if r in by_code)


def _chart(query: Query, rows: list[dict[str, Any]], name_of: Any, scope: str, out_dir: Path,
           ctx: RequestContext, charts: ChartWorker) -> Path:
    """Bars for a ranking, lines for a time series (one line per member when there is a second grouping)."""
    lang = ctx.lang
    metric = query.metric_def
    label = metric.name_in(lang)
    time_dim = query.time_dim
    if time_dim:
        other = next((d for d in query.by if d != time_dim), None)
        ticks = sorted({r["key"][time_dim] for r in rows})
        series: dict[str, list[float | None]] = {}
        for r in rows:
            name = name_of(other, r["key"][other]) if other else label
            if name not in series and len(series) >= CHART_SERIES:
                continue
            series.setdefault(name, [None] * len(ticks))[ticks.index(r["key"][time_dim])] = r["value"]
        if query.compare != "none" and not other:
            series[render.previous_word(query, lang)] = [None] * len(ticks)
            for r in rows:
                series[render.previous_word(query, lang)][ticks.index(r["key"][time_dim])] = r["previous"]
        png = charts.draw(chart.render_png, "line", render.chart_title(query, scope, lang), ticks, series, label,
                          metric.unit == "ratio")
    else:
        shown = rows[:20]
        labels = [render.row_label(query, r, name_of) for r in shown]
        bars: dict[str, list[float | None]] = {label: [r["value"] for r in shown]}
        if query.compare != "none":
            bars[render.previous_word(query, lang)] = [r["previous"] for r in shown]
        png = charts.draw(chart.render_png, "bar", render.chart_title(query, scope, lang), labels, bars, label,
                          metric.unit == "ratio")
    return chart.save_png(png, out_dir, f"{ctx.trace_id}-{query.metric}.png")


TOOL = Tool(
    name="analytics_query",
    args_model=AnalyticsArgs,
    run=analytics_query,
    examples=(
        ("上季度各渠道的毛利率是多少?", {"metric": "gross_margin_pct", "period": "上季度", "by": ["channel"]}),
        ("which region had the biggest revenue drop last month vs the month before?",
         {"metric": "revenue", "period": "last month", "by": ["region"], "compare": "previous_period",
          "sort": "change_asc"}),
    ),
    triggers=(
        r"销售额|销量|营收|营业额|毛利|赢单|签单金额|商机金额|商机数|成交金额|卖了多少|出货量",
        r"\b(?:revenue|units sold|gross margin|gm ?%|win rate|pipeline|bookings|won amount|turnover)\b"
        r"|\b(?:weekly|monthly|quarterly|total)\s+sales\b|\bsales\s+(?:of|in|by|for|last|this|since)\b",
    ),
    follow_ups=FOLLOW_UP_PATTERNS,
)


def _share(query: Query, row: dict[str, Any], total: dict[str, Any]) -> dict[str, float]:
    """A row's share of the total (the answer quotes the leader's), for metrics that add up."""
    value, whole = row.get("value"), total.get("value")
    if not query.metric_def.additive or value is None or not whole:
        return {}
    return {"share": value / whole}
