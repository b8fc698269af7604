"""The chat-app webhooks through the real app: forged requests refused before anything runs, retries answered
once, acks that never wait for the model, replies received by local fake Slack / DingTalk servers."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from langchain_core.messages import AIMessage
from slack_sdk.signature import SignatureVerifier

from agent.service import CopilotService
from copilot.settings import Settings
from tests.fake_dingtalk import FakeDingTalk, message, sign, signed_callback
from tests.fake_slack import FakeSlack
from tests.fakes import ScriptedChatModel, tool_call
from tests.test_chat_relay import wait_for

SECRET = "fake-app-secret-0123456789"


class SlowModel(ScriptedChatModel):
    """A model that takes its time (the LLM stubbed to be slow)."""

    delay: float = 3.0

    def _generate(self, *args: Any, **kwargs: Any) -> Any:
        time.sleep(self.delay)
        return super()._generate(*args, **kwargs)


@pytest.fixture
def dingtalk() -> Iterator[FakeDingTalk]:
    with FakeDingTalk(app_secret=SECRET) as fake:
        yield fake


def changed(settings: Settings, **values: Any) -> Settings:
    """The settings with some values changed, validated like the environment's."""
    return Settings(**{**settings.model_dump(), **values})


@pytest.fixture
def ding_settings(settings: Settings, dingtalk: FakeDingTalk) -> Settings:
    return changed(settings, dingtalk_app_key=dingtalk.app_key, dingtalk_app_secret=SECRET,
                   dingtalk_api_url=dingtalk.url, dingtalk_per_minute=600)


def client_for(settings: Settings, model: ScriptedChatModel) -> TestClient:
    from integrations.http import create_app

    return TestClient(create_app(settings, CopilotService(settings, model=model)), raise_server_exceptions=False)


def forged_dingtalk(rng: random.Random, body: bytes) -> dict[str, str]:
    """Headers of a callback that must be refused: wrong key, stale, future, tampered, malformed or missing."""
    now = int(time.time() * 1000)
    kind = rng.randrange(7)
    ts = str(now)
    if kind == 0:
        return {"timestamp": ts, "sign": sign(ts, "not-the-secret")}
    if kind == 1:
        old = str(now - 3_600_001 - rng.randrange(10**7))
        return {"timestamp": old, "sign": sign(old, SECRET)}
    if kind == 2:
        ahead = str(now + 3_600_001 + rng.randrange(10**7))
        return {"timestamp": ahead, "sign": sign(ahead, SECRET)}
    if kind == 3:  # a real signature of another moment
        return {"timestamp": ts, "sign": sign(str(now - 1000), SECRET)}
    if kind == 4:
        return {"timestamp": "12ab", "sign": sign("12ab", SECRET)}
    if kind == 5:
        return {"timestamp": ts}
    return {"timestamp": ts, "sign": sign(ts, SECRET)[:-4] + "AAA="}


def test_forged_dingtalk_callbacks_are_refused_and_run_nothing(ding_settings: Settings,
                                                               dingtalk: FakeDingTalk) -> None:
    model = ScriptedChatModel()
    rng = random.Random(7)
    with client_for(ding_settings, model) as client:
        codes = []
        for i in range(250):
            _, body = signed_callback(message("你好", staff_id="DT1001", msg_id=f"forged{i}",
                                              webhook=dingtalk.webhook()), SECRET)
            res = client.post("/dingtalk/callback", content=body, headers=forged_dingtalk(rng, body))
            codes.append(res.status_code)
        assert codes == [401] * 250
        time.sleep(0.3)
        assert client.app.state.chat.relay.store.counts() == {}  # type: ignore[attr-defined]
    assert model.prompts == [] and dingtalk.calls() == []


def test_a_dingtalk_message_delivered_four_times_is_answered_once(ding_settings: Settings,
                                                                  dingtalk: FakeDingTalk) -> None:
    model = ScriptedChatModel(script=[AIMessage(content="您好，我在。")])
    body = message("你好", staff_id="DT1001", group=True, webhook=dingtalk.webhook("s1"))
    with client_for(ding_settings, model) as client:
        def deliver(_: int) -> int:
            headers, raw = signed_callback(body, SECRET)
            return client.post("/dingtalk/callback", content=raw, headers=headers).status_code

        with ThreadPoolExecutor(4) as pool:
            assert list(pool.map(deliver, range(4))) == [200] * 4
        wait_for(lambda: dingtalk.calls("/robot/sendBySession"))
        time.sleep(0.5)
        assert deliver(5) == 200  # a late redelivery
        time.sleep(0.5)
    sent = dingtalk.calls("/robot/sendBySession")
    assert len(sent) == 1 and len(model.prompts) == 1
    assert "您好，我在。" in sent[0].body["markdown"]["text"]
    assert sent[0].body["at"]["atUserIds"] == ["DT1001"]  # the asker is @-mentioned in the group


def test_dingtalk_acks_at_once_while_the_model_is_slow(ding_settings: Settings, dingtalk: FakeDingTalk) -> None:
    model = SlowModel(script=[AIMessage(content=f"answer {i}") for i in range(10)])
    acks = []
    with client_for(changed(ding_settings, chat_workers=1), model) as client:
        for i in range(10):
            headers, raw = signed_callback(message(f"hello {i}", staff_id="DT1001", webhook=dingtalk.webhook()),
                                           SECRET)
            started = time.perf_counter()
            assert client.post("/dingtalk/callback", content=raw, headers=headers).status_code == 200
            acks.append(time.perf_counter() - started)
        assert max(acks) < 1.0
        assert dingtalk.calls() == []  # the first answer is still being thought about


def test_unknown_dingtalk_users_are_refused_with_their_id(ding_settings: Settings, dingtalk: FakeDingTalk) -> None:
    model = ScriptedChatModel()
    with client_for(ding_settings, model) as client:
        headers, raw = signed_callback(message("hello", staff_id="stranger42", webhook=dingtalk.webhook()), SECRET)
        assert client.post("/dingtalk/callback", content=raw, headers=headers).status_code == 200
        wait_for(lambda: dingtalk.calls("/robot/sendBySession"))
    text = dingtalk.calls("/robot/sendBySession")[0].body["markdown"]["text"]
    assert "stranger42" in text and "admin" in text and model.prompts == []


def test_malformed_dingtalk_bodies_are_a_400(ding_settings: Settings) -> None:
    with client_for(ding_settings, ScriptedChatModel()) as client:
        for raw in (b"not json", b"[1, 2]", b'{"msgtype": "text"}'):
            ts = str(int(time.time() * 1000))
            res = client.post("/dingtalk/callback", content=raw, headers={"timestamp": ts, "sign": sign(ts, SECRET)})
            assert res.status_code == 400 and res.json()["code"] == "BadMessage"


def test_apps_that_are_not_set_up_say_how_to_set_them_up(settings: Settings) -> None:
    with client_for(settings, ScriptedChatModel()) as client:
        for path, words in (("/slack/events", "COPILOT_SLACK_SIGNING_SECRET"),
                            ("/dingtalk/callback", "COPILOT_DINGTALK_APP_SECRET")):
            res = client.post(path, content=b"{}")
            assert res.status_code == 503 and words in res.json()["error"]


def test_expired_session_webhooks_fall_back_to_the_openapi(ding_settings: Settings, dingtalk: FakeDingTalk) -> None:
    model = ScriptedChatModel(script=[AIMessage(content="late but here")])
    expired = int(time.time() * 1000) - 1000
    with client_for(ding_settings, model) as client:
        headers, raw = signed_callback(message("hello", staff_id="DT1001", webhook=dingtalk.webhook(),
                                               expires_ms=expired), SECRET)
        assert client.post("/dingtalk/callback", content=raw, headers=headers).status_code == 200
        wait_for(lambda: dingtalk.calls("/v1.0/robot/oToMessages/batchSend"))
    call = dingtalk.calls("/v1.0/robot/oToMessages/batchSend")[0]
    assert call.body["userIds"] == ["DT1001"] and "late but here" in call.body["msgParam"]
    assert dingtalk.calls("/robot/sendBySession") == []



# --- Slack ------------------------------------------------------------------------------------------------
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def slack_settings(settings: Settings, slack: FakeSlack) -> Settings:
    return changed(settings, slack_bot_token=slack.token, slack_signing_secret=SLACK_SECRET,
                   slack_api_url=slack.base_url, slack_per_minute=600)


def slack_event(event: dict[str, Any], event_id: str = "Ev0001") -> bytes:
    base = {"type": "message", "channel_type": "im", "user": "U0DEMO001", "channel": "D1",
            "ts": f"{time.time():.6f}"}
    return json.dumps({"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()), "event": {**base, **event}}).encode()


def slack_signed(body: bytes, *, secret: str = SLACK_SECRET, at: int | None = None,
                 content_type: str = "application/json") -> dict[str, str]:
    ts = str(at if at is not None else int(time.time()))
    return {"content-type": content_type, "x-slack-request-timestamp": ts,
            "x-slack-signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)}


def forged_slack(rng: random.Random, body: bytes) -> tuple[dict[str, str], bytes]:
    now = int(time.time())
    kind = rng.randrange(6)
    if kind == 0:
        return slack_signed(body, secret="not-the-signing-secret"), body
    if kind == 1:
        return slack_signed(body, at=now - 301 - rng.randrange(10**6)), body
    if kind == 2:
        return slack_signed(body, at=now + 301 + rng.randrange(10**6)), body
    if kind == 3:  # signed, then changed on the way
        return slack_signed(body), body.replace(b"hello", b"HELLO")
    if kind == 4:
        headers = slack_signed(body)
        return {**headers, "x-slack-signature": headers["x-slack-signature"].replace("v0=", "v1=")}, body
    return {"content-type": "application/json", "x-slack-request-timestamp": str(now)}, body


def test_forged_slack_requests_are_refused_and_run_nothing(slack_settings: Settings, slack: FakeSlack) -> None:
    model = ScriptedChatModel()
    rng = random.Random(11)
    with client_for(slack_settings, model) as client:
        codes = []
        for i in range(250):
            headers, body = forged_slack(rng, slack_event({"text": f"hello {i}"}, f"EvForged{i}"))
            codes.append(client.post("/slack/events", content=body, headers=headers).status_code)
        assert codes == [401] * 250
        time.sleep(0.3)
        assert client.app.state.chat.relay.store.counts() == {}  # type: ignore[attr-defined]
    assert model.prompts == [] and slack.calls_to("chat.postMessage") == []


def test_slack_url_verification_needs_a_valid_signature(slack_settings: Settings) -> None:
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"}).encode()
    with client_for(slack_settings, ScriptedChatModel()) as client:
        res = client.post("/slack/events", content=body, headers=slack_signed(body))
        assert res.status_code == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in res.text
        assert client.post("/slack/events", content=body,
                           headers=slack_signed(body, secret="wrong")).status_code == 401


def test_a_slack_event_and_its_three_retries_get_one_run_and_one_reply(slack_settings: Settings,
                                                                       slack: FakeSlack) -> None:
    model = ScriptedChatModel(script=[AIMessage(content="Hi! **Ready** when you are.")])
    body = slack_event({"text": "hello there", "channel": "C5", "channel_type": "channel", "type": "app_mention",
                        "ts": "1700000000.000100"})
    with client_for(slack_settings, model) as client:
        def deliver(n: int) -> int:
            headers = slack_signed(body)
            if n:
                headers |= {"x-slack-retry-num": str(n), "x-slack-retry-reason": "http_timeout"}
            return client.post("/slack/events", content=body, headers=headers).status_code

        with ThreadPoolExecutor(4) as pool:
            assert list(pool.map(deliver, range(4))) == [200] * 4
        slack.wait_for("chat.postMessage")
        time.sleep(0.5)
    posts = slack.calls_to("chat.postMessage")
    assert len(posts) == 1 and len(model.prompts) == 1
    assert posts[0].args["channel"] == "C5" and posts[0].args["thread_ts"] == "1700000000.000100"
    assert "*Ready*" in json.dumps(posts[0].args["blocks"], ensure_ascii=False)


def test_slack_acks_within_a_second_while_the_model_is_slow(slack_settings: Settings, slack: FakeSlack) -> None:
    model = SlowModel(script=[AIMessage(content=f"answer {i}") for i in range(10)])
    acks = []
    with client_for(changed(slack_settings, chat_workers=1), model) as client:
        for i in range(10):
            body = slack_event({"text": f"hello {i}", "channel": f"D{i}"}, f"EvSlow{i}")
            started = time.perf_counter()
            assert client.post("/slack/events", content=body, headers=slack_signed(body)).status_code == 200
            acks.append(time.perf_counter() - started)
        assert max(acks) < 1.0 and slack.calls_to("chat.postMessage") == []


def test_the_bots_own_messages_and_other_bots_are_not_answered(slack_settings: Settings, slack: FakeSlack) -> None:
    model = ScriptedChatModel()
    with client_for(slack_settings, model) as client:
        for i, event in enumerate(({"user": "UBOT", "bot_id": "BBOT", "text": "my own reply"},
                                   {"bot_id": "BOTHER", "subtype": "bot_message", "text": "another bot"})):
            body = slack_event(event, f"EvBot{i}")
            assert client.post("/slack/events", content=body, headers=slack_signed(body)).status_code == 200
        time.sleep(0.5)
        assert client.app.state.chat.relay.store.counts() == {}  # type: ignore[attr-defined]
    assert model.prompts == [] and slack.calls_to("chat.postMessage") == []


def test_the_copilot_command_answers_through_its_response_url(slack_settings: Settings, slack: FakeSlack) -> None:
    model = ScriptedChatModel(script=[AIMessage(content="Here you go.")])
    form = urlencode({"command": "/copilot", "text": "hello there", "team_id": "T1", "channel_id": "C9",
                      "user_id": "U0DEMO001", "trigger_id": "1334.5224.8088", "response_url": slack.hook_url()})
    body = form.encode()
    with client_for(slack_settings, model) as client:
        res = client.post("/slack/events", content=body,
                          headers=slack_signed(body, content_type="application/x-www-form-urlencoded"))
        assert res.status_code == 200
        slack.wait_for("response_url")
    answer = slack.calls_to("response_url")[0].args
    assert "Here you go." in json.dumps(answer, ensure_ascii=False) and answer["response_type"] == "ephemeral"


def test_a_slack_voice_clip_is_transcribed_and_answered(slack_settings: Settings, slack: FakeSlack) -> None:
    from tests.test_voice import FakeTranscriber, wav

    url = slack.add_file("clip.wav", wav(1.5), "audio/wav")
    model = ScriptedChatModel(script=[AIMessage(content="收到。")])
    service = CopilotService(slack_settings, model=model, transcriber=FakeTranscriber("你好，今天怎么样"))
    from integrations.http import create_app

    body = slack_event({"subtype": "file_share", "text": "", "files": [
        {"id": "F1", "name": "clip.wav", "mimetype": "audio/wav", "url_private_download": url}]})
    with TestClient(create_app(slack_settings, service)) as client:
        assert client.post("/slack/events", content=body, headers=slack_signed(body)).status_code == 200
        slack.wait_for("chat.postMessage")
    text = json.dumps(slack.calls_to("chat.postMessage")[0].args, ensure_ascii=False)
    assert "你好，今天怎么样" in text and "收到。" in text
    assert slack.calls_to("download")[0].headers["authorization"] == f"Bearer {slack.token}"


def test_charts_are_uploaded_into_the_thread(slack_settings: Settings, slack: FakeSlack) -> None:
    model = ScriptedChatModel(script=[tool_call("analytics_query", period="2026年Q3", by=["channel"])])
    body = slack_event({"text": "<@UBOT> 2026年Q3华东区各渠道的销售额", "channel": "C5",
                        "channel_type": "channel", "type": "app_mention", "ts": "1700000000.000100"})
    with client_for(slack_settings, model) as client:
        assert client.post("/slack/events", content=body, headers=slack_signed(body)).status_code == 200
        slack.wait_for("files.completeUploadExternal", timeout=20)
    post = slack.calls_to("chat.postMessage")[0]
    assert "华东" in post.args["text"] and post.args["thread_ts"] == "1700000000.000100"
    uploaded = [f for f in slack.files.values() if f.completed]
    assert len(uploaded) == 1 and uploaded[0].data and uploaded[0].data.startswith(b"\x89PNG")
    assert uploaded[0].channel == "C5" and uploaded[0].thread_ts == "1700000000.000100"


def test_ticket_notifications_reach_their_owner_as_a_direct_message(slack_settings: Settings,
                                                                     slack: FakeSlack) -> None:
    with client_for(slack_settings, ScriptedChatModel()) as client:
        created = client.post("/v1/tickets", json={"user_id": "demo.rep", "message_id": "m-note-1",
                                                   "text": "请供应链同事确认X200型号库存,需48小时内反馈"})
        assert created.status_code == 201, created.text
        ticket = created.json()["ticket"]
        relay = client.app.state.chat.relay  # type: ignore[attr-defined]
        service = client.app.state.service  # type: ignore[attr-defined]
        owner_slack, _ = service.directory.chat_ids(ticket["owner_id"])
        assert relay.deliver_notes() >= 1
        assert relay.deliver_notes() == 0  # delivered notes are not queued again
        slack.wait_for("chat.postMessage")
        time.sleep(0.3)
    [post] = slack.calls_to("chat.postMessage")
    assert post.args["channel"] == owner_slack and "X200" in post.args["text"]
    assert service.tickets().store.pending_messages(ticket["owner_id"]) == []


def test_ticket_notifications_go_to_dingtalk_one_to_one(ding_settings: Settings, dingtalk: FakeDingTalk) -> None:
    with client_for(ding_settings, ScriptedChatModel()) as client:
        created = client.post("/v1/tickets", json={"user_id": "demo.rep", "message_id": "m-note-2",
                                                   "text": "请供应链同事确认X200型号库存,需48小时内反馈"})
        ticket = created.json()["ticket"]
        service = client.app.state.service  # type: ignore[attr-defined]
        _, owner_staff = service.directory.chat_ids(ticket["owner_id"])
        assert client.app.state.chat.relay.deliver_notes() >= 1  # type: ignore[attr-defined]
        wait_for(lambda: dingtalk.calls("/v1.0/robot/oToMessages/batchSend"))
    [sent] = dingtalk.calls("/v1.0/robot/oToMessages/batchSend")
    assert sent.body["userIds"] == [owner_staff] and "X200" in sent.body["msgParam"]
