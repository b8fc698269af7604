"""Who an HTTP API request acts as: the user of its bearer token (COPILOT_API_AUTH=token, the default), checked
against the `user_id` the request names. Chat-app webhooks prove themselves by signature instead, and the web
console by its session cookie."""

from __future__ import annotations

import logging

from fastapi.security import HTTPAuthorizationCredentials

from agent.service import CopilotService
from copilot.apitokens import Unauthorized
from copilot.errors import BadRequest, PermissionDenied, UnknownUser

log = logging.getLogger(__name__)


def acting_user(service: CopilotService, creds: HTTPAuthorizationCredentials | None, claimed: str | None) -> str:
    """The user id the request may act as. A token acts for its own user (`user_id` may then be left out, or be
    one of that user's Slack/DingTalk ids); an admin's token may act for anyone in the directory."""
    if service.settings.api_auth == "off":
        if not claimed:
            raise BadRequest(en="user_id is required.", zh="缺少 user_id。")
        return claimed
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise Unauthorized(detail="no bearer token")
    try:
        token = service.api_tokens().verify(creds.credentials)
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
