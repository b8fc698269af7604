"""Deadlines ("48小时内", "明天中午", "next Friday", "月底前", "Dec 1") as a datetime after ``now``.

Rules, chosen so the same words always give the same moment:

* With no time of day, a deadline is at the end of business, 18:00.
* "本周五"/"这周五"/"this Friday": Friday of the current ISO week (an error once it has passed).
* "下周一"/"next Monday"/"next Friday": that day of the *next* ISO week, even when this week's is still ahead.
* "周五前"/"Friday"/"by Friday": the coming Friday, today included while its 18:00 is still ahead.
* "月底"/"end of month": the last day of the period; "end of week"/"周末": that week's Friday.
* Relative durations ("48小时内", "in 3 days") are added to ``now`` exactly, keeping its time of day.
* The result keeps ``now``'s tzinfo (aware or naive); a deadline not after ``now`` is an error.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from copilot.errors import ToolInputError

from ._common import clean, fail, quote, to_decimal
from .durations import check_duration, read_duration
from .periods import parse_calendar_date, parse_period

END_OF_BUSINESS = time(18, 0)

# Part of the day -> (default time, meridiem applied to a bare clock hour such as "下午3点").
_PARTS_OF_DAY: dict[str, tuple[time, str]] = {
    "中午": (time(12), "pm"), "noon": (time(12), "pm"), "midday": (time(12), "pm"),
    "上午": (time(12), "am"),  # "明天上午" = before tomorrow noon
    "早上": (time(9), "am"), "早晨": (time(9), "am"), "morning": (time(9), "am"),  # first thing
    "下午": (time(18), "pm"), "afternoon": (time(18), "pm"),
    "晚上": (time(21), "pm"), "evening": (time(21), "pm"), "night": (time(21), "pm"),
    "下班": (END_OF_BUSINESS, ""), "end of day": (END_OF_BUSINESS, ""),
    "end of the day": (END_OF_BUSINESS, ""), "end of business": (END_OF_BUSINESS, ""),
    "close of business": (END_OF_BUSINESS, ""), "eod": (END_OF_BUSINESS, ""), "cob": (END_OF_BUSINESS, ""),
    "午夜": (time(23, 59), ""), "midnight": (time(23, 59), ""),
}
_SHORTHANDS = {"今晚": "今天晚上", "明晚": "明天晚上", "明早": "明天早上", "tonight": "today evening"}
_DAYS: dict[str, int] = {"昨天": -1, "昨日": -1, "yesterday": -1,  # kept so the error can say "in the past"
                         "今天": 0, "今日": 0, "today": 0, "明天": 1, "明日": 1, "tomorrow": 1, "后天": 2,
                         "day after tomorrow": 2, "大后天": 3}
_WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS_EN = {n: i for i, full in enumerate(_WEEKDAY_NAMES) for n in (full, full[:3])} | {
    "tues": 1, "weds": 2, "thur": 3, "thurs": 3}
_WEEK_WORDS = {"本": "this", "这": "this", "这个": "this", "下": "next", "下个": "next", "下一个": "next",
               "this": "this", "next": "next", "coming": "coming", "": "coming"}
# Bare units in "月底", "end of month" mean the current one.
_BARE_PERIODS = {"月": "本月", "年": "今年", "季度": "本季度", "季": "本季度", "周": "本周",
                 "month": "this month", "year": "this year", "quarter": "this quarter", "week": "this week"}

_LEAD_WORDS = ("due by", "no later than", "not later than", "before", "until", "till", "due", "by",
               "请在", "请于", "截止到", "截止", "截至", "最晚", "最迟", "在", "于")
_LEAD = re.compile(rf"(?:{'|'.join(_LEAD_WORDS)})\s*(.+)")
_TRAIL = re.compile(r"(.+?)\s*(?:之前|以前|前|为止|截止)")
_PART_RE = re.compile("|".join(rf"(?<![a-z]){re.escape(p)}(?![a-z])" for p in sorted(_PARTS_OF_DAY, key=len,
                                                                                   reverse=True)))
_CN_HOUR = r"\d{1,2}|[零一二两三四五六七八九十]{1,3}"
_CLOCK_ZH = re.compile(rf"({_CN_HOUR})\s*[点點时](?:\s*(半|一刻|三刻|{_CN_HOUR})\s*分?)?")
# "3pm", "5:30 p.m.", "15:00"
_CLOCK_EN = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?(?![a-z])|(\d{1,2}):(\d{2})")
_WEEKDAY_ZH_RE = re.compile(r"(本|这个|这|下一个|下个|下|)(?:周|星期|礼拜)([一二三四五六日天1-7])")
_WEEKDAY_EN_RE = re.compile(r"(this|next|coming|)\s*([a-z]+)")


def _clock(t: str, meridiem: str) -> tuple[time | None, str]:
    """(time, rest) for an explicit clock time: "3点半", "15:30", "3pm"; meridiem comes from "下午" etc."""
    if m := _CLOCK_ZH.search(t):
        hour, minute_text = int(to_decimal(m.group(1)) or 0), m.group(2) or "0"
        minute = {"半": 30, "一刻": 15, "三刻": 45}.get(minute_text) or int(to_decimal(minute_text) or 0)
    elif m := _CLOCK_EN.search(t):
        hour, minute = int(m.group(1) or m.group(4)), int(m.group(2) or m.group(5) or 0)
        meridiem = {"a": "am", "p": "pm"}.get(m.group(3) or "", meridiem)
    else:
        return None, t
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None, "?"  # an impossible clock makes the whole text unreadable
    return time(hour, minute), t[:m.start()] + " " + t[m.end():]


def _split_time(t: str) -> tuple[time | None, str]:
    """(time of day or None, the day words left): "明天下午3点" -> (15:00, "明天")."""
    default, meridiem = None, ""
    if m := _PART_RE.search(t):
        default, meridiem = _PARTS_OF_DAY[m.group(0)]
        t = t[:m.start()] + " " + t[m.end():]
    clock, t = _clock(t, meridiem)
    rest = re.sub(r"(?<![a-z])(?:at|on|the)(?![a-z])|的|,", " ", t)
    return clock or default, " ".join(rest.split())


def _weekday(t: str, today: date) -> tuple[date, bool] | None:
    """(date, rolls) for "本周五", "下周一", "next friday", "周五"; rolls: "the coming X" may be a week on."""
    if m := _WEEKDAY_ZH_RE.fullmatch(t):
        name = m.group(2)
        which, day = _WEEK_WORDS[m.group(1)], _WEEKDAYS_ZH[name] if name in _WEEKDAYS_ZH else int(name) - 1
    elif (m := _WEEKDAY_EN_RE.fullmatch(t)) and m.group(2).rstrip(".") in _WEEKDAYS_EN:
        which, day = _WEEK_WORDS[m.group(1)], _WEEKDAYS_EN[m.group(2).rstrip(".")]
    else:
        return None
    monday = today - timedelta(days=today.weekday())
    if which == "coming":
        return today + timedelta(days=(day - today.weekday()) % 7), True
    return monday + timedelta(days=day + (7 if which == "next" else 0)), False


def _end_of(t: str, today: date) -> date | None:
    """"月底", "下个月底", "3月底", "end of month", "end of q4": the last day (a week ends on its Friday)."""
    m = re.fullmatch(r"(.+?)(?:底|末)", t) or re.fullmatch(r"end of (?:the )?(.+)", t)
    if not m:
        return None
    try:
        period = parse_period(_BARE_PERIODS.get(m.group(1), m.group(1)), today)
    except ToolInputError:
        return None
    return period.start + timedelta(days=4) if period.grain == "week" else period.end


def _day(t: str, today: date) -> tuple[date, bool] | None:
    """The day a deadline falls on, and whether it may roll a week forward (see :func:`_weekday`)."""
    if t == "" or t in _DAYS:
        return today + timedelta(days=_DAYS.get(t, 0)), False
    found = _weekday(t, today)
    if found:
        return found
    end = _end_of(t, today) or parse_calendar_date(t, today, future=True)
    return (end, False) if end else None


class PastDeadline(ToolInputError):
    """A deadline that has already passed: worth telling the user, never worth guessing around."""


def parse_deadline(text: str, now: datetime) -> datetime:
    """Turn a deadline in the user's words into a moment after ``now`` (see the module doc for the rules)."""
    t = clean(text, "a deadline", "截止时间")
    t = m.group(1) if (m := _LEAD.fullmatch(t)) else t
    duration = read_duration(t)  # before "前" is dropped: "3天前" is three days *ago*, not a deadline
    if duration is not None:
        result = now + check_duration(text, duration)
    else:
        t = m.group(1) if (m := _TRAIL.fullmatch(t)) else t
        for short, full in _SHORTHANDS.items():
            t = t.replace(short, full)
        clock, rest = _split_time(t)
        found = _day(rest, now.date())
        if found is None:
            raise fail(text, "a deadline", "截止时间",
                       hint_en="Try e.g. 'tomorrow noon', 'within 48 hours' or '2026-12-01'.",
                       hint_zh="例如：明天中午、48小时内、12月1日前。")
        result = datetime.combine(found[0], clock or END_OF_BUSINESS, tzinfo=now.tzinfo)
        if found[1] and result <= now:
            result += timedelta(weeks=1)
    if result <= now:
        q = quote(text)
        raise PastDeadline(en=f"The deadline '{q}' ({result:%Y-%m-%d %H:%M}) is already in the past.",
                             zh=f"截止时间“{q}”（{result:%Y-%m-%d %H:%M}）已经过去了。",
                             detail=f"normalize: past deadline {text!r} -> {result} (now {now})")
    return result


# Where a deadline may start inside a message: a lead word, a day word, a number or a weekday.
_CUE = re.compile(
    r"(?:(?<![a-z])(?:within|in|by|before|no later than|not later than|due|until|till|today|tomorrow|tonight|"
    r"next|this|coming|end of|eod|cob|noon|midday|the day after|mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|"
    r"may|jun|jul|aug|sep|oct|nov|dec)|\d|[零一二两三四五六七八九十半]|今|明|后天|大后天|本周|这周|这个|下周|下个|"
    r"周[一二三四五六日天]|星期|礼拜|月底|月末|年底|年末|中午|上午|下午|晚上|最晚|最迟|截止|截至|请在|请于)",
    re.IGNORECASE,
)
_MAX_SPAN = 24


def find_deadline(text: str, now: datetime) -> tuple[str, datetime] | None:
    """The first deadline written inside a message: (exact substring, moment), or None.

    "请供应链确认X200库存,需48小时内反馈" -> ("48小时内", now + 48h). At each cue the longest substring that
    :func:`parse_deadline` accepts wins. A deadline that is already past raises :class:`PastDeadline` (the
    user must hear it), unless a valid one follows.
    """
    past: PastDeadline | None = None
    for cue in _CUE.finditer(text):
        start = cue.start()
        if start and text[start - 1].isascii() and text[start - 1].isalnum():
            continue  # inside a word or number
        for end in range(min(len(text), start + _MAX_SPAN), start, -1):
            span = text[start:end]
            if span != span.rstrip() or (end < len(text) and span[-1].isascii() and span[-1].isalnum()
                                         and text[end].isascii() and text[end].isalnum()):
                continue  # cut inside a word, or trailing blank: the longer or shorter variant is tried
            try:
                return span, parse_deadline(span, now)
            except PastDeadline as exc:
                past = past or exc
                break
            except ToolInputError:
                continue
    if past is not None:
        raise past
    return None
