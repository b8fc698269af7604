"""Reporting periods ("上个月", "Q3 2025", "last 30 days") turned into inclusive date ranges.

The LLM passes the user's own words; the dates come from here, relative to an explicit ``today``.
Bare "Q3", "3月", "March" or "H1" mean that period of ``today.year``; weeks are ISO weeks (Mon..Sun).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Literal

import dateparser
from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, model_validator

from copilot.errors import ToolInputError

from ._common import NUM, clean, fail, quote, to_decimal

Grain = Literal["day", "week", "month", "quarter", "year", "custom"]
Shift = tuple[Grain, int]


class Period(BaseModel):
    """Inclusive date range, its grain and label ("2026-Q3", "2026-W48", "2026-01-01..2026-11-23")."""

    model_config = ConfigDict(frozen=True)

    start: date
    end: date
    grain: Grain
    label: str

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.start > self.end:
            raise ValueError(f"period starts after it ends: {self.start} > {self.end}")
        return self


# -- builders -------------------------------------------------------------------------------------------

def day_period(d: date) -> Period:
    return Period(start=d, end=d, grain="day", label=d.isoformat())


def week_period(d: date) -> Period:
    """The ISO week (Monday..Sunday) that contains ``d``."""
    monday = d - timedelta(days=d.weekday())
    iso_year, week, _ = monday.isocalendar()
    return Period(start=monday, end=monday + timedelta(days=6), grain="week", label=f"{iso_year}-W{week:02d}")


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    return Period(start=start, end=start + relativedelta(months=1, days=-1), grain="month",
                  label=f"{year}-{month:02d}")


def quarter_period(year: int, quarter: int) -> Period:
    start = date(year, 3 * quarter - 2, 1)
    return Period(start=start, end=start + relativedelta(months=3, days=-1), grain="quarter",
                  label=f"{year}-Q{quarter}")


def year_period(year: int) -> Period:
    return Period(start=date(year, 1, 1), end=date(year, 12, 31), grain="year", label=str(year))


def half_period(year: int, half: int) -> Period:
    """H1/H2: there is no "half" grain, so grain "custom" with the label "2026-H1"."""
    start = date(year, 6 * half - 5, 1)
    return Period(start=start, end=start + relativedelta(months=6, days=-1), grain="custom",
                  label=f"{year}-H{half}")


def custom_period(start: date, end: date) -> Period:
    return Period(start=start, end=end, grain="custom", label=f"{start.isoformat()}..{end.isoformat()}")


def shifted(grain: Grain, offset: int, today: date) -> Period:
    """The calendar period of ``grain`` that is ``offset`` steps from the one containing today."""
    if grain == "day":
        return day_period(today + timedelta(days=offset))
    if grain == "week":
        return week_period(today + timedelta(weeks=offset))
    if grain == "month":
        d = today + relativedelta(months=offset)
        return month_period(d.year, d.month)
    if grain == "quarter":
        d = today + relativedelta(months=3 * offset)
        return quarter_period(d.year, (d.month - 1) // 3 + 1)
    return year_period(today.year + offset)


# -- tables ---------------------------------------------------------------------------------------------

_RELATIVE: dict[str, Shift] = {
    "今天": ("day", 0), "今日": ("day", 0), "昨天": ("day", -1), "昨日": ("day", -1), "前天": ("day", -2),
    "明天": ("day", 1), "today": ("day", 0), "yesterday": ("day", -1), "tomorrow": ("day", 1),
    "本周": ("week", 0), "这周": ("week", 0), "本星期": ("week", 0), "这个星期": ("week", 0),
    "上周": ("week", -1), "上星期": ("week", -1), "上个星期": ("week", -1), "上上周": ("week", -2),
    "下周": ("week", 1), "下星期": ("week", 1), "下个星期": ("week", 1),
    "本月": ("month", 0), "这个月": ("month", 0), "当月": ("month", 0), "上个月": ("month", -1),
    "上月": ("month", -1), "上上个月": ("month", -2), "下个月": ("month", 1), "下月": ("month", 1),
    "本季度": ("quarter", 0), "本季": ("quarter", 0), "这个季度": ("quarter", 0), "当季": ("quarter", 0),
    "上季度": ("quarter", -1), "上个季度": ("quarter", -1), "上季": ("quarter", -1),
    "下季度": ("quarter", 1), "下个季度": ("quarter", 1), "下季": ("quarter", 1),
    "今年": ("year", 0), "本年": ("year", 0), "本年度": ("year", 0), "去年": ("year", -1),
    "上年": ("year", -1), "前年": ("year", -2), "明年": ("year", 1),
}
_EN_OFFSET = {"this": 0, "current": 0, "last": -1, "previous": -1, "prior": -1, "next": 1}
_EN_RELATIVE = re.compile(r"(?:the )?(this|current|last|previous|prior|next) (week|month|quarter|year)")
# Period-to-date: from the start of the current period up to and including today.
_TO_DATE: dict[str, Grain] = {
    "ytd": "year", "year to date": "year", "year-to-date": "year",
    "今年以来": "year", "年初至今": "year", "今年至今": "year", "本年至今": "year",
    "mtd": "month", "month to date": "month", "month-to-date": "month",
    "本月至今": "month", "月初至今": "month", "本月以来": "month",
    "qtd": "quarter", "quarter to date": "quarter", "本季度至今": "quarter", "季初至今": "quarter",
    "本季度以来": "quarter",
}
# Rolling windows ending today: "last 30 days", "past 3 months", "最近30天", "近三个月", "过去两周".
_ROLLING_UNITS: dict[str, relativedelta] = {
    "day": relativedelta(days=1), "天": relativedelta(days=1), "日": relativedelta(days=1),
    "week": relativedelta(weeks=1), "周": relativedelta(weeks=1), "星期": relativedelta(weeks=1),
    "礼拜": relativedelta(weeks=1), "month": relativedelta(months=1), "个月": relativedelta(months=1),
    "quarter": relativedelta(months=3), "季度": relativedelta(months=3), "个季度": relativedelta(months=3),
    "year": relativedelta(years=1), "年": relativedelta(years=1),
}
_ROLLING = [
    re.compile(rf"(?:the )?(?:last|past|previous|trailing) (?:({NUM}) )?(day|week|month|quarter|year)s?"),
    re.compile(rf"(?:最近|近|过去)\s*({NUM})?\s*(天|日|周|星期|礼拜|个月|个季度|季度|年)"),
]
_YEAR_WORDS = {"今年": 0, "本年": 0, "去年": -1, "前年": -2, "明年": 1}
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december")
_MONTHS = {name: i for i, full in enumerate(_MONTH_NAMES, 1) for name in (full, full[:3])} | {"sept": 9}
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_QUARTER = re.compile(r"q\s*([1-4])|第?([1-4一二三四])\s*季度?|(first|second|third|fourth|1st|2nd|3rd|4th)"
                      r" quarter")
_HALF = re.compile(r"h([12])|([上下])半年|(first|second|1st|2nd) half")
_YEAR_FIRST = re.compile(r"(?:fy)?(\d{4})\s*(?:年度?|-|/)?\s*(.*?)")  # "2025年第三季度", "2025-Q3", "2025"
_YEAR_LAST = re.compile(r"(.*?\D)[\s,]*(?:fy)?(\d{4})年?")  # "Q3 2025", "March 2026", "H1 2025"
_MONTH_ZH = re.compile(r"(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月份?")
_RANGE = re.compile(r"(?:from |between |从|自)?(.+?)\s*"
                    r"(?:\.\.|~|–|—| - | to | until | through | and |至|到)\s*(.+?)(?:为止|止)?")


# -- matchers: each returns a Period or None when the text is not its kind ------------------------------

def _relative(t: str, today: date) -> Period | None:
    if t in _RELATIVE:
        return shifted(*_RELATIVE[t], today)
    m = _EN_RELATIVE.fullmatch(t)
    return shifted(m.group(2), _EN_OFFSET[m.group(1)], today) if m else None  # type: ignore[arg-type]


def _to_date(t: str, today: date) -> Period | None:
    grain = _TO_DATE.get(t)
    return custom_period(shifted(grain, 0, today).start, today) if grain else None


def _rolling(t: str, today: date) -> Period | None:
    """N units ending today, inclusive: "last 30 days" is today-29..today."""
    for pattern in _ROLLING:
        m = pattern.fullmatch(t)
        if m:
            count = to_decimal(m.group(1)) if m.group(1) else 1
            if count is None or count != int(count) or not 1 <= count <= 1000:
                return None
            start = today - _ROLLING_UNITS[m.group(2)] * int(count) + timedelta(days=1)
            return custom_period(start, today)
    return None


def _split_year(t: str, today: date) -> tuple[int | None, str]:
    """(year, rest): "2025年Q3" -> (2025, "q3"), "Q3 2025" -> (2025, "q3"), "3月" -> (None, "3月")."""
    if m := _YEAR_FIRST.fullmatch(t):
        return int(m.group(1)), m.group(2)
    if m := _YEAR_LAST.fullmatch(t):
        return int(m.group(2)), m.group(1).strip(" ,")
    for word, offset in _YEAR_WORDS.items():
        if t.startswith(word):
            return today.year + offset, t[len(word):].lstrip("的")
    m = re.fullmatch(r"(.+?) (?:of )?(this|last|next) year", t)
    if m:
        return today.year + _EN_OFFSET[m.group(2)], m.group(1)
    return None, t


def _within_year(t: str, today: date) -> Period | None:
    """A quarter, half or month of a year (the year defaults to today's), or a whole explicit year."""
    year, rest = _split_year(t, today)
    if year is not None and rest == "":
        return year_period(year)
    y = year or today.year
    if m := _QUARTER.fullmatch(rest):
        q = m.group(1) or m.group(2)
        return quarter_period(y, int(to_decimal(q) or 0) if q else _ORDINALS[m.group(3)])
    if m := _HALF.fullmatch(rest):
        first = m.group(1) == "1" or m.group(2) == "上" or m.group(3) in ("first", "1st")
        return half_period(y, 1 if first else 2)
    if m := _MONTH_ZH.fullmatch(rest):
        month = to_decimal(m.group(1))
        return month_period(y, int(month)) if month and 1 <= month <= 12 and month == int(month) else None
    month_no = _MONTHS.get(rest.rstrip("."))
    return month_period(y, month_no) if month_no else None


def _iso_week(t: str, today: date) -> Period | None:
    m = re.fullmatch(r"(?:(\d{4})-?)?w(\d{1,2})|第(\d{1,2})周", t)
    if not m:
        return None
    try:
        monday = date.fromisocalendar(int(m.group(1) or today.year), int(m.group(2) or m.group(3)), 1)
    except ValueError:
        return None
    return week_period(monday)


def _numeric_month(t: str, today: date) -> Period | None:
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})", t)
    return month_period(int(m.group(1)), int(m.group(2))) if m and 1 <= int(m.group(2)) <= 12 else None


def _single_day(t: str, today: date) -> Period | None:
    d = parse_calendar_date(t, today, future=False)
    return day_period(d) if d else None


_MATCHERS: list[Callable[[str, date], Period | None]] = [
    _relative, _to_date, _rolling, _iso_week, _numeric_month, _within_year, _single_day,
]


def _single(t: str, today: date) -> Period | None:
    for matcher in _MATCHERS:
        period = matcher(t, today)
        if period is not None:
            return period
    return None


def _range(text: str, t: str, today: date) -> Period | None:
    """"from 2026-01-01 to 2026-03-31", "1月到3月", "Q1 - Q2": start of the first .. end of the second."""
    m = _RANGE.fullmatch(t)
    if not m:
        return None
    head = m.group(1)
    if re.search(r"(?:\d|[一二三四五六七八九十])$", head) and re.search(r"月份?$", m.group(2)):
        head += "月"  # "1到6月", "今年1至3月": the first month shares the second one's 月
    first, last = _single(head, today), _single(m.group(2), today)
    if first and last and first.grain == last.grain == "month" and _MONTH_ZH.fullmatch(m.group(2).strip()):
        last = month_period(first.start.year, last.start.month)  # "2025年1至3月": March of 2025 too
    if first is None or last is None:
        return None
    if first.start > last.end:
        q = quote(text)
        raise ToolInputError(en=f"The period '{q}' ends before it starts.", zh=f"时间段“{q}”的结束早于开始。")
    return custom_period(first.start, last.end)


# "since January", "自1月起", "1月以来", "从上个月开始": from the start of that period up to today.
_SINCE = re.compile(r"since (.+)|(?:自|从)?\s*(.+?)\s*(?:以来|起至今|至今|起|开始|到现在|until now|to date)")
_SINCE_BEFORE = re.compile(r"(?:(?<![a-z])since\s+|[自从]\s*)$")
_SINCE_AFTER = re.compile(r"\s*(?:以来|起至今|至今|起|开始|到现在|until now|to date)")


def _since(text: str, t: str, today: date) -> Period | None:
    m = _SINCE.fullmatch(t)
    first = _single(m.group(1) or m.group(2), today) if m else None
    if first is None:
        return None
    if first.start > today:
        q = quote(text)
        raise ToolInputError(en=f"'{q}' starts in the future.", zh=f"“{q}”的开始时间在未来。")
    return custom_period(first.start, today)


def parse_period(text: str, today: date) -> Period:
    """Turn a period in the user's words (Chinese or English) into dates, relative to ``today``."""
    t = clean(text, "a time period", "时间段")
    period = _single(t, today) or _range(text, t, today) or _since(text, t, today)
    if period is None:
        raise fail(text, "a time period", "时间段",
                   hint_en="Try e.g. 'last month', 'Q3 2025' or '2026-03'.",
                   hint_zh="例如：上个月、2025年Q3、2026年3月。")
    return period


# -- calendar dates (shared with deadlines) -------------------------------------------------------------

_ZH_DATE = re.compile(r"(?:(\d{4})\s*年)?\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*"
                      r"(\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号]")


def parse_calendar_date(t: str, today: date, *, future: bool) -> date | None:
    """One calendar date: ISO, "2026年12月1日", "12月1号", or what dateparser reads ("Dec 1", "1 March 2026").

    Without a year, ``future`` picks the next such date on or after today; otherwise today's year.
    """
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", t)
    parts = (m.group(1), m.group(2), m.group(3)) if m else None
    if parts is None and (m := _ZH_DATE.fullmatch(t)):
        parts = (m.group(1), m.group(2), m.group(3))
    if parts is not None:
        month, day = to_decimal(parts[1]), to_decimal(parts[2])
        try:
            found = date(int(parts[0] or today.year), int(month or 0), int(day or 0))
        except ValueError:
            return None
        if parts[0] is None and future and found < today:
            found = found.replace(year=found.year + 1)
        return found
    if not t.isascii():
        return None  # dateparser only gets English dates: it misreads Chinese ones ("13月" as March 1)
    settings = {"RELATIVE_BASE": datetime(today.year, today.month, today.day),
                "PREFER_DATES_FROM": "future" if future else "current_period",
                "REQUIRE_PARTS": ["day", "month"], "RETURN_AS_TIMEZONE_AWARE": False}
    parsed = dateparser.parse(t, languages=["en", "zh"], settings=settings)
    return parsed.date() if parsed else None


# -- periods inside a free-text message -----------------------------------------------------------------
#
# parse_period reads text that IS a period; find_periods scans a whole message for the periods in it.
# Candidate spans come from regexes built out of the parser's own tables (tighter than the parser's
# fullmatch patterns, which may be loose because they only ever see a tool argument); a candidate counts
# only when parse_period accepts it, so the dates still come from the parser alone.

def _words(words: Iterable[str]) -> str:
    """Regex alternation of table words, longest first (an alternation takes the first branch that fits)."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


_Y = r"(?:19|20)\d{2}"  # a year in a message: 1900..2099, so "SKU 3000" or "5000 units" is no year
_ZH_NUMBER = r"\d{1,2}|[一二三四五六七八九十]{1,3}"  # a month or day number, as _MONTH_ZH and _ZH_DATE read it
_MONTH = _words(_MONTHS)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_IN_YEAR_EN = (rf"q[1-4]|(?:{_words(_ORDINALS)})\s+quarter"
               rf"|h[12]|(?:{_words(k for k, v in _ORDINALS.items() if v <= 2)})\s+half|{_MONTH}")
# "3季度" and "第三季" but not "四季" (the seasons); "3月" but not the "3月" of "13月" or "二十三月".
_IN_YEAR_ZH = (r"第[1-4一二三四]\s*季度?|[1-4一二三四]\s*季度|[上下]半年"
               rf"|(?<![\d零〇一二两三四五六七八九十百千万亿])(?:{_ZH_NUMBER})\s*月份?")
_IN_YEAR = f"{_IN_YEAR_EN}|{_IN_YEAR_ZH}"
_UNITS_EN = _words(u for u in _ROLLING_UNITS if u.isascii())
_UNITS_ZH = _words(u for u in _ROLLING_UNITS if not u.isascii())

# A span may not start or end inside an ASCII word or number: "Q3" is found in "Q3的销量" and "in Q3,"
# but not in "SQ3", "Q3-100" or "2026.10"; a span that starts or ends with a Chinese character is free.
_EDGE_START = r"(?:(?<![a-z0-9.\-])|(?=[^a-z0-9]))"
_EDGE_END = r"(?:(?<![a-z0-9])|(?![a-z0-9]|[.\-][a-z0-9]))"

_CANDIDATES = [re.compile(f"{_EDGE_START}(?:{p}){_EDGE_END}", re.ASCII) for p in (
    rf"{_Y}[-/.]\d{{1,2}}[-/.]\d{{1,2}}",                                      # 2026-11-05
    rf"(?:{_Y}\s*年\s*)?(?:{_ZH_NUMBER})\s*月\s*(?:{_ZH_NUMBER})\s*[日号]",      # 2026年11月5日, 11月5号
    rf"(?:{_MONTH})\s+{_DAY}(?:,?\s+{_Y})?|{_DAY}\s+(?:of\s+)?(?:{_MONTH})(?:,?\s+{_Y})?",  # March 5, 5 May 2026
    rf"{_Y}-?w\d{{1,2}}|第\d{{1,2}}周",                                         # 2026-W48, 第48周
    rf"{_Y}[-/]\d{{1,2}}",                                                     # 2026-10
    rf"(?:fy)?{_Y}\s*(?:年度?|[-/])?\s*(?:{_IN_YEAR})",                         # 2025年Q3, 2026年10月, 2025-Q3
    rf"(?:{_IN_YEAR_EN})[\s,]*(?:fy)?{_Y}",                                     # Q3 2026, October 2026
    rf"(?:fy)?{_Y}(?:\s*年度?)?",                                               # 2025年, FY2025, (in) 2025
    rf"(?:{_words(_YEAR_WORDS)})的?(?:{_IN_YEAR})",                             # 去年Q3, 今年的3月, 今年上半年
    rf"(?:{_IN_YEAR_EN})\s+(?:of\s+)?(?:this|last|next)\s+year",               # Q3 of last year (_split_year)
    _words([*_RELATIVE, *_TO_DATE]),                                           # 上个月, 今年以来, YTD, today
    rf"(?:{_words(_EN_OFFSET)})\s+(?:week|month|quarter|year)",                # last quarter (_EN_RELATIVE)
    rf"(?:last|past|previous|trailing)\s+(?:(?:{NUM})\s+)?(?:{_UNITS_EN})s?",  # last 30 days (_ROLLING)
    rf"(?<![接将])(?:最近|近|过去)\s*(?:{NUM})\s*(?:{_UNITS_ZH})",               # 最近30天, 近三个月; not 将近/接近
    # 1到6月, 今年1至3月
    rf"(?:(?:{_words(_YEAR_WORDS)})|{_Y}\s*年)?\s*(?:{_ZH_NUMBER})\s*(?:到|至|-|~)\s*(?:{_ZH_NUMBER})\s*月份?",
    _IN_YEAR,                                                                  # Q3, H1, 第三季度, 上半年, 3月, March
)]

# A bare year, or "may" / a short month name ("jan", "mar") without a year, is a period only right after
# one of these words: "in 2025", "for May", "since Jan"; never "sold 2025 units" or "may I ask".
_CONTEXT = re.compile(r"(?<![a-z])(?:in|on|during|for|of|since|from|until|till|through|to|between|by|before|after|"
                      r"over|across|and|vs|versus|than|with|against)\s+$", re.ASCII)
_AMBIGUOUS_MONTH = re.compile(rf"(?<![a-z])(?:{_words(set(_MONTHS) - set(_MONTH_NAMES) | {'may'})})(?![a-z])")
_HAS_YEAR = re.compile(rf"{_Y}|(?<![a-z])year(?![a-z])")


_UNIT_AFTER = re.compile(r"\s*(?:件|个|台|元|块|箱|瓶|万|亿|units?\b|pcs\b|pieces\b)")


def _needs_context(span: str) -> bool:
    return re.fullmatch(_Y, span) is not None or (_AMBIGUOUS_MONTH.search(span) is not None
                                                   and _HAS_YEAR.search(span) is None)


# Two periods joined into one range, as _RANGE reads it: "1月到3月", "from Jan 2026 to Mar 2026",
# "between Q1 and Q2". Bare "to" and "and" join only after "from" / "between": "last year to this year"
# and "Q1 and Q2" are usually two periods being compared.
_RANGE_JOIN = re.compile(r"\s*(?:\.\.|~|–|—|至|到)\s*|\s+(?:-|until|through)\s+|\s+(?P<word>to|and)\s+")
_RANGE_OPEN = re.compile(r"(?:(?<![a-z])(?P<word>from|between)\s+|[从自]\s*)$")
_RANGE_CLOSE = re.compile(r"为止|止")
_OPENER = {"to": "from", "and": "between"}


def _fold(text: str) -> tuple[str, list[int]]:
    """Text folded as :func:`clean` folds it (NFKC, lower case, "_" and whitespace to " ") but not
    collapsed, and for each folded character the index of the input character it came from."""
    folded: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for f in unicodedata.normalize("NFKC", ch).lower():
            folded.append(" " if f.isspace() or f == "_" else f)
            origin.append(i)
    origin.append(len(text))
    return "".join(folded), origin


def _confirmed(text: str, today: date) -> Period | None:
    try:
        return parse_period(text, today)
    except ToolInputError:
        return None


def find_periods(text: str, today: date) -> list[tuple[str, Period]]:
    """The periods written inside a message, in order: ``[(exact substring of text, Period), ...]``.

    "上个月华南区的毛利率" -> [("上个月", 2026-10)]; "revenue last quarter vs last year" -> two periods.
    Scans left to right; at each position the longest candidate that parse_period accepts wins, and found
    periods never overlap. Relative periods are relative to ``today``.
    """
    if not isinstance(text, str):
        return []
    folded, origin = _fold(text)

    def original(start: int, end: int) -> str:
        return text[origin[start]:origin[end - 1] + 1]

    found: list[tuple[int, int, Period]] = []  # folded start, folded end, period
    pos = 0
    while pos < len(folded):
        ends = sorted({m.end() for p in _CANDIDATES if (m := p.match(folded, pos)) and m.end() > pos},
                      reverse=True)
        for end in ends:
            # A bare year also opens a message or follows Chinese text ("2025 revenue against 2024", "华南 2025 每个
            # 季度"), unless a unit follows it ("2025件").
            opens = (re.fullmatch(_Y, folded[pos:end]) is not None
                     and (not folded[:pos].strip() or re.search(r"[\u4e00-\u9fff]\s*$", folded[:pos]) is not None)
                     and not _UNIT_AFTER.match(folded, end))
            if _needs_context(folded[pos:end]) and not opens and not _CONTEXT.search(folded, 0, pos):
                continue
            if period := _confirmed(original(pos, end), today):
                found.append((pos, end, period))
                pos = end
                break
        else:
            pos += 1
    joined = _join_ranges(folded, found, original, today)
    return [(original(start, end), period) for start, end, period in _extend_since(folded, joined, original, today)]


def _extend_since(folded: str, found: list[tuple[int, int, Period]], original: Callable[[int, int], str],
                  today: date) -> list[tuple[int, int, Period]]:
    """"since January" / "1月以来" / "自1月起": a period with a since-word around it runs up to today."""
    out = []
    for start, end, period in found:
        before = _SINCE_BEFORE.search(folded, 0, start)
        after = _SINCE_AFTER.match(folded, end)
        if (before or after) and period.grain != "custom" and period.start <= today:
            new_start = before.start() if before else start
            new_end = after.end() if after else end
            if since := _confirmed(original(new_start, new_end), today):
                out.append((new_start, new_end, since))
                continue
        out.append((start, end, period))
    return out


def _join_ranges(folded: str, found: list[tuple[int, int, Period]], original: Callable[[int, int], str],
                 today: date) -> list[tuple[int, int, Period]]:
    """Merge neighbours joined by a range word ("1月到3月", "from 2026-01-01 to 2026-03-31") into one period."""
    out: list[tuple[int, int, Period]] = []
    i = 0
    while i < len(found):
        start, end, period = found[i]
        if i + 1 < len(found) and (join := _RANGE_JOIN.fullmatch(folded, end, found[i + 1][0])):
            opener = _RANGE_OPEN.search(folded, out[-1][1] if out else 0, start)
            needed = _OPENER.get(join.group("word") or "")
            if needed is None or (opener is not None and opener.group("word") == needed):
                new_start = opener.start() if opener else start
                new_end = found[i + 1][1]
                if close := _RANGE_CLOSE.match(folded, new_end):
                    new_end = close.end()
                if joined := _confirmed(original(new_start, new_end), today):
                    out.append((new_start, new_end, joined))
                    i += 2
                    continue
        out.append((start, end, period))
        i += 1
    return out
