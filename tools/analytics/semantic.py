"""The semantic layer: the metrics and dimensions managers may ask about, declared once, in both languages.

A metric is a formula over additive parts (sums); a dimension is a grouping expression. Both are SQLAlchemy
expressions, so the same declaration compiles for DuckDB, PostgreSQL or any other SQLAlchemy dialect. Ratio
metrics (gross margin %, win rate) are computed from summed parts, never by averaging ratios.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa

SourceName = Literal["sales", "pipeline"]
Unit = Literal["money", "count", "ratio"]
TimeGrain = Literal["day", "week", "month", "quarter", "year"]
TIME_GRAINS: tuple[TimeGrain, ...] = ("day", "week", "month", "quarter", "year")

# Lightweight table handles: column names only, no reflection, no I/O.
fact_sales = sa.table("fact_sales", *(sa.column(c) for c in (
    "date", "sku", "region_code", "channel_code", "units", "revenue", "cost")))
dim_product = sa.table("dim_product", sa.column("sku"), sa.column("category_code"))
opportunities = sa.table("opportunities", *(sa.column(c) for c in (
    "opp_id", "customer_id", "owner_user_id", "sku", "stage", "amount", "expected_close")))
dim_customer = sa.table("dim_customer", sa.column("customer_id"), sa.column("region_code"))

_CLOSED = ("won", "lost")


@dataclass(frozen=True)
class Source:
    """A fact table with its joins: the date it is dated by, where its region lives, what can be summed."""

    name: SourceName
    from_clause: Any
    date: Any
    region: Any
    dims: dict[str, Any]
    parts: dict[str, Any]
    forward: bool = False  # dated by expected events (closing dates): future periods are meaningful


SOURCES: dict[SourceName, Source] = {
    "sales": Source(
        name="sales",
        from_clause=fact_sales.join(dim_product, dim_product.c.sku == fact_sales.c.sku),
        date=fact_sales.c.date,
        region=fact_sales.c.region_code,
        dims={"region": fact_sales.c.region_code, "channel": fact_sales.c.channel_code,
              "category": dim_product.c.category_code, "sku": fact_sales.c.sku},
        parts={"revenue": fact_sales.c.revenue, "units": fact_sales.c.units,
               "margin": fact_sales.c.revenue - fact_sales.c.cost},
    ),
    "pipeline": Source(
        name="pipeline",
        from_clause=opportunities.join(dim_customer, dim_customer.c.customer_id == opportunities.c.customer_id)
        .join(dim_product, dim_product.c.sku == opportunities.c.sku),
        date=opportunities.c.expected_close,
        region=dim_customer.c.region_code,
        dims={"region": dim_customer.c.region_code, "category": dim_product.c.category_code,
              "sku": opportunities.c.sku, "customer": opportunities.c.customer_id,
              "rep": opportunities.c.owner_user_id},
        parts={
            "open_amount": sa.case((opportunities.c.stage.not_in(_CLOSED), opportunities.c.amount), else_=0),
            "won_amount": sa.case((opportunities.c.stage == "won", opportunities.c.amount), else_=0),
            "deals": sa.literal(1),
            "won": sa.case((opportunities.c.stage == "won", 1), else_=0),
            "decided": sa.case((opportunities.c.stage.in_(_CLOSED), 1), else_=0),
        },
        forward=True,
    ),
}


def _ratio(num: str, den: str) -> Callable[[dict[str, float]], float | None]:
    return lambda p: p[num] / p[den] if p.get(den) else None


def _part(name: str) -> Callable[[dict[str, float]], float | None]:
    return lambda p: p.get(name, 0.0)


@dataclass(frozen=True)
class Metric:
    name: str
    source: SourceName
    en: str
    zh: str
    unit: Unit
    parts: tuple[str, ...]
    formula: Callable[[dict[str, float]], float | None]
    # The user's words for it; when they name exactly one metric, it overrides the model's pick.
    words: tuple[str, ...] = field(default=())

    def name_in(self, lang: Literal["zh", "en"]) -> str:
        return self.zh if lang == "zh" else self.en

    @property
    def additive(self) -> bool:
        return self.unit != "ratio"


METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("revenue", "sales", "revenue", "销售额", "money", ("revenue",), _part("revenue"),
           ("销售额", "营业额", "收入", "营收", "销售收入", "卖了多少钱", "多少钱", "卖了多少金额", "revenue",
            "sales value", "turnover", "sales")),
    Metric("units", "sales", "units", "销量", "count", ("units",), _part("units"),
           ("销量", "件数", "卖了多少", "卖出", "出货", "多少件", "units", "volume", "how many", "unit sales", "sold")),
    Metric("gross_margin", "sales", "gross margin", "毛利", "money", ("margin",), _part("margin"),
           ("毛利", "毛利额", "gross margin", "gross profit", "margin")),
    Metric("gross_margin_pct", "sales", "gross margin %", "毛利率", "ratio", ("margin", "revenue"),
           _ratio("margin", "revenue"),
           ("毛利率", "margin %", "margin rate", "gross margin %", "margin percentage", "gm%", "gm %",
            "gross margin rate", "gross margin percentage")),
    Metric("pipeline_amount", "pipeline", "open pipeline", "在途商机金额", "money", ("open_amount",),
           _part("open_amount"),
           ("商机金额", "在途商机", "商机", "管道", "销售管道", "pipeline", "open opportunities", "open deals")),
    Metric("won_amount", "pipeline", "won amount", "赢单金额", "money", ("won_amount",), _part("won_amount"),
           ("赢单金额", "签单金额", "成交金额", "赢单额", "签约金额", "won amount", "closed-won", "closed won",
            "bookings", "won deals", "deals won")),
    Metric("deal_count", "pipeline", "number of opportunities", "商机数", "count", ("deals",), _part("deals"),
           ("商机数", "商机数量", "多少个商机", "number of deals", "deal count", "number of opportunities",
            "how many deals", "how many opportunities")),
    Metric("win_rate", "pipeline", "win rate", "赢单率", "ratio", ("won", "decided"), _ratio("won", "decided"),
           ("赢单率", "成交率", "赢率", "签单率", "win rate", "win-rate", "close rate", "win ratio")),
)}

DIM_NAMES: dict[str, tuple[str, str]] = {
    "region": ("region", "区域"), "channel": ("channel", "渠道"), "category": ("category", "品类"),
    "sku": ("product", "产品"), "customer": ("customer", "客户"), "rep": ("sales rep", "销售"),
    "day": ("day", "日"), "week": ("week", "周"), "month": ("month", "月"), "quarter": ("quarter", "季度"),
    "year": ("year", "年"),
}
# The user's words for a grouping ("各渠道", "by channel", "每周"); found in the message, they decide it.
DIM_WORDS: dict[str, tuple[str, ...]] = {
    "region": ("各区域", "各大区", "各地区", "各区", "分区域", "按区域", "哪个区", "哪个大区", "哪些区域", "哪个地区",
               "by region", "per region", "which region", "each region", "regions", "across regions"),
    "channel": ("各渠道", "分渠道", "按渠道", "哪个渠道", "哪些渠道", "各个渠道", "by channel", "per channel",
                "which channel", "each channel", "channels"),
    "category": ("各品类", "分品类", "按品类", "哪个品类", "哪些品类", "各个品类", "by category", "per category",
                 "which category", "each category", "categories"),
    "sku": ("各产品", "按产品", "哪些产品", "哪个产品", "哪款", "单品", "各sku", "top sku", "top product",
            "by sku", "by product", "per sku", "per product", "which product", "which sku", "skus", "products"),
    "customer": ("各客户", "按客户", "哪个客户", "哪些客户", "每个客户", "by customer", "per customer",
                 "which customer", "each customer", "customers", "accounts", "by account"),
    "rep": ("各销售", "按销售", "哪个销售", "每个销售", "销售员", "销售代表", "by rep", "per rep", "which rep",
            "each rep", "reps", "by salesperson", "by owner", "salespeople"),
    "day": ("每天", "每日", "按天", "逐日", "日度", "daily", "by day", "per day", "each day"),
    "week": ("每周", "按周", "逐周", "周度", "各周", "每一周", "每个星期", "每星期", "weekly", "by week", "per week",
             "each week"),
    "month": ("每月", "各月", "按月", "逐月", "月度", "每个月", "每一个月", "monthly", "by month", "per month",
              "each month", "month by month", "month-by-month"),
    "quarter": ("每季度", "各季度", "按季度", "每个季度", "每一季度", "分季度", "quarterly", "by quarter",
                "per quarter", "each quarter", "quarter by quarter"),
    "year": ("每年", "各年", "按年", "年度对比", "每一年", "yearly", "by year", "per year", "each year", "annual"),
}
# Every grouping can also be said the regular way: 各/每个/各个/分/按/哪个/哪些 + noun, by/per/each/which + noun.
_ZH_LEADS = ("各", "每个", "各个", "分", "按", "哪个", "哪些", "每一个")
_EN_LEADS = ("by", "per", "each", "which", "every", "across")
_NOUNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "region": (("区域", "地区", "大区", "区"), ("region",)), "channel": (("渠道",), ("channel",)),
    "category": (("品类", "类目"), ("category",)), "sku": (("产品", "单品", "sku", "商品"), ("product", "sku", "item")),
    "customer": (("客户",), ("customer", "account", "client")),
    "rep": (("销售员", "销售代表", "销售人员"), ("rep", "sales rep", "salesperson", "seller")),
}
for _dim, (_zh, _en) in _NOUNS.items():
    DIM_WORDS[_dim] = tuple(dict.fromkeys((*DIM_WORDS[_dim], *(lead + n for lead in _ZH_LEADS for n in _zh),
                                           *(f"{lead} {n}" for lead in _EN_LEADS for n in _en))))
# "趋势 / trend" asks for a time series; by month unless a grain is named.
TREND_WORDS = ("趋势", "走势", "变化趋势", "trend", "over time")
