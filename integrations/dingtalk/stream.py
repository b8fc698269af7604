"""Stream mode: the official SDK holds a websocket to DingTalk, so no public callback URL is needed.

The handler only parses and hands the message to the inbox (fast) before acknowledging; answering happens in the
relay like for HTTP callbacks, so both modes share `parse_message` and everything after it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import dingtalk_stream
from dingtalk_stream import AckMessage, CallbackMessage

from copilot.errors import ConfigError
from copilot.settings import Settings
from integrations.chat.model import Incoming
from integrations.dingtalk.callback import MalformedCallback, parse_message

log = logging.getLogger(__name__)

OPEN_CONNECTION_PATH = "/v1.0/gateway/connections/open"


class InboxHandler(dingtalk_stream.ChatbotHandler):
    """Robot messages from the stream into the inbox; DingTalk redelivers what is not acknowledged with 200."""

    def __init__(self, submit: Callable[[Incoming], bool]) -> None:
        super().__init__()
        self._submit = submit

    async def process(self, callback: CallbackMessage) -> tuple[int, str]:
        try:
            incoming = parse_message(callback.data)
        except MalformedCallback as exc:
            log.warning("dingtalk stream: malformed message dropped (%s)", exc)
            return AckMessage.STATUS_BAD_REQUEST, "malformed"
        if incoming is None:
            return AckMessage.STATUS_OK, "OK"
        try:
            self._submit(incoming)  # False = already in the inbox (a redelivery): still acknowledged
        except Exception:
            log.exception("dingtalk stream: inbox refused message %s", incoming.event_id)
            return AckMessage.STATUS_SYSTEM_EXCEPTION, "inbox unavailable"
        return AckMessage.STATUS_OK, "OK"


def open_connection_url(api_url: str) -> str:
    return api_url.rstrip("/") + OPEN_CONNECTION_PATH


def build_client(settings: Settings, submit: Callable[[Incoming], bool]) -> Any:
    """The SDK client with our handler; its open-connection URL follows settings (a local fake in tests)."""
    if not settings.dingtalk_app_key or not settings.dingtalk_app_secret:
        raise ConfigError("DingTalk Stream mode needs COPILOT_DINGTALK_APP_KEY and COPILOT_DINGTALK_APP_SECRET")
    # The SDK reads the URL from the class attribute, so it is set there (one stream client per process).
    dingtalk_stream.DingTalkStreamClient.OPEN_CONNECTION_API = open_connection_url(settings.dingtalk_api_url)
    sdk_log = logging.getLogger("integrations.dingtalk.sdk")
    sdk_log.setLevel(logging.WARNING)  # its INFO lines carry the one-time connection ticket
    credential = dingtalk_stream.Credential(settings.dingtalk_app_key, settings.dingtalk_app_secret.get_secret_value())
    client = dingtalk_stream.DingTalkStreamClient(credential, logger=sdk_log)
    client.register_callback_handler(dingtalk_stream.chatbot.ChatbotMessage.TOPIC, InboxHandler(submit))
    return client


def run_stream(settings: Settings, submit: Callable[[Incoming], bool]) -> None:
    """Receive robot messages over the stream until interrupted (the SDK reconnects by itself)."""
    build_client(settings, submit).start_forever()
