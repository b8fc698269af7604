"""The end-to-end answers suite's scorer: figures read with their rounding, grounded in the tool's result."""

from __future__ import annotations

import pytest

from agent.service import CopilotService
from copilot.settings import Settings
from evals.answers import SET, Figure, capturing, evidence, figures, grounded, load, run
from tests.fakes import ScriptedChatModel, tool_call
from tools.registry import TOOLS


@pytest.mark.parametrize(("text", "values"), [
    ("销售额：¥4,487.1万（占 31.7%）", [44_871_000.0, 31.7]),
    ("revenue ¥83.09M, 45.6% of total", [83_090_000.0, 45.6]),
    ("ROI 12.5%, NPV -¥2.7万, payback 2.67 years", [12.5, 27_000.0, 2.67]),  # signs: compared as magnitudes
    ("2026-10 华东 · 2026年10月 · Q3 · X200 · SH-101 · 10:30", []),  # dates, periods, codes, times
    ("1. 华东 ¥1.41亿", [141_000_000.0]),  # a list marker is not a figure
])
def test_figures_and_their_rounding(text: str, values: list[float]) -> None:
    assert [round(f.value, 2) for f in figures(text)] == values


def test_grounding_allows_the_rounding_shown_and_nothing_more() -> None:
    shown = figures("¥4,487.1万")[0]
    assert shown.tolerance == pytest.approx(500)
    assert grounded(shown, [44_871_234.5]) and not grounded(shown, [44_881_234.5])
    share = Figure("31.7%", 31.7, 0.05, True)
    assert grounded(share, [0.3171]) and grounded(share, [31.7]) and not grounded(share, [0.32])
    assert evidence({"rows": [{"value": 1.5, "name": "华东"}], "note": "about 80万"}, "投入80万") == \
        [1.5, 800000.0, 80.0, 800000.0, 80.0]


def test_suite_on_real_tool_results(service: CopilotService, fake_model: ScriptedChatModel, settings: Settings) -> None:
    items = [i for i in load(SET) if i["id"] in ("an-01", "an-02", "an-03", "rt-01")]
    tools, seen = capturing(TOOLS)
    service = CopilotService(settings, model=fake_model, tools=tools)
    fake_model.script = [tool_call(i["tool"]) for i in items]
    score = run(service, items, seen)
    assert [r["answered"] for r in score.rows] == [True] * 4
    assert all(r["figures"] > 0 for r in score.rows[:3])
    assert score.metrics()["replies fully grounded"] == 1.0, score.misses()
    # A figure the tool never produced is caught.
    seen_row = score.rows[0]
    assert not grounded(figures("¥9,999.9万")[0], evidence(seen_row["text"]))
