"""Builds the chat apps that settings turn on: Slack (bot token + signing secret) and DingTalk (app key + secret)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent.service import CopilotService
from copilot.settings import Settings
from integrations.chat.model import Platform
from integrations.chat.relay import ChatRelay
from integrations.chat.store import ChatStore

if TYPE_CHECKING:
    from slack_bolt import App

log = logging.getLogger(__name__)


@dataclass
class ChatApps:
    relay: ChatRelay
    slack: App | None  # the bolt app behind POST /slack/events (and Socket Mode)
    dingtalk_secret: str | None  # verifies POST /dingtalk/callback


def build_chat_apps(settings: Settings, service: CopilotService, *, socket_mode: bool = False) -> ChatApps | None:
    """None when no chat app is configured (the routes then say how to configure one)."""
    platforms: dict[str, Platform] = {}
    if settings.slack_bot_token is not None:
        from integrations.slack.platform import SlackPlatform

        platforms["slack"] = SlackPlatform(settings)
    if settings.dingtalk_app_key and settings.dingtalk_app_secret is not None:
        from integrations.dingtalk.platform import DingTalkPlatform

        platforms["dingtalk"] = DingTalkPlatform(settings)
    if not platforms:
        return None
    if settings.tickets_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    relay = ChatRelay(service, ChatStore(settings.tickets_db_url), platforms, settings)
    slack = None
    if "slack" in platforms and (settings.slack_signing_secret is not None or socket_mode):
        from integrations.slack.events import build_app

        slack = build_app(settings, relay.submit, socket_mode=socket_mode)
    secret = settings.dingtalk_app_secret.get_secret_value() if settings.dingtalk_app_secret else None
    log.info("chat apps on: %s", ", ".join(sorted(platforms)))
    return ChatApps(relay=relay, slack=slack, dingtalk_secret=secret)
