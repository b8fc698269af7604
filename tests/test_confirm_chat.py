"""Confirmations in the chat apps: Slack buttons (a signed block action) and DingTalk links settle a pending ticket."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import unquote, urlencode

import pytest

from agent.reply import Confirmation, Reply
from copilot.settings import Settings
from integrations.dingtalk.render import render_reply as ding_render
from integrations.slack.render import render_reply as slack_render
from tests.fake_dingtalk import FakeDingTalk, message, signed_callback
from tests.fake_slack import FakeSlack
from tests.fakes import ScriptedChatModel, tool_call
from tests.test_chat_http import SECRET, SLACK_SECRET, changed, client_for, slack_event, slack_signed
from tests.test_chat_relay import wait_for

X200 = "请供应链同事确认X200型号库存,需48小时内反馈"
CREATE = {"action": "create", "department": "供应链", "object": "X200"}


@pytest.fixture
def slack_app(settings: Settings) -> Iterator[tuple[Settings, FakeSlack]]:
    with FakeSlack() as fake:
        yield changed(settings, slack_bot_token=fake.token, slack_signing_secret=SLACK_SECRET,
                      slack_api_url=fake.base_url, slack_per_minute=600), fake


@pytest.fixture
def ding_app(settings: Settings) -> Iterator[tuple[Settings, FakeDingTalk]]:
    with FakeDingTalk(app_secret=SECRET) as fake:
        yield changed(settings, dingtalk_app_key=fake.app_key, dingtalk_app_secret=SECRET,
                      dingtalk_api_url=fake.url, dingtalk_per_minute=600), fake


def click(value: str, user: str, trigger: str) -> bytes:
    """A block_actions payload as Slack posts it (form-encoded `payload`)."""
    payload = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": user, "team_id": "T1"},
               "channel": {"id": "C5"}, "trigger_id": trigger, "container": {"type": "message", "channel_id": "C5"},
               "message": {"ts": "1700000000.000200", "thread_ts": "1700000000.000100"},
               "actions": [{"action_id": "copilot_confirm" if value.startswith(("确认", "yes")) else "copilot_cancel",
                            "value": value, "type": "button", "action_ts": f"{time.time():.6f}"}]}
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()


def posted(slack: FakeSlack) -> list[str]:
    return [json.dumps(c.args, ensure_ascii=False) for c in slack.calls_to("chat.postMessage")]


def test_slack_buttons_confirm_once_and_only_for_the_asker(slack_app: tuple[Settings, FakeSlack]) -> None:
    slack_settings, slack = slack_app
    model = ScriptedChatModel(script=[tool_call("route_request", **CREATE)])
    body = slack_event({"text": f"<@UBOT> {X200}", "channel": "C5", "channel_type": "channel", "type": "app_mention",
                        "ts": "1700000000.000100"}, event_id="EvConfirm1")
    form = "application/x-www-form-urlencoded"
    with client_for(slack_settings, model) as client:
        assert client.post("/slack/events", content=body, headers=slack_signed(body)).status_code == 200
        slack.wait_for("chat.postMessage")
        [held] = slack.calls_to("chat.postMessage")
        [actions] = [b for b in held.args["blocks"] if b["type"] == "actions"]
        yes = actions["elements"][0]["value"]
        assert yes.startswith("确认 ") and held.args["thread_ts"] == "1700000000.000100"
        service = client.app.state.service  # type: ignore[attr-defined]
        assert service.tickets().store.count() == 0

        # Someone else in the channel clicks first: nothing happens for them.
        other = click(yes, "U0DEMO002", "trig-other")
        assert client.post("/slack/events", content=other, headers=slack_signed(other, content_type=form)
                           ).status_code == 200
        wait_for(lambda: len(slack.calls_to("chat.postMessage")) >= 2)
        assert "已失效" in posted(slack)[1] and service.tickets().store.count() == 0

        mine = click(yes, "U0DEMO001", "trig-1")
        assert client.post("/slack/events", content=mine, headers=slack_signed(mine, content_type=form)
                           ).status_code == 200
        wait_for(lambda: len(slack.calls_to("chat.postMessage")) >= 3)
        again = click(yes, "U0DEMO001", "trig-2")  # a double click
        assert client.post("/slack/events", content=again, headers=slack_signed(again, content_type=form)
                           ).status_code == 200
        wait_for(lambda: len(slack.calls_to("chat.postMessage")) >= 4)
        forged = click(yes, "U0DEMO001", "trig-3")
        assert client.post("/slack/events", content=forged, headers=slack_signed(forged, secret="wrong",
                                                                                 content_type=form)
                           ).status_code == 401
    texts = posted(slack)
    assert "已创建工单 #1" in texts[2] and "已经执行过" in texts[3]
    assert service.tickets().store.count() == 1 and len(texts) == 4


def test_dingtalk_one_to_one_links_send_the_confirmation(ding_app: tuple[Settings, FakeDingTalk]) -> None:
    ding_settings, dingtalk = ding_app
    model = ScriptedChatModel(script=[tool_call("route_request", **CREATE)])
    with client_for(ding_settings, model) as client:
        headers, raw = signed_callback(message(X200, staff_id="DT1001", msg_id="dm1", webhook=dingtalk.webhook()),
                                       SECRET)
        assert client.post("/dingtalk/callback", content=raw, headers=headers).status_code == 200
        wait_for(lambda: dingtalk.calls("/robot/sendBySession"))
        text = dingtalk.calls("/robot/sendBySession")[0].body["markdown"]["text"]
        link = text.split("dtmd://dingtalkclient/sendMessage?content=")[1].split(")")[0]
        said = unquote(link)
        assert said.startswith("确认 ")
        headers, raw = signed_callback(message(said, staff_id="DT1001", msg_id="dm2", webhook=dingtalk.webhook()),
                                       SECRET)
        assert client.post("/dingtalk/callback", content=raw, headers=headers).status_code == 200
        wait_for(lambda: len(dingtalk.calls("/robot/sendBySession")) >= 2)
        service = client.app.state.service  # type: ignore[attr-defined]
    assert "已创建工单 #1" in dingtalk.calls("/robot/sendBySession")[1].body["markdown"]["text"]
    assert service.tickets().store.count() == 1


def reply_with_confirmation(lang: str) -> Reply:
    return Reply(reply="将创建工单：供应链" if lang == "zh" else "About to create a ticket", language=lang,  # type: ignore[arg-type]
                 conversation_id="c", trace_id="t",
                 confirmation=Confirmation(id="ab" * 16, tool="route_request", summary="s",
                                           expires_at="2026-12-03T10:00:00Z"))  # type: ignore[arg-type]


def test_buttons_are_rendered_only_where_they_work() -> None:
    slack_blocks = slack_render(reply_with_confirmation("en"), {"channel": "C1"})[0]["args"]["blocks"]
    [actions] = [b for b in slack_blocks if b["type"] == "actions"]
    assert [e["value"] for e in actions["elements"]] == [f"yes {'ab' * 16}", f"no {'ab' * 16}"]
    one_to_one = ding_render(reply_with_confirmation("zh"), {"conversation_type": "1", "staff_id": "DT1"})
    assert "sendMessage?content=%E7%A1%AE%E8%AE%A4%20" in one_to_one[0]["markdown"]["text"]
    group = ding_render(reply_with_confirmation("zh"), {"conversation_type": "2", "open_conversation_id": "cid"})
    assert "dtmd://" not in group[0]["markdown"]["text"]  # in groups the robot hears only @-mentions
