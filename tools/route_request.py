"""route_request: cross-department requests as tickets with an owner, an SLA clock, reminders and escalation;
follow-ups ("what's the status of my X200 request?"), owners answering by chat, and collaboration metrics.

What the user means is read from their own message in code (department, deadline, priority, ticket number,
action words); the LLM's arguments only break ties. The tool writes tickets and outbox rows, never chat messages.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from copilot.context import RequestContext
from copilot.errors import HandBack, NeedsInfo, NotReady
from tools.base import Tool, ToolArgs, ToolDeps, ToolOutput
from tools.routing.desk import TICKET_REF, TicketDesk
from tools.routing.metrics import HealthRow
from tools.routing.model import Action
from tools.routing.understand import asks_someone

METRICS_DAYS = 90
ActionArg = Literal["create", "status", "acknowledge", "answer", "close", "reject", "reopen", "escalate", "metrics"]
# Words that decide the action when a ticket is referred to; order matters (reopen before open words).
_ACTION_WORDS: tuple[tuple[Action, str], ...] = (
    (Action.REOPEN, r"重新打开|重开|没解决|未解决|reopen|not (?:solved|resolved|fixed)"),
    (Action.REJECT, r"拒绝|驳回|不予受理|reject|decline"),
    (Action.ESCALATE, r"升级|escalate"),
    (Action.CLOSE, r"关闭|结单|关单|可以关了|close|resolved|done with"),
    (Action.ANSWER, r"答复|回复|已确认|确认了|结果|answer|reply|confirmed|result"),
    (Action.ACKNOWLEDGE, r"收到|已受理|受理|在处理|处理中|acknowledge|on it|looking into|picked up"),
)
_STATUS = re.compile(r"状态|进展|进度|怎么样了|有回复|回复了吗|答复了吗|status|progress|update on|any news|heard back",
                     re.IGNORECASE)
# A status question is about the user's own requests ("我的X200请求进展如何?"), not a request for a progress report
# ("请交付同事反馈美的项目的实施进度" creates a ticket).
_MINE = re.compile(r"我的|我提的|我发的|工单|请求|申请|\bmy\b|tickets?\b|requests?\b", re.IGNORECASE)
_METRICS = re.compile(r"协作(?:指标|健康|效率|情况)|响应时间|SLA\s*(?:达成|命中|hit)|首次解决率|重开率|"
                      r"collaboration (?:health|metrics)|response times?\b|sla hit|first[- ]pass rate|reopen rate",
                      re.IGNORECASE)


class RouteRequestArgs(ToolArgs):
    action: ActionArg = Field("create", description="create a request, or status/answer/close... of a ticket")
    department: str | None = Field(None, max_length=40, description="department as the user named it: 供应链, legal")
    object: str | None = Field(None, max_length=80, description="SKU, contract or customer concerned: X200")
    ticket: int | None = Field(None, ge=1, description="ticket number for follow-ups: #12 -> 12")


def route_request(args: RouteRequestArgs, ctx: RequestContext, deps: ToolDeps) -> ToolOutput:
    """Ask another department (供应链/supply chain, 法务/legal, 财务/finance, 交付/delivery, 售前/presales, 市场)
    for something with a deadline: "请供应链同事确认X200型号库存,需48小时内反馈", "ask legal to review the Midea
    contract by tomorrow noon". Also "我的X200请求进展如何?", "#12 已确认库存500台" (owner answers), collaboration
    metrics.
    """
    if deps.tickets is None:
        raise NotReady(detail="ticket desk not configured")
    desk: TicketDesk = deps.tickets()
    text = ctx.text or " ".join(v for v in (args.department, args.object) if v)
    action = decide_action(text, args)
    if action == "metrics":
        _, rows = desk.health(ctx.user, METRICS_DAYS)
        return ToolOutput(text=render_health(rows, desk, ctx.lang), data={"rows": [r.as_dict() for r in rows]},
                          applied={"action": "metrics", "rows": len(rows)})
    if action == "status":
        found = desk.find(ctx.user, text if args.ticket is None else f"#{args.ticket}")
        if not found:
            none = "您目前没有进行中的工单。" if ctx.lang == "zh" else "You have no open requests."
            return ToolOutput(text=none, applied={"action": "status", "tickets": []})
        return ToolOutput(text=desk.describe(found, ctx.lang), data={"tickets": [t.id for t in found]},
                          applied={"action": "status", "tickets": [t.id for t in found]})
    if action == "create":
        _refuse_non_requests(text, desk)
        made = desk.create(ctx.user, text, ctx.lang, ctx.message_id or ctx.trace_id,
                           hint_department=args.department, hint_object=args.object)
        t = made.ticket
        return ToolOutput(text=made.text, data={"ticket": t.id, "state": t.state.value},
                          applied={"action": "create", "ticket": t.id, "new": made.fresh, "department": t.department,
                                   "owner": t.owner_id, "deadline": t.deadline.isoformat(), "priority": t.priority})
    ticket_id = _ticket_id(text, args, desk, ctx)
    done = desk.act(ctx.user, ticket_id, Action(action), note=_note(text))
    return ToolOutput(text=desk.describe([done], ctx.lang), data={"ticket": done.id, "state": done.state.value},
                      applied={"action": action, "ticket": done.id, "state": done.state.value})


def preview(args: RouteRequestArgs, ctx: RequestContext, deps: ToolDeps) -> ToolOutput | None:
    """What route_request would change, checked but not written, for the user to confirm; None for reads (status,
    metrics) and for a message that already made its ticket. Raises what the real call would (unknown department,
    no permission...), so nobody is asked to confirm something that cannot happen."""
    if deps.tickets is None:
        raise NotReady(detail="ticket desk not configured")
    desk: TicketDesk = deps.tickets()
    text = ctx.text or " ".join(v for v in (args.department, args.object) if v)
    action = decide_action(text, args)
    if action in ("metrics", "status"):
        return None
    if action == "create":
        _refuse_non_requests(text, desk)
        planned = desk.preview(ctx.user, text, ctx.lang, ctx.message_id or ctx.trace_id,
                               hint_department=args.department, hint_object=args.object)
        if planned is None:
            return None
        body, fields = planned
        return ToolOutput(text=body, applied={"action": "create", **fields})
    ticket_id = _ticket_id(text, args, desk, ctx)
    body = desk.preview_act(ctx.user, ticket_id, Action(action), _note(text), ctx.lang)
    return ToolOutput(text=body, applied={"action": action, "ticket": ticket_id})


def _refuse_non_requests(text: str, desk: TicketDesk) -> None:
    """A message that asks nobody for anything is handed back, whatever department the model filled in."""
    if not asks_someone(text, desk.departments()):
        raise HandBack(detail="route_request: the message asks no one for anything")


def decide_action(text: str, args: RouteRequestArgs) -> str:
    """The user's words decide; the model's choice counts only when they say nothing decisive."""
    if _METRICS.search(text):
        return "metrics"
    if TICKET_REF.search(text) or (args.ticket is not None and args.action not in ("create", "status")):
        for action, words in _ACTION_WORDS:
            if re.search(words, text, re.IGNORECASE):
                return action.value
        return "status"
    if _STATUS.search(text) and _MINE.search(text):
        return "status"
    return "create"


def _ticket_id(text: str, args: RouteRequestArgs, desk: TicketDesk, ctx: RequestContext) -> int:
    if m := TICKET_REF.search(text):
        return int(m.group(1))
    if args.ticket is not None:
        return args.ticket
    found = desk.find(ctx.user, text)
    if len(found) == 1:
        return found[0].id
    listing = desk.describe(found, ctx.lang)
    raise NeedsInfo(en="Which ticket do you mean? Please give its number, e.g. #12.\n" + listing,
                         zh="请问是哪张工单？请写出编号，例如 #12。\n" + listing)


def _note(text: str) -> str:
    """The owner's answer: the message without the ticket reference and the leading action word."""
    rest = TICKET_REF.sub(" ", text, count=1)
    rest = re.sub(r"^[\s,，:：。.-]*(?:答复|回复|answer|reply)?[\s,，:：。.-]*", "", rest, flags=re.IGNORECASE)
    return rest.strip()


def render_health(rows: list[HealthRow], desk: TicketDesk, lang: Literal["zh", "en"]) -> str:
    if not rows:
        return "暂无工单数据。" if lang == "zh" else "No tickets yet."

    def pct(v: float | None) -> str:
        return "-" if v is None else f"{v * 100:.0f}%"

    def hrs(v: float | None) -> str:
        return "-" if v is None else f"{v:.1f}h"

    head = ("部门 | 区域 | 工单 | 未结 | 响应 p50 | 响应 p90 | SLA 达成 | 一次解决 | 重开率" if lang == "zh" else
            "department | region | tickets | open | response p50 | p90 | SLA hit | first pass | reopen")
    lines = [head]
    for r in rows:
        lines.append(f"{desk.dept_name(r.department, lang)} | {r.region} | {r.tickets} | {r.open} | "
                     f"{hrs(r.response_p50_h)} | {hrs(r.response_p90_h)} | {pct(r.sla_hit_rate)} | "
                     f"{pct(r.first_pass_rate)} | {pct(r.reopen_rate)}")
    return "\n".join(lines)


TOOL = Tool(
    name="route_request",
    asks_when_vague=True,
    args_model=RouteRequestArgs,
    run=route_request,
    side_effects=True,
    confirm=preview,
    examples=(
        ("请供应链同事确认X200型号库存,需48小时内反馈", {"action": "create", "department": "供应链", "object": "X200"}),
        ("ask legal to review the payment terms of the Midea contract by tomorrow noon",
         {"action": "create", "department": "legal", "object": "Midea contract"}),
        ("what's the status of my X200 request?", {"action": "status", "object": "X200"}),
    ),
    triggers=(
        r"(?:请|让|麻烦|找)\s*(?:供应链|法务|财务|交付|实施|售前|市场部)",
        r"\b(?:ask|have|get)\s+(?:the\s+|a\s+|our\s+)?(?:supply[- ]chain|legal|finance|delivery|presales|"
        r"pre-sales|marketing)\b",
        r"(?:工单|ticket|request)\s*#?\s*\d+|#\d+",
        r"我的.{0,12}(?:工单|请求).{0,6}(?:进展|状态|进度)|status of my\b.{0,40}\brequest",
    ),
)
