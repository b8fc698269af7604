"""Who an HTTP API request acts as: the user of its bearer token, checked against the `user_id` the request names.
With COPILOT_API_AUTH=auto (the default) a caller on this machine itself (loopback, no proxy headers) may name any
user without a token, as the demo and `copilot serve` on 127.0.0.1 expect; everyone else needs a token. Chat-app
webhooks prove themselves by signature instead, and the web console by its session cookie."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from agent.service import CopilotService
from copilot.apitokens import Unauthorized
from copilot.errors import BadRequest, PermissionDenied, UnknownUser
from copilot.settings import is_loopback

log = logging.getLogger(__name__)
# Headers a reverse proxy adds: a request that passed one is not a local caller, whatever its socket says.
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip")


@dataclass(frozen=True)
class Caller:
    bearer: HTTPAuthorizationCredentials | None
    local: bool  # straight from this machine: a loopback peer and no proxy headers


def caller(request: Request, bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(
        HTTPBearer(auto_error=False, description="personal API token: copilot token issue USER"))]) -> Caller:
    peer = request.client.host if request.client else ""
    local = is_loopback(peer) and not any(h in request.headers for h in PROXY_HEADERS)
    return Caller(bearer, local)


def acting_user(service: CopilotService, who: Caller, claimed: str | None) -> str:
    """The user id the request may act as. A token acts for its own user (`user_id` may then be left out, or be
    one of that user's Slack/DingTalk ids); an admin's token may act for anyone in the directory."""
    mode = service.settings.api_auth
    if who.bearer is None and (mode == "off" or (mode == "auto" and who.local)):
        if not claimed:
            raise BadRequest(en="user_id is required.", zh="缺少 user_id。")
        return claimed
    if who.bearer is None or who.bearer.scheme.lower() != "bearer" or not who.bearer.credentials:
        raise Unauthorized(detail="no bearer token")
    try:
        token = service.api_tokens().verify(who.bearer.credentials)
    except Unauthorized as exc:
        log.info("API request refused: %s", exc.detail)  # the detail names the token id, never its secret
        raise
    if not claimed or claimed == token.user_id:
        return token.user_id
    holder = service.directory.get(token.user_id)  # a token of someone since removed from the directory: 403
    if holder.role == "admin":
        return claimed
    try:
        same = service.directory.get(claimed).user_id == holder.user_id
    except UnknownUser:
        same = False
    if not same:
        log.info("API token %s (user %s) refused for another user", token.id, holder.user_id)
        raise PermissionDenied(en="This token belongs to another user; it can only act for its own user.",
                               zh="该令牌属于其他用户，只能代表其本人使用。",
                               detail=f"token {token.id} of {holder.user_id} named another user_id")
    return claimed
