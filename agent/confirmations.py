"""The agent's side of confirmations: hold a side-effect call as a pending action, and settle it when the user
answers yes or no (copilot.confirm keeps the rows). A held call is a tool record like any other, with
`"confirmation": "pending"` in its arguments, and the Reply carries the action for buttons."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from agent.reply import Confirmation, ToolCallRecord
from copilot.confirm import Decision, Pending, PendingActions
from copilot.context import RequestContext
from tools.base import Attachment, Tool, ToolOutput

log = logging.getLogger(__name__)

_ASK = {"zh": "回复“确认”执行，或“取消”放弃（{m} 分钟内有效）。",
        "en": "Reply “yes” to go ahead or “no” to cancel (valid for {m} minutes)."}
_SAID = {
    "cancelled": {"zh": "好的，已取消，没有做任何更改。", "en": "OK, cancelled. Nothing was changed."},
    "was_cancelled": {"zh": "这项操作已经取消过了，没有执行。",
                      "en": "That action was already cancelled; nothing was done."},
    "expired": {"zh": "这项操作已过期，没有执行。如仍需要，请重新发送请求。",
                "en": "That action has expired and was not carried out. Please send the request again if you still "
                      "need it."},
    "running": {"zh": "这项操作正在执行，请稍候。", "en": "That action is being carried out; one moment."},
    "done": {"zh": "这项操作已经执行过（不会重复执行）：", "en": "That was already done (it is never done twice):"},
    "too_late": {"zh": "这项操作已经执行，无法撤回：", "en": "That has already been done and cannot be undone here:"},
    "unknown": {"zh": "这个确认按钮已失效（可能已过期或不是您的操作），没有执行任何操作。",
                "en": "That confirmation is no longer valid (expired, or not yours). Nothing was done."},
}


@dataclass(frozen=True)
class Settled:
    """The answer to a yes/no about a pending action."""

    text: str
    lang: Literal["zh", "en"]  # the pending action's language ("确认 <id>" from a button reads as English)
    records: list[ToolCallRecord] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


def confirmation_of(pending: Pending) -> Confirmation:
    return Confirmation(id=pending.id, tool=pending.tool, summary=pending.summary, expires_at=pending.expires_at)


def holder(store: Callable[[], PendingActions], ttl: timedelta
           ) -> Callable[[Tool, dict[str, Any], ToolOutput, RequestContext], ToolOutput]:  # type: ignore[type-arg]
    """The graph's `hold`: store the call as a pending action and answer with what would happen + how to confirm.
    `store` is opened on first use (most turns hold nothing)."""

    def hold(tool: Tool, args: dict[str, Any], preview: ToolOutput,  # type: ignore[type-arg]
             req: RequestContext) -> ToolOutput:
        summary = preview.text
        pending = store().propose(user_id=req.user.user_id, conversation_id=req.conversation_id,
                                message_key=req.message_id or req.trace_id, tool=tool.name, args=args, text=req.text,
                                lang=req.lang, summary=summary, ttl=ttl)
        log.info("tool %s held for confirmation action=%s trace=%s", tool.name, pending.id, req.trace_id)
        minutes = max(1, round(ttl.total_seconds() / 60))
        return ToolOutput(text=f"{summary}\n\n{_ASK[req.lang].format(m=minutes)}",
                          data={"confirmation": confirmation_of(pending).model_dump(mode="json")},
                          applied={**preview.applied, "confirmation": "pending"})

    return hold


def settle(store: PendingActions, decision: Decision, action_id: str | None, req: RequestContext,
           tools: list[Tool], run: Callable[[Tool, dict[str, Any], RequestContext],  # type: ignore[type-arg]
                                            tuple[ToolCallRecord, ToolOutput | None]],
           now: datetime | None = None) -> Settled | None:
    """Carry out or cancel the action a yes/no means. None when nothing is pending here (the message is then an
    ordinary turn: "好的" may just be a reply to the model). `run` executes one confirmed call (the graph's)."""
    now = now or datetime.now(UTC)
    pending = store.find(req.user.user_id, req.conversation_id, action_id)
    if pending is None:
        said: Literal["zh", "en"] = "zh" if re.search(r"[\u4e00-\u9fff]", req.text) else "en"  # 确认 <id>: zh
        return Settled(_SAID["unknown"][said], said) if action_id else None
    lang = pending.lang
    if decision == "no":
        if store.cancel(pending.id, req.user.user_id):
            log.info("action %s cancelled trace=%s", pending.id, req.trace_id)
            return Settled(_SAID["cancelled"][lang], lang)
        return _already(store, pending.id, req, lang, cancelling=True)
    if pending.expired(now):
        return Settled(_SAID["expired"][lang], lang)
    if not store.claim(pending.id, req.user.user_id, now):
        return _already(store, pending.id, req, lang, cancelling=False)
    tool = next((t for t in tools if t.name == pending.tool), None)
    if tool is None:  # the tool was removed since (an upgrade): settle it as failed, never run something else
        store.finish(pending.id, {"text": _SAID["unknown"][lang], "record": None, "attachments": []})
        return Settled(_SAID["unknown"][lang], lang)
    # The confirmed call runs as it was proposed (the original words, message id and language), by the user as the
    # directory knows them now: their current role and scope are checked again by the tool.
    confirmed = req.model_copy(update={"text": pending.text, "message_id": pending.message_key, "lang": pending.lang,
                                       "confirmed": True})
    record, output = run(tool, pending.args, confirmed)
    text = output.text if output is not None else (record.error or "")
    attachments = list(output.attachments) if output is not None else []
    store.finish(pending.id, {"text": text, "record": record.model_dump(mode="json"),
                              "attachments": [a.model_dump() for a in attachments]})
    log.info("action %s carried out ok=%s trace=%s", pending.id, record.ok, req.trace_id)
    return Settled(text, lang, [record], attachments)


def _already(store: PendingActions, action_id: str, req: RequestContext, lang: Literal["zh", "en"], *,
             cancelling: bool) -> Settled:
    """The answer for an action someone (or an earlier click) already settled."""
    now = store.find(req.user.user_id, req.conversation_id, action_id)
    if now is None:
        return Settled(_SAID["unknown"][lang], lang)
    if now.state == "done":
        result = now.result or {}
        head = _SAID["too_late" if cancelling else "done"][lang]
        return Settled(f"{head}\n\n{result.get('text', '')}".strip(), lang,
                       [ToolCallRecord(**result["record"])] if result.get("record") else [],
                       [Attachment(**a) for a in result.get("attachments", [])])
    if now.state == "cancelled":
        return Settled(_SAID["was_cancelled"][lang], lang)
    if now.state == "running":
        return Settled(_SAID["running"][lang], lang)
    return Settled(_SAID["expired"][lang], lang)
