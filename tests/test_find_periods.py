"""Periods found inside free-text messages (today is Monday 2026-11-23): exact spans and their labels."""

from __future__ import annotations

from datetime import date

import pytest

from copilot.normalize import find_periods, parse_period

TODAY = date(2026, 11, 23)
ROLL_30D = "2026-10-25..2026-11-23"
YTD = "2026-01-01..2026-11-23"


@pytest.mark.parametrize(("message", "expected"), [
    # Chinese
    ("上个月华南区各品类的毛利率", [("上个月", "2026-10")]),
    ("2026年10月华东区的销售额是多少?", [("2026年10月", "2026-10")]),
    ("华东区今年以来的销量", [("今年以来", YTD)]),
    ("华东区2026年第三季度的毛利率", [("2026年第三季度", "2026-Q3")]),
    ("最近30天华东电商的销售额", [("最近30天", ROLL_30D)]),
    ("近三个月各区域的退货率", [("近三个月", "2026-08-24..2026-11-23")]),
    ("上周和上上周的订单量对比", [("上周", "2026-W47"), ("上上周", "2026-W46")]),
    ("去年Q3华南区的销售额", [("去年Q3", "2025-Q3")]),
    ("今年的3月卖得怎么样", [("今年的3月", "2026-03")]),
    ("第三季度的毛利率", [("第三季度", "2026-Q3")]),
    ("本月至今的回款", [("本月至今", "2026-11-01..2026-11-23")]),
    ("上半年和下半年", [("上半年", "2026-H1"), ("下半年", "2026-H2")]),
    ("12月份的目标", [("12月份", "2026-12")]),
    ("2026年11月5日的订单", [("2026年11月5日", "2026-11-05")]),
    ("第48周的销量", [("第48周", "2026-W48")]),
    ("2025年度销售总结", [("2025年度", "2025")]),
    ("iPhone上个月的销量", [("上个月", "2026-10")]),
    ("从1月到3月的销量", [("从1月到3月", "2026-01-01..2026-03-31")]),
    ("上个月到本月的回款", [("上个月到本月", "2026-10-01..2026-11-30")]),
    ("１０月的销量", [("１０月", "2026-10")]),  # full-width digits; the span is the user's own text
    ("Ｑ３销售额", [("Ｑ３", "2026-Q3")]),
    # English
    ("What was revenue in South China for Q3 2026?", [("Q3 2026", "2026-Q3")]),
    ("East China revenue last quarter compared with last year",
     [("last quarter", "2026-Q3"), ("last year", "2025")]),
    ("monthly revenue trend in East China this year", [("this year", "2026")]),
    ("revenue in East China last month vs the month before", [("last month", "2026-10")]),
    ("how many units did we sell in East China in Q2 2026?", [("Q2 2026", "2026-Q2")]),
    ("Top SKUs by revenue in East China in October 2026", [("October 2026", "2026-10")]),
    ("YTD revenue by region", [("YTD", YTD)]),
    ("orders in the last 30 days", [("last 30 days", ROLL_30D)]),
    ("returns over the past two weeks", [("past two weeks", "2026-11-10..2026-11-23")]),
    ("revenue in 2025", [("2025", "2025")]),
    ("FY2025 revenue", [("FY2025", "2025")]),
    ("revenue for May", [("May", "2026-05")]),
    ("what did we ship in Oct?", [("Oct", "2026-10")]),
    ("March sales in East China", [("March", "2026-03")]),
    ("Q3 of last year vs Q3 this year", [("Q3 of last year", "2025-Q3"), ("Q3 this year", "2026-Q3")]),
    ("H1 2025 vs H2 2025", [("H1 2025", "2025-H1"), ("H2 2025", "2025-H2")]),
    ("orders on May 5", [("May 5", "2026-05-05")]),
    ("stock on 2026-11-05 in Shanghai", [("2026-11-05", "2026-11-05")]),
    ("2026-10 revenue", [("2026-10", "2026-10")]),
    ("orders in 2026-W48", [("2026-W48", "2026-W48")]),
    ("revenue from 2026-01-01 to 2026-03-31", [("from 2026-01-01 to 2026-03-31", "2026-01-01..2026-03-31")]),
    ("revenue between Q1 and Q2", [("between Q1 and Q2", "2026-01-01..2026-06-30")]),
    # a bare "to" / "and" compares two periods rather than joining them into one range
    ("compare last year to this year", [("last year", "2025"), ("this year", "2026")]),
    ("Q1 and Q2 revenue", [("Q1", "2026-Q1"), ("Q2", "2026-Q2")]),
    # mixed
    ("华东区 last month 的销售额", [("last month", "2026-10")]),
])
def test_find_periods(message: str, expected: list[tuple[str, str]]) -> None:
    found = find_periods(message, TODAY)
    assert [(span, period.label) for span, period in found] == expected
    for span, period in found:
        assert span in message
        assert period == parse_period(span, TODAY)  # the dates come from the parser, nothing else


@pytest.mark.parametrize("message", [
    "你好,你能做什么?",
    "hello, what can you do?",
    "X200 stock",
    "SH-101",
    "SH-101 的库存还有多少",
    "80万",
    "30%",
    "48小时内",
    "may I ask how stock is counted?",
    "May I see the SKU list?",
    "we sold 2025 units",
    "price 2026.10",
    "SKU Q3-100 is out of stock",
    "HQ3 and SH1 warehouses",
    "三个月的库存",          # a duration, not a period
    "将近三个月没有下单",    # "将近" is "nearly", not "近" (recent)
    "接近30天的库存",
    "13月",
    "Q5",
    "二十三月",
    "四季青的订单",          # "四季" is not Q4
    "this weekend",
    "Marching orders for the Mayor",  # month names inside words
])
def test_find_periods_finds_nothing(message: str) -> None:
    assert find_periods(message, TODAY) == []


def test_spans_are_in_order_and_do_not_overlap() -> None:
    message = "上个月 vs 去年同期, and 2026年Q3 vs last quarter, 最近30天 too"
    found = find_periods(message, TODAY)
    assert [span for span, _ in found] == ["上个月", "去年", "2026年Q3", "last quarter", "最近30天"]
    positions = []
    pos = 0
    for span, _ in found:
        pos = message.index(span, pos)
        positions.append(pos)
        pos += len(span)
    assert positions == sorted(positions)


def test_relative_periods_follow_today() -> None:
    [(span, period)] = find_periods("上个月的毛利率", date(2027, 1, 15))
    assert (span, period.label, period.start, period.end) == ("上个月", "2026-12", date(2026, 12, 1),
                                                               date(2026, 12, 31))


@pytest.mark.parametrize(("text", "found"), [
    ("show weekly sales since January", [("since January", "2026-01-01..2026-11-23")]),
    ("华东区1月以来每周的销售额", [("1月以来", "2026-01-01..2026-11-23")]),
    ("自3月起各渠道销量", [("自3月起", "2026-03-01..2026-11-23")]),
    ("今年1到6月每个月的销售额", [("今年1到6月", "2026-01-01..2026-06-30")]),
    ("2025年1至3月的销量", [("2025年1至3月", "2025-01-01..2025-03-31")]),
    ("2025 revenue against 2024", [("2025", "2025"), ("2024", "2024")]),
    ("华南 2025 每个季度 units", [("2025", "2025")]),
    ("卖了2025件", []),
])
def test_since_month_ranges_and_bare_years(text: str, found: list[tuple[str, str]]) -> None:
    assert [(span, p.label) for span, p in find_periods(text, TODAY)] == found
