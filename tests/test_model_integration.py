"""The real bundled model end to end (slow: loads the 1 GB GGUF once; marked `model`, run in CI)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.service import CopilotService
from copilot.errors import LLMUnavailable
from copilot.settings import Settings, load_settings
from tests.conftest import TODAY
from tests.fakes import link_demo

pytestmark = pytest.mark.model
ROUTING_SLICE_MIN = 0.75  # 0.85 in the full run of 2026-12-03 (17/20); the margin absorbs drift


@pytest.fixture(scope="module")
def real(demo_dir: Path, forecast_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CopilotService]:
    data = link_demo(tmp_path_factory.mktemp("real"), demo_dir, forecast_dir)
    service = CopilotService(load_settings(data_dir=data, today=TODAY))
    service.warm_up()
    yield service


@pytest.mark.parametrize(
    ("user", "text", "regions", "label", "starts"),
    [
        ("demo.manager", "2026年10月华东区的销售额是多少?", ["east"], "2026-10", "华东 · 2026-10 销售额：¥4,487.1万"),
        ("demo.director", "What was revenue in South China in Q3 2026?", ["south"], "2026-Q3",
         "South China · 2026-Q3 revenue: ¥83.09M"),
        ("demo.director", "上个月华北区的销量", ["north"], "2026-10", "华北 · 2026-10 销量："),
    ],
)
def test_data_questions_call_the_tool_with_grounded_arguments(
    real: CopilotService, user: str, text: str, regions: list[str], label: str, starts: str
) -> None:
    reply = real.ask(user, text)
    assert [c.name for c in reply.tool_calls] == ["analytics_query"], reply
    assert reply.tool_calls[0].ok and reply.tool_calls[0].args.get("regions") == regions
    assert reply.reply.startswith(starts), reply.reply
    assert label in reply.reply


@pytest.mark.parametrize(
    ("user", "text", "applied"),
    [
        ("demo.director", "下个月华南区洗发水的销量预测?",
         {"kind": "forecast", "period": "2026-12", "regions": ["south"], "category": "shampoo"}),
        ("demo.director", "what if we cancel the 618 promotion — effect on Q2 revenue and margin?",
         {"kind": "what_if", "period": "2027-Q2", "promotion": "618", "metric": "revenue"}),
        ("demo.manager", "how biased were last quarter's forecasts for my region?",
         {"kind": "bias", "period": "2026-Q3", "regions": ["east"]}),
    ],
)
def test_forecast_questions_call_query_forecast(real: CopilotService, user: str, text: str,
                                                applied: dict[str, object]) -> None:
    reply = real.ask(user, text)
    assert [c.name for c in reply.tool_calls] == ["query_forecast"], reply
    call = reply.tool_calls[0]
    assert call.ok and {k: call.args.get(k) for k in applied} == applied, call


def test_greeting_calls_no_tool_and_answers_in_chinese(real: CopilotService) -> None:
    reply = real.ask("demo.rep", "你好,你是谁?")
    assert reply.tool_calls == [] and reply.language == "zh"
    assert reply.reply.strip() and any("\u4e00" <= ch <= "\u9fff" for ch in reply.reply)


def test_rep_asking_outside_scope_is_refused(real: CopilotService) -> None:
    reply = real.ask("demo.rep", "2026年10月华南区的销售额是多少?")
    assert reply.tool_calls and not reply.tool_calls[0].ok
    assert "华南" in reply.reply and "权限" in reply.reply


@pytest.mark.parametrize(("text", "department", "owner"), [
    ("请供应链同事确认X200型号库存,需48小时内反馈", "supply_chain", "sc.devices"),
    ("ask legal to review the payment terms of the Midea contract by tomorrow noon", "legal", "legal.owner"),
])
def test_requests_become_tickets_once(real: CopilotService, text: str, department: str, owner: str) -> None:
    # Delivered twice (each delivery on its own, as an app retry arrives): one pending action, previewed with the
    # routing it will get.
    replies = [real.ask("demo.rep", text, message_id=f"model-{department}") for _ in range(2)]
    for reply in replies:
        assert [c.name for c in reply.tool_calls] == ["route_request"], reply
        args = reply.tool_calls[0].args
        assert reply.tool_calls[0].ok and (args["department"], args["owner"]) == (department, owner), args
        assert args["confirmation"] == "pending" and reply.confirmation is not None
    assert replies[0].confirmation and replies[1].confirmation
    assert replies[0].confirmation.id == replies[1].confirmation.id
    yes = "确认" if department == "supply_chain" else "yes"
    made = real.ask("demo.rep", yes, conversation_id=replies[0].conversation_id)  # typed, in that conversation
    assert made.tool_calls[0].ok and made.tool_calls[0].args["new"] is True, made
    again = real.ask("demo.rep", f"{yes} {replies[0].confirmation.id}")  # the old button, pressed again
    assert f"#{made.tool_calls[0].args['ticket']}" in again.reply
    assert "已经执行过" in again.reply or "already done" in again.reply, again
    status = real.ask("demo.rep", "我的X200请求进展如何?" if department == "supply_chain" else
                      "what's the status of my legal request?")
    assert f"#{made.tool_calls[0].args['ticket']}" in status.reply, status


def test_slow_llm_times_out_into_degraded_mode(settings: Settings) -> None:
    slow = load_settings(data_dir=settings.data_dir, today=TODAY, llm_timeout_s=0.05, llm_max_retries=0)
    service = CopilotService(slow)
    # A data question is still answered, by the tool its words name, without the model.
    reply = service.ask("demo.rep", "What was revenue in East China in October 2026?")
    assert reply.reply.startswith("⚠️ The language model is unavailable") and "2026-10" in reply.reply
    assert [c.name for c in reply.tool_calls] == ["analytics_query"]
    with pytest.raises(LLMUnavailable):  # small talk needs the model: a clear error saying what still works
        service.ask("demo.rep", "hello, how are you?")


def test_a_slice_of_the_routing_suite(real: CopilotService) -> None:
    """Every 12th request of the routing sets (20, both languages, every category) through whole turns."""
    from evals import routing

    score = routing.run(real, routing.load(routing.SETS.values())[::12])
    assert score.metrics()["tool accuracy"] >= ROUTING_SLICE_MIN, score.misses()


def test_a_slice_of_the_answers_suite(real: CopilotService) -> None:
    """Analytics, forecast and ticket turns with the real model: every figure in the reply is in the tool result."""
    from evals import answers
    from tools.registry import TOOLS

    items = [i for i in answers.load() if i["id"] in ("an-01", "an-04", "fc-01", "fc-02", "rt-01")]
    tools, seen = answers.capturing(TOOLS)
    service = CopilotService(real.settings, model=real.chat_model(), tools=tools)
    score = answers.run(service, items, seen)
    metrics = score.metrics()
    assert metrics["tool answered"] >= 0.8 and metrics["replies fully grounded"] == 1.0, score.misses()
