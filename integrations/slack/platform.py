"""Slack as the relay sees it: replies rendered to Block Kit, delivered with slack_sdk, voice notes fetched.

Failures are sorted for the outbox, which alone does backoff and keeps a channel's messages in order (so the
SDK's own retry handlers are off): RetryLater when waiting can help (HTTP 429 with Retry-After, 5xx, timeouts,
unreachable), DeliveryFailed when it cannot (unknown channel, revoked token, malformed message, file gone).
URLs found in payloads or events are followed only to Slack hosts (or the configured API host), so the bot token
and replies never go anywhere else. Nothing here logs tokens, response URLs or message text.
"""

from __future__ import annotations

import http.client
import logging
import re
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from time import monotonic, time
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import HTTPRedirectHandler, Request, build_opener

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.webhook import WebhookClient

from agent.reply import Reply
from copilot.errors import BadRequest, ConfigError
from copilot.settings import Settings
from integrations.chat.model import DeliveryFailed, Incoming, OutMessage, PlatformName, RetryLater, retry_after
from integrations.slack.render import render_notice, render_reply

HOOK_HOSTS = frozenset({"hooks.slack.com"})
FILE_HOSTS = frozenset({"files.slack.com"})
# ok:false errors worth another try later; any other error is the request's fault and would fail again.
TRANSIENT_ERRORS = frozenset({"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable",
                              "request_timeout", "team_added_to_org"})
AUDIO_DEADLINE_S = 60.0  # a whole voice-note download, however slowly it trickles
_NETWORK_ERRORS = (URLError, TimeoutError, ConnectionError, http.client.HTTPException)


def _retry_after(headers: Mapping[str, Any] | None) -> float | None:
    """Seconds from the response's Retry-After header, if any."""
    value = next((str(v) for k, v in (headers or {}).items() if k.lower() == "retry-after"), None)
    return retry_after(value, time())


def http_failure(what: str, status: int, headers: Mapping[str, Any] | None, error: str = "") -> Exception:
    """RetryLater or DeliveryFailed for one failed Slack exchange (status code plus Slack's error code)."""
    error = error if re.fullmatch(r"[a-z_]{1,60}", error) else ""  # a Slack error code, not a page of HTML
    reason = f"slack {what}: HTTP {status}" + (f" {error}" if error else "")
    if status == 429 or error in TRANSIENT_ERRORS:
        return RetryLater(_retry_after(headers), reason)
    if status >= 500 or status == 408:
        return RetryLater(None, reason)
    return DeliveryFailed(reason)


class _SlackOnlyRedirects(HTTPRedirectHandler):
    """Follows a file download's redirects only to allowed hosts (the Bearer token goes along)."""

    def __init__(self, allowed: Callable[[str], bool]) -> None:
        self._allowed = allowed

    def redirect_request(self, req: Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Request | None:
        if not self._allowed(newurl):
            raise _unavailable(f"slack file download: redirected away from Slack (HTTP {code})")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class SlackPlatform:
    """The Platform of integrations/chat for Slack: one WebClient (bot token) shared by all deliveries."""

    name: PlatformName = "slack"

    def __init__(self, settings: Settings, *, timeout: int = 30) -> None:
        if settings.slack_bot_token is None:
            raise ConfigError(en="COPILOT_SLACK_BOT_TOKEN is not set", zh="未设置 COPILOT_SLACK_BOT_TOKEN")
        self._settings = settings
        self._token = settings.slack_bot_token.get_secret_value()
        self._timeout = timeout
        self._api = urlsplit(settings.slack_api_url)
        # The SDK logs request bodies (message text) at DEBUG whenever its logger's own level allows: never here.
        self._sdk_log = logging.getLogger(f"{__name__}.sdk")
        self._sdk_log.setLevel(logging.WARNING)
        self._client = WebClient(token=self._token, base_url=settings.slack_api_url.rstrip("/") + "/",
                                 timeout=timeout, retry_handlers=[], logger=self._sdk_log)

    def rate(self) -> tuple[int, float]:
        return self._settings.slack_per_minute, 60.0

    def render(self, reply: Reply, incoming: Incoming) -> list[OutMessage]:
        return [OutMessage(channel=incoming.channel, payload=p) for p in render_reply(reply, _route(incoming))]

    def notice(self, text: str, incoming: Incoming) -> list[OutMessage]:
        """A refusal or error message (already in the user's language) for the asker."""
        return [OutMessage(channel=incoming.channel, payload=p) for p in render_notice(text, _route(incoming))]

    def deliver(self, message: OutMessage) -> None:
        method = str(message.payload.get("method"))
        args = message.payload.get("args") or {}
        if not isinstance(args, dict) or (method != "response_url" and not args):
            raise DeliveryFailed(f"slack {method}: payload without args")
        try:
            if method == "chat.postMessage":
                self._client.chat_postMessage(**args)
            elif method == "files_upload_v2":
                self._upload(dict(args), message.payload.get("dm_user"))
            elif method == "response_url":
                self._respond(str(message.payload.get("url") or ""), dict(message.payload.get("body") or {}))
            else:
                raise DeliveryFailed(f"slack: unknown payload method {method!r}")
        except SlackApiError as exc:
            resp = exc.response
            raise http_failure(method, resp.status_code, resp.headers, str(resp.get("error") or "")) from exc
        except HTTPError as exc:  # the plain upload step of files_upload_v2
            raise http_failure(method, exc.code, dict(exc.headers.items())) from None
        except _NETWORK_ERRORS as exc:
            raise RetryLater(None, f"slack {method}: {type(exc).__name__}") from None
        except SlackRequestError as exc:
            raise DeliveryFailed(f"slack {method}: refused by the SDK before sending") from exc

    def fetch_audio(self, incoming: Incoming) -> tuple[bytes, str, str | None]:
        """The voice note's bytes, read with the bot token, never more than max_audio_mb nor for longer than
        AUDIO_DEADLINE_S.

        Raises RetryLater (Slack busy, slow or unreachable) or BadRequest, whose message the relay shows the user
        (too large; not a Slack file URL, no access or gone, with the reason in `detail` for the log).
        """
        audio = incoming.audio or {}
        url = str(audio.get("url") or "")
        if not url:
            raise BadRequest("This message has no voice note to fetch.", "这条消息没有可下载的语音。")
        if not self._allowed(url, FILE_HOSTS):
            raise _unavailable("slack file download: not a Slack file URL")
        limit = int(self._settings.max_audio_mb * 1_000_000)
        opener = build_opener(_SlackOnlyRedirects(lambda u: self._allowed(u, FILE_HOSTS)))
        request = Request(url, headers={"Authorization": f"Bearer {self._token}"})
        try:
            with opener.open(request, timeout=self._timeout) as resp:
                ctype = resp.headers.get("Content-Type") or ""
                if ctype.lower().startswith("text/html"):  # Slack's sign-in page: the token lacks files:read
                    raise _unavailable("slack file download: got a web page, not the file (files:read scope?)")
                length = resp.headers.get("Content-Length") or ""
                if length.isdigit() and int(length) > limit:
                    raise _too_big(int(length), limit)
                data = _read_capped(resp, limit, monotonic() + AUDIO_DEADLINE_S)
        except HTTPError as exc:
            failure = http_failure("file download", exc.code, dict(exc.headers.items()))
            if isinstance(failure, RetryLater):
                raise failure from None
            raise _unavailable(str(failure)) from None
        except _NETWORK_ERRORS as exc:
            raise RetryLater(None, f"slack file download: {type(exc).__name__}") from None
        name = str(audio.get("name") or PurePosixPath(urlsplit(url).path).name or "voice")
        mimetype = audio.get("mimetype") or (ctype.split(";")[0].strip() or None)
        return data, name, mimetype

    def _upload(self, args: dict[str, Any], dm_user: Any = None) -> None:
        if not Path(str(args.get("file") or "")).is_file():
            raise DeliveryFailed("slack files_upload_v2: the file to upload is gone")
        if not args.get("channel") and dm_user:  # the DM of a slash command's asker (needs im:write)
            args["channel"] = self._client.conversations_open(users=str(dm_user))["channel"]["id"]
        self._client.files_upload_v2(**args)

    def _respond(self, url: str, body: dict[str, Any]) -> None:
        """A slash command's answer, posted to its response_url (valid 30 minutes, 5 posts)."""
        if not self._allowed(url, HOOK_HOSTS):
            raise DeliveryFailed("slack response_url: not a Slack host")
        hook = WebhookClient(url, timeout=self._timeout, retry_handlers=[], logger=self._sdk_log)
        resp = hook.send_dict(body)
        if resp.status_code != 200:
            raise http_failure("response_url", resp.status_code, resp.headers, (resp.body or "")[:40])

    def _allowed(self, url: str, slack_hosts: frozenset[str]) -> bool:
        """https to one of Slack's hosts, or the configured API's own scheme and host (a local fake in tests)."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return False
        if parts.username is not None or parts.password is not None or not parts.hostname:
            return False
        if parts.scheme == "https" and parts.hostname.lower() in slack_hosts and port in (None, 443):
            return True
        return (parts.scheme, parts.netloc.lower()) == (self._api.scheme, self._api.netloc.lower())


def _route(incoming: Incoming) -> dict[str, Any]:
    """Where replies go; the event's channel when the route names none."""
    route = dict(incoming.route)
    route["channel"] = route.get("channel") or incoming.channel
    return route


def _read_capped(resp: Any, limit: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := resp.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise _too_big(None, limit)
        if monotonic() > deadline:  # a trickle would hold a worker: give the turn back and try later
            raise RetryLater(None, "slack file download: too slow")
        chunks.append(chunk)
    return b"".join(chunks)


def _unavailable(detail: str) -> BadRequest:
    return BadRequest("I could not download that voice note from Slack.", "无法从 Slack 下载这条语音。",
                      detail=detail)


def _too_big(size: int | None, limit: int) -> BadRequest:
    mb = f"{size / 1e6:.1f} MB" if size is not None else f"over {limit / 1e6:.0f} MB"
    zh = f"{size / 1e6:.1f} MB" if size is not None else f"超过 {limit / 1e6:.0f} MB"
    return BadRequest(en=f"That voice note is too large ({mb}; the limit is {limit / 1e6:.0f} MB).",
                      zh=f"语音文件过大（{zh}，上限 {limit / 1e6:.0f} MB）。",
                      detail=f"slack file download over {limit} bytes")
