"""analytics_query against the demo warehouse: figures equal independent SQL, the user's words decide, scope is
enforced in code, follow-ups refine, bad input is explained, the warehouse is read-only and time-limited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlalchemy as sa

from copilot.context import RequestContext
from copilot.directory import Directory
from copilot.errors import HandBack, PermissionDenied, Redirect, ToolInputError
from tests.conftest import TODAY
from tools.analytics.memory import QueryMemory
from tools.analytics.understand import AnalyticsArgs, fix_typos
from tools.analytics.warehouse import QueryTimeout, TooManyRows, Warehouse
from tools.analytics_query import Analytics, analytics_query
from tools.base import ToolDeps


@pytest.fixture
def deps(demo_dir: Path, tmp_path: Path) -> ToolDeps:
    analytics = Analytics(warehouse=Warehouse(demo_dir / "warehouse.duckdb"),
                          memory=QueryMemory(tmp_path / "analytics.sqlite"), charts_dir=tmp_path / "charts")
    return ToolDeps(warehouse_path=demo_dir / "warehouse.duckdb", directory=Directory(demo_dir / "ops.sqlite"),
                    analytics=lambda: analytics)


def _ctx(deps: ToolDeps, user_id: str, text: str = "", conversation: str = "c") -> RequestContext:
    lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"
    return RequestContext(user=deps.directory.get(user_id), lang=lang, conversation_id=conversation, today=TODAY,
                          text=text)


def _ask(deps: ToolDeps, text: str, user: str = "demo.director", conversation: str = "c", **args: Any) -> Any:
    return analytics_query(AnalyticsArgs(**args), _ctx(deps, user, text, conversation), deps)


def _sql(deps: ToolDeps, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(deps.warehouse_path), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_regional_manager_total_in_chinese_matches_sql(deps: ToolDeps) -> None:
    out = _ask(deps, "上个月销售额是多少？", user="demo.manager")
    (cur,), = _sql(deps, "SELECT sum(revenue) FROM fact_sales WHERE region_code='east' "
                         "AND date BETWEEN '2026-10-01' AND '2026-10-31'")
    (prev,), = _sql(deps, "SELECT sum(revenue) FROM fact_sales WHERE region_code='east' "
                          "AND date BETWEEN '2026-09-01' AND '2026-09-30'")
    row = out.data["rows"][0]
    assert row["value"] == pytest.approx(cur, rel=1e-9) and row["previous"] == pytest.approx(prev, rel=1e-9)
    assert out.data["regions"] == ["east"]  # scope injected, not asked
    assert out.text.startswith("华东 · 2026-10 销售额：¥") and "环比" in out.text
    assert out.attachments == []  # one number: no chart


def test_margin_pct_by_channel_last_quarter(deps: ToolDeps) -> None:
    out = _ask(deps, "上季度各渠道的毛利率是多少?", metric="revenue")  # the user's 毛利率 beats the model's pick
    want = dict(_sql(deps, "SELECT channel_code, sum(revenue - cost) / sum(revenue) FROM fact_sales "
                           "WHERE date BETWEEN '2026-07-01' AND '2026-09-30' GROUP BY 1"))
    got = {r["key"]["channel"]: r["value"] for r in out.data["rows"]}
    assert got == pytest.approx(want, rel=1e-9)
    assert [r["value"] for r in out.data["rows"]] == sorted(got.values(), reverse=True)
    assert "| 渠道 | 毛利率 |" in out.text and "电商旗舰店" in out.text
    chart = out.attachments[0]
    assert chart.kind == "chart" and Path(chart.path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_biggest_drop_ranks_by_change(deps: ToolDeps) -> None:
    out = _ask(deps, "which region had the biggest revenue drop last month vs the month before?")
    rows = out.data["rows"]
    assert out.data["compare"] == "previous_period" and rows[0]["key"] == {"region": "south"}
    assert [r["change"] for r in rows] == sorted(r["change"] for r in rows)
    assert "Biggest drop: South China" in out.text


def test_growth_this_year_compares_the_same_months_last_year(deps: ToolDeps) -> None:
    out = _ask(deps, "top 10 SKUs by growth in East China this year")
    assert out.data["start"] == "2026-01-01" and out.data["end"] == "2026-10-31"  # clipped to the data
    assert len(out.data["rows"]) == 10 and out.data["compare"] == "last_year"
    top = out.data["rows"][0]
    sku = top["key"]["sku"]
    (prev,), = _sql(deps, f"SELECT sum(revenue) FROM fact_sales WHERE sku='{sku}' AND region_code='east' "
                          "AND date BETWEEN '2025-01-01' AND '2025-10-31'")
    assert top["previous"] == pytest.approx(prev, rel=1e-9)
    pcts = [r["change_pct"] for r in out.data["rows"]]
    assert pcts == sorted(pcts, reverse=True)


def test_weekly_series_since_january(deps: ToolDeps) -> None:
    out = _ask(deps, "show weekly sales of body wash on e-commerce since January as a chart")
    rows = out.data["rows"]
    assert out.data["filters"] == {"category": "body_wash", "channel": "ecommerce"}
    keys = [r["key"]["week"] for r in rows]
    assert keys == sorted(keys) and keys[0] == "2025-12-29" and keys[-1] == "2026-10-26"  # Mondays
    (total,), = _sql(deps, "SELECT sum(f.revenue) FROM fact_sales f JOIN dim_product p USING (sku) WHERE "
                           "p.category_code='body_wash' AND f.channel_code='ecommerce' AND f.date >= '2026-01-01'")
    assert sum(r["value"] for r in rows) == pytest.approx(total, rel=1e-9)
    assert out.attachments and "chart" in out.text


def test_pipeline_metrics_by_rep_and_customer(deps: ToolDeps) -> None:
    out = _ask(deps, "won amount by rep this year")
    want = dict(_sql(deps, "SELECT owner_user_id, sum(amount) FROM opportunities WHERE stage='won' AND "
                           "expected_close BETWEEN '2026-01-01' AND '2026-12-31' GROUP BY 1"))
    got = {r["key"]["rep"]: r["value"] for r in out.data["rows"] if r["value"]}
    assert got == pytest.approx(want)
    rate = _ask(deps, "上季度赢单率")
    (won, decided), = _sql(deps, "SELECT count(*) FILTER (WHERE stage='won'), count(*) FILTER (WHERE stage IN "
                                 "('won','lost')) FROM opportunities WHERE expected_close BETWEEN '2026-07-01' AND "
                                 "'2026-09-30'")
    assert rate.data["rows"][0]["value"] == pytest.approx(won / decided)


def test_follow_up_refines_the_previous_query(deps: ToolDeps) -> None:
    _ask(deps, "上季度华东区的销售额", conversation="f")
    by_channel = _ask(deps, "那按渠道呢？", conversation="f")
    assert by_channel.data["by"] == ["channel"] and by_channel.data["regions"] == ["east"]
    assert by_channel.data["start"] == "2026-07-01"
    only = _ask(deps, "only e-commerce", conversation="f")
    assert only.data["filters"] == {"channel": "ecommerce"} and only.data["by"] == ["channel"]
    # another conversation (or another user with the same conversation id) starts afresh
    fresh = _ask(deps, "那按渠道呢？", user="demo.admin", conversation="f")
    assert fresh.data["start"] == "2026-10-01" and len(fresh.data["regions"]) == 7  # default period, all regions
    assert "未指定时间" in fresh.text


def test_rep_is_refused_another_region_and_sees_only_their_own(deps: ToolDeps) -> None:
    with pytest.raises(PermissionDenied) as info:
        _ask(deps, "华南区上个月的销售额", user="demo.rep")
    assert "华南" in info.value.zh and "South China" in info.value.en
    own = _ask(deps, "revenue by region last month", user="demo.rep")
    assert [r["key"] for r in own.data["rows"]] == [{"region": "east"}]


@pytest.mark.parametrize(("text", "args", "needle"), [
    ("2019年的销售额", {}, "2023-11-01"),  # outside the data: say what is covered
    ("gross margin % next quarter", {"metric": "gross_margin_pct"}, "not started"),
    ("shmapoo revenue last month", {"category": "shmapoo"}, "Did you mean: Shampoo"),
    ("revenue for SK-999 last month", {"sku": "SK-999"}, "SK-999"),
    ("revenue in the telepathy channel last month", {"channel": "telepathy"}, "telepathy"),
    ("win rate by channel this year", {"by": ["channel"]}, None),  # channel is not a pipeline dimension: ignored
])
def test_bad_input_is_explained(deps: ToolDeps, text: str, args: dict[str, Any], needle: str | None) -> None:
    if needle is None:
        assert _ask(deps, text, metric="win_rate", **args).data["by"] == []
        return
    with pytest.raises(ToolInputError) as info:
        _ask(deps, text, **args)
    assert needle in info.value.en


@pytest.mark.parametrize("text", ["revenue next quarter", "how many X200 units do we expect to ship next month?",
                                  "下季度洗发水的需求大概多少"])
def test_a_figure_of_a_period_not_yet_started_is_a_forecast_question(deps: ToolDeps, text: str) -> None:
    with pytest.raises(Redirect) as moved:
        _ask(deps, text, metric="units")
    assert moved.value.tool == "query_forecast"


def test_injection_in_filter_values_is_only_a_literal(deps: ToolDeps) -> None:
    evil = "east'; DROP TABLE fact_sales; --"
    with pytest.raises(ToolInputError):
        _ask(deps, f"revenue last month in channel {evil}", channel=evil)
    with pytest.raises(ToolInputError):
        _ask(deps, "", period="last month", category="x' OR '1'='1")
    assert _sql(deps, "SELECT count(*) FROM fact_sales")[0][0] > 0


def test_not_an_analytics_question_is_handed_back(deps: ToolDeps) -> None:
    with pytest.raises(HandBack):
        _ask(deps, "tell me a joke")


def test_query_shown_on_request_with_values_bound(deps: ToolDeps) -> None:
    out = _ask(deps, "East China revenue by channel last month, and show me the SQL")
    assert "```sql" in out.text and "fact_sales" in out.data["sql"] and "'east'" in out.data["sql"]


def test_warehouse_is_read_only_time_limited_and_row_capped(demo_dir: Path) -> None:
    wh = Warehouse(demo_dir / "warehouse.duckdb", timeout_s=0.2, max_rows=5)
    with pytest.raises(sa.exc.DBAPIError), wh.connect() as conn:
        conn.execute(sa.text("DELETE FROM dim_region"))
    with pytest.raises(QueryTimeout):
        wh.run(sa.text("SELECT count(*) FROM range(100000000000) a"))
    with pytest.raises(TooManyRows):
        wh.run(sa.text("SELECT * FROM dim_product"))


def test_direct_call_without_a_message_trusts_the_arguments(deps: ToolDeps) -> None:
    out = _ask(deps, "", metric="units", period="Q3 2026", by=["category"], regions=["south"], compare="last_year")
    assert out.data["by"] == ["category"] and out.data["regions"] == ["south"]
    assert out.data["compare"] == "last_year" and len(out.data["rows"]) == 7
    with pytest.raises(ToolInputError):
        _ask(deps, "", metric="win_rate", period="Q3 2026", channel="ka")


def test_model_arguments_are_validated() -> None:
    with pytest.raises(ValueError):
        AnalyticsArgs(period="Q3", regions=["mars"])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        AnalyticsArgs(period="Q3", unexpected="x")  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        AnalyticsArgs(by=["region", "channel", "sku"])  # type: ignore[list-item]


@pytest.mark.parametrize(("text", "start", "compare", "prev_start"), [
    ("跟去年10月比，上个月哪个渠道营收同比下滑最多？", "2026-10-01", "last_year", "2025-10-01"),  # comparison first
    ("Q1 2026 revenue compared to the previous quarter", "2026-01-01", "previous_period", "2025-10-01"),
    ("How's GM% in H1 2026 versus H1 2025?", "2026-01-01", "last_year", "2025-01-01"),
    ("10月份营收跟9月比是涨了还是跌了", "2026-10-01", "previous_period", "2026-09-01"),
])
def test_two_periods_say_what_is_compared(deps: ToolDeps, text: str, start: str, compare: str,
                                          prev_start: str) -> None:
    out = _ask(deps, text, metric="units")  # no metric word where none is named: revenue, not the model's guess
    assert (out.data["start"], out.data["compare"]) == (start, compare)
    assert f"{prev_start}" in out.text or prev_start in str(out.applied)
    assert out.data["metric"] in ("revenue", "gross_margin_pct")


def test_typos_in_metric_and_grouping_words_are_repaired(deps: ToolDeps) -> None:
    out = _ask(deps, "top 3 regoins by revnue in 2025?")
    assert out.data["by"] == ["region"] and len(out.data["rows"]) == 3 and out.data["metric"] == "revenue"
    assert fix_typos("regain the lead") == "regain the lead"  # not one slip from a word of ours


def test_a_region_the_model_read_through_a_typo_is_kept(deps: ToolDeps) -> None:
    out = _ask(deps, "unts sold in Norht China last month", regions=["north"])
    assert out.data["regions"] == ["north"] and out.data["metric"] == "units"
    assert _ask(deps, "units sold last month", regions=["north"]).data["regions"] != ["north"]  # not named: scope
