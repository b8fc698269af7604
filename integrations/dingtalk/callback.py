"""What a DingTalk robot callback is worth: is it really from DingTalk, and which `Incoming` does it carry.

Both functions are pure so the HTTP route and Stream mode share them and tests need no server. Unsupported message
types (picture, file, ...) are NOT dropped: they become an `Incoming` with empty text and no audio, which the relay
answers with "I can read text and voice" instead of leaving the user in silence; `route["msgtype"]` says what came.
Only the robot's own messages are ignored (None).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from pydantic import ValidationError

from integrations.chat.model import Incoming

MAX_SKEW_MS = 60 * 60 * 1000  # DingTalk signs callbacks for a one-hour window
_MAX_TS_DIGITS = 16  # ms since 1970 has 13 digits; anything far longer is not a timestamp


class MalformedCallback(ValueError):
    """The body lacks what every robot message has (msgId, conversationId, sender); the route answers 400."""


def signature(timestamp: str, secret: str) -> str:
    """DingTalk's callback signature: base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>"))."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_signature(timestamp: str | None, sign: str | None, secret: str, now_ms: int) -> bool:
    """True when the headers prove the callback comes from DingTalk within the last (or next) hour."""
    if not timestamp or not sign or not secret:
        return False
    ts = timestamp.strip()
    if not (ts.isascii() and ts.isdigit()) or len(ts) > _MAX_TS_DIGITS:
        return False
    if abs(now_ms - int(ts)) > MAX_SKEW_MS:
        return False
    return hmac.compare_digest(signature(ts, secret).encode(), sign.strip().encode("utf-8", "replace"))


def _str(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    return value.strip() if isinstance(value, str) else ""


def _content(body: dict[str, Any]) -> dict[str, Any]:
    content = body.get("content")
    return content if isinstance(content, dict) else {}


def _rich_text(body: dict[str, Any]) -> str:
    items = _content(body).get("richText")
    parts = [i["text"].strip() for i in items or [] if isinstance(i, dict) and isinstance(i.get("text"), str)]
    return "\n".join(p for p in parts if p)


def _text_and_audio(body: dict[str, Any], msgtype: str) -> tuple[str, dict[str, Any] | None]:
    if msgtype == "text":
        text = body.get("text")
        content = text.get("content") if isinstance(text, dict) else None
        return (content.strip() if isinstance(content, str) else ""), None
    if msgtype == "richText":
        return _rich_text(body), None
    if msgtype == "audio":
        content = _content(body)
        recognition = content.get("recognition")
        if isinstance(recognition, str) and recognition.strip():
            return recognition.strip(), None  # DingTalk already transcribed it: no download, no Whisper
        code = content.get("downloadCode")
        if not isinstance(code, str) or not code:
            raise MalformedCallback("audio message without downloadCode")
        audio: dict[str, Any] = {"downloadCode": code, "robotCode": _str(body, "robotCode") or None}
        if isinstance(content.get("duration"), int | float):
            audio["duration_ms"] = content["duration"]
        return "", audio
    return "", None  # picture, file, video, ...: answered with a notice (see module docstring)


def _expires_ms(body: dict[str, Any]) -> int:
    try:
        return int(body.get("sessionWebhookExpiredTime") or 0)
    except (TypeError, ValueError):
        return 0  # an unreadable expiry counts as expired: the reply goes through the OpenAPI


def parse_message(body: dict[str, Any]) -> Incoming | None:
    """The `Incoming` of one robot callback body (HTTP or Stream), None for the robot's own messages."""
    if not isinstance(body, dict):
        raise MalformedCallback("callback body is not a JSON object")
    msg_id, conversation_id = _str(body, "msgId"), _str(body, "conversationId")
    staff_id, sender_id = _str(body, "senderStaffId"), _str(body, "senderId")
    if not msg_id or not conversation_id or not (staff_id or sender_id):
        raise MalformedCallback("callback lacks msgId, conversationId or sender")
    robot = _str(body, "chatbotUserId")
    if robot and robot in (staff_id, sender_id):
        return None
    msgtype = _str(body, "msgtype") or "text"
    text, audio = _text_and_audio(body, msgtype)
    route = {
        "session_webhook": _str(body, "sessionWebhook") or None,
        "expires_ms": _expires_ms(body),
        "conversation_type": "2" if _str(body, "conversationType") == "2" else "1",
        "open_conversation_id": conversation_id,
        "staff_id": staff_id or None,
        "msgtype": msgtype,
    }
    try:
        return Incoming(platform="dingtalk", event_id=msg_id, user_ref=staff_id or sender_id,
                        conversation=f"dingtalk:{conversation_id}", channel=conversation_id,
                        text=text, audio=audio, route=route)
    except ValidationError as exc:
        raise MalformedCallback(f"callback field out of range: {exc.error_count()} error(s)") from None
