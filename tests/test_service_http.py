"""The service and HTTP API end to end with a scripted model: Reply shape, memory, bad input, LLM failures."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from fastapi.testclient import TestClient
from langchain_core.messages import AIMessage

from agent.service import CopilotService
from copilot.errors import BadRequest, UnknownUser
from copilot.settings import Settings, load_settings
from integrations.http import create_app
from tests.fakes import ScriptedChatModel, tool_call


@pytest.fixture
def client(settings: Settings, service: CopilotService) -> TestClient:
    return TestClient(create_app(settings, service), raise_server_exceptions=False)


def test_reply_object_for_a_tool_turn(client: TestClient, fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("analytics_query", period="2026年10月")]
    res = client.post("/v1/chat", json={"user_id": "demo.manager", "text": "2026年10月华东区的销售额是多少?"})
    assert res.status_code == 200
    body = res.json()
    assert set(body) == {"reply", "language", "tool_calls", "attachments", "transcript", "conversation_id",
                         "trace_id"}
    assert body["language"] == "zh" and body["reply"].startswith("华东 · 2026-10 销售额：¥")
    # The record shows the arguments as applied: the period in dates and the regions after scoping.
    assert body["tool_calls"] == [{"name": "analytics_query", "args": {
        "period": "2026-10", "start": "2026-10-01", "end": "2026-10-31", "window": ["2026-10-01", "2026-10-31"],
        "regions": ["east"], "metric": "revenue", "by": [], "compare": "previous_period", "sort": "value_desc",
        "limit": None}, "ok": True, "error": None}]
    # The per-turn context reached the model after the byte-stable system prompt.
    prompt = fake_model.prompts[0]
    assert "Sales Copilot" in str(prompt[0].content)
    assert "today: 2026-11-23" in str(prompt[-1].content) and "data scope: east" in str(prompt[-1].content)


def test_conversation_memory_is_per_user_and_persisted(settings: Settings) -> None:
    model = ScriptedChatModel(script=[AIMessage(content="Hello Chen!"), AIMessage(content="You said hi.")])
    first = CopilotService(settings, model=model).ask("demo.rep", "hi, I'm Chen")
    # A new service instance (a restart) still has the conversation.
    again = CopilotService(settings, model=model)
    second = again.ask("demo.rep", "what did I say?", first.conversation_id)
    assert second.conversation_id == first.conversation_id and second.reply == "You said hi."
    assert any("I'm Chen" in str(m.content) for m in model.prompts[1])
    # The same conversation id under another user is a different, empty conversation.
    model.script = [AIMessage(content="Hi.")]
    again.ask("demo.director", "what did I say?", first.conversation_id)
    assert not any("I'm Chen" in str(m.content) for m in model.prompts[2])


def test_scope_refusal_comes_back_in_the_users_language(client: TestClient, fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("analytics_query", period="上个月", regions=["south"])]
    body = client.post("/v1/chat", json={"user_id": "demo.rep", "text": "上个月华南区的销售额?"}).json()
    assert body["reply"] == "您的数据权限不包含：华南。"
    assert body["tool_calls"][0]["ok"] is False


@pytest.mark.parametrize(
    ("payload", "status", "needle"),
    [
        ({"user_id": "demo.rep", "text": "   "}, 400, "Please type a question"),
        ({"user_id": "demo.rep", "text": "销售" * 50_000}, 400, "消息太长"),
        ({"user_id": "nobody", "text": "hello"}, 403, "nobody"),
        ({"user_id": "demo.rep"}, 422, "text"),
        ({"user_id": "demo.rep", "text": "hi", "conversation_id": "../../etc"}, 422, "conversation_id"),
    ],
)
def test_bad_input_gets_a_clear_message_and_the_service_stays_up(
    client: TestClient, payload: dict[str, Any], status: int, needle: str
) -> None:
    res = client.post("/v1/chat", json=payload)
    assert res.status_code == status
    assert needle in res.json()["error"]
    assert "Traceback" not in res.text
    assert client.get("/healthz").status_code == 200


def test_llm_failure_is_503_with_a_message(client: TestClient, fake_model: ScriptedChatModel) -> None:
    fake_model.script = [ConnectionError("connection refused to 10.0.0.1:443 with key sk-123")]
    res = client.post("/v1/chat", json={"user_id": "demo.rep", "text": "hello"})
    assert res.status_code == 503
    assert "not answering" in res.json()["error"] and "sk-123" not in res.text
    assert client.get("/healthz").json()["status"] == "ok"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_real_openai_provider_down_fails_fast_and_cleanly(settings: Settings) -> None:
    down = load_settings(data_dir=settings.data_dir, today=settings.today, provider="openai",
                         base_url=f"http://127.0.0.1:{_closed_port()}/v1", model="x", llm_timeout_s=3,
                         llm_max_retries=0, api_auth="off")
    client = TestClient(create_app(down), raise_server_exceptions=False)
    res = client.post("/v1/chat", json={"user_id": "demo.rep", "text": "你好"})
    assert res.status_code == 503 and res.json()["error"].startswith("语言模型暂时没有响应，请稍后再试。")
    # A question a tool can answer without the model gets that direct answer (degraded mode), not an error.
    res = client.post("/v1/chat", json={"user_id": "demo.rep", "text": "上个月销售额"})
    assert res.status_code == 200 and res.json()["reply"].startswith("⚠️ 语言模型暂时不可用")
    assert res.json()["tool_calls"][0]["name"] == "analytics_query"


def test_service_validation_errors(service: CopilotService) -> None:
    with pytest.raises(BadRequest):
        service.ask("demo.rep", "")
    with pytest.raises(UnknownUser):
        service.ask("ghost", "hi")


def test_openapi_documents_the_chat_endpoint(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/v1/chat" in spec["paths"] and "/healthz" in spec["paths"]
    assert client.get("/docs").status_code == 200
