"""`POST /slack/events` and `POST /dingtalk/callback`: verify, store, acknowledge; answers follow in the background."""

from __future__ import annotations

import json
import logging
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from integrations.chat.setup import ChatApps

log = logging.getLogger(__name__)

router = APIRouter(tags=["chat apps"])
MAX_BODY = 1_000_000  # chat-app events are a few KB; anything near this is not one


def _apps(request: Request) -> ChatApps | None:
    apps: ChatApps | None = getattr(request.app.state, "chat", None)
    return apps


def _refuse(status: int, error: str, code: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": error, "code": code})


async def _body(request: Request) -> bytes | None:
    body = await request.body()
    return None if len(body) > MAX_BODY else body


@router.post("/slack/events", summary="Slack Events API, interactivity and the /copilot command",
             responses={401: {"description": "bad or stale signature"}, 503: {"description": "Slack not set up"}})
async def slack_events(request: Request) -> Response:
    """Slack signs every request (X-Slack-Signature, X-Slack-Request-Timestamp, 5-minute window); the event is
    written to the inbox before the 200, and a retry of the same event id is acknowledged and dropped."""
    apps = _apps(request)
    if apps is None or apps.slack is None:
        return _refuse(503, "Slack is not set up here: set COPILOT_SLACK_BOT_TOKEN and COPILOT_SLACK_SIGNING_SECRET "
                            "(see the README's Slack setup guide).", "NotConfigured")
    body = await _body(request)
    if body is None:
        return _refuse(413, "Request too large.", "TooLarge")
    from integrations.slack.events import dispatch

    resp = await run_in_threadpool(dispatch, apps.slack, body, request.url.query, dict(request.headers))
    if resp.status == 401:
        log.warning("slack request with a bad signature refused")
    return Response(status_code=resp.status, content=resp.body, headers=resp.first_headers_without_set_cookie())


@router.post("/dingtalk/callback", summary="DingTalk robot messages (HTTP mode)",
             responses={400: {"description": "not a robot message"}, 401: {"description": "bad or stale sign"},
                        503: {"description": "DingTalk not set up"}})
async def dingtalk_callback(request: Request) -> JSONResponse:
    """DingTalk signs every callback (timestamp + sign headers, HMAC-SHA256 with the app secret, 1-hour window);
    the message is written to the inbox before the 200, and a redelivered msgId is acknowledged and dropped."""
    apps = _apps(request)
    if apps is None or apps.dingtalk_secret is None:
        return _refuse(503, "DingTalk is not set up here: set COPILOT_DINGTALK_APP_KEY and "
                            "COPILOT_DINGTALK_APP_SECRET (see the README's DingTalk setup guide).", "NotConfigured")
    from integrations.dingtalk.callback import parse_message, verify_signature

    if not verify_signature(request.headers.get("timestamp"), request.headers.get("sign"), apps.dingtalk_secret,
                            int(time.time() * 1000)):
        log.warning("dingtalk callback with a bad sign refused")
        return _refuse(401, "Invalid signature.", "BadSignature")
    body = await _body(request)
    if body is None:
        return _refuse(413, "Request too large.", "TooLarge")
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("body is not a JSON object")
        incoming = parse_message(data)
    except ValueError as exc:  # json.JSONDecodeError and the parser's malformed-message error are ValueErrors
        log.info("dingtalk callback rejected: %s", type(exc).__name__)
        return _refuse(400, "Not a DingTalk robot message.", "BadMessage")
    if incoming is not None:
        await run_in_threadpool(apps.relay.submit, incoming)
    return JSONResponse({"msgtype": "empty"})
