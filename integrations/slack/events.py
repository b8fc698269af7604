"""The Slack app (slack-bolt): verifies every request, turns events into inbox messages, acknowledges at once.

Listeners stay thin: they map the event to an `Incoming` and hand it to `submit` (a durable insert). Bolt checks
the signing secret and timestamp (a forged or stale request is a 401 before any listener runs), answers Slack's
URL verification, and drops the bot's own messages. The same listeners serve the HTTP Events API
(`POST /slack/events`) and Socket Mode (`copilot slack socket`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_sdk import WebClient

from copilot.settings import Settings
from integrations.chat.model import Incoming
from integrations.slack.render import CONFIRM_ACTIONS

log = logging.getLogger(__name__)

Submit = Callable[[Incoming], bool]
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
# Message subtypes that are not a person writing to us (edits, joins, bot posts, deletions ...).
_PERSON_SUBTYPES = {None, "file_share", "thread_broadcast"}


def _text(raw: str | None) -> str:
    """The message without @-mentions of the bot (or anyone: the agent reads what was asked)."""
    return _MENTION.sub(" ", raw or "").strip()


def _audio(event: dict[str, Any]) -> dict[str, Any] | None:
    """The first audio (or audio-clip video) file of a message, as the platform will fetch it."""
    for f in event.get("files") or []:
        mimetype = str(f.get("mimetype") or "")
        if mimetype.startswith("audio/") or f.get("subtype") == "slack_audio":
            url = f.get("url_private_download") or f.get("url_private")
            if url:
                return {"url": url, "name": f.get("name") or "voice", "mimetype": mimetype or None}
    return None


def incoming_from_event(body: dict[str, Any], event: dict[str, Any]) -> Incoming | None:
    """An inbox message for a mention or a direct message; None for anything the copilot does not answer."""
    if event.get("bot_id") or event.get("subtype") not in _PERSON_SUBTYPES or not event.get("user"):
        return None
    is_dm = event.get("channel_type") == "im"
    if event.get("type") == "message" and not is_dm:
        return None  # in channels the bot answers mentions (the app_mention event), not every message
    team = str(body.get("team_id") or event.get("team") or "T")
    channel = str(event["channel"])
    ts = str(event.get("ts") or "")
    thread = event.get("thread_ts")
    # Channels: answer in a thread, one conversation per thread. DMs: answer flat, one conversation per DM,
    # unless the user wrote in a thread there.
    reply_ts = thread or (None if is_dm else ts)
    conversation = f"slack:{team}:{channel}" + (f":{reply_ts}" if reply_ts else "")
    return Incoming(
        platform="slack",
        event_id=str(body.get("event_id") or f"{channel}:{ts}"),
        user_ref=str(event["user"]),
        conversation=conversation,
        channel=channel,
        text=_text(event.get("text")),
        audio=_audio(event),
        route={"channel": channel, "thread_ts": reply_ts, "response_url": None},
    )


def incoming_from_command(command: dict[str, Any]) -> Incoming:
    """`/copilot TEXT`: answered through the command's response URL, privately (files to the asker's DM); one
    conversation per user and channel."""
    team = str(command.get("team_id") or "T")
    channel = str(command.get("channel_id") or "")
    user = str(command.get("user_id") or "")
    return Incoming(
        platform="slack",
        event_id=f"command:{command.get('trigger_id') or ''}",
        user_ref=user,
        conversation=f"slack:{team}:{channel}:{user}",
        channel=channel,
        text=str(command.get("text") or "").strip(),
        route={"channel": channel, "thread_ts": None, "response_url": command.get("response_url"), "dm_user": user},
    )


def incoming_from_action(body: dict[str, Any]) -> Incoming | None:
    """A click on a confirm / cancel button: the message its value stands for ("确认 <id>"), from the clicker, in
    the conversation of the message that carried the buttons. The action id picks the pending action, and only its
    own user can settle it, so a button in a shared channel does nothing for anyone else."""
    actions = [a for a in body.get("actions") or [] if a.get("action_id") in CONFIRM_ACTIONS]
    user = (body.get("user") or {}).get("id")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    if not actions or not user or not channel:
        return None
    message = body.get("message") or {}
    team = str((body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or "T")
    thread = message.get("thread_ts")
    return Incoming(
        platform="slack",
        event_id=f"action:{body.get('trigger_id') or actions[0].get('action_ts') or ''}",
        user_ref=str(user),
        conversation=f"slack:{team}:{channel}" + (f":{thread}" if thread else ""),
        channel=str(channel),
        text=str(actions[0].get("value") or "")[:100],
        route={"channel": str(channel), "thread_ts": thread, "response_url": None},
    )


def build_app(settings: Settings, submit: Submit, *, socket_mode: bool = False) -> App:
    """The bolt app; it makes no network call until the first event (auth.test, to know its own bot id).

    Over HTTP every request must carry a valid signature; Socket Mode requests come over the app's own
    authenticated WebSocket and carry none.
    """
    assert settings.slack_bot_token is not None
    assert socket_mode or settings.slack_signing_secret is not None
    token = settings.slack_bot_token.get_secret_value()
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    app = App(
        signing_secret=secret,
        request_verification_enabled=not socket_mode,
        client=WebClient(token=token, base_url=settings.slack_api_url, timeout=10),
        token_verification_enabled=False,
        # Listeners only write to the inbox, so running them before the response keeps the ack durable: a
        # message Slack got a 200 for is on disk.
        process_before_response=True,
        logger=logging.getLogger("slack_bolt.copilot"),
    )

    def on_event(body: dict[str, Any], event: dict[str, Any]) -> None:
        incoming = incoming_from_event(body, event)
        if incoming is not None:
            submit(incoming)

    app.event("app_mention")(on_event)
    app.event("message")(on_event)

    def on_action(ack: Ack, body: dict[str, Any]) -> None:
        ack()  # Slack wants the ack within 3 s; the answer comes as a message in the thread
        incoming = incoming_from_action(body)
        if incoming is not None:
            submit(incoming)

    for action_id in CONFIRM_ACTIONS:
        app.action(action_id)(on_action)

    @app.command("/copilot")
    def on_command(ack: Ack, command: dict[str, Any]) -> None:
        incoming = incoming_from_command(command)
        if not incoming.text:
            ack("用法 / usage: `/copilot 上个月华东区销售额是多少?`")
            return
        submit(incoming)
        ack("🤔 …")

    return app


def dispatch(app: App, body: bytes, query: str, headers: dict[str, str]) -> BoltResponse:
    """Run one HTTP request through bolt (signature check, URL verification, listeners)."""
    return app.dispatch(BoltRequest(body=body.decode("utf-8", "replace"), query=query,
                                    headers={k: v for k, v in headers.items()}))
