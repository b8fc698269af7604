"""The same analytics questions on DuckDB and on PostgreSQL (the demo warehouse copied by `copilot warehouse copy`)
give the same rows; the PostgreSQL session is read-only and has a statement timeout. Scope holds for generated
queries (property-based: every user x region, >= 1,000 queries)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copilot.context import RequestContext
from copilot.directory import Directory
from copilot.errors import PermissionDenied
from tests.conftest import TODAY
from tests.routing_helpers import POSTGRES_ENV
from tools.analytics.memory import QueryMemory
from tools.analytics.query import compile_query, rows_from, windows
from tools.analytics.semantic import METRICS, SOURCES, TIME_GRAINS
from tools.analytics.understand import AnalyticsArgs, from_args
from tools.analytics.warehouse import QueryTimeout, Warehouse
from tools.analytics_query import Analytics, analytics_query
from tools.base import ToolDeps

QUESTIONS = [
    "上季度各渠道的毛利率是多少?",
    "which region had the biggest revenue drop last month vs the month before?",
    "top 10 SKUs by growth in East China this year",
    "show weekly sales of body wash on e-commerce since January as a chart",
    "monthly units by region in 2025",
    "win rate by rep last quarter",
    "open pipeline by customer this quarter",
]


@pytest.fixture(scope="module")
def postgres_url(demo_dir: Path) -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("COPILOT_TEST_REQUIRE_POSTGRES"):
            pytest.fail(f"{POSTGRES_ENV} is not set but COPILOT_TEST_REQUIRE_POSTGRES is")
        pytest.skip(f"no PostgreSQL ({POSTGRES_ENV})")
    from tools.analytics.export import copy_to_postgres

    copied = copy_to_postgres(demo_dir / "warehouse.duckdb", url)
    assert copied["fact_sales"] > 1_000_000
    return url


def _deps(demo_dir: Path, tmp: Path, url: str | None, timeout_s: float = 0.5) -> ToolDeps:
    analytics = Analytics(warehouse=Warehouse(demo_dir / "warehouse.duckdb", url, timeout_s=timeout_s),
                          memory=QueryMemory(tmp / "a.sqlite"), charts_dir=tmp / "charts")
    return ToolDeps(warehouse_path=demo_dir / "warehouse.duckdb", directory=Directory(demo_dir / "ops.sqlite"),
                    analytics=lambda: analytics)


def _ask(deps: ToolDeps, text: str) -> dict[str, Any]:
    ctx = RequestContext(user=deps.directory.get("demo.director"), lang="en", conversation_id=text, today=TODAY,
                         text=text)
    return analytics_query(AnalyticsArgs(), ctx, deps).data


def test_postgres_gives_the_same_rows_as_duckdb(demo_dir: Path, tmp_path: Path, postgres_url: str) -> None:
    # compares rows, not speed (the time limit has its own test below): a loaded CI machine must not time out
    duck, pg = _deps(demo_dir, tmp_path / "d", None, 30.0), _deps(demo_dir, tmp_path / "p", postgres_url, 30.0)
    for question in QUESTIONS:
        a, b = _ask(duck, question), _ask(pg, question)
        assert [r["key"] for r in a["rows"]] == [r["key"] for r in b["rows"]], question
        for x, y in zip(a["rows"], b["rows"], strict=True):
            for name in ("value", "previous", "change_pct"):
                assert (x[name] is None) == (y[name] is None), (question, name)
                if x[name] is not None:
                    assert x[name] == pytest.approx(y[name], rel=1e-9), (question, name)
        assert "date_trunc" in b["sql"] or not any(d in TIME_GRAINS for d in b["by"])


def test_postgres_session_is_read_only_and_time_limited(demo_dir: Path, postgres_url: str) -> None:
    wh = Warehouse(demo_dir / "warehouse.duckdb", postgres_url, timeout_s=0.3)
    with pytest.raises(sa.exc.DBAPIError, match="read-only"), wh.connect() as conn:
        conn.execute(sa.text("DELETE FROM dim_region"))
    with pytest.raises(QueryTimeout):
        wh.run(sa.text("SELECT count(*) FROM generate_series(1, 100000000) a, generate_series(1, 100) b"))


# -- scope, property-based ---------------------------------------------------------------------------------

REGIONS = ["east", "south", "north", "central", "southwest", "northwest", "northeast"]
SCOPED_USERS = ["demo.rep", "rep.south.1", "rep.north.1", "rep.central.1", "rep.southwest.1", "rep.northwest.1",
                "rep.northeast.1", "demo.manager", "mgr.south", "mgr.north"]


@st.composite
def _queries(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    metric = draw(st.sampled_from(sorted(METRICS)))
    source = SOURCES[METRICS[metric].source]
    dims = [d for d in source.dims if d != "region"]
    args: dict[str, Any] = {
        "metric": metric,
        "period": draw(st.sampled_from(["2026-10", "Q3 2026", "2025", "last quarter", "2026年上半年", "2024-03"])),
        "by": ["region", *draw(st.lists(st.sampled_from([*dims, "month", "week"]), max_size=1))],
        "compare": draw(st.sampled_from(["none", "previous_period", "last_year"])),
    }
    asked = draw(st.lists(st.sampled_from(REGIONS), max_size=3, unique=True))
    if asked:
        args["regions"] = asked
    return draw(st.sampled_from(SCOPED_USERS)), args


def test_every_user_region_combination_is_refused_or_scoped(demo_dir: Path, tmp_path: Path) -> None:
    deps = _deps(demo_dir, tmp_path, None)
    for user_id in SCOPED_USERS:
        user = deps.directory.get(user_id)
        for region in REGIONS:
            ctx = RequestContext(user=user, lang="en", conversation_id="s", today=TODAY, text="")
            args = AnalyticsArgs(period="2026-10", regions=[region], by=["region"])  # type: ignore[list-item]
            if region in user.regions:
                rows = analytics_query(args, ctx, deps).data["rows"]
                assert [r["key"]["region"] for r in rows] == [region]
            else:
                with pytest.raises(PermissionDenied):
                    analytics_query(args, ctx, deps)


@pytest.fixture(scope="module")
def shared(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> ToolDeps:
    return _deps(demo_dir, tmp_path_factory.mktemp("scope"), None)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          derandomize=True)
@given(case=_queries())
def test_generated_queries_never_return_rows_outside_scope(shared: ToolDeps, case: tuple[str, dict[str, Any]]) -> None:
    user_id, raw = case
    deps = shared
    user = deps.directory.get(user_id)
    ctx = RequestContext(user=user, lang="en", conversation_id="p", today=TODAY, text="")
    wh: Warehouse = deps.analytics().warehouse  # type: ignore[misc]
    try:
        query, _ = from_args(AnalyticsArgs(**raw), ctx, wh.members)
    except PermissionDenied:
        assert set(raw.get("regions", [])) - set(user.regions)  # refused only when asked outside the scope
        return
    src = query.source
    rows = rows_from(query, wh.run(compile_query(query, windows(query, wh.coverage(src.name, src.date,
                                                                                     src.from_clause)[1]))))
    assert {r["key"]["region"] for r in rows} <= set(user.regions)
