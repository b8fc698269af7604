"""query_forecast's question understanding: the user's words decide over a weak model's arguments, bare past
periods mean the next one, promotions and discounts are read from the message, defaults are said aloud."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import pytest

from copilot.context import RequestContext, User
from copilot.errors import ToolInputError
from tools.dims import Member
from tools.forecast.understand import ForecastArgs, ForecastQuery, names_nothing_forecast, understand

TODAY = date(2026, 11, 1)
USER = User(user_id="u1", name_zh="测试", name_en="Tester", role="rep", department="sales", regions=("east",))
MEMBERS: dict[str, list[Member]] = {
    "region": [Member("east", "华东", "East China", ("华东区",)), Member("south", "华南", "South China", ("华南区",))],
    "channel": [Member("ecommerce", "电商", "E-commerce", ("online",)), Member("ka", "KA卖场", "KA")],
    "category": [Member("shampoo", "洗发水", "Shampoo"), Member("body_wash", "沐浴露", "Body Wash")],
    "sku": [Member("SH-101", "丝润洗发水 400ml", "Silk Shampoo 400ml", ("SH-101",)),
            Member("X200", "X200 智能洗护售货机", "X200 Smart Amenity Vending Kiosk", ("X200",))],
}


def lookup(kind: str) -> list[Member]:
    return MEMBERS[kind]


def ask(text: str, **args: Any) -> ForecastQuery:
    lang: Literal["zh", "en"] = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"
    ctx = RequestContext(user=USER, lang=lang, conversation_id="c", today=TODAY, text=text)
    return understand(ForecastArgs(**args), ctx, lookup)


def direct(lang: Literal["zh", "en"] = "en", **args: Any) -> ForecastQuery:
    ctx = RequestContext(user=USER, lang=lang, conversation_id="c", today=TODAY, text="")
    return understand(ForecastArgs(**args), ctx, lookup)


# -- the example questions --------------------------------------------------------------------------------

def test_next_month_south_shampoo_units_zh() -> None:
    q = ask("下个月华南区洗发水的销量预测?")
    assert q == ForecastQuery(kind="forecast", metric="units", start=date(2026, 12, 1), end=date(2026, 12, 31),
                              period_label="2026-12", filters={"category": "shampoo"}, regions=("south",),
                              promotion=None, discount_pct=None, defaults=())


def test_bare_past_quarter_rolls_forward_en() -> None:
    q = ask("Q3 forecast for body wash on e-commerce in East China?")
    assert (q.kind, q.metric, q.start, q.end, q.period_label) == ("forecast", "units", date(2027, 7, 1),
                                                                  date(2027, 9, 30), "2027-Q3")
    assert q.filters == {"category": "body_wash", "channel": "ecommerce"}
    assert q.regions == ("east",)
    assert q.defaults == ("metric: units", "period: 'Q3' taken as 2027-Q3")


def test_what_if_cancel_618_first_metric_wins() -> None:
    q = ask("what if we cancel the 618 promotion — effect on Q2 revenue and margin?")
    assert (q.kind, q.metric, q.period_label, q.start, q.end) == ("what_if", "revenue", "2027-Q2",
                                                                  date(2027, 4, 1), date(2027, 6, 30))
    assert (q.promotion, q.discount_pct, q.filters, q.regions) == ("618", None, {}, ())


def test_bias_last_quarter_my_region_ignores_model_region() -> None:
    q = ask("how biased were last quarter's forecasts for my region?", region="South China", kind="forecast")
    assert (q.kind, q.period_label, q.start, q.end) == ("bias", "2026-Q3", date(2026, 7, 1), date(2026, 9, 30))
    assert q.regions == ()
    assert q.defaults == ("metric: units",)


def test_sku_code_next_year_q1_units() -> None:
    q = ask("X200明年一季度能卖多少台")
    assert (q.kind, q.metric, q.period_label) == ("forecast", "units", "2027-Q1")
    assert (q.start, q.end) == (date(2027, 1, 1), date(2027, 3, 31))
    assert (q.filters, q.regions, q.defaults) == ({"sku": "X200"}, (), ())


def test_double11_no_discount_current_month() -> None:
    q = ask("如果双11不打折，11月电商销售额会怎样")
    assert (q.kind, q.metric, q.period_label) == ("what_if", "revenue", "2026-11")
    assert (q.start, q.end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert q.filters == {"channel": "ecommerce"}
    assert (q.promotion, q.discount_pct, q.defaults) == ("双11", None, ())


def test_accuracy_is_bias_last_month() -> None:
    q = ask("forecast accuracy for shampoo last month")
    assert (q.kind, q.period_label, q.start, q.end) == ("bias", "2026-10", date(2026, 10, 1), date(2026, 10, 31))
    assert q.filters == {"category": "shampoo"}
    assert (q.promotion, q.discount_pct) == (None, None)


# -- kind ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "kind"), [
    ("华东洗发水上季度的预测偏差", "bias"),
    ("上个月的预测准不准？", "bias"),
    ("what was the WAPE for KA last quarter", "bias"),
    ("were we over-forecasting shampoo in Q3 2026?", "bias"),
    ("假如取消年货节，一季度KA销量", "what_if"),
    ("suppose there is no promotion on body wash next month", "what_if"),
    ("下个月沐浴露能卖多少", "forecast"),
])
def test_kind_words(text: str, kind: str) -> None:
    assert ask(text).kind == kind


def test_forecast_words_overrule_model_kind() -> None:
    assert ask("下个月华东洗发水的销量预测", kind="bias").kind == "forecast"


def test_model_kind_fills_gap_without_kind_words() -> None:
    assert ask("华东 上个月 洗发水", kind="bias").kind == "bias"


def test_model_what_if_with_nothing_to_change_is_a_forecast() -> None:
    q = ask("华东 下个月 洗发水", kind="what_if")
    assert (q.kind, q.promotion, q.discount_pct) == ("forecast", None, None)


def test_promotion_and_discount_dropped_outside_what_if() -> None:
    q = ask("下个月洗发水的销量预测", promotion="618", discount_pct=20)
    assert (q.kind, q.promotion, q.discount_pct) == ("forecast", None, None)


# -- metric ---------------------------------------------------------------------------------------------------

def test_metric_word_overrules_model() -> None:
    q = ask("下个月华南区的毛利预测", metric="revenue")
    assert q.metric == "gross_margin"
    assert q.defaults == ()


def test_the_model_metric_counts_only_without_a_message() -> None:
    q = ask("next month forecast for shampoo", metric="revenue")  # no metric word: units, said aloud
    assert (q.metric, q.defaults) == ("units", ("metric: units",))
    assert direct(metric="revenue", period="next month").metric == "revenue"


def test_platform_is_not_units() -> None:
    assert ask("下个月电商平台沐浴露的营收预测").metric == "revenue"


# -- period ---------------------------------------------------------------------------------------------------

def test_bare_past_month_rolls_forward_zh() -> None:
    q = ask("6月华东的销量预测")
    assert (q.start, q.end, q.period_label) == (date(2027, 6, 1), date(2027, 6, 30), "2027-06")
    assert q.defaults == ("时间：“6月”按 2027-06 计算",)


def test_explicit_past_year_is_kept() -> None:
    q = ask("2025年Q2华东洗发水的销量预测")
    assert (q.start, q.end, q.period_label, q.defaults) == (date(2025, 4, 1), date(2025, 6, 30), "2025-Q2", ())


@pytest.mark.parametrize(("text", "label"), [
    ("forecast units for Q2 this year", "2026-Q2"),
    ("this year's Q2 forecast, units", "2026-Q2"),
    ("next year Q1 X200 forecast, units", "2027-Q1"),
    ("明年的3月洗发水销量预测", "2027-03"),
])
def test_year_words_keep_or_set_the_year(text: str, label: str) -> None:
    q = ask(text)
    assert (q.period_label, q.defaults) == (label, ())


def test_current_quarter_is_not_rolled() -> None:
    q = ask("Q4 shampoo units forecast")
    assert (q.period_label, q.defaults) == ("2026-Q4", ())


def test_bias_keeps_bare_past_quarter() -> None:
    q = ask("how accurate were the Q2 forecasts for shampoo units?")
    assert (q.kind, q.period_label, q.defaults) == ("bias", "2026-Q2", ())


def test_relative_past_period_is_not_rolled_for_forecast() -> None:
    q = ask("上个月洗发水的销量预测")
    assert (q.period_label, q.defaults) == ("2026-10", ())


def test_default_period_next_month_noted() -> None:
    q = ask("洗发水的销量预测")
    assert (q.start, q.end, q.period_label) == (date(2026, 12, 1), date(2026, 12, 31), "2026-12")
    assert q.defaults == ("时间：下个月（2026-12）",)


def test_bias_default_last_full_quarter_noted_en() -> None:
    q = ask("how biased are our shampoo revenue forecasts?")
    assert (q.kind, q.metric, q.period_label) == ("bias", "revenue", "2026-Q3")
    assert q.defaults == ("period: last full quarter (2026-Q3)",)


def test_what_if_festival_default_quarter_noted() -> None:
    q = ask("如果取消618，华东电商销量会怎样")
    assert (q.kind, q.promotion, q.period_label) == ("what_if", "618", "2027-Q2")
    assert (q.start, q.end) == (date(2027, 4, 1), date(2027, 6, 30))
    assert q.defaults == ("时间：618所在季度（2027-Q2）",)


def test_what_if_singles_day_default_is_current_quarter() -> None:
    q = ask("what if we drop the Singles' Day promotion? revenue please")
    assert (q.promotion, q.period_label, q.discount_pct) == ("Singles' Day", "2026-Q4", None)


def test_what_if_cny_default_is_next_q1() -> None:
    q = ask("假如年货节不做，KA的销售额")
    assert (q.promotion, q.period_label, q.filters) == ("年货节", "2027-Q1", {"channel": "ka"})


def test_model_period_fills_gap() -> None:
    q = ask("华东洗发水的销量预测", period="2027年1月")
    assert (q.period_label, q.defaults) == ("2027-01", ())


def test_unreadable_model_period_falls_back_to_default() -> None:
    q = ask("华东洗发水的销量预测", period="618")
    assert (q.period_label, q.defaults) == ("2026-12", ("时间：下个月（2026-12）",))


def test_618_and_11_are_not_periods_or_skus() -> None:
    q = ask("what if 618 and 11.11 both ran at 30% off, units?")
    assert (q.promotion, q.discount_pct, q.filters, q.period_label) == ("618", 30.0, {}, "2027-Q2")


# -- slice ----------------------------------------------------------------------------------------------------

def test_region_named_overrules_model_region() -> None:
    q = ask("下个月华南的洗发水销量预测", region="华东", category="沐浴露")
    assert (q.regions, q.filters) == (("south",), {"category": "shampoo"})


def test_two_regions_in_order() -> None:
    assert ask("下个月华东和华南的销量预测").regions == ("east", "south")


def test_unknown_region_refused_with_suggestion() -> None:
    with pytest.raises(ToolInputError) as err:
        ask("华西区下个月的洗发水销量预测", region="华西区")
    assert "华西区" in err.value.zh and "您是不是指" in err.value.zh and "华东（east）" in err.value.zh
    assert "Did you mean" in err.value.en


def test_model_region_not_in_message_is_ignored() -> None:
    assert ask("next month shampoo units forecast", region="East China").regions == ()


def test_model_region_said_in_other_words_is_kept() -> None:
    assert ask("shampoo units forecast next month in the south", region="South China").regions == ("south",)


def test_model_name_unknown_and_not_in_message_is_ignored() -> None:
    q = ask("next month shampoo units forecast", channel="Tmall")
    assert q.filters == {"category": "shampoo"}


def test_sku_and_category_keep_sku() -> None:
    q = ask("下个月SH-101洗发水的销量预测")
    assert q.filters == {"sku": "SH-101"}


def test_model_category_dropped_when_sku_named() -> None:
    assert ask("next month X200 units forecast", category="shampoo").filters == {"sku": "X200"}


def test_channel_alias_en() -> None:
    assert ask("next month online revenue forecast for body wash").filters == {"category": "body_wash",
                                                                               "channel": "ecommerce"}


def test_two_categories_first_taken_and_noted() -> None:
    q = ask("下个月洗发水和沐浴露的销量预测")
    assert q.filters == {"category": "shampoo"}
    assert q.defaults == ("只预测第一个：洗发水",)


# -- promotion and discount -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "promotion", "discount"), [
    ("如果618打8折，6月电商销量会怎样", "618", 20.0),
    ("如果双12八折，12月销售额", "双12", 20.0),
    ("假如38节打八五折，3月毛利", "38节", 15.0),
    ("要是国庆活动改成85折，10月KA销量", "国庆", 15.0),
    ("what if the summer promotion was 30% off in July, units", "summer", 30.0),
    ("what if we discount 15% on e-commerce next month, revenue", None, 15.0),
    ("如果双11降价15%，11月电商销售额", "双11", 15.0),
])
def test_discount_and_promotion_words(text: str, promotion: str | None, discount: float) -> None:
    q = ask(text)
    assert (q.kind, q.promotion, q.discount_pct) == ("what_if", promotion, discount)


def test_rolled_month_with_discount() -> None:
    q = ask("如果618打8折，6月华东电商销量会怎样")
    assert (q.period_label, q.regions, q.filters) == ("2027-06", ("east",), {"channel": "ecommerce"})


def test_cancel_words_overrule_model_discount() -> None:
    q = ask("what if we cancel the 618 promotion, Q2 units?", discount_pct=20)
    assert (q.promotion, q.discount_pct) == ("618", None)


def test_discount_word_overrules_model_discount() -> None:
    assert ask("如果618打9折，二季度销量", discount_pct=20).discount_pct == 10.0


def test_model_discount_and_promotion_fill_gap() -> None:
    q = ask("what if the promotion next month had a smaller discount? units", promotion="双12", discount_pct=10)
    assert (q.kind, q.promotion, q.discount_pct, q.period_label) == ("what_if", "双12", 10.0, "2026-12")


def test_discount_over_90_refused_from_text() -> None:
    with pytest.raises(ToolInputError) as err:
        ask("what if 618 had a 95% discount? units")
    assert err.value.en == "A discount of 95% is outside what I can simulate (0-90%)."
    assert err.value.zh == "折扣 95% 超出可模拟的范围（0–90%）。"


def test_discount_over_90_refused_from_args() -> None:
    with pytest.raises(ToolInputError):
        direct(kind="what_if", promotion="618", discount_pct=95)


# -- direct calls (no message): the arguments are the whole question ----------------------------------------------

def test_direct_call_uses_args_only() -> None:
    q = direct(kind="what_if", metric="revenue", period="Q2", sku="X200", category="shampoo",
               region="华东, South China", channel="online", promotion="618", discount_pct=30)
    assert q == ForecastQuery(kind="what_if", metric="revenue", start=date(2027, 4, 1), end=date(2027, 6, 30),
                              period_label="2027-Q2", filters={"sku": "X200", "channel": "ecommerce"},
                              regions=("east", "south"), promotion="618", discount_pct=30.0,
                              defaults=("period: 'Q2' taken as 2027-Q2",))


def test_direct_call_defaults_noted_zh() -> None:
    q = direct(lang="zh")
    assert (q.kind, q.metric, q.period_label) == ("forecast", "units", "2026-12")
    assert q.defaults == ("指标：销量", "时间：下个月（2026-12）")


def test_direct_call_festival_default() -> None:
    q = direct(kind="what_if", promotion="双11")
    assert (q.period_label, q.discount_pct, q.defaults) == ("2026-Q4", None, ("metric: units",
                                                                              "period: the quarter of 双11 (2026-Q4)"))


def test_direct_call_unknown_channel_refused() -> None:
    with pytest.raises(ToolInputError) as err:
        direct(channel="Tmall")
    assert "Tmall" in err.value.en


def test_direct_call_bad_period_refused() -> None:
    with pytest.raises(ToolInputError):
        direct(period="sometime soon")


def test_placeholder_args_are_not_values() -> None:
    q = direct(region="all", channel="none")
    assert (q.regions, q.filters) == ((), {})


def test_a_name_the_model_put_in_the_wrong_field_is_dropped_not_refused() -> None:
    q = ask("下个月华南区洗发水的销量预测?", region="华南", channel="洗发水")
    assert q.filters == {"category": "shampoo"} and q.regions == ("south",)


def test_a_model_what_if_without_what_if_words_is_a_forecast() -> None:
    q = ask("how many units will we sell next month?", kind="what_if", promotion="units", period="下个月")
    assert (q.kind, q.promotion, q.period_label) == ("forecast", None, "2026-12")


@pytest.mark.parametrize(("text", "nothing"), [
    ("SmartShelf 的安装要求有哪些", True),
    ("who owns the Midea account?", True),
    ("X200 的售后电话是多少", True),
    ("下个月华东洗发水的销量", False),
    ("SH-101 的预测", False),
    ("X200 next quarter", False),
    ("how accurate were the forecasts for my region", False),
    ("如果取消618会怎样", False),
    ("那华南呢？", False),  # a follow-up refines the previous forecast
    ("what about South China?", False),
    ("revenue for body wash", False),
    ("", False),
])
def test_names_nothing_forecast(text: str, nothing: bool) -> None:
    assert names_nothing_forecast(text, TODAY) is nothing
