"""Side effects wait for the user's yes: a ticket request is previewed, held, and created exactly once on "确认"."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from langchain_core.messages import AIMessage

from agent.service import CopilotService
from copilot.confirm import parse_decision
from copilot.settings import Settings
from integrations.http import create_app
from tests.fakes import ScriptedChatModel, tool_call
from tests.routing_helpers import Clock

X200 = "请供应链同事确认X200型号库存,需48小时内反馈"
CREATE = {"action": "create", "department": "供应链", "object": "X200"}


@pytest.fixture
def routed(settings: Settings, fake_model: ScriptedChatModel) -> CopilotService:
    return CopilotService(settings, model=fake_model, clock=Clock())


def count(service: CopilotService) -> int:
    return int(service.tickets().store.count())


@pytest.mark.parametrize(("text", "want"), [
    ("确认", ("yes", None)), ("好的！", ("yes", None)), ("Yes.", ("yes", None)), ("go ahead", ("yes", None)),
    ("确认 0123456789abcdef0123456789abcdef", ("yes", "0123456789abcdef0123456789abcdef")),
    ("取消", ("no", None)), ("No", ("no", None)), ("cancel 89abcdef", ("no", "89abcdef")), ("算了。", ("no", None)),
    ("已确认库存500台", None), ("#1 答复：确认有货", None), ("yes, and also forecast X200", None),
    ("确认一下X200库存", None), ("", None), ("not sure", None),
])
def test_only_a_whole_yes_or_no_is_a_decision(text: str, want: tuple[str, str | None] | None) -> None:
    assert parse_decision(text) == want


def test_a_request_is_previewed_and_created_once_on_yes(routed: CopilotService,
                                                        fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("route_request", **CREATE)]
    held = routed.ask("demo.rep", X200, conversation_id="c1", message_id="slack:Ev1")
    assert held.confirmation is not None and held.confirmation.tool == "route_request"
    assert held.reply.startswith("将创建工单：供应链 · X200") and "负责人：任思远" in held.reply
    assert "回复“确认”执行" in held.reply and count(routed) == 0
    [call] = held.tool_calls
    assert call.ok and call.args["confirmation"] == "pending" and call.args["owner"] == "sc.devices"

    done = routed.ask("demo.rep", "确认", conversation_id="c1")
    assert done.reply.startswith("已创建工单 #1：供应链 · X200") and done.confirmation is None
    assert [c.name for c in done.tool_calls] == ["route_request"] and done.tool_calls[0].ok
    assert count(routed) == 1 and not fake_model.script  # the yes needed no LLM call
    # Pressing the (old) button again reports the first result; nothing is created twice.
    again = routed.ask("demo.rep", f"确认 {held.confirmation.id}", conversation_id="c1")
    assert again.reply.startswith("这项操作已经执行过") and "#1" in again.reply and count(routed) == 1
    # The conversation remembers it: the model sees the ticket on the next turn.
    fake_model.script = [AIMessage(content="好的")]
    routed.ask("demo.rep", "谢谢", conversation_id="c1")
    assert any("已创建工单 #1" in str(m.content) for m in fake_model.prompts[-1])


def test_no_cancels_and_a_late_yes_does_nothing(routed: CopilotService, fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("route_request", **CREATE)]
    held = routed.ask("demo.rep", "ask supply chain to confirm X200 stock within 48h", conversation_id="c2")
    assert held.reply.startswith("About to create a ticket") and held.confirmation is not None
    assert routed.ask("demo.rep", "no", conversation_id="c2").reply == "OK, cancelled. Nothing was changed."
    late = routed.ask("demo.rep", f"yes {held.confirmation.id}", conversation_id="c2")
    assert "already cancelled" in late.reply and count(routed) == 0


def test_a_redelivered_request_is_held_once(routed: CopilotService, fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("route_request", **CREATE), tool_call("route_request", **CREATE)]
    first = routed.ask("demo.rep", X200, conversation_id="c3", message_id="dt:m1")
    second = routed.ask("demo.rep", X200, conversation_id="c3", message_id="dt:m1")  # the app delivered it twice
    assert first.confirmation and second.confirmation and first.confirmation.id == second.confirmation.id


def test_nobody_else_can_confirm(routed: CopilotService, fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("route_request", **CREATE)]
    held = routed.ask("demo.rep", X200, conversation_id="c4")
    assert held.confirmation is not None
    # Another user who learnt the id (a forwarded button), even in the same conversation id, gets nothing done.
    other = routed.ask("demo.manager", f"确认 {held.confirmation.id}", conversation_id="c4")
    assert other.reply.startswith("这个确认按钮已失效") and count(routed) == 0
    assert routed.ask("demo.rep", "确认", conversation_id="c4").reply.startswith("已创建工单")


def test_an_expired_action_is_not_carried_out(settings: Settings, fake_model: ScriptedChatModel) -> None:
    routed = CopilotService(settings.model_copy(update={"confirm_ttl_min": 0.001}), model=fake_model, clock=Clock())
    fake_model.script = [tool_call("route_request", **CREATE)]
    routed.ask("demo.rep", X200, conversation_id="c5")
    time.sleep(0.1)
    assert routed.ask("demo.rep", "确认", conversation_id="c5").reply.startswith("这项操作已过期")
    assert count(routed) == 0


def test_many_simultaneous_yeses_create_one_ticket(routed: CopilotService, fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("route_request", **CREATE)]
    held = routed.ask("demo.rep", X200, conversation_id="c6")
    assert held.confirmation is not None
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: routed.ask("demo.rep", f"确认 {held.confirmation.id}",  # type: ignore[union-attr]
                                                     conversation_id="c6").reply, range(8)))
    assert count(routed) == 1
    assert sum(r.startswith("已创建工单 #1") for r in replies) == 1, replies
    assert all(r.startswith(("已创建工单 #1", "这项操作已经执行过", "这项操作正在执行")) for r in replies), replies


def test_ticket_changes_are_confirmed_too(routed: CopilotService, fake_model: ScriptedChatModel) -> None:
    rep = routed.directory.get("demo.rep")
    routed.tickets().create(rep, X200, "zh", "made-directly")
    fake_model.script = [tool_call("route_request", action="answer", ticket=1)]
    held = routed.ask("sc.devices", "#1 答复：X200 现货 12 台，周三发货", conversation_id="c7")
    assert held.reply.startswith("将答复工单 #1") and "X200 现货 12 台" in held.reply
    ticket = routed.tickets().store.get(1)
    assert ticket is not None and ticket.answer is None
    assert "已答复" in routed.ask("sc.devices", "好", conversation_id="c7").reply
    ticket = routed.tickets().store.get(1)
    assert ticket is not None and ticket.answer == "X200 现货 12 台，周三发货"


def test_what_cannot_happen_is_refused_before_asking(routed: CopilotService, fake_model: ScriptedChatModel) -> None:
    rep = routed.directory.get("demo.rep")
    routed.tickets().create(rep, X200, "zh", "made-directly")
    fake_model.script = [tool_call("route_request", action="answer", ticket=1)]
    # Only the owner answers a ticket: the requester is told so at once, not asked to confirm.
    denied = routed.ask("demo.rep", "#1 答复：有货", conversation_id="c8")
    assert denied.confirmation is None and not denied.tool_calls[0].ok


def test_reads_are_not_held(routed: CopilotService, fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("route_request", action="status", object="X200")]
    status = routed.ask("demo.rep", "我的X200请求进展如何?", conversation_id="c9")
    assert status.confirmation is None and status.reply == "您目前没有进行中的工单。"


def test_a_plain_yes_with_nothing_pending_is_an_ordinary_turn(routed: CopilotService,
                                                             fake_model: ScriptedChatModel) -> None:
    fake_model.script = [AIMessage(content="好的，还有什么可以帮您？")]
    assert routed.ask("demo.rep", "好的", conversation_id="c10").reply == "好的，还有什么可以帮您？"


def test_confirmation_over_http_and_in_the_audit_log(settings: Settings, routed: CopilotService,
                                                     fake_model: ScriptedChatModel) -> None:
    client = TestClient(create_app(settings, routed), raise_server_exceptions=False)
    fake_model.script = [tool_call("route_request", **CREATE)]
    held = client.post("/v1/chat", json={"user_id": "demo.rep", "text": X200, "conversation_id": "h1"})
    assert held.status_code == 200, held.text
    action = held.json()["confirmation"]
    assert action["tool"] == "route_request" and action["summary"].startswith("将创建工单")
    done = client.post("/v1/chat", json={"user_id": "demo.rep", "text": f"确认 {action['id']}",
                                         "conversation_id": "h1"})
    assert done.json()["reply"].startswith("已创建工单 #1") and "confirmation" not in done.json()
    [latest, first] = routed.audit().query(user_id="demo.rep", tool="route_request", limit=2)
    assert first.tools[0]["args"]["confirmation"] == "pending"
    assert latest.tools[0]["ok"] and latest.tools[0]["args"]["new"] is True


@pytest.mark.parametrize("text", ["帮我总结一下上面的要点", "summarise the points above", "谢谢，还有别的吗"])
def test_a_message_that_asks_no_one_makes_no_ticket(routed: CopilotService, fake_model: ScriptedChatModel,
                                                   text: str) -> None:
    # The model picked route_request with a department of its own (seen after a search showed a planted passage).
    fake_model.script = [tool_call("route_request", action="create", department="sales", object="ZX-200"),
                         AIMessage(content="好的。")]
    reply = routed.ask("demo.rep", text, conversation_id="c11")
    assert reply.confirmation is None and reply.tool_calls == [] and reply.reply == "好的。"
    assert routed.pending_actions().find("demo.rep", "c11") is None and count(routed) == 0


def test_settled_actions_are_purged_after_a_while(routed: CopilotService, fake_model: ScriptedChatModel) -> None:
    from datetime import UTC, datetime, timedelta

    fake_model.script = [tool_call("route_request", **CREATE)]
    held = routed.ask("demo.rep", X200, conversation_id="c12")
    assert held.confirmation is not None
    store = routed.pending_actions()
    assert store.purge(timedelta(days=30)) == 0  # a fresh one stays
    assert store.purge(timedelta(days=30), now=datetime.now(UTC) + timedelta(days=31)) == 1
    assert store.find("demo.rep", "c12", held.confirmation.id) is None
