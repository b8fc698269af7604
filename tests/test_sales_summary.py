"""sales_summary against the demo warehouse: figures equal an independent SQL check; scope enforced in code."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from copilot.context import RequestContext
from copilot.directory import Directory
from copilot.errors import PermissionDenied, ToolInputError
from tests.conftest import TODAY
from tools.base import ToolDeps
from tools.sales_summary import SalesSummaryArgs, sales_summary


@pytest.fixture
def deps(demo_dir: Path) -> ToolDeps:
    return ToolDeps(warehouse_path=demo_dir / "warehouse.duckdb", directory=Directory(demo_dir / "ops.sqlite"))


def _ctx(deps: ToolDeps, user_id: str, lang: str = "en") -> RequestContext:
    return RequestContext(user=deps.directory.get(user_id), lang=lang, conversation_id="c", today=TODAY)


def _sql(deps: ToolDeps, sql: str, *params: object) -> float:
    with duckdb.connect(str(deps.warehouse_path), read_only=True) as conn:
        row = conn.execute(sql, list(params)).fetchone()
    assert row is not None
    return float(row[0])


def test_relative_month_in_chinese_matches_sql(deps: ToolDeps) -> None:
    out = sales_summary(SalesSummaryArgs(period="上个月"), _ctx(deps, "demo.manager", "zh"), deps)
    expected = _sql(deps, "SELECT sum(revenue) FROM fact_sales WHERE region_code='east' "
                          "AND date BETWEEN '2026-10-01' AND '2026-10-31'")
    previous = _sql(deps, "SELECT sum(revenue) FROM fact_sales WHERE region_code='east' "
                          "AND date BETWEEN '2026-09-01' AND '2026-09-30'")
    assert out.data["value"] == pytest.approx(expected, rel=1e-9)
    assert out.data["previous_value"] == pytest.approx(previous, rel=1e-9)
    assert out.data["regions"] == ["east"]  # a regional manager sees only their region
    assert out.text.startswith("华东 · 2026-10 销售额：¥") and "环比" in out.text


def test_group_by_channel_with_bilingual_filters(deps: ToolDeps) -> None:
    args = SalesSummaryArgs(period="Q3 2026", regions=["south"], category="洗发水", group_by="channel",
                            metric="units", compare="last_year")
    out = sales_summary(args, _ctx(deps, "demo.director"), deps)
    rows = {r["key"]: r["value"] for r in out.data["rows"]}
    assert len(rows) == 4
    ecommerce = _sql(deps, "SELECT sum(f.units) FROM fact_sales f JOIN dim_product p USING (sku) "
                           "WHERE f.region_code='south' AND f.channel_code='ecommerce' AND p.category_zh='洗发水' "
                           "AND f.date BETWEEN '2026-07-01' AND '2026-09-30'")
    assert rows["ecommerce"] == pytest.approx(ecommerce)
    assert out.data["value"] == pytest.approx(sum(rows.values()))
    assert "vs last year" in out.text and "South China" in out.text


def test_gross_margin_pct(deps: ToolDeps) -> None:
    out = sales_summary(SalesSummaryArgs(period="2026-09", metric="gross_margin_pct"),
                        _ctx(deps, "demo.director"), deps)
    expected = _sql(deps, "SELECT sum(revenue-cost)/sum(revenue) FROM fact_sales "
                          "WHERE date BETWEEN '2026-09-01' AND '2026-09-30'")
    assert out.data["value"] == pytest.approx(expected, abs=1e-4)
    assert "All regions" in out.text and "pts" in out.text


def test_rep_cannot_read_another_region(deps: ToolDeps) -> None:
    with pytest.raises(PermissionDenied) as info:
        sales_summary(SalesSummaryArgs(period="Q3", regions=["south"]), _ctx(deps, "demo.rep"), deps)
    assert "South China" in info.value.en and "华南" in info.value.zh


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ({"period": "2019"}, "2023-11-01"),  # outside the data: say what is covered
        ({"period": "Q3", "category": "spaceships"}, "spaceships"),
        ({"period": "someday"}, "someday"),
        ({"period": "Q3", "channel": "telepathy"}, "telepathy"),
    ],
)
def test_bad_arguments_are_explained(deps: ToolDeps, args: dict[str, str], needle: str) -> None:
    with pytest.raises(ToolInputError) as info:
        sales_summary(SalesSummaryArgs(**args), _ctx(deps, "demo.director"), deps)  # type: ignore[arg-type]
    assert needle in info.value.en


def test_model_arguments_are_validated() -> None:
    with pytest.raises(ValueError):
        SalesSummaryArgs(period="Q3", regions=["mars"])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        SalesSummaryArgs(period="Q3", unexpected="x")  # type: ignore[call-arg]
