"""LLM outages: the circuit opens after repeated provider failures, turns are answered at once by read-only tools
picked in code, /healthz says so, and the circuit closes again once the LLM answers."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from langchain_core.messages import AIMessage

from agent.service import CopilotService
from copilot.errors import LLMUnavailable
from copilot.settings import Settings
from tests.fakes import ScriptedChatModel


class ProviderDown(ConnectionError):
    """What the provider SDK raises when nobody answers."""


@pytest.fixture
def fragile(settings: Settings) -> Settings:
    return settings.model_copy(update={"llm_breaker_failures": 2, "llm_breaker_reset_s": 0.5})


def test_outage_opens_the_circuit_and_answers_directly(fragile: Settings) -> None:
    model = ScriptedChatModel(script=[ProviderDown("refused"), ProviderDown("refused")])
    service = CopilotService(fragile, model=model)
    first = service.ask("demo.manager", "2026年10月华东区的销售额是多少?")
    assert first.reply.startswith("⚠️ 语言模型暂时不可用") and "华东 · 2026-10 销售额：¥4,487.1万" in first.reply
    assert [(c.name, c.ok) for c in first.tool_calls] == [("analytics_query", True)]
    service.ask("demo.manager", "下个月华东区洗发水的销量预测?")
    assert service.llm_state() == "open" and len(model.prompts) == 2
    started = time.perf_counter()
    check = service.ask("demo.rep", "这段话合规吗：我们是全国第一的品牌")
    assert time.perf_counter() - started < 2.0 and len(model.prompts) == 2  # the open circuit asked nobody
    assert "全国第一" in check.reply and check.tool_calls[0].name == "check_compliance"


def test_while_open_side_effects_and_chat_get_a_clear_message(fragile: Settings) -> None:
    model = ScriptedChatModel(script=[ProviderDown("x"), ProviderDown("x")])
    service = CopilotService(fragile, model=model)
    with pytest.raises(LLMUnavailable) as hello:
        service.ask("demo.rep", "hello there")
    assert "not answering" in hello.value.message("en") and "forecasts, sales analytics" in hello.value.message("en")
    with pytest.raises(LLMUnavailable) as ticket:  # no ticket without the model
        service.ask("demo.rep", "请供应链同事确认X200型号库存,需48小时内反馈")
    assert "此时仍可直接查询" in ticket.value.message("zh")
    assert service.tickets().store.by_message("demo.rep:") == []


def test_scope_still_holds_in_degraded_mode(fragile: Settings) -> None:
    service = CopilotService(fragile, model=ScriptedChatModel(script=[ProviderDown("x")]))
    reply = service.ask("demo.rep", "上个月华南区的销售额是多少?")  # demo.rep sees East China only
    assert reply.reply == "您的数据权限不包含：华南。" and not reply.tool_calls[0].ok


def test_the_circuit_closes_when_the_llm_answers_again(fragile: Settings) -> None:
    model = ScriptedChatModel(script=[ProviderDown("x"), ProviderDown("x"), AIMessage(content="I'm back.")])
    service = CopilotService(fragile, model=model)
    for _ in range(2):
        with pytest.raises(LLMUnavailable):
            service.ask("demo.rep", "hello there")
    assert service.llm_state() == "open"
    time.sleep(0.6)  # the reset timeout: the next turn tries the LLM once
    assert service.ask("demo.rep", "hello there").reply == "I'm back."
    assert service.llm_state() == "closed"


def test_bad_model_output_is_not_an_outage(fragile: Settings) -> None:
    model = ScriptedChatModel(script=[LLMUnavailable(detail="model output is not JSON")] * 3)
    service = CopilotService(fragile, model=model)
    for _ in range(3):
        with pytest.raises(LLMUnavailable):
            service.ask("demo.rep", "hello there")
    assert service.llm_state() == "closed" and len(model.prompts) == 3


def test_healthz_reports_the_open_circuit_fast(fragile: Settings) -> None:
    from integrations.http import create_app

    service = CopilotService(fragile, model=ScriptedChatModel(script=[ProviderDown("x"), ProviderDown("x")]))
    with TestClient(create_app(fragile, service)) as client:
        for _ in range(2):
            assert client.post("/v1/chat", json={"user_id": "demo.rep", "text": "hello there"}).status_code == 503
        started = time.perf_counter()
        health = client.get("/healthz")
        assert time.perf_counter() - started < 1.0
    assert health.status_code == 200 and health.json()["llm"] == "open"
