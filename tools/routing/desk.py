"""The ticket desk: creates, shows and moves cross-department requests, for the tool, the HTTP API and the CLI.

Who may do what is decided here, in code: the requester and the owner see a ticket, the owner acknowledges,
answers or rejects it, the requester closes or reopens it, and managers (the owner's or requester's manager,
the department's heads, admins) may escalate it or close it. Nothing is written unless all checks pass.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Literal

import duckdb

from copilot.context import User
from copilot.directory import Department, Directory
from copilot.errors import NeedsInfo, NotFound, NotReady, PermissionDenied, ToolInputError, UnknownUser
from tools.routing import texts
from tools.routing.metrics import HealthRow, health, scoped
from tools.routing.model import TERMINAL, TRANSITIONS, Action, Priority, State, Ticket, TicketEvent
from tools.routing.router import choose_owner
from tools.routing.store import Note, TicketStore
from tools.routing.understand import Request, understand, unknown_department

Lang = Literal["zh", "en"]
# A request with no deadline gets the SLA of its priority.
DEFAULT_SLA: dict[Priority, timedelta] = {"urgent": timedelta(hours=4), "high": timedelta(hours=24),
                                          "normal": timedelta(hours=48), "low": timedelta(days=5)}
REMINDER_AT = 0.75  # share of the SLA window after which the owner is reminded
MAX_AHEAD = timedelta(days=90)
# A ticket reference in a message: "#12", "工单12", "ticket 12", "REQ-12".
TICKET_REF = re.compile(r"(?:#|工单\s*#?|ticket\s*#?|request\s*#?|REQ-?)\s*(\d{1,9})", re.IGNORECASE)
DIRECTORY_TTL_S = 60.0  # departments are re-read at most this often (the directory changes rarely)


@dataclass(frozen=True)
class Plan:
    """A checked, routed request not yet written (what the user is asked to confirm)."""

    request: Request
    now: datetime
    values: dict[str, Any]
    due: dict[str, datetime]
    escalation_to: str | None
    skipped_away: tuple[str, ...]


@dataclass(frozen=True)
class Created:
    ticket: Ticket
    fresh: bool  # False: the same message had already created it
    text: str


class TicketDesk:
    def __init__(self, store: TicketStore, directory: Directory,
                 warehouse: Callable[[], duckdb.DuckDBPyConnection] | None, tz: tzinfo,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.directory = directory
        self._warehouse = warehouse
        self.tz = tz
        self._clock = clock or (lambda: datetime.now(UTC))
        self._depts: tuple[float, list[Department]] = (-DIRECTORY_TTL_S, [])

    def now(self) -> datetime:
        return self._clock().astimezone(UTC)

    def user(self, user_id: str) -> User | None:
        try:
            return self.directory.get(user_id)
        except UnknownUser:
            return None

    def departments(self) -> list[Department]:
        """The directory's departments, read once a minute at most: every reply and notification names them."""
        read_at, depts = self._depts
        if time.monotonic() - read_at >= DIRECTORY_TTL_S:
            depts = self.directory.departments()
            self._depts = (time.monotonic(), depts)
        return depts

    def dept_name(self, code: str, lang: Lang) -> str:
        for d in self.departments():
            if d.code == code:
                return d.name(lang)
        return code

    # --- create ---------------------------------------------------------------------------------------------
    def create(self, user: User, text: str, lang: Lang, message_key: str, *, hint_department: str | None = None,
               hint_object: str | None = None) -> Created:
        """Understand the request, route it and write the ticket (once per message and department)."""
        planned = self.plan(user, text, lang, message_key, hint_department=hint_department, hint_object=hint_object)
        if isinstance(planned, Created):
            return planned
        p = planned
        request, now = p.request, p.now

        def notes(t: Ticket) -> list[Note]:
            out: list[Note] = [(t.owner_id, "new_request", self.payload("new_request", t))]
            if request.escalate and p.escalation_to:
                out.append((p.escalation_to, "escalation", self.payload("escalation", t)))
            return out

        ticket, fresh = self.store.create(p.values, f"{user.user_id}:{message_key}:{p.values['department']}", now,
                                          p.due, notes)
        pending = self.store.pending_jobs(ticket.id)
        body = texts.created(ticket, self.dept_name(ticket.department, lang), self.user, lang, self.tz,
                             reminder=pending.get("reminder"), escalation_to=p.escalation_to,
                             default_sla=request.deadline is None, away=list(p.skipped_away), fresh=fresh)
        return Created(ticket, fresh, body)

    def plan(self, user: User, text: str, lang: Lang, message_key: str, *, hint_department: str | None = None,
             hint_object: str | None = None) -> Plan | Created:
        """Everything `create` would write, checked but not written; or the ticket this message already made."""
        now = self.now()
        done = self.store.by_message(f"{user.user_id}:{message_key}:")
        if len(done) == 1:  # a redelivery, maybe long after: the answer is the ticket, not a new reading of the text
            return Created(done[0], False, texts.created(
                done[0], self.dept_name(done[0].department, lang), self.user, lang, self.tz, reminder=None,
                escalation_to=None, default_sla=False, away=[], fresh=False))
        depts = self.departments()
        request = self._understand(text, now, depts, hint_department, hint_object)
        self._check(user, request, lang, now)
        dept = request.departments[0]
        region = request.customer.region_code if request.customer else (
            user.regions[0] if len(user.regions) == 1 and not user.all_regions else None)
        rules = self.directory.owner_rules(dept)
        if not rules:
            raise NotReady(en=f"No owner is set up for {self.dept_name(dept, 'en')} in the directory.",
                           zh=f"目录中没有为{self.dept_name(dept, 'zh')}设置负责人。")
        route = choose_owner(rules, region, request.product_line, self.store.open_counts,
                             lambda ids: self.store.away(ids, now))
        deadline = request.deadline.astimezone(UTC) if request.deadline else now + DEFAULT_SLA[request.priority]
        window = deadline - now
        due = {"breach": deadline}
        if window >= timedelta(hours=1):
            due["reminder"] = now + window * REMINDER_AT
        values = {"requester_id": user.user_id, "department": dept, "owner_id": route.owner_id, "region": region,
                  "product_line": request.product_line, "ask": request.ask, "object": request.object,
                  "priority": request.priority, "lang": lang, "deadline": deadline,
                  "state": (State.ESCALATED if request.escalate else State.OPEN).value}
        return Plan(request, now, values, due, self.escalation_target(route.owner_id, user.user_id),
                    route.skipped_away)

    def preview(self, user: User, text: str, lang: Lang, message_key: str, *, hint_department: str | None = None,
                hint_object: str | None = None) -> tuple[str, dict[str, Any]] | None:
        """What creating this request would do (text, the ticket's fields), for the user to confirm; None when the
        message already made its ticket."""
        planned = self.plan(user, text, lang, message_key, hint_department=hint_department, hint_object=hint_object)
        if isinstance(planned, Created):
            return None
        v = planned.values
        body = texts.planned(self.dept_name(v["department"], lang), v["object"], v["ask"],
                             texts.person(v["owner_id"], self.user, lang), v["deadline"], v["priority"],
                             planned.request.deadline is None, planned.request.escalate, lang, self.tz)
        return body, {"department": v["department"], "owner": v["owner_id"], "deadline": v["deadline"].isoformat(),
                      "priority": v["priority"]}

    def _understand(self, text: str, now: datetime, depts: list[Department], hint_department: str | None,
                    hint_object: str | None) -> Request:
        conn = self._warehouse() if self._warehouse else None
        try:
            return understand(text, now.astimezone(self.tz), depts, conn, hint_department, hint_object)
        finally:
            if conn is not None:
                conn.close()

    def _check(self, user: User, request: Request, lang: Lang, now: datetime) -> None:
        depts = self.departments()
        if request.unknown_department and not request.departments:
            raise unknown_department(request.unknown_department, depts)
        if "department" in request.missing:
            raise NeedsInfo(en="Which department should handle this? " + ", ".join(d.name_en for d in depts) + ".",
                            zh="请问由哪个部门处理？" + "、".join(d.name_zh for d in depts) + "。")
        if "ask" in request.missing:
            raise NeedsInfo(en="What should they do? Please say what you need (e.g. confirm X200 stock).",
                            zh="请说明需要对方做什么（例如：确认 X200 库存）。")
        if len(request.departments) > 1:
            names = [self.dept_name(d, lang) for d in request.departments]
            raise NeedsInfo(en=f"You named several departments ({', '.join(names)}). Which one should own it? "
                               "Send one request per department.",
                            zh=f"消息中提到多个部门（{'、'.join(names)}），请问由哪个部门负责？每个部门请单独发一条。")
        if request.deadline and request.deadline.astimezone(UTC) - now > MAX_AHEAD:
            raise ToolInputError(en="That deadline is more than 90 days away; please give a nearer date.",
                                 zh="截止时间超过 90 天，请给一个更近的日期。")
        if request.escalate and user.role == "rep":
            raise PermissionDenied(
                en="Only managers can escalate a request when it is raised. I have not created the ticket; send it "
                   "without 'escalate': it escalates to the owner's manager by itself if the deadline passes.",
                zh="只有经理可以在提交时直接升级请求，工单未创建。请去掉“升级”后重新发送：超过截止时间会自动升级给负责人的上级。")

    # --- read -------------------------------------------------------------------------------------------
    def get(self, user: User, ticket_id: int) -> tuple[Ticket, list[TicketEvent]]:
        ticket = self._visible(user, ticket_id)
        return ticket, self.store.events(ticket_id)

    def find(self, user: User, text: str) -> list[Ticket]:
        """The user's tickets that a follow-up means: by reference (#12), else by the SKU/customer named."""
        if m := TICKET_REF.search(text):
            return [self._visible(user, int(m.group(1)))]
        mine = self.store.list_for(user.user_id, limit=50)
        lowered = text.lower()
        named = [t for t in mine if t.object and any(part.strip().lower() in lowered
                                                      for part in t.object.split("·") if len(part.strip()) > 1)]
        return named[:5] if named else [t for t in mine if t.state not in TERMINAL][:5]

    def _visible(self, user: User, ticket_id: int) -> Ticket:
        ticket = self.store.get(ticket_id)
        if ticket is None or not self._roles(user, ticket):
            # Same answer for "missing" and "not yours": ticket numbers are not a way to probe others' work.
            raise NotFound(en=f"I can't find ticket #{ticket_id} among yours.",
                                 zh=f"在您的工单中找不到 #{ticket_id}。")
        return ticket

    def _roles(self, user: User, ticket: Ticket) -> set[str]:
        roles: set[str] = set()
        if user.user_id == ticket.requester_id:
            roles.add("requester")
            if self.now() > ticket.deadline:
                roles.add("requester_overdue")
        if user.user_id == ticket.owner_id:
            roles.add("owner")
        managers = {self._manager_of(ticket.owner_id), self._manager_of(ticket.requester_id)}
        # Admins and the department's managers oversee the tickets of their own regions only (the scope rule of
        # every data tool); the owner's and requester's direct managers always do.
        in_scope = user.all_regions or ticket.region is None or ticket.region in user.regions
        if user.user_id in managers or (in_scope and (
                user.role == "admin" or (user.role == "manager" and user.department == ticket.department))):
            roles.add("manager")
        return roles

    def _manager_of(self, user_id: str) -> str | None:
        found = self.user(user_id)
        return found.manager_id if found else None

    def escalation_target(self, owner_id: str, requester_id: str) -> str | None:
        """The owner's manager; else the requester's manager (who can push at their level)."""
        return self._manager_of(owner_id) or self._manager_of(requester_id)

    # --- act --------------------------------------------------------------------------------------------
    def check_act(self, user: User, ticket_id: int, action: Action, note: str | None = None) -> Ticket:
        """The ticket, if this user may do this to it now; raises the user-facing reason otherwise (writes nothing)."""
        ticket = self._visible(user, ticket_id)
        allowed_from, _, who = TRANSITIONS[action]
        if not (self._roles(user, ticket) & who):
            raise PermissionDenied(en=_DENIED_EN[action], zh=_DENIED_ZH[action],
                                   detail=f"user={user.user_id} action={action} ticket={ticket_id}")
        if ticket.state not in allowed_from:
            state = texts.STATE_ZH[ticket.state]
            raise ToolInputError(en=f"Ticket {ticket.ref} is {ticket.state.value}; it cannot be {action.value}d now.",
                                 zh=f"工单 {ticket.ref} 当前为“{state}”，无法执行该操作。")
        if action in (Action.ANSWER, Action.REJECT) and not (note and note.strip()):
            raise ToolInputError(en="Please include the answer (or the reason) in your message.",
                                 zh="请在消息中写明答复内容（或拒绝原因）。")
        return ticket

    def preview_act(self, user: User, ticket_id: int, action: Action, note: str | None, lang: Lang) -> str:
        """What `act` would do, checked but not done, for the user to confirm."""
        t = self.check_act(user, ticket_id, action, note)
        return texts.planned_action(t, action.value, self.dept_name(t.department, lang), self.user, lang, self.tz,
                                    note if action in (Action.ANSWER, Action.REJECT, Action.REOPEN) else None)

    def act(self, user: User, ticket_id: int, action: Action, note: str | None = None) -> Ticket:
        ticket = self.check_act(user, ticket_id, action, note)
        now = self.now()
        changes: dict[str, Any] = {}
        if action in (Action.ACKNOWLEDGE, Action.ANSWER, Action.REJECT) and ticket.first_response_at is None:
            changes["first_response_at"] = now
        if action == Action.ANSWER:
            changes.update(answered_at=now, answer=(note or "").strip()[:2000])
        if action in (Action.CLOSE, Action.REJECT):
            changes["closed_at"] = now
        if action == Action.REOPEN:
            changes.update(reopen_count=ticket.reopen_count + 1, answered_at=None)
        target = TRANSITIONS[action][1]
        notes = self._notes_for(action, user, note)
        return self.store.transition(ticket.id, user.user_id, action, target, now, note, notes, changes,
                                     expect=ticket.state)

    def _notes_for(self, action: Action, actor: User, note: str | None) -> Callable[[Ticket], list[Note]]:
        def notes(t: Ticket) -> list[Note]:
            if action == Action.ACKNOWLEDGE:
                return [(t.requester_id, "acknowledged", self.payload("acknowledged", t))]
            if action in (Action.ANSWER, Action.REJECT):
                kind = "answered" if action == Action.ANSWER else "rejected"
                return [(t.requester_id, kind, self.payload(kind, t, note))]
            if action == Action.REOPEN:
                return [(t.owner_id, "reopened", self.payload("reopened", t, note))]
            if action == Action.CLOSE and actor.user_id != t.owner_id:
                return [(t.owner_id, "closed", self.payload("closed", t))]
            if action == Action.ESCALATE:
                target = self.escalation_target(t.owner_id, t.requester_id)
                out: list[Note] = [(t.owner_id, "escalated_owner", self.payload("escalated_owner", t))]
                if target and target != actor.user_id:
                    out.append((target, "escalation", self.payload("escalation", t)))
                return out
            return []
        return notes

    def payload(self, kind: str, t: Ticket, note: str | None = None) -> dict[str, str]:
        return texts.notification(kind, t, self.dept_name(t.department, t.lang), self.user, self.tz, note)

    def health(self, user: User, days: int = 90) -> tuple[datetime, list[HealthRow]]:
        """(since, rows): collaboration health over the last `days`, inside the asker's scope (managers only)."""
        now = self.now()
        since = now - timedelta(days=days)
        return since, scoped(user, health(self.store.all_since(since), now))

    def describe(self, tickets: list[Ticket], lang: Lang) -> str:
        lines = [texts.summary_line(t, self.dept_name(t.department, lang), self.user, lang, self.tz) for t in tickets]
        return "\n".join(lines)


_DENIED_EN = {
    Action.ACKNOWLEDGE: "Only the ticket's owner can acknowledge it.",
    Action.ANSWER: "Only the ticket's owner can answer it.",
    Action.REJECT: "Only the ticket's owner can reject it.",
    Action.CLOSE: "Only the requester, the owner or a manager can close this ticket.",
    Action.REOPEN: "Only the requester can reopen this ticket.",
    Action.ESCALATE: "You can't escalate this ticket: managers can, and the requester once the deadline has passed.",
}
_DENIED_ZH = {
    Action.ACKNOWLEDGE: "只有工单负责人可以受理。",
    Action.ANSWER: "只有工单负责人可以答复。",
    Action.REJECT: "只有工单负责人可以拒绝。",
    Action.CLOSE: "只有提单人、负责人或经理可以关闭该工单。",
    Action.REOPEN: "只有提单人可以重新打开该工单。",
    Action.ESCALATE: "您无权升级该工单：经理可以升级，提单人在超过截止时间后可以升级。",
}
