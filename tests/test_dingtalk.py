"""DingTalk robot: callback signature and parsing, markdown rendering, delivery and voice notes against a local
fake DingTalk (tests/fake_dingtalk.py), and the Stream-mode handler. Loopback only, no real DingTalk."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import dingtalk_stream
import pytest
from dingtalk_stream import AckMessage, CallbackMessage

from agent.reply import Reply, ToolCallRecord
from copilot.errors import BadRequest
from copilot.settings import Settings, load_settings
from integrations.chat.model import DeliveryFailed, Incoming, OutMessage, RetryLater, retry_after
from integrations.dingtalk import stream
from integrations.dingtalk.callback import MalformedCallback, parse_message, verify_signature
from integrations.dingtalk.platform import DingTalkPlatform, classify, webhook_allowed
from integrations.dingtalk.render import (
    MAX_TEXT,
    MAX_TITLE,
    openapi_body,
    pack,
    render_notice,
    render_reply,
    webhook_body,
)
from tests.fake_dingtalk import ROBOT_USER_ID, FakeDingTalk, message, signed_callback
from tools.base import Attachment

SECRET = "fake-app-secret-0123456789"
NOW_MS = 1_800_000_000_000
HOUR_MS = 3_600_000


class Clock:
    """Wall clock the test moves by hand (webhook expiry and token lifetime depend on it)."""

    def __init__(self, t: float = NOW_MS / 1000) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def ding() -> Iterator[FakeDingTalk]:
    with FakeDingTalk(app_secret=SECRET) as fake:
        yield fake


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api_url: str, **extra: object) -> Settings:
    monkeypatch.chdir(tmp_path)  # no developer .env
    return load_settings(data_dir=tmp_path, dingtalk_app_key="dingfakeappkey", dingtalk_app_secret=SECRET,
                         dingtalk_robot_code="dingrobot01", dingtalk_api_url=api_url, **extra)


@pytest.fixture
def platform(ding: FakeDingTalk, clock: Clock, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[DingTalkPlatform]:
    p = DingTalkPlatform(make_settings(tmp_path, monkeypatch, ding.url), clock=clock)
    yield p
    p.close()


def reply(text: str = "华东 · 2026-10 销售额：¥4,487.1万", lang: str = "zh", **extra: object) -> Reply:
    return Reply(reply=text, language=lang, conversation_id="c1", trace_id="t1",  # type: ignore[arg-type]
                 tool_calls=[ToolCallRecord(name="analytics_query", ok=True)], **extra)  # type: ignore[arg-type]


def incoming(**kw: object) -> Incoming:
    parsed = parse_message(message(**kw))  # type: ignore[arg-type]
    assert parsed is not None
    return parsed


# --- signature ------------------------------------------------------------------------------------------


def test_signature_accepts_dingtalks_sign() -> None:
    headers, _ = signed_callback(message(), SECRET, timestamp_ms=NOW_MS - 5_000)
    assert verify_signature(headers["timestamp"], headers["sign"], SECRET, NOW_MS)


def test_signature_rejects_wrong_secret_and_tampering() -> None:
    headers, _ = signed_callback(message(), "another-secret", timestamp_ms=NOW_MS)
    assert not verify_signature(headers["timestamp"], headers["sign"], SECRET, NOW_MS)
    good, _ = signed_callback(message(), SECRET, timestamp_ms=NOW_MS)
    assert not verify_signature(str(NOW_MS + 1), good["sign"], SECRET, NOW_MS)  # sign is for another timestamp


@pytest.mark.parametrize(("offset", "ok"), [(-HOUR_MS - 1, False), (HOUR_MS + 1, False),
                                            (-HOUR_MS + 1000, True), (HOUR_MS - 1000, True)])
def test_signature_window_is_one_hour_both_ways(offset: int, ok: bool) -> None:
    headers, _ = signed_callback(message(), SECRET, timestamp_ms=NOW_MS + offset)
    assert verify_signature(headers["timestamp"], headers["sign"], SECRET, NOW_MS) is ok


@pytest.mark.parametrize(("timestamp", "sign"), [
    (None, "x"), (str(NOW_MS), None), ("", ""), ("12ab", "x"), ("１８００", "x"), ("-5", "x"),
    (str(NOW_MS), "签名不是base64"), ("9" * 40, "x")])
def test_signature_malformed_headers_are_refused(timestamp: str | None, sign: str | None) -> None:
    assert verify_signature(timestamp, sign, SECRET, NOW_MS) is False


# --- parsing --------------------------------------------------------------------------------------------


def test_parse_text_one_to_one() -> None:
    body = message("  华东区10月销售额?  ", msg_id="msgA", webhook="https://oapi.dingtalk.com/robot/sendBySession?"
                   "session=s1", expires_ms=NOW_MS + HOUR_MS)
    got = parse_message(body)
    assert got is not None
    assert (got.platform, got.event_id, got.user_ref) == ("dingtalk", "msgA", "manager4821")
    assert got.text == "华东区10月销售额?"
    assert got.conversation == "dingtalk:cidOneToOneZ7pLr5Tn==" and got.channel == "cidOneToOneZ7pLr5Tn=="
    assert got.audio is None
    assert got.route == {"session_webhook": body["sessionWebhook"], "expires_ms": NOW_MS + HOUR_MS,
                         "conversation_type": "1", "open_conversation_id": "cidOneToOneZ7pLr5Tn==",
                         "staff_id": "manager4821", "msgtype": "text"}


def test_parse_one_to_one_conversation_is_stable_per_user() -> None:
    a, b = incoming(text="first"), incoming(text="second")
    assert a.conversation == b.conversation and a.event_id != b.event_id


def test_parse_group_message_with_at() -> None:
    got = incoming(text="华东排名", group=True, staff_id="rep007")
    assert got.text == "华东排名"  # the space DingTalk leaves for the @robot is gone
    assert got.route["conversation_type"] == "2" and got.route["staff_id"] == "rep007"
    assert got.channel == got.route["open_conversation_id"] == "cidGroupQ8x2Kd0fYb1w=="


def test_parse_rich_text_joins_text_parts() -> None:
    got = incoming(msgtype="richText", rich=[{"text": "看看这张图 "}, {"type": "picture", "downloadCode": "d"},
                                             {"text": "\n是哪个区域?"}, {"text": "  "}])
    assert got.text == "看看这张图\n是哪个区域?"


def test_parse_audio_uses_dingtalks_recognition() -> None:
    got = incoming(msgtype="audio", recognition=" 华东区上个月销售额 ")
    assert got.text == "华东区上个月销售额" and got.audio is None


@pytest.mark.parametrize("recognition", [None, "", "   "])
def test_parse_audio_without_recognition_needs_download(recognition: str | None) -> None:
    got = incoming(msgtype="audio", recognition=recognition, download_code="dlc-9")
    assert got.text == ""
    assert got.audio == {"downloadCode": "dlc-9", "robotCode": "dingfakeappkey", "duration_ms": 4000}


def test_parse_unsupported_type_becomes_empty_message_for_a_notice() -> None:
    got = incoming(msgtype="picture")
    assert (got.text, got.audio, got.route["msgtype"]) == ("", None, "picture")


def test_parse_ignores_the_robots_own_messages() -> None:
    assert parse_message(message(staff_id=ROBOT_USER_ID)) is None
    assert parse_message(message(staff_id=None, sender_id=ROBOT_USER_ID)) is None


def test_parse_falls_back_to_sender_id_without_staff_id() -> None:
    got = incoming(staff_id=None, sender_id="$:LWCP_v1:$external==")
    assert got.user_ref == "$:LWCP_v1:$external==" and got.route["staff_id"] is None


def test_parse_bad_expiry_counts_as_expired() -> None:
    body = message()
    body["sessionWebhookExpiredTime"] = "soon"
    got = parse_message(body)
    assert got is not None and got.route["expires_ms"] == 0


@pytest.mark.parametrize("broken", ["msgId", "conversationId", "sender", "audio_code", "not_dict", "too_long"])
def test_parse_malformed_bodies_raise_a_value_error(broken: str) -> None:
    body = message(msgtype="audio") if broken == "audio_code" else message()
    if broken == "sender":
        del body["senderStaffId"], body["senderId"]
    elif broken == "audio_code":
        body["content"].pop("downloadCode")
    elif broken == "too_long":
        body["msgId"] = "m" * 500
    elif broken != "not_dict":
        body[broken] = ""
    with pytest.raises(MalformedCallback) as err:
        parse_message([] if broken == "not_dict" else body)  # type: ignore[arg-type]
    assert isinstance(err.value, ValueError)


# --- rendering ------------------------------------------------------------------------------------------

ROUTE_1 = {"session_webhook": "https://oapi.dingtalk.com/robot/sendBySession?session=s", "expires_ms": NOW_MS,
           "conversation_type": "1", "open_conversation_id": "cid1", "staff_id": "manager4821", "msgtype": "text"}
ROUTE_G = {**ROUTE_1, "conversation_type": "2", "open_conversation_id": "cidG", "staff_id": "rep007"}
TABLE_EN = ("East China · 2026-10 revenue: ¥44.87M\n| region | revenue | share |\n|---|---:|---|\n"
            "| East China | ¥44.87M | 80% |\n| North | ¥11.2M |  |")


def test_render_turns_tables_into_bullet_rows() -> None:
    (msg,) = render_reply(reply(TABLE_EN, "en"), ROUTE_1)
    text = msg["markdown"]["text"]
    assert "|" not in text and "---" not in text
    assert "- **East China** — revenue: ¥44.87M · share: 80%" in text
    assert "- **North** — revenue: ¥11.2M" in text.splitlines()


def test_render_two_column_table_keeps_header_as_caption() -> None:
    (msg,) = render_reply(reply("| 区域 | 销售额 |\n|---|---|\n| 华东 | ¥4,487.1万 |\n| 华北 | ¥1,020万 |"), ROUTE_1)
    assert msg["markdown"]["text"].startswith("**区域 · 销售额**\n- 华东: ¥4,487.1万\n- 华北: ¥1,020万")


def test_render_lines_become_paragraphs_lists_stay_together() -> None:
    (msg,) = render_reply(reply("## 结论\n第一行\n第二行\n- a\n- b", "zh"), ROUTE_1)
    assert msg["markdown"]["text"].startswith("## 结论\n\n第一行\n\n第二行\n\n- a\n- b\n\n")


def test_render_title_and_tools_line_by_language() -> None:
    (zh,) = render_reply(reply("**华东 · 2026-10 销售额：¥4,487.1万（环比 +¥91.9万 (+2.1%)）**\n对比期间…"), ROUTE_1)
    assert zh["markdown"]["title"].startswith("华东 · 2026-10 销售额") and "*" not in zh["markdown"]["title"]
    assert len(zh["markdown"]["title"]) <= MAX_TITLE and zh["markdown"]["title"].endswith("…")
    assert zh["markdown"]["text"].endswith("*工具: analytics_query*")
    (en,) = render_reply(reply("# Revenue\nok", "en"), ROUTE_1)
    assert en["markdown"]["title"] == "Revenue" and en["markdown"]["text"].endswith("*Tools: analytics_query*")


def test_render_attachments_never_leak_local_paths() -> None:
    atts = [Attachment(kind="chart", path="/srv/data/charts/abc.png", title="华东区销售额趋势"),
            Attachment(kind="file", path="/srv/data/reports/roi.docx", title="ROI 报告 (DOCX)"),
            Attachment(kind="chart", url="https://cdn.example.com/c.png", title="Trend [Q4]")]
    (zh,) = render_reply(reply("图表如下", attachments=atts), ROUTE_1)
    text = zh["markdown"]["text"]
    assert "/srv/data" not in text
    assert "📊 华东区销售额趋势（图表可在网页控制台查看）" in text
    assert "📄 ROI 报告 (DOCX)（文件可在网页控制台查看）" in text
    assert "![Trend (Q4)](https://cdn.example.com/c.png)" in text
    (en,) = render_reply(reply("Chart below", "en", attachments=atts[:1]), ROUTE_1)
    assert "📊 华东区销售额趋势 (open the chart in the web console)" in en["markdown"]["text"]


def test_render_voice_transcript_is_quoted_first() -> None:
    (msg,) = render_reply(reply("¥4,487.1万", transcript="华东区 十月 销售额"), ROUTE_1)
    assert msg["markdown"]["text"].startswith("> 🎤 华东区 十月 销售额\n\n¥4,487.1万")


def test_render_splits_long_replies_in_order() -> None:
    lines = [f"第{i}行：华东区客户{i}的订单金额为¥{i * 1000:,}，较上月增长{i % 7}%。" for i in range(400)]
    lines.insert(200, "x" * (MAX_TEXT + 500))  # one line longer than a whole message
    msgs = render_reply(reply("\n".join(lines)), ROUTE_G)
    assert len(msgs) > 3
    assert all(len(m["markdown"]["text"]) <= MAX_TEXT for m in msgs)
    joined = "".join(m["markdown"]["text"] for m in msgs).replace("\n", "")
    assert joined == "".join(lines) + "*工具: analytics_query*"  # nothing lost, nothing reordered
    assert [m["markdown"]["title"].rsplit(" ", 1)[1] for m in msgs] == [f"({i}/{len(msgs)})"
                                                                       for i in range(1, len(msgs) + 1)]
    assert "at" in msgs[0] and not any("at" in m for m in msgs[1:])  # the asker is mentioned once
    assert "工具" in msgs[-1]["markdown"]["text"] and not any("工具" in m["markdown"]["text"] for m in msgs[:-1])


def test_pack_and_cut_respect_the_limit() -> None:
    texts = pack(["a" * 7, "b b b b b", "c" * 25], limit=10)
    assert all(len(t) <= 10 for t in texts) and "".join(texts).replace("\n", "").replace(" ", "") == \
        "a" * 7 + "bbbbb" + "c" * 25


def test_payloads_are_json_and_carry_the_route() -> None:
    msgs = render_reply(reply(TABLE_EN, "en"), ROUTE_G) + render_notice("我目前只能读文字和语音消息。", ROUTE_1)
    for m in msgs:
        assert json.loads(json.dumps(m)) == m
        assert m["msgtype"] == "markdown" and set(m["route"]) == {"session_webhook", "expires_ms",
                                                                  "conversation_type", "open_conversation_id",
                                                                  "staff_id"}
    assert msgs[0]["at"] == {"atUserIds": ["rep007"], "isAtAll": False} and "at" not in msgs[-1]


def test_webhook_body_mentions_the_asker_in_groups_only() -> None:
    (group,) = render_reply(reply(), ROUTE_G)
    body = webhook_body(group)
    assert body["markdown"]["text"].startswith("@rep007\n\n华东") and body["at"]["atUserIds"] == ["rep007"]
    assert "route" not in body
    (one,) = render_reply(reply(), ROUTE_1)
    assert "at" not in webhook_body(one) and not webhook_body(one)["markdown"]["text"].startswith("@")


def test_openapi_body_one_to_one_and_group() -> None:
    (one,) = render_reply(reply(), ROUTE_1)
    path, body = openapi_body(one, "dingrobot01")
    assert path == "/v1.0/robot/oToMessages/batchSend" and body["userIds"] == ["manager4821"]
    assert body["msgKey"] == "sampleMarkdown" and json.loads(body["msgParam"]) == one["markdown"]
    path, body = openapi_body(render_reply(reply(), ROUTE_G)[0], "dingrobot01")
    assert path == "/v1.0/robot/groupMessages/send" and body["openConversationId"] == "cidG"
    assert "@rep007" not in body["msgParam"] and body["robotCode"] == "dingrobot01"


# --- delivery against the fake ----------------------------------------------------------------------------


def out(platform: DingTalkPlatform, ding: FakeDingTalk, *, valid: bool, group: bool = False,
        text: str = "华东 · 2026-10 销售额：¥4,487.1万", webhook: str | None = None) -> OutMessage:
    expires = NOW_MS + (HOUR_MS if valid else -1000)
    inc = incoming(group=group, webhook=webhook or ding.webhook("s1"), expires_ms=expires)
    (msg,) = platform.render(reply(text), inc)
    assert msg.channel == inc.channel
    return msg


def test_rate_is_per_minute_from_settings(ding: FakeDingTalk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = DingTalkPlatform(make_settings(tmp_path, monkeypatch, ding.url, dingtalk_per_minute=7))
    assert p.rate() == (7, 60.0) and p.name == "dingtalk"
    p.close()


def test_deliver_uses_the_session_webhook_while_valid(platform: DingTalkPlatform, ding: FakeDingTalk) -> None:
    platform.deliver(out(platform, ding, valid=True, group=True))
    (call,) = ding.calls()
    assert call.path == "/robot/sendBySession" and call.query == {"session": "s1"}
    assert call.body["msgtype"] == "markdown" and call.body["at"]["atUserIds"] == ["manager4821"]
    assert call.body["markdown"]["text"].startswith("@manager4821\n\n华东")
    assert "x-acs-dingtalk-access-token" not in call.headers


def test_webhook_about_to_expire_goes_through_the_openapi(platform: DingTalkPlatform, ding: FakeDingTalk,
                                                          clock: Clock) -> None:
    msg = out(platform, ding, valid=True)
    clock.t += 3600 - 30  # 30 s left on the webhook
    platform.deliver(msg)
    assert [c.path for c in ding.calls()] == ["/v1.0/oauth2/accessToken", "/v1.0/robot/oToMessages/batchSend"]


def test_expired_webhook_one_to_one_via_openapi(platform: DingTalkPlatform, ding: FakeDingTalk) -> None:
    platform.deliver(out(platform, ding, valid=False))
    token_call, send = ding.calls()
    assert token_call.body == {"appKey": "dingfakeappkey", "appSecret": SECRET}
    assert send.path == "/v1.0/robot/oToMessages/batchSend"
    assert send.headers["x-acs-dingtalk-access-token"] == "fake-token-1"
    assert send.body["robotCode"] == "dingrobot01" and send.body["userIds"] == ["manager4821"]
    assert json.loads(send.body["msgParam"])["text"].startswith("华东 · 2026-10 销售额")


def test_expired_webhook_group_via_openapi(platform: DingTalkPlatform, ding: FakeDingTalk) -> None:
    platform.deliver(out(platform, ding, valid=False, group=True))
    (send,) = ding.calls("/v1.0/robot/")
    assert send.path == "/v1.0/robot/groupMessages/send" and send.body["openConversationId"] == "cidGroupQ8x2Kd0fYb1w=="


def test_one_to_one_without_staff_id_cannot_use_the_openapi(platform: DingTalkPlatform, ding: FakeDingTalk) -> None:
    inc = incoming(staff_id=None, webhook=ding.webhook("s1"), expires_ms=NOW_MS - 1)
    (msg,) = platform.render(reply(), inc)
    with pytest.raises(DeliveryFailed):
        platform.deliver(msg)
    assert ding.calls() == []


def test_notice_for_unsupported_messages(platform: DingTalkPlatform, ding: FakeDingTalk) -> None:
    inc = incoming(msgtype="picture", group=True, webhook=ding.webhook("s1"), expires_ms=NOW_MS + HOUR_MS)
    (payload,) = render_notice("我目前只能读文字和语音消息。\nI can read text and voice messages only.", inc.route)
    platform.deliver(OutMessage(channel=inc.channel, payload=payload))
    (call,) = ding.calls()
    assert call.body["markdown"]["text"] == ("@manager4821\n\n我目前只能读文字和语音消息。\n\n"
                                            "I can read text and voice messages only.")
    assert call.body["markdown"]["title"] == "我目前只能读文字和语音消息。"


def test_token_is_cached_until_shortly_before_expiry(platform: DingTalkPlatform, ding: FakeDingTalk,
                                                     clock: Clock) -> None:
    msg = out(platform, ding, valid=False)
    platform.deliver(msg)
    platform.deliver(msg)
    assert ding.tokens_issued == 1
    clock.t += 7200 - 200  # inside the refresh margin
    platform.deliver(msg)
    assert ding.tokens_issued == 2
    assert ding.calls("/v1.0/robot/")[-1].headers["x-acs-dingtalk-access-token"] == "fake-token-2"


@pytest.mark.parametrize("how", ["v1", "classic"])
def test_rejected_token_is_refreshed_once(platform: DingTalkPlatform, ding: FakeDingTalk, how: str) -> None:
    msg = out(platform, ding, valid=False)
    platform.deliver(msg)
    if how == "v1":
        ding.expire_tokens()  # the next send is answered 400 InvalidAuthentication
    else:
        ding.errcode_next("/v1.0/robot/oToMessages", 42001, "access_token超时")
    platform.deliver(msg)
    sends = ding.calls("/v1.0/robot/")
    assert ding.tokens_issued == 2 and len(sends) == 3
    assert sends[-1].headers["x-acs-dingtalk-access-token"] == "fake-token-2"


def test_token_rejected_twice_is_a_failure(platform: DingTalkPlatform, ding: FakeDingTalk) -> None:
    ding.fail_next("/v1.0/robot/", 400, body={"code": "InvalidAuthentication", "message": "不合法的access_token"},
                   times=2)
    with pytest.raises(DeliveryFailed):
        platform.deliver(out(platform, ding, valid=False))
    assert ding.tokens_issued == 2


def test_429_is_retry_later_with_retry_after(platform: DingTalkPlatform, ding: FakeDingTalk) -> None:
    ding.fail_next("/robot/sendBySession", status=429, retry_after=3)
    with pytest.raises(RetryLater) as err:
        platform.deliver(out(platform, ding, valid=True))
    assert err.value.seconds == 3


@pytest.mark.parametrize(("prefix", "valid"), [("/robot/sendBySession", True), ("/v1.0/robot/oToMessages", False),
                                               ("/v1.0/oauth2/accessToken", False)])
def test_5xx_is_retry_later(platform: DingTalkPlatform, ding: FakeDingTalk, prefix: str, valid: bool) -> None:
    ding.fail_next(prefix, status=503)
    with pytest.raises(RetryLater) as err:
        platform.deliver(out(platform, ding, valid=valid))
    assert err.value.seconds is None


@pytest.mark.parametrize("script", [
    {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"},
    {"status": 403, "code": "Forbidden.AccessDenied.QpsLimitForApi"}])
def test_dingtalk_rate_limits_are_retry_later(platform: DingTalkPlatform, ding: FakeDingTalk,
                                              script: dict[str, object]) -> None:
    if "errcode" in script:
        ding.errcode_next("/robot/sendBySession", int(script["errcode"]), str(script["errmsg"]))  # type: ignore
        msg = out(platform, ding, valid=True)
    else:
        ding.fail_next("/v1.0/robot/", 403, body={"code": script["code"], "message": "qps"})
        msg = out(platform, ding, valid=False)
    with pytest.raises(RetryLater):
        platform.deliver(msg)


def test_flow_controlled_staff_is_retry_later(platform: DingTalkPlatform, ding: FakeDingTalk) -> None:
    ding.fail_next("/v1.0/robot/oToMessages", 200, body={"processQueryKey": "k", "invalidStaffIdList": [],
                                                         "flowControlledStaffIdList": ["manager4821"]})
    with pytest.raises(RetryLater):
        platform.deliver(out(platform, ding, valid=False))


@pytest.mark.parametrize(("prefix", "status", "body"), [
    ("/robot/sendBySession", 200, {"errcode": 300005, "errmsg": "token is not exist"}),
    ("/v1.0/robot/oToMessages", 400, {"code": "invalidParameter", "message": "robotCode"}),
    ("/v1.0/robot/oToMessages", 200, {"processQueryKey": "k", "invalidStaffIdList": ["manager4821"]})])
def test_other_refusals_are_delivery_failed(platform: DingTalkPlatform, ding: FakeDingTalk, prefix: str,
                                            status: int, body: dict[str, object]) -> None:
    ding.fail_next(prefix, status, body=body)
    with pytest.raises(DeliveryFailed):
        platform.deliver(out(platform, ding, valid=prefix.startswith("/robot")))


def test_wrong_app_secret_is_delivery_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeDingTalk(app_secret="the-real-secret") as other:
        p = DingTalkPlatform(make_settings(tmp_path, monkeypatch, other.url), clock=Clock())
        with pytest.raises(DeliveryFailed):
            p.deliver(out(p, other, valid=False))
        assert other.tokens_issued == 1 and not other.calls("/v1.0/robot/")


def test_unreachable_dingtalk_is_retry_later(ding: FakeDingTalk, clock: Clock, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    p = DingTalkPlatform(make_settings(tmp_path, monkeypatch, ding.url), clock=clock)
    msg = out(p, ding, valid=True)
    ding.stop()  # nothing listens on that port any more
    with pytest.raises(RetryLater) as err:
        p.deliver(msg)
    assert err.value.seconds is None


@pytest.mark.parametrize("url", ["https://evil.example.com/robot/sendBySession?session=s",
                                 "http://oapi.dingtalk.com/robot/sendBySession?session=s",
                                 "https://oapi.dingtalk.com.evil.cn/robot/sendBySession",
                                 "https://u:p@oapi.dingtalk.com/robot/sendBySession"])
def test_webhook_on_a_foreign_host_is_refused_without_a_request(platform: DingTalkPlatform, ding: FakeDingTalk,
                                                                url: str) -> None:
    with pytest.raises(DeliveryFailed):
        platform.deliver(out(platform, ding, valid=True, webhook=url))
    assert ding.calls() == []


def test_webhook_allowed_hosts() -> None:
    api = "http://127.0.0.1:8123"
    assert webhook_allowed("https://oapi.dingtalk.com/robot/sendBySession?session=x", api)
    assert webhook_allowed("https://api.dingtalk.com/robot/sendBySession?session=x", api)
    assert webhook_allowed("http://127.0.0.1:8123/robot/sendBySession?session=x", api)
    assert not webhook_allowed("http://127.0.0.1:8124/robot/sendBySession", api)  # another local service
    assert not webhook_allowed("https://oapi.dingtalk.com:8443/x", api)
    assert not webhook_allowed("file:///etc/passwd", api)
    assert not webhook_allowed("https://[bad", api)


def test_classify_and_retry_after() -> None:
    assert classify(200, {"errcode": 0, "errmsg": "ok"}) == "ok"
    assert classify(200, {"processQueryKey": "k"}) == "ok"
    assert classify(401, {}) == classify(200, {"errcode": 40014}) == "token"
    assert classify(429, {}) == classify(200, {"errcode": 130101}) == "rate"
    assert classify(502, {}) == "retry" and classify(404, {}) == "fail"
    assert retry_after("3", 0) == 3.0 and retry_after(None, 0) is None and retry_after("soon", 0) is None
    assert retry_after("Thu, 01 Jan 1970 00:01:00 GMT", 30.0) == 30.0


def test_no_secrets_tokens_or_text_in_logs(platform: DingTalkPlatform, ding: FakeDingTalk,
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    msg = out(platform, ding, valid=False, text="机密：客户甲的报价是¥88万")
    platform.deliver(msg)
    ding.fail_next("/v1.0/robot/", 400, body={"code": "invalidParameter", "message": "bad"})
    with pytest.raises(DeliveryFailed):
        platform.deliver(msg)
    webhook = out(platform, ding, valid=True, webhook=ding.webhook("secret-session"))
    ding.fail_next("/robot/", 500)
    with pytest.raises(RetryLater):
        platform.deliver(webhook)
    assert "invalidParameter" in caplog.text  # something useful was logged ...
    for leak in (SECRET, "fake-token-1", "客户甲", "secret-session"):  # ... but none of these
        assert leak not in caplog.text


# --- voice notes ----------------------------------------------------------------------------------------


def test_fetch_audio_via_download_code(platform: DingTalkPlatform, ding: FakeDingTalk) -> None:
    ding.add_file("dlc-voice-1", b"#!AMR\n" + b"\x00" * 500)
    data, name, ctype = platform.fetch_audio(incoming(msgtype="audio"))
    assert data == b"#!AMR\n" + b"\x00" * 500 and name == "voice.amr" and ctype == "audio/amr"
    (call,) = ding.calls("/v1.0/robot/messageFiles/download")
    assert call.body == {"downloadCode": "dlc-voice-1", "robotCode": "dingfakeappkey"}
    assert call.headers["x-acs-dingtalk-access-token"] == "fake-token-1"
    (get,) = ding.calls("/files/")
    assert "x-acs-dingtalk-access-token" not in get.headers  # the token stays with DingTalk's API


@pytest.mark.parametrize("declare_length", [True, False])
def test_fetch_audio_size_cap(ding: FakeDingTalk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              declare_length: bool) -> None:
    p = DingTalkPlatform(make_settings(tmp_path, monkeypatch, ding.url, max_audio_mb=0.01), clock=Clock())
    ding.add_file("dlc-voice-1", b"\x01" * 20_000, declare_length=declare_length)  # ~0.02 MB
    with pytest.raises(BadRequest):
        p.fetch_audio(incoming(msgtype="audio"))
    ding.add_file("dlc-voice-1", b"\x01" * 5_000, declare_length=declare_length)
    assert len(p.fetch_audio(incoming(msgtype="audio"))[0]) == 5_000


def test_fetch_audio_errors(platform: DingTalkPlatform, ding: FakeDingTalk) -> None:
    with pytest.raises(BadRequest):
        platform.fetch_audio(incoming(text="no voice"))  # nothing to fetch
    ding.add_file("dlc-voice-1", b"abc")
    ding.fail_next("/files/", 503)
    with pytest.raises(RetryLater):
        platform.fetch_audio(incoming(msgtype="audio"))
    with pytest.raises(BadRequest):  # DingTalk does not know the code
        platform.fetch_audio(incoming(msgtype="audio", download_code="unknown"))


# --- Stream mode ----------------------------------------------------------------------------------------


def frame(body: dict[str, object]) -> CallbackMessage:
    return CallbackMessage.from_dict({"specVersion": "1.0", "type": "CALLBACK",
                                      "headers": {"topic": dingtalk_stream.ChatbotMessage.TOPIC,
                                                  "messageId": "stream-frame-1", "contentType": "application/json"},
                                      "data": json.dumps(body, ensure_ascii=False)})


def test_stream_handler_submits_and_acks() -> None:
    got: list[Incoming] = []
    handler = stream.InboxHandler(lambda i: got.append(i) is None)
    ack = asyncio.run(handler.raw_process(frame(message("华东排名", group=True, msg_id="m-stream"))))
    assert ack.code == AckMessage.STATUS_OK and ack.headers.message_id == "stream-frame-1"
    assert [(i.event_id, i.text, i.route["conversation_type"]) for i in got] == [("m-stream", "华东排名", "2")]


def test_stream_handler_same_parse_as_http() -> None:
    body = message("同一条消息", msg_id="m-same")
    got: list[Incoming] = []
    handler = stream.InboxHandler(lambda i: got.append(i) is None)
    assert asyncio.run(handler.process(frame(body))) == (AckMessage.STATUS_OK, "OK")
    assert got == [parse_message(body)]


def test_stream_handler_skips_own_and_malformed_and_reports_inbox_failure() -> None:
    got: list[Incoming] = []
    handler = stream.InboxHandler(lambda i: got.append(i) is None)
    assert asyncio.run(handler.process(frame(message(staff_id=ROBOT_USER_ID))))[0] == AckMessage.STATUS_OK
    broken = message()
    broken.pop("msgId")
    assert asyncio.run(handler.process(frame(broken)))[0] == AckMessage.STATUS_BAD_REQUEST
    assert got == []

    def down(_: Incoming) -> bool:
        raise OSError("disk full")

    assert asyncio.run(stream.InboxHandler(down).process(frame(message())))[0] == AckMessage.STATUS_SYSTEM_EXCEPTION


def test_stream_client_follows_the_api_url(ding: FakeDingTalk, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dingtalk_stream.DingTalkStreamClient, "OPEN_CONNECTION_API",
                        dingtalk_stream.DingTalkStreamClient.OPEN_CONNECTION_API)  # restored afterwards
    client = stream.build_client(make_settings(tmp_path, monkeypatch, ding.url), lambda i: True)
    assert isinstance(client.callback_handler_map[dingtalk_stream.ChatbotMessage.TOPIC], stream.InboxHandler)
    monkeypatch.setattr(client, "get_host_ip", lambda: "127.0.0.1")  # the SDK would probe 8.8.8.8
    assert client.open_connection() == {"endpoint": "ws://127.0.0.1:9/connect", "ticket": "fake-ticket"}
    (call,) = ding.calls("/v1.0/gateway/connections/open")
    assert call.body["clientId"] == "dingfakeappkey" and call.body["clientSecret"] == SECRET
    assert call.body["subscriptions"] == [{"type": "CALLBACK", "topic": "/v1.0/im/bot/messages/get"}]


def test_run_stream_starts_forever(ding: FakeDingTalk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dingtalk_stream.DingTalkStreamClient, "OPEN_CONNECTION_API",
                        dingtalk_stream.DingTalkStreamClient.OPEN_CONNECTION_API)
    started: list[object] = []
    monkeypatch.setattr(dingtalk_stream.DingTalkStreamClient, "start_forever", lambda self: started.append(self))
    stream.run_stream(make_settings(tmp_path, monkeypatch, ding.url), lambda i: True)
    assert len(started) == 1
    url = dingtalk_stream.DingTalkStreamClient.OPEN_CONNECTION_API
    assert url == f"{ding.url}/v1.0/gateway/connections/open"
