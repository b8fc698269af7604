"""What every chat app (Slack, DingTalk) hands the relay, and what the relay asks of it.

An `Incoming` is one user message in the platform-neutral shape the durable inbox stores; a `Platform` turns the
agent's Reply into the app's messages and delivers them. Tools never see any of this: they return data, the
platform renders it.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from agent.reply import Reply

PlatformName = Literal["slack", "dingtalk"]


class Incoming(BaseModel):
    """One message from a chat app, as written to the inbox before anything slow happens."""

    model_config = ConfigDict(frozen=True)

    platform: PlatformName
    event_id: str = Field(..., min_length=1, max_length=200)  # the app's id: retries carry the same one (dedup key)
    user_ref: str = Field(..., min_length=1, max_length=128)  # Slack user id / DingTalk senderStaffId
    conversation: str = Field(..., min_length=1, max_length=200)  # the copilot conversation (e.g. one Slack thread)
    channel: str = Field(..., min_length=1, max_length=200)  # replies to one channel are paced and kept in order
    text: str = ""
    audio: dict[str, Any] | None = None  # what the platform needs to fetch a voice note (file URL, downloadCode)
    route: dict[str, Any] = Field(default_factory=dict)  # where the reply goes (thread, sessionWebhook + expiry)


class OutMessage(BaseModel):
    """One message for the app, already rendered (a JSON payload the platform's `deliver` understands)."""

    channel: str
    payload: dict[str, Any]


class RetryLater(Exception):
    """The app asked us to wait (HTTP 429 / Retry-After) or was unreachable; the outbox tries again later."""

    def __init__(self, seconds: float | None = None, reason: str = "") -> None:
        super().__init__(reason or "retry later")
        self.seconds = seconds
        self.reason = reason


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date, against `now` in epoch seconds); None when
    absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError):
        return None


class DeliveryFailed(Exception):
    """The app refused the message for good (bad channel, revoked token); retrying would not help."""


class Platform(Protocol):
    """A chat app as the relay sees it; implementations live in integrations/slack and integrations/dingtalk."""

    name: PlatformName

    def rate(self) -> tuple[int, float]:
        """At most `count` messages per `seconds` to one channel (Slack ~1/s, DingTalk robot 20/min)."""
        ...

    def fetch_audio(self, incoming: Incoming) -> tuple[bytes, str, str | None]:
        """The voice note's bytes, file name and content type."""
        ...

    def render(self, reply: Reply, incoming: Incoming) -> list[OutMessage]:
        """The reply as the app's messages (text, tables, chart uploads), in the order they must arrive."""
        ...

    def deliver(self, message: OutMessage) -> None:
        """Send one message; raises RetryLater or DeliveryFailed."""
        ...
