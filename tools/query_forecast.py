"""query_forecast: sales forecasts for any slice of SKU/category x region x channel x period, with calibrated 80%/95%
intervals, forecast-bias history and what-if re-prediction — read from the run `copilot forecast refresh` stored,
always inside the asker's region scope."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np

from copilot.context import RequestContext
from copilot.errors import NeedsInfo, Redirect, ToolInputError
from tools.analytics.chart import save_png
from tools.base import Attachment, Tool, ToolDeps, ToolOutput
from tools.chart_worker import ChartWorker
from tools.dims import Member, members
from tools.forecast import answers, render
from tools.forecast.store import Run, RunCache
from tools.forecast.understand import (
    ASKS_FORECAST,
    ForecastArgs,
    ForecastQuery,
    asks_forecast,
    names_nothing_forecast,
    understand,
)

log = logging.getLogger(__name__)
KINDS = ("sku", "category", "region", "channel")


@dataclass
class Forecasting:
    """The stored runs, the chart folder, and the member names of the current run (cached per run)."""

    runs: RunCache
    charts_dir: Path
    _names: dict[tuple[Path, str], list[Member]] = field(default_factory=dict)

    def lookup(self, run: Run, deps: ToolDeps) -> Any:
        def members_of(kind: str) -> list[Member]:
            key = (run.folder, kind)
            if key not in self._names:
                codes = set(run.keys[kind])
                known: list[Member] = []
                if run.meta.get("source") == "warehouse" and deps.warehouse_path.exists():
                    with deps.warehouse() as conn:
                        known = [m for m in members(conn, kind) if m.code in codes]  # type: ignore[arg-type]
                if kind == "sku":  # product codes are what people type: "X200"
                    known = [Member(m.code, m.name_zh, m.name_en, (*m.aliases, m.code)) for m in known]
                seen = {m.code for m in known}
                self._names[key] = known + [Member(c, c, c) for c in sorted(codes - seen)]
            return self._names[key]
        return members_of


def query_forecast(args: ForecastArgs, ctx: RequestContext, deps: ToolDeps) -> ToolOutput:
    """Sales forecast (销量/销售额/毛利 预测) for a product, category, region, channel and future period, with 80%/95%
    intervals; kind=what_if re-predicts with a promotion cancelled or its discount changed (如果取消618); kind=bias
    reports how far past forecasts were from actuals (预测偏差, accuracy).

    Runs inside the asking user's region scope.
    """
    if deps.forecasting is None:
        raise ToolInputError(en="Forecasting is not configured.", zh="未配置销售预测。")
    fc: Forecasting = deps.forecasting()
    started = time.perf_counter()
    run = fc.runs.get()
    lookup = fc.lookup(run, deps)
    q = understand(args, ctx, lookup)
    regions = lookup("region")
    scoped = ctx.scoped_regions(list(q.regions) or None, [m.code for m in regions],
                                {m.code: (m.name_zh, m.name_en) for m in regions})
    mask = answers.select(run, q.filters, scoped)
    if not mask.any():
        raise ToolInputError(en="Nothing is sold in that slice, so there is nothing to forecast.",
                             zh="该范围内没有销售记录，无法预测。")
    scope = _scope_label(run, q, scoped, lookup, ctx.lang)
    part = answers.slice_of(run, mask)  # the slice summed once: figures, intervals, bias and chart read it
    if q.kind == "bias":
        lines, data = _bias(run, q, part, scope, ctx)
        attachments: list[Attachment] = []
    else:
        start, end, notes = _future_window(run, q, ctx)
        w = answers.future_weights(run, start, end)
        period = q.period_label
        if q.kind == "what_if":
            lines, data = _what_if(run, q, mask, part, w, start, end, scope, period, ctx)
        else:
            out = answers.outlook(part, w)
            months = [(f"{a:%Y-%m}", answers.outlook(part, answers.future_weights(run, a, b)))
                      for a, b in render.month_spans(start, end)]
            lines = render.forecast_lines(q.metric, out, months, scope, period, ctx.lang)
            # Every figure the answer shows (totals, intervals, the months) is in the data as well.
            data = {**_figures(out), "intervals_units": {str(k): v for k, v in out.units.intervals.items()},
                    "months": [{"month": label, **_figures(o)} for label, o in months],
                    "interval_levels": sorted(out.units.intervals), "calibration_windows": out.calibration.windows,
                    "calibration_shift_weeks": out.calibration.shifted_weeks, "backtest_windows": len(run.cutoffs)}
            notes += _calibration_notes(out.calibration, ctx.lang)
        lines += ["", *_footer(run, q, notes, ctx.lang)]
        attachments = [_chart(run, part, scope, fc.charts_dir, ctx, deps.charts)]
    data["ms"] = round((time.perf_counter() - started) * 1000, 1)
    applied: dict[str, Any] = {"kind": q.kind, "metric": q.metric, "period": q.period_label, "start": str(q.start),
                               "end": str(q.end), "regions": scoped,
                               **{dim: q.filters.get(dim) for dim in ("sku", "category", "channel")}}
    if q.kind == "what_if":
        applied |= {"promotion": q.promotion, "discount_pct": q.discount_pct}
    return ToolOutput(text="\n".join(lines), data=data, applied=applied, attachments=attachments)


def _future_window(run: Run, q: ForecastQuery, ctx: RequestContext) -> tuple[date, date, list[str]]:
    first = run.future[0].date()
    last = run.horizon_end.date()
    zh = ctx.lang == "zh"
    if q.end < first and q.kind == "forecast" and ctx.text and not asks_forecast(ctx.text):
        # "三季度哪个区卖得最好?" asks no forecast of a period that is over: its actual sales answer it.
        raise Redirect("analytics_query", detail=f"{q.period_label} is past")
    if q.end < first:
        raise ToolInputError(
            en=f"{q.period_label} is in the past (data runs to {first - timedelta(days=1)}); ask about actual sales "
               "instead, or about how accurate the forecasts for it were.",
            zh=f"{q.period_label} 已经过去（数据截至 {first - timedelta(days=1)}），"
               "请查询实际销售，或询问该期间的预测偏差。")
    if q.start > last:
        raise ToolInputError(en=f"{q.period_label} is beyond the forecast horizon, which ends on {last}.",
                             zh=f"{q.period_label} 超出了预测范围（预测截至 {last}）。")
    notes = []
    start, end = max(q.start, first), min(q.end, last)
    if start != q.start:
        notes.append(f"{q.start}–{start - timedelta(days=1)} 已有实际数据，预测从 {start} 起。" if zh else
                     f"{q.start} to {start - timedelta(days=1)} is already in the data; the forecast covers "
                     f"{start} on.")
    if end != q.end:
        notes.append(f"预测范围截至 {last}，{end + timedelta(days=1)} 之后未包含。" if zh else
                     f"The forecast horizon ends on {last}; days after it are not included.")
    return start, end, notes


def _what_if(run: Run, q: ForecastQuery, mask: np.ndarray, part: answers.Slice, w: np.ndarray, start: date,
             end: date, scope: str, period: str, ctx: RequestContext) -> tuple[list[str], dict[str, Any]]:
    words = q.promotion or ""
    if not words:
        raise NeedsInfo(en="Which promotion should the what-if change? For example: 'what if we cancel 618?'",
                             zh="请说明要调整哪个促销，例如：“如果取消618会怎样？”")
    promos = answers.matching_promotions(run.plan, words, start, end, (run.future[0].date(), run.horizon_end.date()))
    if not promos.rows:
        planned = sorted({r[6] if ctx.lang == "zh" else r[7] for r in run.plan.rows
                          if r[1] >= run.future[0].date() and r[0] <= run.horizon_end.date()})
        raise ToolInputError(en=f"No promotion matching '{words}' is planned in the forecast horizon. Planned: "
                                f"{', '.join(planned) or 'none'}.",
                             zh=f"预测期内没有与“{words}”匹配的促销计划。已计划：{'、'.join(planned) or '无'}。")
    result = answers.what_if(run, mask, part, w, promos, q.discount_pct)
    lines = render.what_if_lines(result, q.metric, scope, period, q.discount_pct, ctx.lang)
    base, scenario = _figures(result.base), _figures(result.scenario)
    change = {k: {"abs": scenario[k] - base[k], "pct": (scenario[k] / base[k] - 1) * 100 if base[k] else None}
              for k in ("units", "revenue", "gross_margin") if base[k] is not None and scenario[k] is not None}
    data = {"promotions": [r[5] for r in promos.rows], "series_changed": result.series_changed,
            "base": base, "scenario": scenario, "change": change, "backtest_windows": len(run.cutoffs)}
    return lines, data


def _figures(out: answers.Outlook) -> dict[str, Any]:
    """Units, revenue and gross margin (None where prices are unknown) and their 80%/95% intervals, as the answer
    states them."""
    named = {"units": out.units, "revenue": out.revenue, "gross_margin": out.margin}
    figures: dict[str, Any] = {name: fig.value if fig is not None else None for name, fig in named.items()}
    figures["intervals"] = {name: {str(level): list(bounds) for level, bounds in fig.intervals.items()}
                            for name, fig in named.items() if fig is not None}
    return figures


def _bias(run: Run, q: ForecastQuery, part: answers.Slice, scope: str,
          ctx: RequestContext) -> tuple[list[str], dict[str, Any]]:
    if q.start > run.last_day.date():
        raise ToolInputError(en=f"{q.period_label} has no actual sales yet, so its forecast accuracy is not known.",
                             zh=f"{q.period_label} 还没有实际销售数据，无法评估预测偏差。")
    result = answers.bias(part, run.weeks, q.start, min(q.end, run.last_day.date()))
    p = result.period
    data = {"bias_pct": p.bias_pct if p else None, "wape_pct": result.wape_pct, "forecast_made": str(p.made) if p
            else None, "forecast": p.forecast if p else None, "actual": p.actual if p else None,
            "history": [{"made": str(r.made), "forecast": r.forecast, "actual": r.actual, "bias_pct": r.bias_pct}
                        for r in result.history]}
    return render.bias_lines(result, scope, q.period_label, ctx.lang), data


def _calibration_notes(cal: answers.Calibration, lang: Literal["zh", "en"]) -> list[str]:
    if cal.shifted_weeks:
        return [f"区间按提前 {cal.shifted_weeks} 周的历史误差校准（更远的时间点没有足够的回测）。" if lang == "zh" else
                f"Intervals are calibrated on errors {cal.shifted_weeks} weeks nearer (too few backtests reach that "
                "far)."]
    return []


def _footer(run: Run, q: ForecastQuery, notes: list[str], lang: Literal["zh", "en"]) -> list[str]:
    made = run.meta.get("last_day", str(run.last_day.date()))
    models = "LightGBM + Theta + 季节性朴素法" if lang == "zh" else "LightGBM + Theta + seasonal naive"
    if lang == "zh":
        base = f"预测基于截至 {made} 的数据（{models}，分层调和；区间由 {len(run.cutoffs)} 次滚动回测校准）。"
    else:
        base = (f"Forecast from data to {made} ({models}, reconciled across the hierarchy; intervals calibrated on "
                f"{len(run.cutoffs)} rolling backtests).")
    return [*q.defaults, *notes, base]


def _scope_label(run: Run, q: ForecastQuery, regions: list[str], lookup: Any, lang: Literal["zh", "en"]) -> str:
    by = {kind: {m.code: m.name(lang) for m in lookup(kind)} for kind in KINDS}
    all_regions = set(run.keys["region"])
    parts = ["全国" if lang == "zh" else "All regions"] if set(regions) == all_regions else \
        [("、" if lang == "zh" else ", ").join(by["region"].get(r, r) for r in regions)]
    parts += [by[d].get(c, c) for d, c in q.filters.items()]
    return " · ".join(parts)


def _chart(run: Run, part: answers.Slice, scope: str, out_dir: Path, ctx: RequestContext,
           charts: ChartWorker) -> Attachment:
    path_frame = answers.weekly_path(part, run.weeks, run.future)
    title = f"{scope} · " + ("周销量预测" if ctx.lang == "zh" else "weekly units forecast")
    png = charts.draw(render.chart_png, path_frame, title, ctx.lang, "件" if ctx.lang == "zh" else "units")
    path = save_png(png, out_dir, f"{ctx.trace_id}-forecast.png")
    return Attachment(kind="chart", path=str(path), title=title)


TOOL = Tool(
    name="query_forecast",
    args_model=ForecastArgs,
    run=query_forecast,
    examples=(
        ("下个月华南区洗发水的销量预测?", {"period": "下个月", "region": "华南", "category": "洗发水"}),
        ("what if we cancel the 618 promotion — effect on Q2 revenue?",
         {"kind": "what_if", "promotion": "618", "metric": "revenue", "period": "Q2"}),
    ),
    triggers=ASKS_FORECAST,
    doubts=names_nothing_forecast,
    outranks=("analytics_query",),
)
