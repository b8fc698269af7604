"""A fake Slack Web API on 127.0.0.1 for tests: answers like Slack, records every call, fails on cue.

    with FakeSlack() as slack:
        settings = load_settings(slack_bot_token=slack.token, slack_api_url=slack.base_url)
        slack.fail_next("chat.postMessage", status=429, retry_after=2)   # the next call gets a 429
        ...
        [call] = slack.calls_to("chat.postMessage")
        assert call.args["thread_ts"] == "1.2"

Routes (a call's `method` is the name in brackets):
- POST /api/<method> [<method>]: auth.test (UBOT / BBOT / T1), chat.postMessage, files.getUploadURLExternal,
  files.completeUploadExternal, apps.connections.open (a ws:// URL nobody serves); any other method answers
  {"ok": true} or what `respond(method, {...})` set. Form-encoded and JSON bodies are both read; JSON-looking
  form fields (blocks, files, attachments) are decoded. The token (Authorization: Bearer or a `token` field)
  must be `token` (`app_token` for apps.connections.open), else ok:false invalid_auth / not_authed.
- POST /upload/<file_id> [upload]: step 2 of files_upload_v2; the bytes land in `files[file_id].data`.
- GET /files/<name> [download]: bytes registered with `add_file`; without the bot token Slack's sign-in page
  (HTML, 200) comes back instead, as Slack does. `add_redirect` makes a name answer 302.
- POST /hooks/<id> [response_url]: a slash command's response_url (`hook_url(id)`); answers "ok".
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.logscan import register_secret

_JSON_FIELDS = ("blocks", "attachments", "files", "metadata")


@dataclass(frozen=True)
class Call:
    """One request the fake received (also the ones it answered with a scripted failure)."""

    method: str  # API method name, or "upload", "download", "response_url"
    path: str
    args: dict[str, Any]  # form fields / JSON body / query string, merged
    headers: dict[str, str]  # names lower-cased
    body: bytes
    at: float  # time.monotonic() when it arrived


@dataclass
class Uploaded:
    """A file sent through files_upload_v2 (filled step by step)."""

    id: str
    filename: str
    length: int
    alt_txt: str | None = None
    data: bytes | None = None
    title: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    completed: bool = False


@dataclass
class _Script:
    status: int | None
    error: str | None
    retry_after: float | None
    body: str | bytes | None
    delay: float
    drop: bool


@dataclass
class _File:
    data: bytes
    mimetype: str
    length_header: bool
    redirect: str | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout tests) is expected; anything else is the fake's bug: show it."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeSlack:
    """The fake server; `with FakeSlack() as slack:` or start()/stop()."""

    def __init__(self, token: str = "xoxb-fake-bot", app_token: str = "xapp-fake-app") -> None:
        self.token = token
        self.app_token = app_token
        register_secret(token)  # neither may ever reach a log (tests/logscan.py)
        register_secret(app_token)
        self.files: dict[str, Uploaded] = {}
        self._calls: list[Call] = []
        self._scripts: dict[str, list[_Script]] = {}
        self._responses: dict[str, dict[str, Any]] = {}
        self._downloads: dict[str, _File] = {}
        self._seq = 0
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        self._stopping.clear()
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-slack",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root(self) -> str:
        assert self._server is not None, "FakeSlack is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        """What WebClient(base_url=...) and settings.slack_api_url take."""
        return self.root + "/api/"

    # --- scripting ---------------------------------------------------------------------------------------
    def fail_next(self, method: str, *, status: int | None = None, error: str | None = None,
                  retry_after: float | None = None, body: str | bytes | None = None, delay: float = 0.0,
                  drop: bool = False, times: int = 1) -> None:
        """The next `times` calls of `method` fail: HTTP `status` (429 when retry_after is given, else 200) with
        ok:false `error` (default ratelimited / invalid_arguments; a 5xx without error gets an HTML page), a
        Retry-After header, or a raw `body`; `drop` closes the connection without answering. A bare `delay`
        only slows the answer (to test timeouts)."""
        with self._cond:
            self._scripts.setdefault(method, []).extend(
                _Script(status, error, retry_after, body, delay, drop) for _ in range(times))

    def respond(self, method: str, data: dict[str, Any]) -> None:
        """What an otherwise unscripted API method answers from now on (ok: true is added)."""
        with self._cond:
            self._responses[method] = {"ok": True, **data}

    def add_file(self, name: str, data: bytes, mimetype: str = "audio/mp4", *, length_header: bool = True) -> str:
        """Serve bytes at GET /files/<name> (with the bot token); returns the url_private_download."""
        with self._cond:
            self._downloads[name] = _File(data, mimetype, length_header)
        return f"{self.root}/files/{name}"

    def add_redirect(self, name: str, location: str) -> str:
        """GET /files/<name> answers 302 to `location`; returns the URL."""
        with self._cond:
            self._downloads[name] = _File(b"", "text/plain", True, redirect=location)
        return f"{self.root}/files/{name}"

    def hook_url(self, hook_id: str = "T1/B1/secret") -> str:
        return f"{self.root}/hooks/{hook_id}"

    # --- what happened -------------------------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """The calls of `method` once there are `count` of them (for code that sends from other threads)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(got := [c for c in self._calls if c.method == method]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(got)} call(s) of {method} after {timeout}s, wanted {count}")
                self._cond.wait(left)
            return got

    # --- inside the server -------------------------------------------------------------------------------
    def _record(self, call: Call) -> _Script | None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
            queue = self._scripts.get(call.method)
            return queue.pop(0) if queue else None

    def _next_id(self, prefix: str) -> str:
        with self._cond:
            self._seq += 1
            return f"{prefix}{self._seq:06d}"

    def _api(self, method: str, args: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        """Slack's answer to a successful API call."""
        given = headers.get("authorization", "").removeprefix("Bearer ").strip() or str(args.get("token") or "")
        wanted = self.app_token if method == "apps.connections.open" else self.token
        if not given:
            return {"ok": False, "error": "not_authed"}
        if given != wanted:
            return {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            return {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "copilot",
                    "team_id": "T1", "user_id": "UBOT", "bot_id": "BBOT"}
        if method == "chat.postMessage":
            if not args.get("channel"):
                return {"ok": False, "error": "channel_not_found"}
            if not args.get("text") and not args.get("blocks"):
                return {"ok": False, "error": "no_text"}
            ts = f"{int(time.time())}.{self._next_id('')}"
            message = {"type": "message", "user": "UBOT", "bot_id": "BBOT", "ts": ts, "text": args.get("text", "")}
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
            return {"ok": True, "channel": args["channel"], "ts": ts, "message": message}
        if method == "files.getUploadURLExternal":
            file_id = self._next_id("F")
            with self._cond:
                self.files[file_id] = Uploaded(file_id, str(args.get("filename", "")), int(args.get("length", 0)),
                                               alt_txt=args.get("alt_txt"))
            return {"ok": True, "upload_url": f"{self.root}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            return self._complete(args)
        with self._cond:
            if method == "apps.connections.open" and method not in self._responses:
                return {"ok": True, "url": f"ws://{self.root.removeprefix('http://')}/ws"}
            return dict(self._responses.get(method, {"ok": True}))

    def _complete(self, args: dict[str, Any]) -> dict[str, Any]:
        done = []
        with self._cond:
            for item in args.get("files") or []:
                up = self.files.get(str(item.get("id")))
                if up is None or up.data is None:
                    return {"ok": False, "error": "file_not_found"}
                up.title, up.completed = item.get("title"), True
                up.channel, up.thread_ts = args.get("channel_id"), args.get("thread_ts")
                done.append({"id": up.id, "name": up.filename, "title": up.title, "size": len(up.data)})
        return {"ok": True, "files": done} if done else {"ok": False, "error": "invalid_arguments"}


def _parse(body: bytes, ctype: str, query: str) -> dict[str, Any]:
    args: dict[str, Any] = dict(parse_qsl(query))
    if "json" in ctype and body:
        args.update(json.loads(body.decode("utf-8")))
    elif "x-www-form-urlencoded" in ctype:
        args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for name in _JSON_FIELDS:
        value = args.get(name)
        if isinstance(value, str) and value[:1] in "[{":
            args[name] = json.loads(value)
    return args


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSlack

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def _route(self) -> tuple[str, str]:
        path = urlsplit(self.path).path
        for prefix, name in (("/api/", ""), ("/upload/", "upload"), ("/files/", "download"),
                             ("/hooks/", "response_url")):
            if path.startswith(prefix):
                return name or path[len(prefix):], unquote(path[len(prefix):])
        return "unknown", path

    def _send(self, status: int, body: bytes | str | dict[str, Any], ctype: str | None = None,
              headers: dict[str, str] | None = None, *, length: bool = True) -> None:
        if isinstance(body, dict):
            data, ctype = json.dumps(body).encode(), ctype or "application/json; charset=utf-8"
        else:
            data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype or "text/plain; charset=utf-8")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if length:  # else the body ends when the connection closes (HTTP/1.0)
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, verb: str) -> None:
        method, rest = self._route()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        query = urlsplit(self.path).query
        raw = method in ("upload", "download")  # file bytes, not fields
        args = dict(parse_qsl(query)) if raw else _parse(body, headers.get("content-type", ""), query)
        script = self.fake._record(Call(method, self.path, args, headers, body, time.monotonic()))
        if script is not None:
            self.fake._stopping.wait(script.delay)  # cut short by stop(): no thread outlives the fake for long
            if script.drop:
                self.close_connection = True
                return None
            if (script.status, script.error, script.retry_after, script.body) != (None, None, None, None):
                return self._fail(method, script)
        if method == "unknown" or (verb == "GET") != (method == "download"):
            return self._send(404, "not found")
        if method == "upload":
            return self._upload(rest, body)
        if method == "download":
            return self._download(rest, headers)
        if method == "response_url":
            return self._send(200, "ok")
        return self._send(200, self.fake._api(method, args, headers))

    def _fail(self, method: str, s: _Script) -> None:
        status = s.status if s.status is not None else 429 if s.retry_after is not None else 200
        extra = {"Retry-After": f"{s.retry_after:g}"} if s.retry_after is not None else {}
        if s.body is not None:
            return self._send(status, s.body, headers=extra)
        error = s.error or ("ratelimited" if status == 429 else None)
        if status >= 500 and error is None:
            return self._send(status, "<html><body>Internal Server Error</body></html>", "text/html", extra)
        error = error or "invalid_arguments"
        is_api = method not in ("upload", "download", "response_url")
        return self._send(status, {"ok": False, "error": error} if is_api else error, headers=extra)

    def _upload(self, file_id: str, body: bytes) -> None:
        with self.fake._cond:
            up = self.fake.files.get(file_id)
            if up is not None:
                up.data = body
        self._send(200 if up else 404, f"OK - {len(body)}" if up else "not found")

    def _download(self, name: str, headers: dict[str, str]) -> None:
        with self.fake._cond:
            f = self.fake._downloads.get(name)
        if f is None:
            return self._send(404, "file not found")
        if f.redirect is not None:
            return self._send(302, "", headers={"Location": f.redirect})
        if headers.get("authorization") != f"Bearer {self.fake.token}":
            return self._send(200, "<!DOCTYPE html><html><body>Sign in to Slack</body></html>", "text/html")
        self._send(200, f.data, f.mimetype, length=f.length_header)

    def do_POST(self) -> None:
        self._handle("POST")

    def do_GET(self) -> None:
        self._handle("GET")
