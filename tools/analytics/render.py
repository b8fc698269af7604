"""An analytics result in the user's language: a one-line finding, the top rows as a table, notes, the query."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from copilot import fmt
from tools.analytics.query import Query, Windows
from tools.analytics.semantic import DIM_NAMES, Metric

Lang = Literal["zh", "en"]
TABLE_ROWS = 12
NameOf = Callable[[str, str], str]  # (dimension, code) -> display name


def value_text(metric: Metric, value: float | None, lang: Lang) -> str:
    if value is None:
        return "—"
    if metric.unit == "money":
        return fmt.money(value, lang)
    if metric.unit == "count":
        return fmt.count(value, lang)
    return fmt.pct(value)


def change_text(metric: Metric, row: dict[str, Any], lang: Lang) -> str:
    """'+¥1.2万 (+3.4%)', or '+1.5 pts' for a ratio metric (its change is in percentage points)."""
    change = row.get("change")
    if change is None:
        return "—"
    if metric.unit == "ratio":
        return f"{change * 100:+.1f} " + ("个百分点" if lang == "zh" else "pts")
    absolute = value_text(metric, change, lang)
    absolute = absolute if absolute.startswith("-") else "+" + absolute
    pct = row.get("change_pct")
    return absolute + (f" ({fmt.pct(pct, signed=True)})" if pct is not None else "")


def row_label(query: Query, row: dict[str, Any], name_of: NameOf) -> str:
    return " · ".join(name_of(dim, code) for dim, code in row["key"].items())


def compare_word(query: Query, lang: Lang) -> str:
    if query.compare == "last_year":
        return "同比" if lang == "zh" else "vs last year"
    return "环比" if lang == "zh" else "vs previous period"


def headline(query: Query, rows: list[dict[str, Any]], total: dict[str, Any], name_of: NameOf, scope: str,
             lang: Lang) -> str:
    """The sentence a manager reads first: the total, or who leads / dropped most / grew fastest."""
    metric = query.metric_def
    period = f"{query.period_label}"
    what = metric.name_in(lang)
    sep = "：" if lang == "zh" else ": "
    lead = f"{scope} · {period} {what}{sep}{value_text(metric, total['value'], lang)}"
    if query.compare != "none" and total.get("previous") is not None:
        lead += (f"（{compare_word(query, lang)} {change_text(metric, total, lang)}）" if lang == "zh"
                 else f" ({change_text(metric, total, lang)} {compare_word(query, lang)})")
    if not query.by or not rows:
        return lead
    top = rows[0]
    label = row_label(query, top, name_of)
    if query.time_dim and query.sort == "key_asc":
        valued = [r for r in rows if r["value"] is not None]
        if not valued:
            return lead
        hi = max(valued, key=lambda r: r["value"])
        lo = min(valued, key=lambda r: r["value"])
        if lang == "zh":
            return (f"{lead}\n最高：{row_label(query, hi, name_of)} {value_text(metric, hi['value'], lang)}；"
                    f"最低：{row_label(query, lo, name_of)} {value_text(metric, lo['value'], lang)}")
        return (f"{lead}\nHighest: {row_label(query, hi, name_of)} {value_text(metric, hi['value'], lang)}; "
                f"lowest: {row_label(query, lo, name_of)} {value_text(metric, lo['value'], lang)}")
    verdict = {
        "value_desc": ("最高", "Highest"), "value_asc": ("最低", "Lowest"),
        "change_asc": ("下降最多", "Biggest drop"), "change_pct_asc": ("降幅最大", "Steepest decline"),
        "change_desc": ("增长最多", "Biggest increase"), "change_pct_desc": ("增长最快", "Fastest growth"),
    }.get(query.sort, ("第一", "First"))
    shown = value_text(metric, top["value"], lang)
    if query.sort.startswith("change"):
        shown = (f"{change_text(metric, top, lang)}（{value_text(metric, top['previous'], lang)} → {shown}）"
                 if lang == "zh" else f"{change_text(metric, top, lang)} ({value_text(metric, top['previous'], lang)}"
                                      f" → {shown})")
    elif metric.additive and total["value"] and top["value"] is not None and query.sort == "value_desc":
        share = fmt.pct(top["value"] / total["value"])
        shown += f"（占 {share}）" if lang == "zh" else f" ({share} of total)"
    return f"{lead}\n{verdict[0] if lang == 'zh' else verdict[1]}{sep}{label} {shown}"


def table(query: Query, rows: list[dict[str, Any]], name_of: NameOf, lang: Lang) -> list[str]:
    """A Markdown table of the first rows (time series: the latest rows)."""
    if not query.by or not rows:
        return []
    metric = query.metric_def
    shown = rows[-TABLE_ROWS:] if query.time_dim and query.sort == "key_asc" else rows[:TABLE_ROWS]
    heads = [DIM_NAMES[d][1 if lang == "zh" else 0] for d in query.by] + [metric.name_in(lang)]
    if query.compare != "none":
        heads += ["上期" if lang == "zh" else "previous", "变化" if lang == "zh" else "change"]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for row in shown:
        cells = [name_of(d, row["key"][d]) for d in query.by] + [value_text(metric, row["value"], lang)]
        if query.compare != "none":
            cells += [value_text(metric, row["previous"], lang), change_text(metric, row, lang)]
        lines.append("| " + " | ".join(cells) + " |")
    if len(rows) > len(shown):
        more = len(rows) - len(shown)
        lines.append(f"（另有 {more} 行，见图表）" if lang == "zh" else f"({more} more rows in the chart)")
    return lines


def notes(query: Query, win: Windows, defaults: list[str], data_end: Any, lang: Lang) -> list[str]:
    out = []
    for note in defaults:
        if note.startswith("period:"):
            label = note.split(":", 1)[1]
            out.append(f"未指定时间，按 {label} 统计。" if lang == "zh" else f"No period given: showing {label}.")
    if win.end < query.end and data_end is not None:
        out.append(f"数据截至 {data_end}，统计到该日为止。" if lang == "zh" else f"Data runs to {data_end}; figures "
                                                                        f"stop there.")
    if win.prev_start and win.prev_end:
        out.append(f"对比期间：{win.prev_start} 至 {win.prev_end}。" if lang == "zh"
                   else f"Compared with {win.prev_start} to {win.prev_end}.")
    return out


def previous_word(query: Query, lang: Lang) -> str:
    if query.compare == "last_year":
        return "去年同期" if lang == "zh" else "last year"
    return "上期" if lang == "zh" else "previous period"


def chart_title(query: Query, scope: str, lang: Lang) -> str:
    dims = "、".join(DIM_NAMES[d][1] for d in query.by) if lang == "zh" else \
        ", ".join(DIM_NAMES[d][0] for d in query.by)
    by = f"按{dims}" if lang == "zh" else f"by {dims}"
    return f"{scope} · {query.period_label} · {query.metric_def.name_in(lang)} {by}"

