"""route_request through the agent, the chat API and /v1/tickets; 200 concurrent requests over loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable

from agent.service import CopilotService
from copilot.settings import Settings
from integrations.http import create_app
from tests.fakes import ScriptedChatModel, tool_call
from tests.routing_helpers import Clock

X200 = "请供应链同事确认X200型号库存,需48小时内反馈"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def routed(settings: Settings, fake_model: ScriptedChatModel, clock: Clock) -> CopilotService:
    # Ticket mechanics through the agent; the yes-before-a-side-effect step has its own tests (test_confirm.py).
    return CopilotService(settings.model_copy(update={"confirm_side_effects": False}), model=fake_model, clock=clock)


@pytest.fixture
def client(settings: Settings, routed: CopilotService) -> TestClient:
    return TestClient(create_app(settings, routed), raise_server_exceptions=False)


def chat(client: TestClient, user_id: str, text: str, message_id: str | None = None) -> dict[str, Any]:
    res = client.post("/v1/chat", json={"user_id": user_id, "text": text, "message_id": message_id})
    assert res.status_code == 200, res.text
    return dict(res.json())


def test_chat_creates_one_ticket_per_message(client: TestClient, fake_model: ScriptedChatModel,
                                             routed: CopilotService) -> None:
    call = {"action": "create", "department": "供应链", "object": "X200"}
    fake_model.script = [tool_call("route_request", **call), tool_call("route_request", **call)]
    first = chat(client, "demo.rep", X200, "slack:Ev01")
    again = chat(client, "demo.rep", X200, "slack:Ev01")  # Slack retried the event
    assert first["reply"].startswith("已创建工单 #1：供应链 · X200")
    assert again["reply"].startswith("该消息已建过工单 #1")
    assert first["tool_calls"][0]["args"]["owner"] == "sc.devices" and first["tool_calls"][0]["ok"]
    assert routed.tickets().store.count() == 1


def test_plain_reply_to_a_request_is_replaced_by_the_tool(client: TestClient, fake_model: ScriptedChatModel,
                                                          routed: CopilotService) -> None:
    fake_model.script = [AIMessage(content="好的，我会转告供应链。"), tool_call("route_request", action="create")]
    body = chat(client, "demo.rep", X200, "m1")
    assert [c["name"] for c in body["tool_calls"]] == ["route_request"]
    assert routed.tickets().store.count() == 1


def test_follow_up_and_owner_answer_by_chat(client: TestClient, fake_model: ScriptedChatModel,
                                            routed: CopilotService) -> None:
    fake_model.script = [tool_call("route_request", action="create"),
                         tool_call("route_request", action="status", object="X200"),
                         tool_call("route_request", action="answer", ticket=1),
                         tool_call("route_request", action="status")]
    chat(client, "demo.rep", X200, "m1")
    status = chat(client, "demo.rep", "我的X200请求进展如何?")
    assert "#1" in status["reply"] and "待处理" in status["reply"] and "任思远" in status["reply"]
    answer = chat(client, "sc.devices", "#1 答复：X200 现货 12 台，周三发货")
    assert "已答复" in answer["reply"] and "X200 现货 12 台，周三发货" in answer["reply"]
    ticket = routed.tickets().store.get(1)
    assert ticket is not None and ticket.answer == "X200 现货 12 台，周三发货"
    assert [m.kind for m in routed.tickets().store.pending_messages("demo.rep")] == ["answered"]


def test_tickets_api(client: TestClient, clock: Clock) -> None:
    body = {"user_id": "demo.rep", "text": X200, "message_id": "dt:msg-1"}
    created = client.post("/v1/tickets", json=body)
    assert created.status_code == 201 and created.json()["created"] is True
    ticket_id = created.json()["ticket"]["id"]
    repeat = client.post("/v1/tickets", json=body)
    assert repeat.status_code == 200 and repeat.json()["ticket"]["id"] == ticket_id
    assert repeat.json()["created"] is False

    unknown = client.post("/v1/tickets", json={**body, "text": "请HR部门确认年假", "message_id": "m2"})
    assert unknown.status_code == 422 and "HR" in unknown.json()["error"] and "供应链" in unknown.json()["error"]
    escalate = client.post("/v1/tickets", json={**body, "text": "请法务审核美的合同，升级", "message_id": "m3"})
    assert escalate.status_code == 403 and "未创建" in escalate.json()["error"]
    past = client.post("/v1/tickets", json={**body, "text": "ask legal to review it by yesterday",
                                            "message_id": "m4"})
    assert past.status_code == 422 and "in the past" in past.json()["error"]

    assert client.get(f"/v1/tickets/{ticket_id}", params={"user_id": "rep.north.1"}).status_code == 404
    denied = client.post(f"/v1/tickets/{ticket_id}/actions",
                         json={"user_id": "demo.rep", "action": "answer", "note": "self"})
    assert denied.status_code == 403
    answered = client.post(f"/v1/tickets/{ticket_id}/actions",
                           json={"user_id": "sc.devices", "action": "answer", "note": "12 in stock"})
    assert answered.status_code == 200 and answered.json()["state"] == "answered"
    detail = client.get(f"/v1/tickets/{ticket_id}", params={"user_id": "demo.rep"}).json()
    assert [e["to_state"] for e in detail["history"]] == ["open", "answered"]
    assert [t["id"] for t in client.get("/v1/tickets", params={"user_id": "demo.rep"}).json()] == [ticket_id]

    assert client.get("/v1/metrics/collaboration", params={"user_id": "demo.rep"}).status_code == 403
    health = client.get("/v1/metrics/collaboration", params={"user_id": "demo.director"})
    assert health.status_code == 200
    assert [(r["department"], r["tickets"], r["sla_hit_rate"]) for r in health.json()["rows"]] == [
        ("supply_chain", 1, 1.0)]


class RouteEverything(BaseChatModel):
    """Thread-safe fake: every message is a new request for route_request (for load tests)."""

    @property
    def _llm_type(self) -> str:
        return "route-everything"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[Any, AIMessage]:
        return self

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=tool_call("route_request", action="create"))])


@pytest.fixture
def server(settings: Settings) -> Iterator[tuple[str, CopilotService]]:
    # load tests: one user sends dozens at once, each creating its ticket (no confirmation step)
    settings = settings.model_copy(update={"user_per_minute": 1000, "confirm_side_effects": False})
    service = CopilotService(settings, model=RouteEverything())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(settings, service), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started
    yield f"http://127.0.0.1:{port}", service
    srv.should_exit = True
    thread.join(10)


def fire(base: str, requests: list[tuple[str, dict[str, Any]]]) -> list[httpx.Response]:
    """All requests at once (one thread each, released together)."""
    gate = threading.Barrier(len(requests))

    def one(item: tuple[str, dict[str, Any]]) -> httpx.Response:
        with httpx.Client(base_url=base, timeout=120) as http:
            gate.wait()
            return http.post(item[0], json=item[1])

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(one, requests))


def test_200_concurrent_requests_over_loopback(server: tuple[str, CopilotService]) -> None:
    base, service = server
    texts = ["请供应链同事确认X200型号库存,需48小时内反馈", "ask legal to review the Midea contract by tomorrow noon",
             "请财务月底前确认美的回款", "please have delivery confirm the X300 install date within 3 days"]
    users = ["demo.rep", "rep.south.1", "rep.north.1", "rep.central.2"]
    batch = [("/v1/tickets", {"user_id": users[i % 4], "text": texts[i % 4], "message_id": f"load-{i}"})
             for i in range(200)]
    batch += [("/v1/tickets", {"user_id": "demo.rep", "text": X200, "message_id": "dup-event"})] * 4
    responses = fire(base, batch)
    assert [r.status_code for r in responses[:200]].count(201) == 200
    assert sorted(r.status_code for r in responses[200:]) == [200, 200, 200, 201]
    ids = [r.json()["ticket"]["id"] for r in responses]
    assert len(set(ids[:200])) == 200 and len(set(ids[200:])) == 1  # 0 duplicates, 0 lost
    store = service.tickets().store
    assert store.count() == 201 and len(store.pending_messages()) == 201


def test_concurrent_chat_turns_with_redelivery(server: tuple[str, CopilotService]) -> None:
    base, service = server
    batch = [("/v1/chat", {"user_id": "demo.rep", "text": X200, "message_id": f"ev-{i % 30}"}) for i in range(60)]
    responses = fire(base, batch)
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200][:2]
    assert service.tickets().store.count() == 30


def test_collaboration_metrics_by_chat_for_managers_only(client: TestClient, fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("route_request", action="create"), tool_call("route_request", action="metrics"),
                         tool_call("route_request", action="metrics")]
    chat(client, "demo.rep", X200, "m1")
    table = chat(client, "demo.director", "各部门协作指标怎么样")["reply"]
    assert table.splitlines()[0].startswith("部门 | 区域 | 工单") and "供应链 | east | 1 | 1 |" in table
    denied = chat(client, "demo.rep", "协作指标怎么样")
    assert denied["tool_calls"][0]["ok"] is False and "仅对经理开放" in denied["reply"]


def test_a_vague_request_opens_no_ticket_on_the_models_guess(service: CopilotService,
                                                             fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("route_request", department="sales", object="Chen Jing")]
    reply = service.ask("demo.rep", "send a request")
    assert reply.reply.startswith("Which department should handle this?")
    assert reply.tool_calls[0].ok is False and reply.tool_calls[0].error is None
    assert service.tickets().store.list_for("demo.rep") == []
