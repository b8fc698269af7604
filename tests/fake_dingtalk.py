"""A fake DingTalk on 127.0.0.1 for tests: session webhooks, the OpenAPI the robot uses, voice-note files.

    with FakeDingTalk() as ding:                      # port 0; ding.url = "http://127.0.0.1:<port>"
        settings = load_settings(dingtalk_api_url=ding.url, dingtalk_app_key=ding.app_key,
                                 dingtalk_app_secret=ding.app_secret)
        body = message("华东区销售额?", webhook=ding.webhook("s1"))
        ding.fail_next("/robot/sendBySession", status=429, retry_after=3)
        ding.calls("/v1.0/robot/")                    # every request: Call(method, path, query, body, headers, at)

Routes: POST /robot/sendBySession?session=<id> (webhook), POST /v1.0/oauth2/accessToken, POST
/v1.0/robot/oToMessages/batchSend, POST /v1.0/robot/groupMessages/send, POST /v1.0/robot/messageFiles/download
(-> downloadUrl of GET /files/<downloadCode>), POST /v1.0/gateway/connections/open (Stream mode). The OpenAPI
checks the `x-acs-dingtalk-access-token` header and answers 400 InvalidAuthentication like DingTalk when it is
wrong or `expire_tokens()` was called. `signed_callback()` builds a correctly signed HTTP callback.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.logscan import register_secret

ROBOT_USER_ID = "$:LWCP_v1:$robotBotUser0001"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # without the query string
    query: dict[str, str]
    body: Any  # parsed JSON (None for GET / non-JSON)
    headers: dict[str, str]  # names lower-cased
    at: float  # time.monotonic() when it arrived


@dataclass
class _Script:
    prefix: str
    status: int
    body: dict[str, Any]
    retry_after: float | None
    times: int


@dataclass
class _File:
    data: bytes
    content_type: str
    declare_length: bool


@dataclass
class FakeDingTalk:
    app_key: str = "dingfakeappkey"
    app_secret: str = "fake-app-secret-0123456789"
    token_ttl: int = 7200
    stream_endpoint: str = "ws://127.0.0.1:9/connect"  # what connections/open hands out (a test may serve one)
    _calls: list[Call] = field(default_factory=list)
    _scripts: list[_Script] = field(default_factory=list)
    _files: dict[str, _File] = field(default_factory=dict)
    _tokens: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    _token_counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    _server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        register_secret(self.app_secret)  # never in a log (tests/logscan.py)

    # --- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> FakeDingTalk:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeDingTalk:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def webhook(self, session: str = "session-1") -> str:
        return f"{self.url}/robot/sendBySession?session={session}"

    # --- scripting ------------------------------------------------------------------------------------

    def fail_next(self, path_prefix: str, status: int = 500, retry_after: float | None = None,
                  body: dict[str, Any] | None = None, times: int = 1) -> None:
        """The next `times` requests whose path starts with `path_prefix` get this answer instead."""
        with self._lock:
            self._scripts.append(_Script(path_prefix, status, body or {"code": "fake", "message": "scripted"},
                                         retry_after, times))

    def errcode_next(self, path_prefix: str, errcode: int, errmsg: str = "scripted", times: int = 1) -> None:
        """A classic-API refusal: HTTP 200 with {"errcode": ..., "errmsg": ...}."""
        self.fail_next(path_prefix, 200, body={"errcode": errcode, "errmsg": errmsg}, times=times)

    def expire_tokens(self) -> None:
        """Every access token issued so far stops working (DingTalk rotated it)."""
        with self._lock:
            self._tokens.clear()

    def add_file(self, download_code: str, data: bytes, content_type: str = "audio/amr",
                 declare_length: bool = True) -> str:
        """A voice note reachable by `download_code`; without a declared length it is streamed to the close."""
        with self._lock:
            self._files[download_code] = _File(data, content_type, declare_length)
        return download_code

    # --- reading --------------------------------------------------------------------------------------

    def calls(self, path_prefix: str = "") -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.path.startswith(path_prefix)]

    @property
    def tokens_issued(self) -> int:
        return len(self.calls("/v1.0/oauth2/accessToken"))

    # --- serving --------------------------------------------------------------------------------------

    def _record(self, call: Call) -> _Script | None:
        with self._lock:
            self._calls.append(call)
            for script in self._scripts:
                if call.path.startswith(script.prefix):
                    script.times -= 1
                    if script.times <= 0:
                        self._scripts.remove(script)
                    return script
        return None

    def _answer(self, call: Call) -> tuple[int, dict[str, Any]]:
        body = call.body if isinstance(call.body, dict) else {}
        if call.path == "/robot/sendBySession":
            ok = "session" in call.query and body.get("msgtype") in ("markdown", "text", "actionCard")
            return (200, {"errcode": 0, "errmsg": "ok"}) if ok else (200, {"errcode": 300005, "errmsg": "bad"})
        if call.path == "/v1.0/oauth2/accessToken":
            if (body.get("appKey"), body.get("appSecret")) != (self.app_key, self.app_secret):
                return 400, {"code": "invalidClientIdOrSecret", "message": "无效的clientId或clientSecret"}
            token = f"fake-token-{next(self._token_counter)}"  # fake-token-1, -2, ... in order
            register_secret(token)  # an access token must never reach a log (tests/logscan.py)
            with self._lock:
                self._tokens.add(token)
            return 200, {"accessToken": token, "expireIn": self.token_ttl}
        if call.path == "/v1.0/gateway/connections/open":
            return 200, {"endpoint": self.stream_endpoint, "ticket": "fake-ticket"}
        with self._lock:
            authorised = call.headers.get("x-acs-dingtalk-access-token") in self._tokens
        if not authorised:
            return 400, {"code": "InvalidAuthentication", "message": "不合法的access_token"}
        return self._openapi(call.path, body)

    def _openapi(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path in ("/v1.0/robot/oToMessages/batchSend", "/v1.0/robot/groupMessages/send"):
            target = "userIds" if path.endswith("batchSend") else "openConversationId"
            if not body.get("robotCode") or not body.get(target) or not isinstance(body.get("msgParam"), str):
                return 400, {"code": "invalidParameter", "message": "missing parameter"}
            json.loads(body["msgParam"])
            extra: dict[str, Any] = {"invalidStaffIdList": [], "flowControlledStaffIdList": []} \
                if target == "userIds" else {}
            return 200, {"processQueryKey": f"pqk-{next(self._counter)}", **extra}
        if path == "/v1.0/robot/messageFiles/download":
            if body.get("downloadCode") not in self._files or not body.get("robotCode"):
                return 400, {"code": "invalidParameter", "message": "downloadCode invalid"}
            return 200, {"downloadUrl": f"{self.url}/files/{body['downloadCode']}"}
        return 404, {"code": "notFound", "message": path}


def _handler(fake: FakeDingTalk) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def _call(self, body: Any) -> Call:
            parts = urlsplit(self.path)
            return Call(self.command, parts.path, dict(parse_qsl(parts.query)), body,
                        {k.lower(): v for k, v in self.headers.items()}, time.monotonic())

        def _send(self, status: int, body: bytes, ctype: str, retry_after: float | None = None,
                  length: bool = True) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            if retry_after is not None:
                self.send_header("Retry-After", f"{retry_after:g}")
            if length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: dict[str, Any], retry_after: float | None = None) -> None:
            self._send(status, json.dumps(data, ensure_ascii=False).encode(), "application/json", retry_after)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            call = self._call(body)
            script = fake._record(call)
            if script:
                self._json(script.status, script.body, script.retry_after)
            else:
                self._json(*fake._answer(call))

        def do_GET(self) -> None:
            call = self._call(None)
            script = fake._record(call)
            if script:
                return self._json(script.status, script.body, script.retry_after)
            file = fake._files.get(call.path.removeprefix("/files/")) if call.path.startswith("/files/") else None
            if file is None:
                return self._json(404, {"code": "notFound"})
            self._send(200, file.data, file.content_type, length=file.declare_length)
            if not file.declare_length:
                self.close_connection = True

    return Handler


# --- callbacks DingTalk would send -------------------------------------------------------------------------


def sign(timestamp: str, secret: str) -> str:
    """Written out again here (not imported) so the tests check the production code against the spec."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_callback(body: dict[str, Any], secret: str,
                    timestamp_ms: int | None = None) -> tuple[dict[str, str], bytes]:
    """Headers and raw body of an HTTP callback as DingTalk posts it to /dingtalk/callback."""
    ts = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    headers = {"Content-Type": "application/json; charset=utf-8", "timestamp": ts, "sign": sign(ts, secret)}
    return headers, json.dumps(body, ensure_ascii=False).encode()


def message(text: str = "2026年10月华东区的销售额是多少?", *, msgtype: str = "text",
            staff_id: str | None = "manager4821", sender_id: str = "$:LWCP_v1:$u8hXbWq3aF0vPc2Zt9kLmA==",
            nick: str = "王经理", group: bool = False,
            conversation_id: str | None = None, msg_id: str | None = None, webhook: str | None = None,
            expires_ms: int | None = None, recognition: str | None = None, download_code: str = "dlc-voice-1",
            rich: list[dict[str, Any]] | None = None, robot_code: str = "dingfakeappkey",
            chatbot_user_id: str = ROBOT_USER_ID) -> dict[str, Any]:
    """A robot callback body shaped like DingTalk's (text, richText, audio with/without recognition, group @)."""
    now = int(time.time() * 1000)
    cid = conversation_id or ("cidGroupQ8x2Kd0fYb1w==" if group else "cidOneToOneZ7pLr5Tn==")
    body: dict[str, Any] = {
        "msgId": msg_id or f"msg{next(_ids):06d}", "msgtype": msgtype, "createAt": now,
        "conversationId": cid, "conversationType": "2" if group else "1",
        "senderId": sender_id, "senderNick": nick, "senderCorpId": "dingcorp0001", "isAdmin": False,
        "chatbotUserId": chatbot_user_id, "chatbotCorpId": "dingcorp0001", "robotCode": robot_code,
        "sessionWebhook": webhook or "https://oapi.dingtalk.com/robot/sendBySession?session=fakesession0001",
        "sessionWebhookExpiredTime": expires_ms if expires_ms is not None else now + 90 * 60 * 1000,
    }
    if staff_id is not None:
        body["senderStaffId"] = staff_id
    if group:
        body.update(conversationTitle="华东销售群", isInAtList=True,
                    atUsers=[{"dingtalkId": chatbot_user_id}])
    if msgtype == "text":
        body["text"] = {"content": f" {text}" if group else text}  # DingTalk leaves a space where @robot was
    elif msgtype == "richText":
        body["content"] = {"richText": rich if rich is not None else [
            {"text": text}, {"type": "picture", "downloadCode": "dlc-pic-1", "pictureDownloadCode": "pdc-1"}]}
    elif msgtype == "audio":
        body["content"] = {"duration": 4000, "downloadCode": download_code}
        if recognition is not None:
            body["content"]["recognition"] = recognition
    elif msgtype in ("picture", "file"):
        body["content"] = {"downloadCode": "dlc-pic-1", "pictureDownloadCode": "pdc-1"}
    return body
