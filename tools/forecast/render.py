"""A forecast answer in the user's language: the figure with its intervals, a monthly table, notes, a chart."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from copilot import fmt
from tools.analytics.chart import font_family
from tools.forecast.answers import Bias, Figure, Outlook, WhatIf

Lang = Literal["zh", "en"]
METRIC_NAMES = {"units": ("销量", "units"), "revenue": ("销售额", "revenue"), "gross_margin": ("毛利", "gross margin")}


def value(metric: str, v: float, lang: Lang) -> str:
    if metric == "units":
        return fmt.count(v, lang) + (" 件" if lang == "zh" else " units")
    return fmt.money(v, lang)


def figure_text(metric: str, fig: Figure, lang: Lang) -> str:
    """'12.3万 件（80% 区间 11.0万–13.5万，95% 区间 …）'."""
    word = "区间 " if lang == "zh" else "interval "
    bands = [f"{lv}% {word}{value(metric, lo, lang)}–{value(metric, hi, lang)}"
             for lv, (lo, hi) in sorted(fig.intervals.items()) if lo == lo]
    main = value(metric, fig.value, lang)
    if not bands:
        return main
    return main + (f"（{'，'.join(bands)}）" if lang == "zh" else f" ({'; '.join(bands)})")


def pick(outlook: Outlook, metric: str) -> tuple[str, Figure]:
    """The figure asked for; revenue or margin fall back to units when prices are unknown (imported data)."""
    fig = {"units": outlook.units, "revenue": outlook.revenue, "gross_margin": outlook.margin}[metric]
    return (metric, fig) if fig is not None else ("units", outlook.units)


def forecast_lines(metric: str, outlook: Outlook, months: list[tuple[str, Outlook]], scope: str, period: str,
                   lang: Lang) -> list[str]:
    metric, fig = pick(outlook, metric)
    name = METRIC_NAMES[metric][0 if lang == "zh" else 1]
    if lang == "zh":
        lines = [f"{scope} · {period} {name}预测：{figure_text(metric, fig, lang)}"]
    else:
        lines = [f"{scope} · {period} {name} forecast: {figure_text(metric, fig, lang)}"]
    extra = [m for m in ("units", "revenue", "gross_margin") if m != metric and pick(outlook, m)[0] == m]
    if extra:
        lines.append(("其中 " if lang == "zh" else "Also: ") + ("，" if lang == "zh" else "; ").join(
            f"{METRIC_NAMES[m][0 if lang == 'zh' else 1]} {value(m, pick(outlook, m)[1].value, lang)}" for m in extra))
    if len(months) > 1:
        head = ("| 月份 | 预测 | 80% 区间 | 95% 区间 |" if lang == "zh" else "| Month | Forecast | 80% | 95% |")
        lines += ["", head, "|---|---:|---:|---:|"]
        for label, o in months:
            m, f = pick(o, metric)
            cells = [f"{value(m, lo, lang)}–{value(m, hi, lang)}" for _, (lo, hi) in sorted(f.intervals.items())]
            lines.append(f"| {label} | {value(m, f.value, lang)} | " + " | ".join(cells or ["—", "—"]) + " |")
    return lines


def what_if_lines(result: WhatIf, metric: str, scope: str, period: str, discount_pct: float | None,
                  lang: Lang) -> list[str]:
    names = "、".join(r[6] for r in result.promotions.rows) if lang == "zh" else \
        ", ".join(r[7] for r in result.promotions.rows)
    change = ("取消" if lang == "zh" else "cancelled") if discount_pct is None else \
        (f"折扣改为 {discount_pct:g}%" if lang == "zh" else f"at {discount_pct:g}% off")
    head = (f"假设分析 · {scope} · {period}：{names} {change}" if lang == "zh"
            else f"What-if · {scope} · {period}: {names} {change}")
    rows = ["", "| 指标 | 按计划 | 假设情景 | 变化 |" if lang == "zh" else
            "| Metric | As planned | Scenario | Change |",
            "|---|---:|---:|---:|"]
    for m in ("units", "revenue", "gross_margin"):
        base, scen = pick(result.base, m), pick(result.scenario, m)
        if base[0] != m:
            continue
        b, s = base[1].value, scen[1].value
        delta = s - b
        pct = f" ({fmt.pct(delta / b, signed=True)})" if b else ""
        sign = "+" if delta >= 0 else ""
        rows.append(f"| {METRIC_NAMES[m][0 if lang == 'zh' else 1]} | {value(m, b, lang)} | {value(m, s, lang)} | "
                    f"{sign}{value(m, delta, lang)}{pct} |")
    note = ("说明：这是基于历史数据中促销与销量关系的关联性估计（模型学到的规律），并非因果结论；"
            "节日客流等其他因素保持不变。"
            if lang == "zh" else
            "Note: this is an associational estimate from how promotions and sales moved together in the history "
            "(what the model learned), not a causal result; festival traffic and everything else are held as planned.")
    return [head, *rows, "", note]


def bias_lines(result: Bias, scope: str, period: str, lang: Lang) -> list[str]:
    lines = []
    p = result.period
    if p is not None and p.actual:
        direction = ("偏高" if p.bias_pct > 0 else "偏低") if lang == "zh" else \
            ("over-forecast" if p.bias_pct > 0 else "under-forecast")
        wape = f"{result.wape_pct:.1f}%" if result.wape_pct is not None else "—"
        if lang == "zh":
            lines.append(f"{scope} · {period} 预测偏差：{p.bias_pct:+.1f}%（{direction}），周度 WAPE {wape}。"
                         f"预测基于截至 {p.made} 的数据：预测 {fmt.count(p.forecast, lang)} 件，实际 "
                         f"{fmt.count(p.actual, lang)} 件。")
        else:
            lines.append(f"{scope} · {period} forecast bias: {p.bias_pct:+.1f}% ({direction}), weekly WAPE {wape}. "
                         f"Forecast made with data to {p.made}: {fmt.count(p.forecast, lang)} units forecast, "
                         f"{fmt.count(p.actual, lang)} actual.")
    else:
        lines.append(f"{scope} · {period}：没有在该期间之前做出的预测可供比较。" if lang == "zh" else
                     f"{scope} · {period}: no stored forecast was made before that period to compare with.")
    lines += ["", "| 预测日期 | 未来4周预测 | 实际 | 偏差 |" if lang == "zh" else
              "| Forecast made | Next 4 weeks forecast | Actual | Bias |", "|---|---:|---:|---:|"]
    for r in result.history[-8:]:
        lines.append(f"| {r.made} | {fmt.count(r.forecast, lang)} | {fmt.count(r.actual, lang)} | "
                     f"{r.bias_pct:+.1f}% |")
    lines.append("偏差 = (预测 − 实际) / 实际；历史预测由同一流程在各时间点仅用当时已有的数据重新生成。"
                 if lang == "zh" else
                 "Bias = (forecast − actual) / actual; past forecasts are re-created by the same pipeline at each "
                 "origin with only the data known then.")
    return lines


def chart_png(path: pd.DataFrame, title: str, lang: Lang, unit_label: str) -> bytes:
    """Weekly actuals, then the forecast with shaded 80% and 95% bands (integer x with month labels: date
    locators and tight_layout cost more than the rest of the answer)."""
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    family = font_family()
    fig = MplFigure(figsize=(7.2, 3.6), dpi=80)
    fig.subplots_adjust(left=0.09, right=0.98, top=0.9, bottom=0.14)
    ax = fig.add_subplot()
    x = np.arange(len(path))
    hist = path["actual"].notna().to_numpy()
    fut = path["forecast"].notna().to_numpy()
    ax.plot(x[hist], path["actual"][hist], color="#4f81bd", linewidth=1.4, label="实际" if lang == "zh" else "Actual")
    ax.fill_between(x[fut], path["lo95"][fut], path["hi95"][fut], color="#f79646", alpha=0.18,
                    label="95% 区间" if lang == "zh" else "95% interval")
    ax.fill_between(x[fut], path["lo80"][fut], path["hi80"][fut], color="#f79646", alpha=0.35,
                    label="80% 区间" if lang == "zh" else "80% interval")
    ax.plot(x[fut], path["forecast"][fut], color="#c0504d", linewidth=1.6, label="预测" if lang == "zh" else "Forecast")
    weeks = pd.DatetimeIndex(path["week"])
    ticks = [i for i in range(len(weeks)) if i == 0 or weeks[i].month != weeks[i - 1].month][::3]
    ax.set_xticks(ticks, [f"{weeks[i]:%Y-%m}" for i in ticks], fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1e4:.0f}万" if lang == "zh" and v >= 1e4
                                               else f"{v:,.0f}"))
    ax.set_title(title, fontfamily=family, fontsize=11)
    ax.set_ylabel(unit_label, fontfamily=family, fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(prop={"family": family, "size": 8}, loc="upper left")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def month_spans(start: date, end: date) -> list[tuple[date, date]]:
    out = []
    cur = start
    while cur <= end:
        nxt = (pd.Timestamp(cur) + pd.offsets.MonthBegin(1)).date()
        out.append((cur, min(end, nxt - timedelta(days=1))))
        cur = nxt
    return out
