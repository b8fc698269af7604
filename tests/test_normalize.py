"""Tables of what users write and the exact values tools must get (today is Monday 2026-11-23)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from copilot.errors import ToolInputError
from copilot.normalize import (
    Money,
    Period,
    detect_language,
    parse_deadline,
    parse_duration,
    parse_money,
    parse_percent,
    parse_period,
)

TODAY = date(2026, 11, 23)  # a Monday, ISO week 48
NOW = datetime(2026, 11, 23, 10, 0)
D = Decimal


def assert_rejects(call: Callable[[str], object], text: str) -> ToolInputError:
    """The call raises ToolInputError whose messages, in both languages, quote the bad text."""
    with pytest.raises(ToolInputError) as info:
        call(text)
    assert text in info.value.en and text in info.value.zh
    return info.value


# -- money ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "amount", "currency"), [
    ("80万", D(800000), None),
    ("1.2亿", D(120000000), None),
    ("八十万元", D(800000), "CNY"),
    ("80万元", D(800000), "CNY"),
    ("¥3,500", D(3500), "CNY"),
    ("￥3,500", D(3500), "CNY"),
    ("3.5k", D(3500), None),
    ("500k", D(500000), None),
    ("$2M", D(2000000), "USD"),
    ("2 million USD", D(2000000), "USD"),
    ("1.2 million yuan", D(1200000), "CNY"),
    ("1.5 billion", D(1500000000), None),
    ("RMB 80万", D(800000), "CNY"),
    ("人民币80万", D(800000), "CNY"),
    ("80万美元", D(800000), "USD"),
    ("30万元/年", D(300000), "CNY"),
    ("$500 per month", D(500), "USD"),
    ("HK$1,000", D(1000), "HKD"),
    ("€30", D(30), "EUR"),
    ("£5k", D(5000), "GBP"),
    ("100日元", D(100), "JPY"),
    ("3千万", D(30000000), None),
    ("1万5", D(15000), None),
    ("八十一万", D(810000), None),
    ("８０万", D(800000), None),
    ("12.50", D("12.5"), None),
])
def test_parse_money(text: str, amount: Decimal, currency: str | None) -> None:
    assert parse_money(text) == Money(amount=amount, currency=currency)


def test_80_wan_is_never_eight_million() -> None:
    assert parse_money("80万").amount == 800000
    assert str(parse_money("80万").amount) == "800000"


@pytest.mark.parametrize(("text", "default", "expected"), [
    ("80万", "CNY", "CNY"),
    ("80万", "usd", "USD"),
    ("$80", "CNY", "USD"),  # a currency in the text wins over the default
])
def test_parse_money_default_currency(text: str, default: str, expected: str) -> None:
    assert parse_money(text, default_currency=default).currency == expected


@pytest.mark.parametrize("text", ["80w", "-5", "0", "零元", "abc", "$", "RMB 80万美元", "很多钱", "负十万"])
def test_parse_money_rejects(text: str) -> None:
    assert_rejects(parse_money, text)


def test_parse_money_error_is_bilingual() -> None:
    error = assert_rejects(parse_money, "80w")
    assert error.en == "I could not read '80w' as an amount of money."
    assert error.zh == "无法把“80w”识别为金额。"


# -- percent --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("30%", D("0.30")),
    ("百分之三十", D("0.3")),
    ("三成", D("0.3")),
    ("七成五", D("0.75")),
    ("8.5 %", D("0.085")),
    ("8.5％", D("0.085")),
    ("0.3", D("0.3")),
    ("30", D("0.30")),
    ("1", D("1")),
    ("12 percent", D("0.12")),
    ("5个点", D("0.05")),
    ("1000%", D("10")),
])
def test_parse_percent(text: str, expected: Decimal) -> None:
    assert parse_percent(text) == expected


@pytest.mark.parametrize("text", ["-5%", "1001%", "150", "abc", "百分之", "很多"])
def test_parse_percent_rejects(text: str) -> None:
    assert_rejects(parse_percent, text)


# -- periods --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "start", "end", "grain", "label"), [
    # Chinese
    ("今天", "2026-11-23", "2026-11-23", "day", "2026-11-23"),
    ("昨天", "2026-11-22", "2026-11-22", "day", "2026-11-22"),
    ("本周", "2026-11-23", "2026-11-29", "week", "2026-W48"),
    ("上周", "2026-11-16", "2026-11-22", "week", "2026-W47"),
    ("下周", "2026-11-30", "2026-12-06", "week", "2026-W49"),
    ("本月", "2026-11-01", "2026-11-30", "month", "2026-11"),
    ("这个月", "2026-11-01", "2026-11-30", "month", "2026-11"),
    ("上个月", "2026-10-01", "2026-10-31", "month", "2026-10"),
    ("上月", "2026-10-01", "2026-10-31", "month", "2026-10"),
    ("下个月", "2026-12-01", "2026-12-31", "month", "2026-12"),
    ("下月", "2026-12-01", "2026-12-31", "month", "2026-12"),
    ("本季度", "2026-10-01", "2026-12-31", "quarter", "2026-Q4"),
    ("上季度", "2026-07-01", "2026-09-30", "quarter", "2026-Q3"),
    ("下季度", "2027-01-01", "2027-03-31", "quarter", "2027-Q1"),
    ("今年", "2026-01-01", "2026-12-31", "year", "2026"),
    ("去年", "2025-01-01", "2025-12-31", "year", "2025"),
    ("明年", "2027-01-01", "2027-12-31", "year", "2027"),
    ("今年以来", "2026-01-01", "2026-11-23", "custom", "2026-01-01..2026-11-23"),
    ("年初至今", "2026-01-01", "2026-11-23", "custom", "2026-01-01..2026-11-23"),
    ("Q3", "2026-07-01", "2026-09-30", "quarter", "2026-Q3"),
    ("第三季度", "2026-07-01", "2026-09-30", "quarter", "2026-Q3"),
    ("三季度", "2026-07-01", "2026-09-30", "quarter", "2026-Q3"),
    ("2025年Q3", "2025-07-01", "2025-09-30", "quarter", "2025-Q3"),
    ("2025年第三季度", "2025-07-01", "2025-09-30", "quarter", "2025-Q3"),
    ("去年Q3", "2025-07-01", "2025-09-30", "quarter", "2025-Q3"),
    ("3月", "2026-03-01", "2026-03-31", "month", "2026-03"),
    ("十二月", "2026-12-01", "2026-12-31", "month", "2026-12"),
    ("2026年3月", "2026-03-01", "2026-03-31", "month", "2026-03"),
    ("2025年", "2025-01-01", "2025-12-31", "year", "2025"),
    ("上半年", "2026-01-01", "2026-06-30", "custom", "2026-H1"),
    ("下半年", "2026-07-01", "2026-12-31", "custom", "2026-H2"),
    ("最近30天", "2026-10-25", "2026-11-23", "custom", "2026-10-25..2026-11-23"),
    ("近三个月", "2026-08-24", "2026-11-23", "custom", "2026-08-24..2026-11-23"),
    ("过去两周", "2026-11-10", "2026-11-23", "custom", "2026-11-10..2026-11-23"),
    ("1月到3月", "2026-01-01", "2026-03-31", "custom", "2026-01-01..2026-03-31"),
    ("3月5日", "2026-03-05", "2026-03-05", "day", "2026-03-05"),
    # English
    ("today", "2026-11-23", "2026-11-23", "day", "2026-11-23"),
    ("yesterday", "2026-11-22", "2026-11-22", "day", "2026-11-22"),
    ("this week", "2026-11-23", "2026-11-29", "week", "2026-W48"),
    ("last week", "2026-11-16", "2026-11-22", "week", "2026-W47"),
    ("next week", "2026-11-30", "2026-12-06", "week", "2026-W49"),
    ("this month", "2026-11-01", "2026-11-30", "month", "2026-11"),
    ("last month", "2026-10-01", "2026-10-31", "month", "2026-10"),
    ("next month", "2026-12-01", "2026-12-31", "month", "2026-12"),
    ("this quarter", "2026-10-01", "2026-12-31", "quarter", "2026-Q4"),
    ("last quarter", "2026-07-01", "2026-09-30", "quarter", "2026-Q3"),
    ("last_quarter", "2026-07-01", "2026-09-30", "quarter", "2026-Q3"),
    ("next quarter", "2027-01-01", "2027-03-31", "quarter", "2027-Q1"),
    ("this year", "2026-01-01", "2026-12-31", "year", "2026"),
    ("last year", "2025-01-01", "2025-12-31", "year", "2025"),
    ("next year", "2027-01-01", "2027-12-31", "year", "2027"),
    ("Q3 2025", "2025-07-01", "2025-09-30", "quarter", "2025-Q3"),
    ("2025Q3", "2025-07-01", "2025-09-30", "quarter", "2025-Q3"),
    ("2025-Q3", "2025-07-01", "2025-09-30", "quarter", "2025-Q3"),
    ("March", "2026-03-01", "2026-03-31", "month", "2026-03"),
    ("March 2026", "2026-03-01", "2026-03-31", "month", "2026-03"),
    ("2026-03", "2026-03-01", "2026-03-31", "month", "2026-03"),
    ("2025", "2025-01-01", "2025-12-31", "year", "2025"),
    ("H1", "2026-01-01", "2026-06-30", "custom", "2026-H1"),
    ("H2", "2026-07-01", "2026-12-31", "custom", "2026-H2"),
    ("H1 2025", "2025-01-01", "2025-06-30", "custom", "2025-H1"),
    ("YTD", "2026-01-01", "2026-11-23", "custom", "2026-01-01..2026-11-23"),
    ("year to date", "2026-01-01", "2026-11-23", "custom", "2026-01-01..2026-11-23"),
    ("last 30 days", "2026-10-25", "2026-11-23", "custom", "2026-10-25..2026-11-23"),
    ("past 3 months", "2026-08-24", "2026-11-23", "custom", "2026-08-24..2026-11-23"),
    ("from 2026-01-01 to 2026-03-31", "2026-01-01", "2026-03-31", "custom", "2026-01-01..2026-03-31"),
    ("2026-W48", "2026-11-23", "2026-11-29", "week", "2026-W48"),
    ("2026-11-05", "2026-11-05", "2026-11-05", "day", "2026-11-05"),
    ("March 5", "2026-03-05", "2026-03-05", "day", "2026-03-05"),
])
def test_parse_period(text: str, start: str, end: str, grain: str, label: str) -> None:
    expected = Period.model_validate({"start": start, "end": end, "grain": grain, "label": label})
    assert parse_period(text, TODAY) == expected


def test_period_weeks_are_iso_weeks_across_a_year_end() -> None:
    p = parse_period("this week", date(2027, 1, 1))  # a Friday; its ISO week began in 2026
    assert (p.start, p.end, p.label) == (date(2026, 12, 28), date(2027, 1, 3), "2026-W53")


@pytest.mark.parametrize("text", ["Q5", "13月", "sometime soon", "下辈子", "2026-02-30",
                                  "2026-03-01..2026-02-01"])
def test_parse_period_rejects(text: str) -> None:
    assert_rejects(lambda t: parse_period(t, TODAY), text)


# -- durations ------------------------------------------------------------------------------------------

H, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.mark.parametrize(("text", "expected"), [
    ("48小时内", 48 * H),
    ("48小时", 48 * H),
    ("两天", 2 * DAY),
    ("2天内", 2 * DAY),
    ("半小时", timedelta(minutes=30)),
    ("一个半小时", timedelta(minutes=90)),
    ("一周", 7 * DAY),
    ("3 working days", 3 * DAY),  # calendar approximation, documented
    ("3个工作日", 3 * DAY),
    ("within 2 hours", 2 * H),
    ("90 minutes", timedelta(minutes=90)),
    ("1.5h", timedelta(minutes=90)),
    ("2d", 2 * DAY),
    ("half an hour", timedelta(minutes=30)),
    ("1h30m", timedelta(minutes=90)),
    ("2小时30分钟", timedelta(minutes=150)),
    ("两个月", 60 * DAY),
    ("一年", 365 * DAY),
])
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["0小时", "400天", "2 years", "abc", "周五", "3月", "小时"])
def test_parse_duration_rejects(text: str) -> None:
    assert_rejects(parse_duration, text)


# -- deadlines ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("48小时内", "2026-11-25 10:00"),
    ("within 2 days", "2026-11-25 10:00"),
    ("in 3 days", "2026-11-26 10:00"),
    ("两天后", "2026-11-25 10:00"),
    ("明天中午", "2026-11-24 12:00"),
    ("tomorrow noon", "2026-11-24 12:00"),
    ("今天下班前", "2026-11-23 18:00"),
    ("本周五", "2026-11-27 18:00"),
    ("这周五", "2026-11-27 18:00"),
    ("下周一", "2026-11-30 18:00"),
    ("next Monday", "2026-11-30 18:00"),
    ("next Friday", "2026-12-04 18:00"),  # Friday of next ISO week, not this week's
    ("this Friday", "2026-11-27 18:00"),
    ("周五前", "2026-11-27 18:00"),
    ("by Friday", "2026-11-27 18:00"),
    ("by 2026-12-01", "2026-12-01 18:00"),
    ("12月1日前", "2026-12-01 18:00"),
    ("Dec 1", "2026-12-01 18:00"),
    ("月底前", "2026-11-30 18:00"),
    ("end of month", "2026-11-30 18:00"),
    ("下个月底", "2026-12-31 18:00"),
    ("end of year", "2026-12-31 18:00"),
    ("周末前", "2026-11-27 18:00"),
    ("明天下午3点", "2026-11-24 15:00"),
    ("明天下午三点半", "2026-11-24 15:30"),
    ("tomorrow at 5:30pm", "2026-11-24 17:30"),
    ("今晚", "2026-11-23 21:00"),
    ("eod", "2026-11-23 18:00"),
])
def test_parse_deadline(text: str, expected: str) -> None:
    assert parse_deadline(text, NOW) == datetime.fromisoformat(expected)


def test_deadline_keeps_timezone() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    now = datetime(2026, 11, 23, 10, 0, tzinfo=shanghai)
    assert parse_deadline("明天中午", now) == datetime(2026, 11, 24, 12, 0, tzinfo=shanghai)
    assert parse_deadline("48小时内", now).tzinfo is shanghai


def test_coming_weekday_rolls_to_next_week_once_passed() -> None:
    friday_evening = datetime(2026, 11, 27, 19, 0)
    assert parse_deadline("周五前", friday_evening) == datetime(2026, 12, 4, 18, 0)
    assert parse_deadline("周五前", datetime(2026, 11, 27, 17, 0)) == datetime(2026, 11, 27, 18, 0)
    assert_rejects(lambda t: parse_deadline(t, friday_evening), "本周五")  # this week's Friday has passed


@pytest.mark.parametrize("text", ["昨天", "2026-11-01", "today 9am", "3天前", "asdf", "today 25:00",
                                  "400天内"])
def test_parse_deadline_rejects(text: str) -> None:
    assert_rejects(lambda t: parse_deadline(t, NOW), text)


def test_past_deadline_message_names_the_moment() -> None:
    error = assert_rejects(lambda t: parse_deadline(t, NOW), "昨天")
    assert "2026-11-22 18:00" in error.en and "已经过去" in error.zh


# -- language -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("How much did we sell last month?", "en"),
    ("上个月卖了多少？", "zh"),
    ("给Acme公司发报价", "zh"),
    ("Call 张三 tomorrow about the renewal contract", "en"),
    ("Q3 华东区 revenue", "zh"),
    ("12345", "en"),
    ("", "en"),
])
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected
