"""Durations such as "48小时内", "一个半小时", "3 working days" or "1h30m", read into a timedelta.

Approximations (calendar, not business): a working day is 1 day, a month is 30 days, a year is 365 days.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from copilot.errors import ToolInputError

from ._common import NUM, clean, fail, quote, to_decimal

MAX_DURATION = timedelta(days=365)

_SECOND, _MINUTE, _HOUR, _DAY = (timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1),
                                 timedelta(days=1))
# Chinese "月" alone is a month of the calendar ("3月" = March), so a duration needs "个月".
# Likewise "日" alone is a date ("1日"); only "工作日" is a duration.
_UNITS: dict[str, timedelta] = {
    "秒钟": _SECOND, "秒": _SECOND, "分钟": _MINUTE, "分": _MINUTE, "刻钟": 15 * _MINUTE, "刻": 15 * _MINUTE,
    "小时": _HOUR, "钟头": _HOUR, "天": _DAY, "工作日": _DAY, "周": 7 * _DAY, "星期": 7 * _DAY,
    "礼拜": 7 * _DAY, "个月": 30 * _DAY, "年": 365 * _DAY,
    "seconds": _SECOND, "second": _SECOND, "secs": _SECOND, "sec": _SECOND, "s": _SECOND,
    "minutes": _MINUTE, "minute": _MINUTE, "mins": _MINUTE, "min": _MINUTE, "m": _MINUTE,
    "hours": _HOUR, "hour": _HOUR, "hrs": _HOUR, "hr": _HOUR, "h": _HOUR,
    "working days": _DAY, "working day": _DAY, "business days": _DAY, "business day": _DAY,
    "workdays": _DAY, "workday": _DAY, "days": _DAY, "day": _DAY, "d": _DAY,
    "weeks": 7 * _DAY, "week": 7 * _DAY, "wks": 7 * _DAY, "wk": 7 * _DAY, "w": 7 * _DAY,
    "months": 30 * _DAY, "month": 30 * _DAY, "years": 365 * _DAY, "year": 365 * _DAY, "yrs": 365 * _DAY,
}
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
# One "number unit" part; "半"/"half" may stand alone ("半小时") or follow a number ("一个半小时").
_PART = re.compile(
    rf"(?:(?P<num>{NUM})\s*个?\s*)?(?P<half>半|half(?: an?)?|and a half)?\s*个?\s*"
    rf"(?P<unit>{_UNIT_RE})(?![a-z])"
)
_JOINER = re.compile(r"\s*(?:and|,|又|零)?\s*")
_WRAPPER = re.compile(
    r"(?:within|in|for|after|about|around|approximately|approx\.?|需要|需|在|大约|大概|约)?\s*(.+?)\s*"
    r"(?:之内|以内|内|之后|以后|后|左右)?"
)


def read_duration(folded: str) -> timedelta | None:
    """The duration in already-folded text, or None when it is not wholly a duration. No range checks."""
    m = _WRAPPER.fullmatch(folded)
    body, pos, total = (m.group(1) if m else folded), 0, timedelta(0)
    while pos < len(body):
        part = _PART.match(body, pos)
        if not part or not (part.group("num") or part.group("half")):
            return None
        count = to_decimal(part.group("num")) if part.group("num") else Decimal(0)
        if count is None:
            return None
        total += _UNITS[part.group("unit")] * float(count + (Decimal("0.5") if part.group("half") else 0))
        pos = _JOINER.match(body, part.end()).end()  # type: ignore[union-attr]  # always matches
    return total if pos else None


def check_duration(text: str, duration: timedelta) -> timedelta:
    """Refuse durations that cannot be meant: zero or negative, or more than a year."""
    if timedelta(0) < duration <= MAX_DURATION:
        return duration
    q = quote(text)
    raise ToolInputError(en=f"'{q}' is not a usable duration: it must be above zero and at most 365 days.",
                         zh=f"“{q}”不是可用的时长：应大于零且不超过 365 天。",
                         detail=f"normalize: duration out of range {text!r} -> {duration}")


def parse_duration(text: str) -> timedelta:
    """Read a duration in Chinese or English ("48小时内", "两天", "90 minutes", "1.5h", "2d")."""
    duration = read_duration(clean(text, "a duration", "时长"))
    if duration is None:
        raise fail(text, "a duration", "时长",
                   hint_en="Try e.g. '48 hours' or '2 days'.", hint_zh="例如：48小时、两天。")
    return check_duration(text, duration)
