"""Ground tool arguments in the user's own words, not in the LLM's rewording of them.

A 1.5B model sometimes turns "上个月" into "last_year"; when the user's message names exactly one period, that
period wins. Follow-ups without a period ("and by channel?") fall back to what the model carried over.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from copilot.context import RequestContext
from copilot.normalize import Period, find_periods, parse_period

log = logging.getLogger(__name__)


def grounded_period(model_value: str, ctx: RequestContext) -> Period:
    """The period the user named, else the model's argument parsed in code."""
    named = {p.label: p for _, p in find_periods(ctx.text, ctx.today)} if ctx.text else {}
    if len(named) == 1:
        period = next(iter(named.values()))
        if model_value.strip() and _safe_label(model_value, ctx) != period.label:
            log.info("period argument %r replaced by the user's %s trace=%s", model_value, period.label, ctx.trace_id)
        return period
    return parse_period(model_value.replace("_", " "), ctx.today)


def grounded_regions(model_value: list[str], ctx: RequestContext, names: Mapping[str, tuple[str, str]]) -> list[str]:
    """Regions named in the user's message (Chinese or English name), else the model's choice.

    `names` maps region code -> (Chinese name, English name), e.g. "north" -> ("华北", "North China").
    """
    text = ctx.text.lower()
    named = [code for code, (zh, en) in names.items() if zh in ctx.text or en.lower() in text]
    if named and sorted(named) != sorted(model_value):
        log.info("regions argument %s replaced by the user's %s trace=%s", model_value, named, ctx.trace_id)
    return named or list(model_value)


def grounded_choice(model_value: str, ctx: RequestContext, keywords: Mapping[str, tuple[str, ...]]) -> str:
    """The one choice whose keywords the user used (longest keyword wins: 毛利率 over 毛利), else the model's.

    Two different choices named in one message (e.g. "销售额和毛利") are ambiguous: the model's pick stands.
    """
    text = ctx.text.lower()
    hits = sorted(((kw, choice) for choice, kws in keywords.items() for kw in kws if kw.lower() in text),
                  key=lambda hit: -len(hit[0]))
    chosen: list[tuple[str, str]] = []
    for kw, choice in hits:
        if not any(kw.lower() in longer.lower() for longer, _ in chosen):
            chosen.append((kw, choice))
    picked = {choice for _, choice in chosen}
    return picked.pop() if len(picked) == 1 else model_value


def _safe_label(value: str, ctx: RequestContext) -> str | None:
    try:
        return parse_period(value.replace("_", " "), ctx.today).label
    except Exception:
        return None
