"""From the model's arguments and the user's own words to a resolved ForecastQuery.

A 1.5B model fills the arguments; the user's words decide where they are unambiguous (kind of question, metric,
period, slice, promotion, discount) and the model only fills the gaps. A bare "Q2" or "6月" asked about a
forecast means the next such period, not the one already behind us. Scope is not checked here: the tool clips
the regions to the asker's scope.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal, cast

from pydantic import Field

from copilot.context import RequestContext
from copilot.errors import ToolInputError
from copilot.normalize import Period, find_periods, parse_period
from copilot.normalize.periods import quarter_period, shifted
from tools.analytics.understand import FOLLOW_UP, words_named
from tools.base import ToolArgs
from tools.dims import Member, named_in_text, resolve_in

log = logging.getLogger(__name__)

Kind = Literal["forecast", "what_if", "bias"]
Metric = Literal["units", "revenue", "gross_margin"]
SLICE_DIMS = ("sku", "category", "region", "channel")
MemberLookup = Callable[[str], list[Member]]


class ForecastArgs(ToolArgs):
    """What the model fills in; every field is checked against the user's words."""

    kind: Kind | None = Field(None, description="forecast (default), what_if (promotion cancelled or changed), "
                                                "bias (past forecast accuracy)")
    metric: Metric | None = None
    period: str | None = Field(None, description="as the user said it: 下个月, Q3, next quarter, 2027年1月")
    sku: str | None = Field(None, description="product code or name, e.g. X200")
    category: str | None = Field(None, description="e.g. 洗发水, body wash")
    region: str | None = Field(None, description="e.g. 华东, South China; omit = the user's regions")
    channel: str | None = Field(None, description="e.g. 电商, KA")
    promotion: str | None = Field(None, description="what_if: promotion to cancel or change, e.g. 618, 双11")
    # An integer: a small model decoding a JSON number under a grammar can run off into "0.000000…" forever.
    discount_pct: int | None = Field(None, description="what_if: discount % instead of the planned one (0-90)")


@dataclass(frozen=True)
class ForecastQuery:
    kind: Kind
    metric: Metric
    start: date
    end: date  # inclusive
    period_label: str
    filters: dict[str, str]  # "sku" / "category" / "channel" -> member code
    regions: tuple[str, ...]  # named regions; empty = every region in the user's scope
    promotion: str | None  # the user's words for the promotion (what_if only)
    discount_pct: float | None  # what_if only; None = the promotion cancelled
    defaults: tuple[str, ...]  # what was assumed, in the user's language


# Bias words come first when several kinds are named ("forecast accuracy"); forecast words only overrule the model.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "bias": ("偏差", "偏高", "偏低", "准不准", "准确", "准确率", "准确度", "误差", "预测得怎么样", "预测得如何",
             "预测的怎么样", "bias", "biased", "accuracy", "accurate", "wape", "mape", "forecast error",
             "over-forecast", "under-forecast", "over-forecasted", "under-forecasted", "over-forecasting",
             "under-forecasting", "overforecast", "underforecast", "how good were", "how good was", "how good are",
             "how were", "how did", "how well", "预测得"),
    "what_if": ("如果", "假如", "假设", "要是", "取消", "不做", "停掉", "不打折", "不搞", "what if", "suppose",
                "supposing", "cancel", "cancelled", "canceled", "without", "drop the promo", "drop the promotion",
                "no promotion", "no promo", "if we", "scrap"),
    "forecast": ("预测", "预计", "能卖多少", "会卖多少", "卖多少", "forecast", "forecasts", "projection", "predict",
                 "prediction", "outlook", "will sell", "how many will"),
}
METRIC_WORDS: dict[str, tuple[str, ...]] = {
    "units": ("销量", "件数", "台数", "数量", "多少件", "多少台", "几件", "几台", "卖多少", "units", "unit",
              "volume", "volumes", "quantity", "qty", "pcs", "how many"),
    "revenue": ("销售额", "收入", "营收", "金额", "营业额", "多少钱", "卖多少钱", "revenue", "revenues",
                "sales amount", "sales value", "gmv", "turnover"),
    "gross_margin": ("毛利", "毛利率", "毛利额", "利润", "margin", "margins", "profit", "profits"),
}
_METRIC_NAMES: dict[str, tuple[str, str]] = {"units": ("销量", "units"), "revenue": ("销售额", "revenue"),
                                             "gross_margin": ("毛利", "gross margin")}
_CANCEL_WORDS = {"cancel": ("取消", "不做", "停掉", "不打折", "不搞", "没有促销", "没有活动", "cancel", "cancelled",
                            "canceled", "without", "drop", "no promotion", "no promo", "no discount", "scrap",
                            "turn off", "switch off")}


def _latin(word: str) -> str:
    return rf"(?<![a-z0-9]){word}(?![a-z0-9])"


# Promotions people name, with the month they fall in (their default quarter when no period is named).
FESTIVALS: tuple[tuple[re.Pattern[str], int], ...] = tuple((re.compile(p, re.IGNORECASE), month) for p, month in (
    (r"(?<![a-z\d.\-])6\.?18(?![\d.%折])|年中大促|mid-year sale", 6),
    (r"双\s*(?:11|十一)|(?<![\d.])11\.11(?![\d.])|double\s*11|singles['’]?\s*day", 11),
    (r"双\s*(?:12|十二)|(?<![\d.])12\.12(?![\d.])|double\s*12", 12),
    (r"(?<![a-z\d.\-])38(?:\s*(?:女神节|妇女节|节|大促|促销)|(?![\d.%折]))|三八|女神节|妇女节|women['’]?s\s*day", 3),
    (r"年货节|春节|新春|" + _latin(r"cny(?:\s+(?:shopping\s+)?fair)?") + r"|chinese new year|spring festival", 1),
    (r"夏日|夏季|" + _latin("summer"), 7),
    (r"国庆|national day|golden week", 10),
    (r"企业采购季|采购季|" + _latin("b2b"), 12),
))
_MINE = re.compile(r"(?<![a-z])my\s+(?:own\s+)?(?:regions?|areas?|territor(?:y|ies))(?![a-z])"
                   r"|我的(?:区域|大区|地区|片区|辖区)|我负责的|我这边|我们区", re.IGNORECASE)
# "打8折", "八五折", "85折" (x/10 of the price); not the "11" of "双11折扣".
_ZHE = re.compile(r"(?:(?<![\d.])(\d(?:\.\d)?|[1-9][1-9])|([一二三四五六七八九]{1,2}))\s*折(?!扣)")
_PCT_OFF = (re.compile(r"(\d+(?:\.\d+)?)\s*%\s*(?:off|discount)", re.IGNORECASE),
            re.compile(r"(?:discount|markdown|price cut|降价|优惠|折扣|让利|减价|打折)\s*(?:of|by|at|to)?\s*"
                       r"(\d+(?:\.\d+)?)\s*%", re.IGNORECASE))
_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")}
# Words that ask for a forecast (query_forecast's triggers): without them, a period that is over asks for actuals.
ASKS_FORECAST = (
    r"预测|预估|预计.{0,12}(?:销量|销售额|卖)|(?:销量|销售额|毛利).{0,6}预计|能卖多少|会卖多少"
    r"|如果.{0,10}(?:取消|不做|不打折)|预测偏差|预测准",
    r"\bforecast(?:s|ed|ing)?\b|\bforcast\b|\bprojections?\b|\boutlook\b|\bwhat if (?:we|the)\b"
    r"|\bhow (?:biased|accurate)\b|\bwill\s+(?:we\s+)?sell\b",
)
_ASKS_FORECAST = re.compile("|".join(ASKS_FORECAST), re.IGNORECASE)


def asks_forecast(text: str) -> bool:
    """The message asks for a forecast (or a what-if, or forecast accuracy), not for what already happened."""
    return bool(_ASKS_FORECAST.search(text))


def names_nothing_forecast(text: str, today: date) -> bool:
    """The message names no kind of forecast question, no metric, no period, no promotion, and is not a follow-up:
    nothing this tool reads ("X200 的保修期是多久" is a product question the model sent here by default)."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    return bool(text) and not (words_named(text, KIND_WORDS) or words_named(text, METRIC_WORDS) or _promotion(text)
                               or FOLLOW_UP.search(text) or _named_period(text, today)[1])


# A year the user wrote: such a period is kept as given even when it is past.
_YEAR_TOKEN = re.compile(r"(?:19|20)\d{2}|今年|明年|去年|前年|后年|本年|上年|(?:this|next|last)\s+year", re.IGNORECASE)


def understand(args: ForecastArgs, ctx: RequestContext, lookup: MemberLookup) -> ForecastQuery:
    """The resolved question; `defaults` says in the user's language what was assumed."""
    text = unicodedata.normalize("NFKC", ctx.text or "").strip()
    notes: list[str] = []
    kind = _kind(args, text)
    metric = _metric(args, text, ctx, notes)
    promotion = discount = None
    if kind == "what_if":
        promotion = _promotion(text) or (args.promotion.strip() if args.promotion else None)
        discount = _discount(args, text)
        said = _promotion(text) or _discount(ForecastArgs.model_validate({}), text) is not None or \
            "what_if" in words_named(text, KIND_WORDS)
        if text and not said:
            kind = "forecast"  # the model's what-if, but the message names no change, promotion or what-if word
    period = _period(kind, args, text, ctx, promotion, notes)
    filters, regions = _slice(args, text, ctx, lookup, notes)
    return ForecastQuery(kind=kind, metric=metric, start=period.start, end=period.end, period_label=period.label,
                         filters=filters, regions=regions, promotion=promotion if kind == "what_if" else None,
                         discount_pct=discount if kind == "what_if" else None, defaults=tuple(notes))


def _note(ctx: RequestContext, zh: str, en: str) -> str:
    return zh if ctx.lang == "zh" else en


def _kind(args: ForecastArgs, text: str) -> Kind:
    said = words_named(text, KIND_WORDS) if text else []
    for kind in ("bias", "what_if", "forecast"):
        if kind in said:
            return cast(Kind, kind)
    return args.kind or "forecast"


def _metric(args: ForecastArgs, text: str, ctx: RequestContext, notes: list[str]) -> Metric:
    named = words_named(text, METRIC_WORDS) if text else []
    if named:
        return cast(Metric, named[0])  # "revenue and margin": the first named
    if args.metric and not text:  # with a message, no metric word means units, not the model's guess
        return args.metric
    notes.append(_note(ctx, "指标：销量", "metric: units"))
    return "units"


def _promotion(text: str) -> str | None:
    """The promotion as the user wrote it ("618", "双11", "Singles' Day"), the earliest named."""
    hits = [m for pattern, _ in FESTIVALS if (m := pattern.search(text))]
    return min(hits, key=lambda m: m.start()).group(0).strip() if hits else None


def _festival_month(promotion: str | None) -> int | None:
    for pattern, month in FESTIVALS:
        if promotion and pattern.search(unicodedata.normalize("NFKC", promotion)):
            return month
    return None


def _discount(args: ForecastArgs, text: str) -> float | None:
    """The discount to apply instead of the planned one; None = the promotion cancelled."""
    pct: float | None = None
    if m := _ZHE.search(text):
        raw = "".join(_CN_DIGITS.get(c, c) for c in m.group(1) or m.group(2))
        tenths = float(raw) / 10 if len(raw) == 2 else float(raw)  # "85折" is 8.5折
        pct = round(100 - tenths * 10, 2)
    elif hit := next((m for p in _PCT_OFF if (m := p.search(text))), None):
        pct = float(hit.group(1))
    elif text and words_named(text, _CANCEL_WORDS):
        return None  # "取消618", "不打折": whatever discount the model wrote, the promotion is off
    else:
        pct = args.discount_pct
    if pct is not None and not 0 <= pct <= 90:
        raise ToolInputError(en=f"A discount of {pct:g}% is outside what I can simulate (0-90%).",
                             zh=f"折扣 {pct:g}% 超出可模拟的范围（0–90%）。")
    return pct


def _period(kind: Kind, args: ForecastArgs, text: str, ctx: RequestContext, promotion: str | None,
            notes: list[str]) -> Period:
    today = ctx.today
    words, period = _named_period(text, today)
    if period is None and args.period and args.period.strip():
        try:
            words = args.period.replace("_", " ")
            period = parse_period(words, today)
        except ToolInputError:
            if not text:
                raise
            log.info("model's period %r unreadable; the user named none, default taken", args.period)
    if period is not None:
        if kind != "bias" and period.end < today and _year_free(words, period, today) and (
                kind == "what_if" or not text or asks_forecast(text)):
            # "Q2 forecast" in November: next year's Q2 ("how did Q2 go?" stays this year's, for analytics)
            period = parse_period(words, date(today.year + 1, 1, 1))
            notes.append(_note(ctx, f"时间：“{words}”按 {period.label} 计算", f"period: '{words}' taken as "
                                                                            f"{period.label}"))
        return period
    if kind == "bias":
        period = shifted("quarter", -1, today)
        notes.append(_note(ctx, f"时间：上一个完整季度（{period.label}）", f"period: last full quarter "
                                                                     f"({period.label})"))
        return period
    month = _festival_month(promotion) if kind == "what_if" else None
    if month is not None:
        year = today.year if month >= today.month else today.year + 1
        period = quarter_period(year, (month - 1) // 3 + 1)
        notes.append(_note(ctx, f"时间：{promotion}所在季度（{period.label}）",
                           f"period: the quarter of {promotion} ({period.label})"))
        return period
    period = shifted("month", 1, today)
    notes.append(_note(ctx, f"时间：下个月（{period.label}）", f"period: next month ({period.label})"))
    return period


def _named_period(text: str, today: date) -> tuple[str, Period | None]:
    """The period the message names; "this year's Q2", "next year Q1" (a year, then a period of it) are one."""
    found = find_periods(text, today) if text else []
    if not found:
        return "", None
    (w1, p1), rest = found[0], found[1:]
    if rest:
        w2, p2 = rest[0]
        for year, (wp, inner) in ((p1, (w2, p2)), (p2, (w1, p1))):
            if year.grain == "year" and inner.grain != "year" and _year_free(wp, inner, today):
                return f"{w1} {w2}", parse_period(wp, year.start)
    return w1, p1


def _year_free(words: str, period: Period, today: date) -> bool:
    """The words name a period of "some year" (Q2, 6月, H1, June): no year written, and the same period
    whether asked in January or December; relative periods (下个月, last quarter) are not year-free."""
    if _YEAR_TOKEN.search(words):
        return False
    try:
        early, late = parse_period(words, date(today.year, 1, 1)), parse_period(words, date(today.year, 12, 31))
    except ToolInputError:
        return False
    return early == late == period


def _slice(args: ForecastArgs, text: str, ctx: RequestContext, lookup: MemberLookup,
           notes: list[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """Member codes: the user's naming wins; a model value counts when the message mentions it."""
    filters: dict[str, str] = {}
    for kind in ("sku", "category", "channel"):
        options = lookup(kind)
        named = named_in_text(options, text) if text else []
        value = getattr(args, kind)
        if named:
            filters[kind] = named[0].code
            if len(named) > 1:
                notes.append(_note(ctx, f"只预测第一个：{named[0].name_zh}", f"only the first one: {named[0].name_en}"))
        elif value and not _names_other_kind(lookup, kind, value) and \
                (member := _from_args(options, kind, value, text)):
            filters[kind] = member.code
    if "sku" in filters:
        filters.pop("category", None)  # a product and its category: the product is the narrower slice
    options = lookup("region")
    named_regions = tuple(m.code for m in named_in_text(options, text)) if text else ()
    if named_regions or _MINE.search(text) or not args.region:
        return filters, named_regions  # "my region": empty, the tool applies the user's scope
    parts = [p for p in re.split(r"\s*(?:[,，、/&;；]|\band\b|和|及)\s*", args.region) if p.strip()]
    found = [m.code for p in parts if (m := _from_args(options, "region", p, text))]
    return filters, tuple(dict.fromkeys(found))


def _names_other_kind(lookup: MemberLookup, kind: str, value: str) -> bool:
    """The model put a name in the wrong field (channel="洗发水"): that field is left empty, not refused."""
    for other in SLICE_DIMS:
        if other == kind:
            continue
        try:
            resolve_in(lookup(other), other, value)
        except ToolInputError:
            continue
        try:
            resolve_in(lookup(kind), kind, value)
        except ToolInputError:
            return True
    return False


def _from_args(options: list[Member], kind: str, value: str, text: str) -> Member | None:
    """The model's name resolved; with a message, kept only if the message mentions it (else the model made it up).
    An unknown name the user did write is refused with the closest names (resolve_in)."""
    if not text:
        return resolve_in(options, kind, value)
    low = text.lower()
    try:
        member = resolve_in(options, kind, value)
    except ToolInputError:
        if _said(value, low):
            raise
        log.info("model's %s %r is not in the message; ignored", kind, value)
        return None
    if any(_said(name, low) for name in (value, *member.names)):
        return member
    log.info("model's %s %r (%s) is not in the message; ignored", kind, value, member.code)
    return None


def _said(name: str, low: str) -> bool:
    word = name.strip().lower()
    if not word:
        return False
    if word.isascii():
        return re.search(_latin(re.escape(word)), low) is not None
    return word in low
