"""The outbound-connection modes with the real SDKs against local WebSocket servers: Slack Socket Mode (slack-bolt's
SocketModeHandler) and DingTalk Stream mode (dingtalk-stream). Each delivers a message frame, expects the SDK's
ack, and checks the reply reached the fake app through the same inbox, relay and outbox as the webhooks."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import websockets
from langchain_core.messages import AIMessage

from agent.service import CopilotService
from copilot.settings import Settings
from integrations.chat.setup import build_chat_apps
from tests.fake_dingtalk import FakeDingTalk, message
from tests.fake_slack import FakeSlack
from tests.fakes import ScriptedChatModel
from tests.test_chat_http import changed
from tests.test_chat_relay import wait_for


class FrameServer:
    """A WebSocket server on loopback that sends each client the given frames and keeps what comes back."""

    def __init__(self, frames: Callable[[], list[dict[str, Any]]]) -> None:
        self.frames = frames
        self.received: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.ready = threading.Event()
        self.port = 0

    async def _serve(self, ws: Any) -> None:
        self.paths.append(ws.request.path)
        for frame in self.frames():
            await ws.send(json.dumps(frame))
        async for raw in ws:
            self.received.append(json.loads(raw))

    def start(self) -> FrameServer:
        self.thread = LoopThread(self._main()).start()
        assert self.ready.wait(5)
        return self

    async def _main(self) -> None:
        async with websockets.serve(self._serve, "127.0.0.1", 0) as server:
            self.port = server.sockets[0].getsockname()[1]
            self.ready.set()
            await asyncio.Future()  # until cancelled

    def stop(self) -> None:
        self.thread.stop()


class LoopThread:
    """A coroutine run on its own event loop in a thread, cancelled and cleaned up cleanly on stop()."""

    def __init__(self, coro: Any) -> None:
        self.coro = coro
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.task: asyncio.Task[Any] | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.task = self.loop.create_task(self.coro)
        with contextlib.suppress(asyncio.CancelledError, Exception):  # stopped on purpose
            self.loop.run_until_complete(self.task)
        pending = asyncio.all_tasks(self.loop)
        for task in pending:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()

    def start(self) -> LoopThread:
        self.thread.start()
        return self

    def stop(self) -> None:
        for _ in range(5):  # the DingTalk SDK swallows one cancellation (it reconnects after 10 s)
            if self.task is not None:
                self.loop.call_soon_threadsafe(self.task.cancel)
            self.thread.join(1.0)
            if not self.thread.is_alive():
                return
        raise AssertionError("event loop thread did not stop")


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def test_slack_socket_mode_answers_through_the_relay(settings: Settings, slack: FakeSlack) -> None:
    event = {"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": "EvSock1",
             "event": {"type": "message", "channel_type": "im", "user": "U0DEMO001", "channel": "D7",
                       "text": "hello over the socket", "ts": "1700000000.000100"}}
    envelope = {"envelope_id": "env-1", "type": "events_api", "accepts_response_payload": False,
                "retry_attempt": 0, "retry_reason": "", "payload": event}
    server = FrameServer(lambda: [{"type": "hello", "num_connections": 1}, envelope, envelope]).start()
    slack.respond("apps.connections.open", {"url": f"ws://127.0.0.1:{server.port}/link"})
    s = changed(settings, slack_bot_token=slack.token, slack_app_token=slack.app_token, slack_api_url=slack.base_url)
    model = ScriptedChatModel(script=[AIMessage(content="Socket reply.")])
    apps = build_chat_apps(s, CopilotService(s, model=model), socket_mode=True)
    assert apps is not None and apps.slack is not None
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(apps.slack, slack.app_token)
    apps.relay.start()
    try:
        handler.connect()
        slack.wait_for("chat.postMessage", timeout=15)
        wait_for(lambda: [f for f in server.received if f.get("envelope_id") == "env-1"], timeout=15)
        time.sleep(0.5)
    finally:
        handler.close()
        apps.relay.stop()
        server.stop()
    posts = slack.calls_to("chat.postMessage")
    # The envelope came twice (a redelivery): both acked, one answer.
    assert len(posts) == 1 and posts[0].args["channel"] == "D7" and "Socket reply." in posts[0].args["text"]
    assert len([f for f in server.received if f.get("envelope_id") == "env-1"]) == 2
    assert len(model.prompts) == 1


def test_dingtalk_stream_mode_answers_through_the_relay(settings: Settings) -> None:
    with FakeDingTalk() as dingtalk:
        body = message("hello over the stream", staff_id="DT1001", msg_id="streamMsg1", webhook=dingtalk.webhook())
        frame = {"specVersion": "1.0", "type": "CALLBACK", "data": json.dumps(body, ensure_ascii=False),
                 "headers": {"topic": "/v1.0/im/bot/messages/get", "messageId": "frame-1", "time": "1700000000000",
                             "contentType": "application/json", "appId": "app-1"}}
        server = FrameServer(lambda: [frame]).start()
        dingtalk.stream_endpoint = f"ws://127.0.0.1:{server.port}/connect"
        s = changed(settings, dingtalk_app_key=dingtalk.app_key, dingtalk_app_secret=dingtalk.app_secret,
                    dingtalk_api_url=dingtalk.url)
        model = ScriptedChatModel(script=[AIMessage(content="Stream reply.")])
        apps = build_chat_apps(s, CopilotService(s, model=model))
        assert apps is not None
        from integrations.dingtalk.stream import build_client

        stream = LoopThread(build_client(s, apps.relay.submit).start()).start()
        apps.relay.start()
        try:
            wait_for(lambda: dingtalk.calls("/robot/sendBySession"), timeout=15)
            wait_for(lambda: server.received, timeout=15)
        finally:
            stream.stop()
            apps.relay.stop()
            server.stop()
        [sent] = dingtalk.calls("/robot/sendBySession")
        assert "Stream reply." in sent.body["markdown"]["text"]
        assert server.paths == ["/connect?ticket=fake-ticket"]
        ack = server.received[0]
        assert ack["code"] == 200 and ack["headers"]["messageId"] == "frame-1"
