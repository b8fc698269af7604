"""Ground tool arguments in the user's own words, not in the LLM's rewording of them.

A 1.5B model sometimes turns "上个月" into "last_year" or 华北 into northwest; when the user's message names a
period, region, channel or metric unambiguously, the user's words win. Follow-ups that name nothing ("and by
channel?") keep what the model carried over from the conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from copilot.context import RequestContext
from copilot.normalize import Period, find_periods, parse_period
from tools.dims import Member, named_in_text

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


def grounded_members(model_value: list[str], ctx: RequestContext, options: list[Member]) -> list[str]:
    """Codes of the members the user named (by name or alias), else the model's choice."""
    named = [m.code for m in named_in_text(options, ctx.text)]
    if named and sorted(named) != sorted(model_value):
        log.info("argument %s replaced by the user's %s trace=%s", model_value, named, ctx.trace_id)
    return named or list(model_value)


def grounded_member(model_value: str | None, ctx: RequestContext, options: list[Member]) -> str | None:
    """The single member the user named, else the model's choice (two named: the model's pick stands)."""
    named = named_in_text(options, ctx.text)
    return named[0].code if len(named) == 1 else model_value


def grounded_choice(model_value: str, ctx: RequestContext, keywords: Mapping[str, tuple[str, ...]],
                    unnamed: str | None = None) -> str:
    """The one choice whose keywords the user used (longest keyword wins: 毛利率 over 毛利).

    Two different choices named in one message (e.g. "销售额和毛利") are ambiguous: the model's pick stands.
    When the user named none, `unnamed` (if given) replaces the model's pick: an option nobody asked for.
    """
    if not ctx.text:  # no user message to ground in (e.g. a direct tool call)
        return model_value
    text = ctx.text.lower()
    hits = sorted(((kw, choice) for choice, kws in keywords.items() for kw in kws if kw.lower() in text),
                  key=lambda hit: -len(hit[0]))
    chosen: list[tuple[str, str]] = []
    for kw, choice in hits:
        if not any(kw.lower() in longer.lower() for longer, _ in chosen):
            chosen.append((kw, choice))
    picked = {choice for _, choice in chosen}
    if len(picked) == 1:
        return picked.pop()
    if not picked and unnamed is not None:
        return unnamed
    return model_value


def _safe_label(value: str, ctx: RequestContext) -> str | None:
    try:
        return parse_period(value.replace("_", " "), ctx.today).label
    except Exception:
        return None
