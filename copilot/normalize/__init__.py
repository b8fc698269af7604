"""Normalise money, percentages, periods, durations and deadlines written in Chinese or English.

Tool arguments carry the user's own words ("80万", "上个月", "明天中午"); these functions turn them into
exact values, so no number or date the LLM wrote is trusted. Everything is pure: functions that depend on
the current time take ``today``/``now`` explicitly. Bad input raises :class:`copilot.errors.ToolInputError`
with a bilingual message that quotes the text.
"""

from ._common import detect_language
from .deadlines import PastDeadline, find_deadline, parse_deadline
from .durations import parse_duration
from .money import Money, parse_money, parse_percent
from .periods import Period, find_periods, parse_period

__all__ = [
    "Money",
    "PastDeadline",
    "Period",
    "detect_language",
    "find_deadline",
    "find_periods",
    "parse_deadline",
    "parse_duration",
    "parse_money",
    "parse_percent",
    "parse_period",
]
