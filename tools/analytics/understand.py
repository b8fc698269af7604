"""From the model's arguments and the user's own words to a resolved Query, inside the user's scope.

A 1.5B model fills the arguments; the user's words decide where they are unambiguous (metric, grouping,
period, comparison, ranking, "top 10"), names are resolved to codes against the warehouse, and a follow-up
("and by channel?", "只看电商") refines the conversation's previous query instead of starting over.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Literal, cast

import cn2an
from dateutil.relativedelta import relativedelta
from pydantic import Field

from copilot.context import RequestContext
from copilot.errors import HandBack, ToolInputError
from copilot.normalize import Period, find_periods, parse_period
from copilot.normalize.periods import custom_period, month_period, year_period
from tools.analytics.query import FILTER_KINDS, Compare, Dim, Query, Sort
from tools.analytics.semantic import DIM_NAMES, DIM_WORDS, METRICS, SOURCES, TIME_GRAINS, TREND_WORDS
from tools.base import ToolArgs
from tools.dims import Member, named_in_text, resolve_in, terms_in_text

log = logging.getLogger(__name__)

MetricName = Literal["revenue", "units", "gross_margin", "gross_margin_pct", "pipeline_amount", "won_amount",
                     "deal_count", "win_rate"]
RegionCode = Literal["east", "south", "north", "central", "southwest", "northwest", "northeast"]


class AnalyticsArgs(ToolArgs):
    """What the model fills in; every field is checked against the user's words and the warehouse."""

    metric: MetricName = "revenue"
    period: str | None = Field(None, max_length=60, description="period as the user said it: 上个月, Q3, 今年以来, "
                                                                "last quarter, since January")
    by: list[Dim] | None = Field(None, max_length=2, description="grouping: region, channel, category, sku, "
                                                                 "customer, rep, or a time grain week/month/...")
    regions: list[RegionCode] | None = Field(None, max_length=7, description="omit = all regions in scope")
    channel: str | None = Field(None, max_length=40, description="e-commerce, KA, distributor, convenience")
    category: str | None = Field(None, max_length=40, description="product category, e.g. 洗发水, body wash")
    sku: str | None = Field(None, max_length=40)
    customer: str | None = Field(None, max_length=60)
    rep: str | None = Field(None, max_length=60, description="sales rep who owns the opportunities")
    compare: Compare | None = Field(None, description="previous_period (环比) or last_year (同比)")
    sort: Sort | None = None
    limit: int | None = Field(None, ge=1, le=100)
    show_query: bool = Field(False, description="the user asked to see the query")


COMPARE_WORDS: dict[str, tuple[str, ...]] = {
    "last_year": ("同比", "去年同期", "前年同期", "同期", "与去年相比", "和去年比", "比去年", "较去年", "yoy",
                  "year over year", "year-over-year", "year on year", "year-on-year", "vs last year",
                  "versus last year", "compared to last year", "compared with last year", "same period last year",
                  "than last year"),
    "previous_period": ("环比", "比上月", "较上月", "比上个月", "和上个月比", "与上月相比", "比上季度", "较上季度",
                        "上一期", "前一个月", "mom", "qoq", "wow", "month over month", "month-over-month",
                        "quarter over quarter", "quarter-over-quarter", "week over week", "the month before",
                        "the quarter before", "the week before", "previous month", "prior month",
                        "previous period", "prior period", "vs previous", "previous quarter", "prior quarter"),
}
# Ranking words, most specific first: "降幅最大" (a rate) before "下降最多" (an amount).
_W = r"(?:[\w%-]+\s+){0,3}"  # up to three words between: "biggest revenue drop", "biggest YoY growth"
SORT_PATTERNS: tuple[tuple[Sort, str], ...] = (
    ("change_pct_asc", r"(?:增长率|增速|增幅|增长|growth(?:\s+rate)?)\s*(?:最低|最慢|最小|最差)|slowest|lowest\s+growth"
                       r"|weakest\s+growth|"
                       rf"(?:steepest|sharpest)\s+{_W}(?:drop|decline|fall)|biggest\s+percentage\s+(?:drop|decline)"
                       r"|(?:降幅|跌幅|下降幅度|下滑幅度|下降比例)最大"),
    ("change_asc", rf"(?:biggest|largest|greatest|most)\s+{_W}(?:drop|decline|fall|decrease|loss)"
                   r"|(?:dropped|declined|fell|decreased|shrank|lost)\s+(?:the\s+)?most"
                   r"|(?:下降|下滑|下跌|减少|跌|降|掉)得?最(?:多|狠|大|厉害|严重|凶)"),
    ("change_pct_desc", rf"fastest[- ]grow|(?:by|highest|top|biggest|best)\s+{_W}growth|growth\s+rate|grew\s+fastest"
                        r"|(?:增长|增速)最快|增幅最大|涨幅最大|增长率|增速|按增长"),
    ("change_desc", rf"(?:biggest|largest|greatest|by)\s+{_W}(?:increase|gain|rise)"
                    r"|(?:grew|increased|rose|gained)\s+(?:the\s+)?most|(?:增长|增加|上涨|涨)得?最多|增量最大"),
    ("value_asc", r"lowest|bottom|least|worst|smallest|weakest|最低|最少|最差|倒数|垫底"),
)


# "最好的品类", "best-selling channel", "which customer bought most": a ranking over the noun that follows.
_RANK = re.compile(r"最好|最高|最多|最大|卖得最|best|highest|most|largest|biggest|leading", re.IGNORECASE)


def sort_named(text: str) -> Sort | None:
    """The ranking the user asked for ("dropped most" -> change_asc), or None."""
    for sort, pattern in SORT_PATTERNS:
        if re.search(pattern, text, re.IGNORECASE):
            return sort
    return None


_SHOW_QUERY = re.compile(r"\bsql\b|query (?:used|you ran)|show (?:me )?the query|how (?:was|is) (?:this|that|it) "
                         r"(?:computed|calculated)|查询语句|怎么算的|如何计算|计算口径", re.IGNORECASE)
_TOP_N = re.compile(r"(?:top|bottom|best|worst|first|前|后|倒数)\s*(\d{1,3}|[一二两三四五六七八九十]{1,3})"
                    r"|最\S{0,6}?的\s*(\d{1,3}|[一二两三四五六七八九十]{1,3})\s*(?:个|名|款|家|位)"
                    r"|(\d{1,3}|[一二两三四五六七八九十]{1,3})\s*(?:个|名|款|家|位)?(?:最|表现最)", re.IGNORECASE)
# A message that starts or ends like a follow-up refines the previous question (also the agent's follow-up triggers).
FOLLOW_UP_PATTERNS = (
    r"^\s*(?:and|what about|how about|only|just|now|then|same|instead|that|those)\b",
    r"^\s*(?:那|那么|再|只看|仅看|只要|换成|改成|改为|按|分|看看)|呢\s*[?？]?\s*$",
)
FOLLOW_UP = re.compile("|".join(FOLLOW_UP_PATTERNS), re.IGNORECASE)
# A grouping the model chose is kept when the user's message at least mentions its noun.
_DIM_NOUNS: dict[str, tuple[str, ...]] = {
    "region": ("区域", "地区", "大区", "region"), "channel": ("渠道", "channel"), "category": ("品类", "category"),
    "sku": ("产品", "单品", "sku", "product"), "customer": ("客户", "customer", "account"),
    "rep": ("销售员", "销售代表", "个销售", "位销售", "名销售", "rep", "salesperson", "seller"),
    "week": ("周", "week"), "month": ("月", "month"),
    "quarter": ("季度", "quarter"), "day": ("每天", "daily"), "year": ("每年", "yearly", "annual"),
}


def words_named(text: str, table: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The choices whose words occur in `text`, longest word first without overlaps, in order of appearance."""
    return terms_in_text(((w, c) for c, ws in table.items() for w in ws), text)


MemberLookup = Callable[[str], list[Member]]

# English words of the semantic layer, for typo repair: "pipline" -> "pipeline", "regoins" -> "regions".
_VOCABULARY = sorted({w for ws in (*(m.words for m in METRICS.values()), *DIM_WORDS.values(), TREND_WORDS)
                      for phrase in ws if phrase.isascii() for w in re.findall(r"[a-z]+", phrase.lower())
                      if len(w) >= 5})


def fix_typos(text: str) -> str:
    """English words of five letters or more that are one slip away from a metric or grouping word, repaired."""
    def repair(m: re.Match[str]) -> str:
        word = m.group(0)
        if word.lower() in _VOCABULARY:
            return word
        close = difflib.get_close_matches(word.lower(), _VOCABULARY, n=1, cutoff=0.85)
        return close[0] if close else word
    return re.sub(r"[A-Za-z]{5,}", repair, text)


def wants_query(text: str) -> bool:
    """The user asked to see the SQL ("show the query", "查询语句")."""
    return bool(_SHOW_QUERY.search(text or ""))


def understand(args: AnalyticsArgs, ctx: RequestContext, lookup: MemberLookup,
               previous: Query | None) -> tuple[Query, list[str]]:
    """The resolved query and notes for the user (defaults taken, periods clipped)."""
    if not (ctx.text or "").strip():
        return from_args(args, ctx, lookup)
    fixed = fix_typos(ctx.text)
    if fixed != ctx.text:
        ctx = ctx.model_copy(update={"text": fixed})
    text = ctx.text
    metrics = words_named(text, {m.name: m.words for m in METRICS.values()})
    periods = find_periods(text, ctx.today) if text else []
    if not periods and (bare := _BARE_YEAR.search(text)):
        # In a question about figures a lone year is the year: "break down 2025 GM% by channel".
        periods = [(bare.group(1), year_period(int(bare.group(1))))]
    marker = bool(FOLLOW_UP.search(text))
    follow_up = previous is not None and (marker or (not metrics and not periods))
    notes: list[str] = []
    if follow_up:
        assert previous is not None
        return _refine(previous, ctx, lookup, periods, metrics), notes
    # The user's metric word decides; two named: the model's pick among them; none named: revenue (the model's
    # guess for "how did we do" is no better than the default, and a wrong metric is a wrong answer).
    metric = metrics[0] if len(metrics) == 1 else args.metric if args.metric in metrics else "revenue"
    source = SOURCES[METRICS[metric].source]
    by: list[Dim] = _dims(args, text, source.dims)
    if not (metrics or by or periods or _members_named(text, lookup, source.dims)):
        raise HandBack(detail=f"no metric, grouping, period or member in {len(text)} chars")
    series = any(d in TIME_GRAINS for d in by)
    period = _span(periods, series) if periods else _period(args, ctx, [], metric, notes)
    filters, regions = _filters(args, ctx, lookup, source.dims)
    if not _user_grouped(text, source.dims):
        # A grouping the model added over a single value ("电商渠道的销售额", "my region") adds nothing.
        by = [d for d in by if d not in filters and not (d == "region" and len(regions) == 1)]
        series = any(d in TIME_GRAINS for d in by)
    if "rep" in source.dims and "rep" not in filters and _MINE.search(text) and ctx.user.department == "sales":
        filters["rep"] = ctx.user.user_id  # "my pipeline", "我的商机": the asker's own opportunities
    compare, sort = _compare_and_sort(args, text, by, period, default_compare="previous_period" if not by else "none")
    if len(periods) == 2 and not series:
        # "H1 2026 versus H1 2025", "10月和9月比": the first period is asked about, the second is the comparison;
        # "跟去年10月比，上个月…" names the comparison first.
        (first_text, first), (_, second) = periods
        if _VERSUS_BEFORE.search(text[:text.find(first_text)]):
            first, second = second, first
        period = first
        if second.end < first.start and not words_named(text, COMPARE_WORDS):
            compare = "last_year" if second.start == first.start - relativedelta(years=1) else "previous_period"
    return Query(metric=metric, by=tuple(by), regions=tuple(regions), filters=filters, start=period.start,
                 end=period.end, period_label=period.label, grain=period.grain, compare=compare, sort=sort,
                 limit=_limit(text, by)), notes


def from_args(args: AnalyticsArgs, ctx: RequestContext, lookup: MemberLookup) -> tuple[Query, list[str]]:
    """A direct call with no user message (API, tests): the arguments are the whole question."""
    notes: list[str] = []
    source = SOURCES[METRICS[args.metric].source]
    by = list(dict.fromkeys(args.by or []))
    unknown = [d for d in by if d not in source.dims and d not in TIME_GRAINS]
    if unknown:
        raise ToolInputError(en=f"{METRICS[args.metric].en} cannot be grouped by {', '.join(unknown)}.",
                             zh=f"{METRICS[args.metric].zh}不能按{'、'.join(DIM_NAMES[d][1] for d in unknown)}分组。")
    period = _period(args, ctx, [], args.metric, notes)
    regions = lookup("region")
    scoped = ctx.scoped_regions(list(args.regions or []), [m.code for m in regions], _labels(regions))
    filters = {}
    for kind in FILTER_KINDS:
        value = getattr(args, kind)
        if value and kind not in source.dims:
            raise ToolInputError(en=f"{METRICS[args.metric].en} has no {DIM_NAMES[kind][0]}.",
                                 zh=f"{METRICS[args.metric].zh}没有“{DIM_NAMES[kind][1]}”维度。")
        if value:
            filters[kind] = resolve_in(lookup(kind), kind, value).code
    default_sort: Sort = "key_asc" if any(d in TIME_GRAINS for d in by) else "value_desc"
    return Query(metric=args.metric, by=tuple(by), regions=tuple(scoped), filters=filters, start=period.start,
                 end=period.end, period_label=period.label, grain=period.grain, compare=args.compare or "none",
                 sort=args.sort or default_sort, limit=args.limit or _limit("", by)), notes


def _refine(previous: Query, ctx: RequestContext, lookup: MemberLookup, periods: list[tuple[str, Period]],
            metrics: list[str]) -> Query:
    """The previous query with what this message names changed: metric, grouping, filters, regions, period,
    ranking. Switching to a metric of another source drops the groupings and filters that source lacks."""
    text = ctx.text
    update: dict[str, object] = {}
    if len(metrics) == 1 and metrics[0] != previous.metric:
        update["metric"] = metrics[0]
        source = SOURCES[METRICS[metrics[0]].source]
        update["by"] = tuple(d for d in previous.by if d in source.dims or d in TIME_GRAINS)
        update["filters"] = {k: v for k, v in previous.filters.items() if k in source.dims}
    else:
        source = previous.source
    by = [d for d in words_named(text, DIM_WORDS) if d in source.dims or d in TIME_GRAINS][:2]
    if by:
        update["by"] = tuple(by)  # validated by Query
        update["limit"] = _limit(text, by)
        if previous.sort == "key_asc" or any(d in TIME_GRAINS for d in by):
            update["sort"] = "key_asc" if any(d in TIME_GRAINS for d in by) else "value_desc"
    if periods:
        period = _span(periods, bool(by))
        update.update(start=period.start, end=period.end, period_label=period.label, grain=period.grain)
    named_regions = [m.code for m in named_in_text(lookup("region"), text)]
    if named_regions:
        update["regions"] = tuple(ctx.scoped_regions(named_regions, [m.code for m in lookup("region")],
                                                     _labels(lookup("region"))))
    filters = dict(update.get("filters", previous.filters))  # type: ignore[call-overload]
    for kind in FILTER_KINDS:
        if kind in source.dims:
            named = named_in_text(lookup(kind), text)
            if len(named) == 1:
                filters[kind] = named[0].code
    update["filters"] = filters
    compare = words_named(text, COMPARE_WORDS)
    if compare:
        update["compare"] = compare[0]
    named_sort = sort_named(text)
    if named_sort:
        update["sort"] = named_sort
        if previous.compare == "none" and "compare" not in update:
            update["compare"] = "previous_period"
    log.info("follow-up refines the previous query with %s trace=%s", sorted(update), ctx.trace_id)
    return Query.model_validate({**previous.model_dump(), **update})


def _user_grouped(text: str, allowed: Mapping[str, object]) -> bool:
    return any(d in allowed or d in TIME_GRAINS for d in words_named(text, DIM_WORDS))


def _dims(args: AnalyticsArgs, text: str, allowed: Mapping[str, object]) -> list[Dim]:
    named = [cast(Dim, d) for d in words_named(text, DIM_WORDS) if d in allowed or d in TIME_GRAINS]
    low = text.lower()
    if named:
        # "by region and channel", "各区域和渠道": a second grouping joined to the first by its bare noun.
        for dim, nouns in _DIM_NOUNS.items():
            if dim not in named and (dim in allowed or dim in TIME_GRAINS) and any(
                    re.search(rf"(?:and|&|x|×|和|及|与|、|/)\s*(?:by\s+|各|分)?{re.escape(n)}", low) for n in nouns):
                named.append(cast(Dim, dim))
    if not any(d in TIME_GRAINS for d in named) and any(w in low for w in TREND_WORDS):
        named.append("month")
    if not named and (_TOP_N.search(text) or sort_named(text) or _RANK.search(text)):
        # "前5个产品", "top 3 customers", "增长最快的品类": the ranked noun is the grouping.
        named = [cast(Dim, d) for d in allowed if any(n in low for n in _DIM_NOUNS.get(d, ()))][:1]
    if named:
        # Two time grains ("每月趋势" + "weekly") are one: the finer named one.
        grains: list[Dim] = [d for d in named if d in TIME_GRAINS]
        named = [d for d in named if d not in TIME_GRAINS] + grains[-1:]
        return named[:2]
    kept = [d for d in (args.by or []) if (d in allowed or d in TIME_GRAINS)
            and any(n in low for n in _DIM_NOUNS.get(d, ()))]
    if kept != list(args.by or []):
        log.info("grouping %s not named by the user; kept %s", args.by, kept)
    return list(dict.fromkeys(kept))[:2]


def _span(periods: list[tuple[str, Period]], series: bool) -> Period:
    """The period named; for a time series over several ("quarterly over 2024 and 2025"), all of them."""
    if series and len(periods) > 1:
        return custom_period(min(p.start for _, p in periods), max(p.end for _, p in periods))
    return periods[0][1]


_VERSUS_BEFORE = re.compile(r"(?:跟|和|与|同|较|比|compared\s+(?:to|with)|vs\.?|versus|against)\s*$", re.IGNORECASE)
_BARE_YEAR = re.compile(r"(?<![\d.\-/])(20\d{2})(?![\d.\-/]|\s*(?:件|个|台|元|块|箱|万|units?\b|pcs\b|pieces\b))",
                        re.IGNORECASE)
_MINE = re.compile(r"(?<![a-z])my(?![a-z])|我的|我这边|我自己|本人", re.IGNORECASE)


def _period(args: AnalyticsArgs, ctx: RequestContext, periods: list[tuple[str, Period]], metric: str,
            notes: list[str]) -> Period:
    if periods:
        return periods[0][1]
    if args.period and args.period.strip():
        return parse_period(args.period.replace("_", " "), ctx.today)
    # No period named: the last complete month for sales, this year for the pipeline.
    if METRICS[metric].source == "pipeline":
        period = year_period(ctx.today.year)
    else:
        last = ctx.today.replace(day=1) - timedelta(days=1)
        period = month_period(last.year, last.month)
    notes.append(f"period:{period.label}")
    return period


def _members_named(text: str, lookup: MemberLookup, dims: Mapping[str, object]) -> bool:
    return any(named_in_text(lookup(kind), text) for kind in ("region", "channel", "category", "sku") if kind in dims)


def _labels(options: list[Member]) -> dict[str, tuple[str, str]]:
    return {m.code: (m.name_zh, m.name_en) for m in options}


def _filters(args: AnalyticsArgs, ctx: RequestContext, lookup: MemberLookup,
             dims: Mapping[str, object]) -> tuple[dict[str, str], list[str]]:
    """Member filters as codes (the user's naming wins; a model value must be in the message) and the regions,
    clipped to the user's scope (asking outside it is refused)."""
    text = ctx.text or ""
    regions = lookup("region")
    named_regions = [m.code for m in named_in_text(regions, text)]
    asked = named_regions or [r for r in (args.regions or []) if _mentioned(r, regions, text)]
    scoped = ctx.scoped_regions(asked, [m.code for m in regions], _labels(regions))
    filters: dict[str, str] = {}
    for kind in FILTER_KINDS:
        options = lookup(kind) if kind in dims else []
        named = named_in_text(options, text)
        value = getattr(args, kind)
        if len(named) == 1:
            filters[kind] = named[0].code
        elif value and kind in dims and value.lower() in text.lower():
            filters[kind] = resolve_in(options, kind, value).code  # unknown: refused with the closest names
        elif value and kind not in dims and value.lower() in text.lower():
            raise ToolInputError(en=f"{DIM_NAMES[kind][0].capitalize()} is not recorded for this figure.",
                                 zh=f"该指标没有“{DIM_NAMES[kind][1]}”维度。")
    return filters, scoped


def _mentioned(code: str, options: list[Member], text: str) -> bool:
    """The model's pick is named in the message, exactly or with a slip ("Soth China", "Centrl China")."""
    member = next((m for m in options if m.code == code), None)
    if member is None:
        return False
    low = text.lower()
    if any(n.lower() in low for n in member.names if n):
        return True
    words = {w for n in member.names for w in re.findall(r"[a-z]{4,}", n.lower())} - {"china"}
    return any(difflib.get_close_matches(token, words, n=1, cutoff=0.75) for token in re.findall(r"[a-z]{3,}", low))


def _compare_and_sort(args: AnalyticsArgs, text: str, by: Sequence[str], period: Period,
                      default_compare: Compare) -> tuple[Compare, Sort]:
    compares = words_named(text, COMPARE_WORDS)
    sort: Sort = sort_named(text) or ("key_asc" if any(d in TIME_GRAINS for d in by) else "value_desc")
    if compares:
        compare = cast(Compare, compares[0])
    elif sort.startswith("change"):
        # Growth "this year" / "今年以来" is against last year; growth of a month or quarter, against the one before.
        year_to_date = period.grain == "custom" and (period.start.month, period.start.day) == (1, 1)
        compare = "last_year" if period.grain == "year" or year_to_date else "previous_period"
    else:
        compare = default_compare
    return compare, sort


def _limit(text: str, by: Sequence[str]) -> int | None:
    m = _TOP_N.search(text)
    if m:
        raw = next(g for g in m.groups() if g)
        n = int(raw) if raw.isdigit() else int(cn2an.cn2an(raw.replace("两", "二"), "smart"))
        if 1 <= n <= 100:
            return n
    return None  # every group (the reply shows the first rows; the chart and data carry the rest)


