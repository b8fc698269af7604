"""query_forecast end to end on a stored run of the demo warehouse (four SKUs: conftest.forecast_dir)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agent.service import CopilotService
from copilot.context import RequestContext
from copilot.directory import Directory
from copilot.errors import PermissionDenied, Redirect, ToolInputError
from copilot.settings import Settings
from tests.conftest import TODAY
from tests.fakes import ScriptedChatModel, tool_call
from tools.base import ToolDeps
from tools.forecast import answers, store
from tools.forecast.understand import ForecastArgs
from tools.query_forecast import Forecasting, query_forecast


@pytest.fixture
def deps(demo_dir: Path, forecast_dir: Path, tmp_path: Path) -> ToolDeps:
    fc = Forecasting(store.RunCache(forecast_dir), tmp_path / "charts")
    return ToolDeps(warehouse_path=demo_dir / "warehouse.duckdb", directory=Directory(demo_dir / "ops.sqlite"),
                    forecasting=lambda: fc)


def _ask(deps: ToolDeps, text: str, user: str = "demo.director", **args: Any) -> Any:
    lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"
    ctx = RequestContext(user=deps.directory.get(user), lang=lang, conversation_id="c", today=TODAY, text=text)
    return query_forecast(ForecastArgs(**args), ctx, deps)


def _run(deps: ToolDeps) -> store.Run:
    return deps.forecasting().runs.get()  # type: ignore[misc]


def test_chinese_forecast_for_a_region_and_category(deps: ToolDeps) -> None:
    out = _ask(deps, "下个月华南区洗发水的销量预测?")
    assert out.applied["period"] == "2026-12" and out.applied["regions"] == ["south"]
    assert out.applied["category"] == "shampoo"
    run = _run(deps)
    mask = answers.select(run, {"category": "shampoo"}, ["south"])
    expected = (run.forecast[mask] * answers.future_weights(run, date(2026, 12, 1), date(2026, 12, 31))).sum()
    assert out.data["units"] == pytest.approx(expected)
    assert out.text.startswith("华南 · 洗发水") and "销量预测" in out.text and "80% 区间" in out.text
    lo, hi = out.data["intervals_units"]["80"]
    assert lo < out.data["units"] < hi
    chart = Path(out.attachments[0].path)
    assert chart.read_bytes()[:4] == b"\x89PNG"


def test_english_revenue_forecast_with_a_monthly_table(deps: ToolDeps) -> None:
    out = _ask(deps, "Q1 2027 revenue forecast for body wash on e-commerce in East China?")
    assert out.applied | {"regions": ["east"]} == out.applied
    assert out.applied["channel"] == "ecommerce" and out.applied["metric"] == "revenue"
    assert "revenue forecast: ¥" in out.text and "| 2027-03 |" in out.text
    assert out.data["revenue"] > 0 and out.data["gross_margin"] < out.data["revenue"]


def test_a_rep_sees_only_their_regions_and_is_refused_others(deps: ToolDeps) -> None:
    rep = deps.directory.get("demo.rep")
    out = _ask(deps, "forecast for next month", user="demo.rep")
    assert out.applied["regions"] == list(rep.regions)
    run = _run(deps)
    w = answers.future_weights(run, date(2026, 12, 1), date(2026, 12, 31))
    assert out.data["units"] == pytest.approx((run.forecast[answers.select(run, {}, list(rep.regions))] * w).sum())
    with pytest.raises(PermissionDenied):
        _ask(deps, "next month's forecast for South China", user="demo.rep")


def test_unknown_product_gets_the_closest_names(deps: ToolDeps) -> None:
    with pytest.raises(ToolInputError) as err:
        _ask(deps, "SH-1O1 下个月的销量预测", sku="SH-1O1")
    assert "SH-101" in err.value.zh and "SH-101" in err.value.en


def test_past_and_too_distant_periods_are_refused(deps: ToolDeps) -> None:
    with pytest.raises(ToolInputError, match="in the past"):
        _ask(deps, "forecast for September 2026")
    # Asked for no forecast: a period that is over is analytics_query's (its actual sales).
    with pytest.raises(Redirect) as moved:
        _ask(deps, "三季度哪个区卖得最好？", period="三季度")
    assert moved.value.tool == "analytics_query"
    with pytest.raises(ToolInputError) as err:
        _ask(deps, "2028年1月的销量预测")
    assert "超出了预测范围" in err.value.zh and "2027-07-31" in err.value.zh


def test_what_if_cancelling_618_re_predicts_with_the_promotion_off(deps: ToolDeps) -> None:
    out = _ask(deps, "what if we cancel the 618 promotion — effect on Q2 revenue and margin?")
    assert out.applied["kind"] == "what_if" and out.data["promotions"] == ["P2027-618"]
    assert out.data["series_changed"] > 0
    base, scen = out.data["base"], out.data["scenario"]
    assert scen["units"] < base["units"]  # without the discount the model expects fewer units
    assert "associational" in out.text and "618 Mid-Year Sale 2027 cancelled" in out.text


def test_concurrent_what_ifs_agree(deps: ToolDeps) -> None:
    from concurrent.futures import ThreadPoolExecutor

    text = "如果双11不打折，11月电商销量会怎样"
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: _ask(deps, text).data["scenario"]["units"], range(4)))
    assert len(set(results)) == 1 and results[0] < _ask(deps, text).data["base"]["units"]


def test_what_if_on_an_unplanned_promotion_lists_the_plan(deps: ToolDeps) -> None:
    with pytest.raises(ToolInputError) as err:
        _ask(deps, "what if we cancel the Christmas promotion in December?", promotion="Christmas")
    assert "No promotion matching 'Christmas'" in err.value.en and "Double 12 2026" in err.value.en


def test_bias_of_last_quarter(deps: ToolDeps) -> None:
    out = _ask(deps, "how biased were last quarter's forecasts?")
    assert out.applied["kind"] == "bias" and out.applied["period"] == "2026-Q3"
    run = _run(deps)
    mask = answers.select(run, {}, sorted(set(run.keys["region"])))
    result = answers.bias(answers.slice_of(run, mask), run.weeks, date(2026, 7, 1), date(2026, 9, 30))
    assert result.period is not None
    assert out.data["bias_pct"] == pytest.approx(result.period.bias_pct)
    assert "forecast bias" in out.text and "| Forecast made |" in out.text
    assert np.isfinite(out.data["wape_pct"])


def test_the_agent_prefers_the_forecast_over_analytics_for_a_forecast_question(
        settings: Settings, forecast_dir: Path) -> None:
    (settings.data_dir / "forecast").symlink_to(forecast_dir / "forecast")
    model = ScriptedChatModel(script=[tool_call("analytics_query", metric="units", period="下个月"),
                                      tool_call("query_forecast", period="下个月", category="洗发水")])
    reply = CopilotService(settings, model=model).ask("demo.director", "下个月洗发水的销量预测?")
    assert [c.name for c in reply.tool_calls] == ["query_forecast"] and reply.tool_calls[0].ok
    assert "销量预测" in reply.reply and reply.attachments[0].kind == "chart"
