"""SlackPlatform against the fake Slack API on 127.0.0.1: what Slack receives, and how its failures are sorted."""

from __future__ import annotations

import logging
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.reply import Reply, ToolCallRecord
from copilot.errors import BadRequest
from copilot.settings import load_settings
from integrations.chat.model import DeliveryFailed, Incoming, OutMessage, RetryLater
from integrations.slack.platform import SlackPlatform
from tests.fake_slack import FakeSlack
from tools.base import Attachment

SECRET_TEXT = "Confidential: Acme renewal at ¥4.2M"


def _png() -> bytes:
    """A real 2x2 PNG (signature, IHDR, IDAT, IEND)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\0" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def _platform(fake: FakeSlack, timeout: int = 2, **overrides: Any) -> SlackPlatform:
    settings = load_settings(**{"slack_bot_token": fake.token, "slack_api_url": fake.base_url, **overrides})
    return SlackPlatform(settings, timeout=timeout)


@pytest.fixture
def platform(slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SlackPlatform:
    monkeypatch.chdir(tmp_path)  # no developer .env
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)  # loopback only, never through a proxy
    return _platform(slack)


def _incoming(**kw: Any) -> Incoming:
    base: dict[str, Any] = {"platform": "slack", "event_id": "Ev01", "user_ref": "U0REP", "conversation": "conv1",
                            "channel": "C0SALES", "text": "Q3 revenue?",
                            "route": {"channel": "C0SALES", "thread_ts": "1700000000.000100", "response_url": None}}
    return Incoming(**{**base, **kw})


def _post(text: str = "hello") -> OutMessage:
    return OutMessage(channel="C0SALES", payload={"method": "chat.postMessage",
                                                  "args": {"channel": "C0SALES", "text": text}})


def test_reply_is_posted_in_thread_then_chart_uploaded(platform: SlackPlatform, slack: FakeSlack,
                                                       tmp_path: Path) -> None:
    png = tmp_path / "trace1-revenue.png"
    png.write_bytes(_png())
    reply = Reply(reply="**South China** Q3: ¥83.09M\n| channel | revenue |\n|---|---|\n| KA | ¥20.06M |",
                  language="en", tool_calls=[ToolCallRecord(name="analytics_query", ok=True)],
                  attachments=[Attachment(kind="chart", path=str(png), title="Revenue by channel")],
                  conversation_id="conv1", trace_id="trace1")
    messages = platform.render(reply, _incoming())
    assert [m.channel for m in messages] == ["C0SALES", "C0SALES"]
    for message in messages:
        platform.deliver(message)

    assert [c.method for c in slack.calls] == ["chat.postMessage", "files.getUploadURLExternal", "upload",
                                               "files.completeUploadExternal"]
    post = slack.calls[0]
    assert post.headers["authorization"] == f"Bearer {slack.token}"
    assert post.args["channel"] == "C0SALES" and post.args["thread_ts"] == "1700000000.000100"
    assert post.args["blocks"] == messages[0].payload["args"]["blocks"]
    assert post.args["blocks"][0]["text"]["text"] == "*South China* Q3: ¥83.09M"
    assert post.args["text"].startswith("South China Q3: ¥83.09M")
    [upload] = slack.files.values()
    assert upload.data == png.read_bytes() and upload.length == len(_png())
    assert (upload.filename, upload.title, upload.alt_txt) == ("trace1-revenue.png", "Revenue by channel",
                                                               "Revenue by channel")
    assert upload.completed and (upload.channel, upload.thread_ts) == ("C0SALES", "1700000000.000100")


def test_a_slash_commands_chart_goes_to_the_askers_dm(platform: SlackPlatform, slack: FakeSlack,
                                                      tmp_path: Path) -> None:
    png = tmp_path / "chart.png"
    png.write_bytes(_png())
    slack.respond("conversations.open", {"channel": {"id": "D0ASKER"}})
    reply = Reply(reply="Q3: ¥83.09M", language="en", conversation_id="c", trace_id="t",
                  attachments=[Attachment(kind="chart", path=str(png), title="Revenue")])
    route = {"channel": "C0SALES", "thread_ts": None, "response_url": slack.hook_url(), "dm_user": "U0REP"}
    for message in platform.render(reply, _incoming(route=route)):
        platform.deliver(message)
    assert slack.calls_to("response_url")[0].args["response_type"] == "ephemeral"
    assert slack.calls_to("conversations.open")[0].args["users"] == "U0REP"
    [upload] = slack.files.values()
    assert upload.completed and upload.channel == "D0ASKER" and upload.data == png.read_bytes()


def test_rate_limit_becomes_retry_later_with_retry_after(platform: SlackPlatform, slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=2)
    with pytest.raises(RetryLater) as caught:
        platform.deliver(_post())
    assert caught.value.seconds == 2
    assert len(slack.calls_to("chat.postMessage")) == 1  # the SDK did not retry on its own
    platform.deliver(_post())  # the outbox's next attempt goes through
    assert len(slack.calls_to("chat.postMessage")) == 2
    assert platform.rate() == (60, 60.0)


def test_permanent_errors_become_delivery_failed(platform: SlackPlatform, slack: FakeSlack) -> None:
    for error in ("channel_not_found", "not_in_channel", "is_archived", "invalid_blocks", "msg_too_long"):
        slack.fail_next("chat.postMessage", error=error)
        with pytest.raises(DeliveryFailed, match=error):
            platform.deliver(_post())
    slack.fail_next("chat.postMessage", error="ratelimited")  # ok:false ratelimited without a 429 still waits
    with pytest.raises(RetryLater):
        platform.deliver(_post())
    with pytest.raises(DeliveryFailed, match="invalid_auth"):  # the fake checks the token itself
        _platform(slack, slack_bot_token="xoxb-revoked").deliver(_post())


def test_server_errors_timeouts_and_refused_connections_retry_later(platform: SlackPlatform, slack: FakeSlack,
                                                                     tmp_path: Path) -> None:
    slack.fail_next("chat.postMessage", status=500)
    with pytest.raises(RetryLater) as caught:
        platform.deliver(_post())
    assert caught.value.seconds is None
    slack.fail_next("chat.postMessage", status=503, error="service_unavailable")
    with pytest.raises(RetryLater):
        platform.deliver(_post())
    slack.fail_next("chat.postMessage", delay=1.5)  # longer than a 1 s timeout
    with pytest.raises(RetryLater):
        _platform(slack, timeout=1).deliver(_post())
    slack.fail_next("chat.postMessage", drop=True)  # connection closed without an answer
    with pytest.raises(RetryLater):
        platform.deliver(_post())
    assert len(slack.calls_to("chat.postMessage")) == 4  # one each: the SDK's own retries are off
    png = tmp_path / "c.png"
    png.write_bytes(_png())
    slack.fail_next("upload", status=502)  # the plain upload step of files_upload_v2
    upload = OutMessage(channel="C0SALES", payload={"method": "files_upload_v2", "args": {
        "channel": "C0SALES", "file": str(png), "filename": "c.png", "title": "Chart"}})
    with pytest.raises(RetryLater):
        platform.deliver(upload)
    assert not any(f.completed for f in slack.files.values())
    with FakeSlack() as gone:
        closed = _platform(gone)
    with pytest.raises(RetryLater):  # nobody listens on that port any more
        closed.deliver(_post())


def test_missing_file_and_unknown_payloads_fail_for_good(platform: SlackPlatform, slack: FakeSlack,
                                                         tmp_path: Path) -> None:
    upload = OutMessage(channel="C0SALES", payload={"method": "files_upload_v2", "args": {
        "channel": "C0SALES", "file": str(tmp_path / "deleted.png"), "filename": "deleted.png", "title": "x"}})
    with pytest.raises(DeliveryFailed):
        platform.deliver(upload)
    with pytest.raises(DeliveryFailed):
        platform.deliver(OutMessage(channel="C0SALES", payload={"method": "chat.delete",
                                                                "args": {"channel": "C0SALES", "ts": "1.2"}}))
    assert slack.calls == []


def test_response_url_posts_only_to_slack_hosts(platform: SlackPlatform, slack: FakeSlack) -> None:
    hook = slack.hook_url("T1/B1/abc")
    incoming = _incoming(channel="D0DM", route={"channel": "D0DM", "thread_ts": None, "response_url": hook})
    reply = Reply(reply="Q3 revenue: ¥83.09M", language="en", conversation_id="c", trace_id="t")
    [message] = platform.render(reply, incoming)
    platform.deliver(message)
    [call] = slack.calls_to("response_url")
    assert call.path == "/hooks/T1/B1/abc"
    assert call.args["text"] == "Q3 revenue: ¥83.09M" and call.args["response_type"] == "ephemeral"
    assert call.args["blocks"][0]["text"]["text"] == "Q3 revenue: ¥83.09M"

    port = hook.split(":")[2].split("/")[0]
    for url in (f"http://localhost:{port}/hooks/x",  # same server, but not the configured host
                f"http://127.0.0.1:{port}@localhost:{port}/hooks/x",  # user-info trick
                f"https://127.0.0.1:{port}/hooks/x",  # another scheme
                "http://hooks.slack.com/commands/x",  # Slack, but not https
                "file:///etc/passwd"):
        bad = OutMessage(channel="D0DM", payload={"method": "response_url", "url": url, "body": {"text": "x"}})
        with pytest.raises(DeliveryFailed):
            platform.deliver(bad)
    assert len(slack.calls) == 1

    slack.fail_next("response_url", status=404, body="expired_url")
    with pytest.raises(DeliveryFailed, match="expired_url"):
        platform.deliver(message)
    slack.fail_next("response_url", status=429, retry_after=7)
    with pytest.raises(RetryLater) as caught:
        platform.deliver(message)
    assert caught.value.seconds == 7
    slack.fail_next("response_url", drop=True)
    with pytest.raises(RetryLater):
        platform.deliver(message)
    assert len(slack.calls_to("response_url")) == 4  # no retries inside the SDK


def test_audio_is_downloaded_with_the_bot_token_and_capped(slack: FakeSlack, platform: SlackPlatform,
                                                           tmp_path: Path) -> None:
    voice = bytes(range(256)) * 20  # 5120 bytes
    url = slack.add_file("F1/voice.m4a", voice, "audio/mp4")
    incoming = _incoming(audio={"url": url, "name": "voice.m4a", "mimetype": "audio/mp4"})
    assert platform.fetch_audio(incoming) == (voice, "voice.m4a", "audio/mp4")
    [call] = slack.calls_to("download")
    assert call.headers["authorization"] == f"Bearer {slack.token}"

    small = _platform(slack, max_audio_mb=0.004)  # 4000 bytes
    with pytest.raises(BadRequest, match="too large"):
        small.fetch_audio(incoming)
    streamed = slack.add_file("F2/voice.m4a", voice, "audio/mp4", length_header=False)
    with pytest.raises(BadRequest, match="too large"):  # no Content-Length: stopped while reading
        small.fetch_audio(_incoming(audio={"url": streamed, "name": "voice.m4a", "mimetype": "audio/mp4"}))
    assert small.fetch_audio(_incoming(audio={"url": slack.add_file("F3/ok.ogg", b"x" * 3999, "audio/ogg")})) == (
        b"x" * 3999, "ok.ogg", "audio/ogg")

    with pytest.raises(BadRequest, match="could not download") as caught:  # wrong token: Slack's sign-in page
        _platform(slack, slack_bot_token="xoxb-other").fetch_audio(incoming)
    assert "files:read" in (caught.value.detail or "")
    port = url.split(":")[2].split("/")[0]
    with pytest.raises(BadRequest, match="could not download"):  # never send the token to another host
        platform.fetch_audio(_incoming(audio={"url": f"http://localhost:{port}/files/F1/voice.m4a"}))
    away = slack.add_redirect("F4/v.m4a", f"http://localhost:{port}/files/F1/voice.m4a")
    with pytest.raises(BadRequest, match="could not download"):
        platform.fetch_audio(_incoming(audio={"url": away}))
    near = slack.add_redirect("F5/v.m4a", url)  # a redirect within Slack is followed, token and all
    assert platform.fetch_audio(_incoming(audio={"url": near}))[0] == voice
    assert len(slack.calls_to("download")) == 8  # none of them went to localhost:<port>
    assert all(c.headers.get("host", "").startswith("127.0.0.1") for c in slack.calls_to("download"))
    slack.fail_next("download", status=503)
    with pytest.raises(RetryLater):
        platform.fetch_audio(incoming)
    slack.fail_next("download", status=404)
    with pytest.raises(BadRequest, match="could not download"):
        platform.fetch_audio(incoming)
    with pytest.raises(BadRequest, match="no voice note"):
        platform.fetch_audio(_incoming(audio=None))


def test_nothing_secret_reaches_the_log(platform: SlackPlatform, slack: FakeSlack,
                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    platform.deliver(_post(SECRET_TEXT))
    slack.fail_next("chat.postMessage", status=500)
    with pytest.raises(RetryLater):
        platform.deliver(_post(SECRET_TEXT))
    assert slack.calls_to("chat.postMessage")[0].args["text"] == SECRET_TEXT
    assert SECRET_TEXT not in caplog.text and "Acme" not in caplog.text
    assert slack.token not in caplog.text
