"""The analytics eval: its scorer with a scripted model (right rows pass, wrong rows are reported), and a slice
of the question set with the real bundled model (marked `model`; the full set runs by `copilot eval analytics`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.service import CopilotService
from copilot.settings import Settings, load_settings
from evals.analytics import DATA, SET, capturing, failures, load, load_tables, run
from tests.conftest import TODAY
from tests.fakes import ScriptedChatModel, link_demo, tool_call
from tools.registry import TOOLS

ITEMS = [
    {"id": "a", "lang": "zh", "type": "grouped", "user": "demo.director", "turns": ["上季度各渠道的毛利率是多少?"],
     "expect": {"source": "sales", "metric": "gross_margin_pct", "by": ["channel"], "filters": {},
                "start": "2026-07-01", "end": "2026-09-30", "compare": "none", "sort": "value_desc", "limit": None}},
    {"id": "b", "lang": "en", "type": "follow_up", "user": "demo.manager",
     "turns": ["revenue last month", "and by channel?"],
     "expect": {"source": "sales", "metric": "revenue", "by": ["channel"], "filters": {}, "start": "2026-10-01",
                "end": "2026-10-31", "compare": "previous_period", "sort": "value_desc", "limit": None}},
    {"id": "c", "lang": "en", "type": "total", "user": "demo.director", "turns": ["units in September"],
     "expect": {"source": "sales", "metric": "units", "by": [], "filters": {}, "start": "2026-08-01",
                "end": "2026-08-31", "compare": "none", "sort": "value_desc", "limit": None}},  # wrong month
]


def _service(settings: Settings, model: ScriptedChatModel | None = None) -> tuple[CopilotService, list]:  # type: ignore[type-arg]
    tools, seen = capturing(TOOLS)
    return CopilotService(settings, model=model, tools=tools), seen


def test_scorer_checks_rows_against_the_pandas_reference(settings: Settings, fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("analytics_query"), tool_call("analytics_query"), tool_call("analytics_query"),
                         tool_call("analytics_query")]
    service, seen = _service(settings, fake_model)
    score = run(service, ITEMS, seen, load_tables(settings.warehouse_path))
    by_id = {r["id"]: r for r in score.rows}
    assert by_id["a"]["ok"] and by_id["b"]["ok"], score.misses()
    assert not by_id["c"]["ok"] and "value" in by_id["c"]["why"]
    metrics = score.metrics()
    assert metrics["exact result"] == pytest.approx(2 / 3) and metrics["exact result · follow_up"] == 1.0
    assert failures(metrics) == ["exact result 0.667 < 0.9"]


def test_shipped_sets_are_well_formed() -> None:
    main, held_out = load(SET), load(DATA / "analytics_holdout.jsonl")
    assert len(main) >= 100 and len(held_out) >= 50
    assert {i["lang"] for i in main + held_out} == {"zh", "en"}
    assert not {i["id"] for i in main} & {i["id"] for i in held_out}


@pytest.fixture(scope="module")
def real(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CopilotService, list]]:  # type: ignore[type-arg]
    data = link_demo(tmp_path_factory.mktemp("real-analytics"), demo_dir)
    service, seen = _service(load_settings(data_dir=data, today=TODAY))
    service.warm_up()
    yield service, seen


@pytest.mark.model
def test_embedded_model_answers_a_slice_of_the_set_exactly(real: tuple[CopilotService, list],  # type: ignore[type-arg]
                                                           demo_dir: Path) -> None:
    service, seen = real
    items = load(SET)[::10]  # 12 questions across every type, both languages
    score = run(service, items, seen, load_tables(demo_dir / "warehouse.duckdb"))
    assert score.metrics()["exact result"] >= 0.8, score.misses()
