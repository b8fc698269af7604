"""DingTalk as the relay sees it: render a Reply, deliver one message, fetch a voice note.

A reply goes to the callback's session webhook while it is valid (no token needed, the reply lands in the same
chat), else through the OpenAPI with the app's access token (one-to-one batchSend or group send). The relay paces,
orders and retries; this module only reports outcomes: RetryLater (429, 5xx, unreachable, DingTalk's "send too
fast") or DeliveryFailed (refused for good). Secrets, tokens, webhook URLs and message text are never logged.
"""

from __future__ import annotations

import logging
import mimetypes
import threading
import time
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from agent.reply import Reply
from copilot.errors import BadRequest, ConfigError
from copilot.settings import Settings
from integrations.chat.model import DeliveryFailed, Incoming, OutMessage, PlatformName, RetryLater, retry_after
from integrations.dingtalk.render import openapi_body, render_reply, webhook_body

log = logging.getLogger(__name__)

DINGTALK_HOSTS = frozenset({"oapi.dingtalk.com", "api.dingtalk.com"})
WEBHOOK_MARGIN_MS = 60_000  # a webhook about to expire is not worth the race: use the OpenAPI instead
TOKEN_MARGIN_S = 300.0  # refresh the access token this long before DingTalk says it expires
AUDIO_TIMEOUT_S = 60.0  # a whole voice-note download, not per read
TOKEN_ERRCODES = frozenset({40014, 41001, 42001})  # invalid, missing, expired access_token (classic API)
TOKEN_CODES = frozenset({"invalidauthentication", "invalid.authentication", "unauthorized"})
RATE_ERRCODES = frozenset({130101, 90018})  # robot "send too fast", app/IP call-rate limits
RATE_HINTS = ("qpslimit", "throttl", "flowcontrol", "ratelimit", "toomanyrequests")
AUDIO_SUFFIXES = frozenset({".amr", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".wav", ".silk"})

Outcome = Literal["ok", "token", "rate", "retry", "fail"]


def webhook_allowed(url: str, api_url: str) -> bool:
    """Only DingTalk's own hosts (https) or the configured API host: a payload must not steer us anywhere else."""
    try:
        parts, api = urlsplit(url), urlsplit(api_url)
        port, api_port = parts.port, api.port
    except ValueError:
        return False
    if parts.username or parts.password or not parts.hostname:
        return False
    if parts.scheme == "https" and parts.hostname in DINGTALK_HOSTS and port in (None, 443):
        return True
    return parts.scheme in ("http", "https") and (parts.scheme, parts.hostname, port) == (
        api.scheme, api.hostname, api_port)


def classify(status: int, data: dict[str, Any]) -> Outcome:
    """What one DingTalk answer means; classic APIs say errcode in a 200 body, v1.0 APIs say code with a 4xx."""
    errcode = data.get("errcode")
    code = str(data.get("code") or "").lower()
    if status == 429 or errcode in RATE_ERRCODES or any(h in code.replace(".", "") for h in RATE_HINTS):
        return "rate"
    if status >= 500:
        return "retry"
    if status == 401 or errcode in TOKEN_ERRCODES or code in TOKEN_CODES:
        return "token"
    if status >= 400 or errcode not in (None, 0, "0"):
        return "fail"
    if data.get("flowControlledStaffIdList"):
        return "rate"
    if data.get("invalidStaffIdList"):
        return "fail"
    return "ok"


class _RedactQueries(logging.Filter):
    """httpx logs each request URL at INFO; session webhooks (?session=) and download links carry credentials in
    the query, so for DingTalk's hosts the query is cut from those records."""

    def __init__(self) -> None:
        super().__init__()
        self.hosts: set[str] = set(DINGTALK_HOSTS)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._redact(a) for a in record.args)
        return True

    def _redact(self, arg: object) -> object:
        if isinstance(arg, httpx.URL) and arg.query and arg.host in self.hosts:
            return str(arg.copy_with(query=None)) + "?…"
        return arg


_REDACT = _RedactQueries()


def _redact_host(url: str) -> None:
    host = urlsplit(url).hostname
    if host:
        _REDACT.hosts.add(host)
    httpx_log = logging.getLogger("httpx")
    if _REDACT not in httpx_log.filters:
        httpx_log.addFilter(_REDACT)


def _json(resp: httpx.Response) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _audio_name(url: str, content_type: str | None) -> tuple[str, str]:
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    name = f"voice{suffix}" if suffix in AUDIO_SUFFIXES else "voice.amr"
    ctype = (content_type or "").split(";")[0].strip().lower()
    if not ctype.startswith("audio/"):
        ctype = mimetypes.guess_type(name)[0] or "audio/amr"
    return name, ctype


class DingTalkPlatform:
    """The DingTalk robot of one app (app key/secret from settings); thread-safe, one per process."""

    name: PlatformName = "dingtalk"

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        if not settings.dingtalk_app_key or not settings.dingtalk_app_secret:
            raise ConfigError("DingTalk needs COPILOT_DINGTALK_APP_KEY and COPILOT_DINGTALK_APP_SECRET")
        self._key = settings.dingtalk_app_key
        self._secret = settings.dingtalk_app_secret
        self._robot_code = settings.dingtalk_robot_code or settings.dingtalk_app_key
        self._api = settings.dingtalk_api_url.rstrip("/")
        self._per_minute = settings.dingtalk_per_minute
        self._max_audio = int(settings.max_audio_mb * 1024 * 1024)
        self._clock = clock
        self._http = httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0), follow_redirects=False)
        self._lock = threading.Lock()
        self._token: tuple[str, float] | None = None  # (token, refresh after this clock time)
        _redact_host(self._api)

    def close(self) -> None:
        self._http.close()

    def rate(self) -> tuple[int, float]:
        return self._per_minute, 60.0

    def render(self, reply: Reply, incoming: Incoming) -> list[OutMessage]:
        return [OutMessage(channel=incoming.channel, payload=p) for p in render_reply(reply, incoming.route)]

    # --- delivery -------------------------------------------------------------------------------------

    def deliver(self, message: OutMessage) -> None:
        payload = message.payload
        route = payload.get("route") or {}
        url = route.get("session_webhook")
        if url and int(route.get("expires_ms") or 0) - WEBHOOK_MARGIN_MS > self._clock() * 1000:
            if not webhook_allowed(url, self._api):
                log.warning("dingtalk: session webhook host not allowed (channel %s)", message.channel)
                raise DeliveryFailed("session webhook host not allowed")
            resp = self._post(url, webhook_body(payload), {})
            self._raise_unless_ok(resp, "sessionWebhook", token_ok=False)
            return
        if route.get("conversation_type") != "2" and not route.get("staff_id"):
            raise DeliveryFailed("one-to-one reply after the webhook expired needs the sender's staff id")
        if not route.get("open_conversation_id") and route.get("conversation_type") == "2":
            raise DeliveryFailed("group reply without openConversationId")
        path, body = openapi_body(payload, self._robot_code)
        self._openapi(path, body)

    def _post(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        try:
            return self._http.post(url, json=body, headers=headers)
        except httpx.TransportError as exc:  # timeouts, refused connections, resets: worth another try
            raise RetryLater(None, f"dingtalk unreachable ({type(exc).__name__})") from None

    def _raise_unless_ok(self, resp: httpx.Response, what: str, *, token_ok: bool = True) -> Outcome:
        data = _json(resp)
        outcome = classify(resp.status_code, data)
        if outcome == "ok" or (outcome == "token" and token_ok):
            return outcome
        detail = f"{what}: HTTP {resp.status_code} code={data.get('code') or data.get('errcode')}"
        log.warning("dingtalk %s (%s)", detail, str(data.get("message") or data.get("errmsg") or "")[:120])
        if outcome in ("rate", "retry"):
            raise RetryLater(retry_after(resp.headers.get("Retry-After"), self._clock()), detail)
        raise DeliveryFailed(detail)

    def _openapi(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST to the OpenAPI with the access token; a token DingTalk rejects is replaced once."""
        for attempt in range(2):
            token = self._access_token(refresh=attempt > 0)
            resp = self._post(self._api + path, body, {"x-acs-dingtalk-access-token": token})
            if self._raise_unless_ok(resp, path, token_ok=attempt == 0) == "ok":
                return _json(resp)
        raise DeliveryFailed(f"{path}: access token rejected twice")  # unreachable: the 2nd try raises

    def _access_token(self, refresh: bool = False) -> str:
        with self._lock:
            now = self._clock()
            if self._token and not refresh and now < self._token[1]:
                return self._token[0]
            resp = self._post(self._api + "/v1.0/oauth2/accessToken",
                              {"appKey": self._key, "appSecret": self._secret.get_secret_value()}, {})
            self._raise_unless_ok(resp, "accessToken", token_ok=False)
            data = _json(resp)
            token, expire_in = data.get("accessToken"), data.get("expireIn")
            if not isinstance(token, str) or not token:
                raise DeliveryFailed("accessToken: no token in the answer")
            life = float(expire_in) if isinstance(expire_in, int | float) else 7200.0
            self._token = (token, now + max(life - TOKEN_MARGIN_S, life / 2))
            return token

    # --- voice notes ----------------------------------------------------------------------------------

    def fetch_audio(self, incoming: Incoming) -> tuple[bytes, str, str | None]:
        """The voice note via downloadCode -> downloadUrl; BadRequest when it is too large or unavailable."""
        audio = incoming.audio or {}
        code = audio.get("downloadCode")
        if not isinstance(code, str) or not code:
            raise BadRequest("This message has no voice note to fetch.", "这条消息没有可下载的语音。")
        try:
            data = self._openapi("/v1.0/robot/messageFiles/download",
                                 {"downloadCode": code, "robotCode": audio.get("robotCode") or self._robot_code})
        except DeliveryFailed:
            raise BadRequest("DingTalk no longer has this voice note.", "钉钉上已无法获取这条语音。") from None
        url = data.get("downloadUrl")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            raise BadRequest("DingTalk gave no link to the voice note.", "钉钉没有返回语音的下载地址。")
        _redact_host(url)  # a signed, short-lived link: its query is a credential
        return self._download(url)

    def _download(self, url: str) -> tuple[bytes, str, str | None]:
        too_big = BadRequest(f"The voice note is larger than {self._max_audio // (1024 * 1024)} MB.",
                             f"语音超过 {self._max_audio // (1024 * 1024)} MB 的上限。")
        deadline = time.monotonic() + AUDIO_TIMEOUT_S
        chunks: list[bytes] = []
        size = 0
        try:
            with self._http.stream("GET", url) as resp:
                if resp.status_code == 429 or resp.status_code >= 500:
                    raise RetryLater(retry_after(resp.headers.get("Retry-After"), self._clock()),
                                     f"audio download: HTTP {resp.status_code}")
                if resp.status_code != 200:
                    log.warning("dingtalk audio download: HTTP %s", resp.status_code)
                    raise BadRequest("The voice note could not be downloaded.", "语音下载失败。")
                if int(resp.headers.get("Content-Length") or 0) > self._max_audio:
                    raise too_big
                for chunk in resp.iter_bytes():
                    size += len(chunk)
                    if size > self._max_audio:
                        raise too_big
                    if time.monotonic() > deadline:
                        raise RetryLater(None, "audio download too slow")
                    chunks.append(chunk)
                name, ctype = _audio_name(url, resp.headers.get("Content-Type"))
        except httpx.TransportError as exc:
            raise RetryLater(None, f"audio download failed ({type(exc).__name__})") from None
        return b"".join(chunks), name, ctype
