"""route_request's desk on SQLite (and PostgreSQL when CI provides one): routing, idempotency, the state machine,
SLA reminders and escalation under a simulated clock, restarts, permissions and bad input."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from copilot.errors import NotFound, PermissionDenied, ToolInputError
from copilot.normalize import PastDeadline
from tests.routing_helpers import SHANGHAI, START, Clock, fresh_url, make_desk, store_urls, user
from tools.routing.desk import DEFAULT_SLA, NeedsInfo, TicketDesk
from tools.routing.metrics import health, scoped
from tools.routing.model import Action, State
from tools.routing.scheduler import run_due

X200 = "请供应链同事确认X200型号库存,需48小时内反馈"
MIDEA = "ask legal to review the payment terms of the Midea contract by tomorrow noon"


@pytest.fixture(params=store_urls())
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_url(request.param, tmp_path)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(url: str, demo_dir: Path, clock: Clock) -> TicketDesk:
    return make_desk(url, demo_dir, clock)


def kinds(desk: TicketDesk, recipient: str | None = None) -> list[tuple[str, str]]:
    return [(m.recipient_id, m.kind) for m in desk.store.pending_messages(recipient)]


def test_chinese_request_routes_by_product_line_with_48h_sla(desk: TicketDesk) -> None:
    made = desk.create(user(desk, "demo.rep"), X200, "zh", "evt-1")
    t = made.ticket
    assert made.fresh and t.department == "supply_chain" and t.owner_id == "sc.devices"
    assert t.deadline == START + timedelta(hours=48) and t.priority == "normal" and t.object == "X200"
    assert t.product_line == "dispenser" and t.state == State.OPEN
    assert kinds(desk) == [("sc.devices", "new_request")]
    jobs = desk.store.pending_jobs(t.id)
    assert jobs == {"reminder": START + timedelta(hours=36), "breach": START + timedelta(hours=48)}
    assert f"#{t.id}" in made.text and "任思远" in made.text and "2026-11-25 10:00" in made.text


def test_english_request_to_legal_due_tomorrow_noon(desk: TicketDesk) -> None:
    t = desk.create(user(desk, "demo.rep"), MIDEA, "en", "evt-2").ticket
    assert (t.department, t.owner_id) == ("legal", "legal.owner")
    assert t.deadline.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") == "2026-11-24 12:00"
    assert t.object == "Midea Group contract" and t.region == "south"  # the customer's region, not the rep's


def test_regional_owner_for_consumer_products(desk: TicketDesk) -> None:
    t = desk.create(user(desk, "rep.south.1"), "请供应链确认洗发水库存，12月1日前回复", "zh", "evt-3").ticket
    assert (t.owner_id, t.region) == ("sc.owner.south", "south")
    assert t.deadline.astimezone(SHANGHAI).strftime("%m-%d %H:%M") == "12-01 18:00"


def test_no_deadline_takes_the_priority_sla(desk: TicketDesk) -> None:
    made = desk.create(user(desk, "demo.rep"), "紧急：请财务确认美的的开票信息", "zh", "evt-4")
    assert made.ticket.priority == "urgent"
    assert made.ticket.deadline == START + DEFAULT_SLA["urgent"]
    assert "默认 SLA" in made.text


def test_same_message_four_times_makes_one_ticket(desk: TicketDesk) -> None:
    rep = user(desk, "demo.rep")
    results = [desk.create(rep, X200, "zh", "slack:Ev0001") for _ in range(4)]
    assert [r.fresh for r in results] == [True, False, False, False]
    assert {r.ticket.id for r in results} == {results[0].ticket.id}
    assert desk.store.count() == 1 and len(kinds(desk)) == 1
    assert desk.create(rep, X200, "zh", "slack:Ev0002").fresh  # a new message is a new request


@pytest.mark.parametrize(("text", "error"), [
    ("请HR部门确认年假天数", ToolInputError),
    ("ask legal to review the NDA by yesterday", PastDeadline),
    ("请供应链同事", NeedsInfo),
    ("这个能不能48小时内搞定", NeedsInfo),  # no department at all
    ("请供应链和法务一起看下美的合同", NeedsInfo),  # two departments
    ("请法务审核美的合同，直接升级处理", PermissionDenied),  # reps cannot escalate at creation
])
def test_bad_input_writes_nothing(desk: TicketDesk, text: str, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        desk.create(user(desk, "demo.rep"), text, "zh", "evt-bad")
    assert desk.store.count() == 0 and kinds(desk) == []
    assert isinstance(caught.value, ToolInputError | PermissionDenied)


def test_unknown_department_suggests_the_real_ones(desk: TicketDesk) -> None:
    with pytest.raises(ToolInputError) as caught:
        desk.create(user(desk, "demo.rep"), "ask the procurment team to buy X200 parts", "en", "e")
    assert "procurment" in caught.value.en and "Supply Chain" in caught.value.en and "Legal" in caught.value.en


def test_manager_may_escalate_at_creation(desk: TicketDesk) -> None:
    t = desk.create(user(desk, "demo.manager"), "请法务审核美的合同，升级处理，明天中午前", "zh", "m1").ticket
    assert t.state == State.ESCALATED
    assert ("legal.owner", "new_request") in kinds(desk)
    assert ("demo.director", "escalation") in kinds(desk)  # no manager above legal: the requester's manager


def test_reminder_then_breach_escalates_once(desk: TicketDesk, clock: Clock) -> None:
    t = desk.create(user(desk, "demo.rep"), X200, "zh", "e1").ticket
    clock.advance(hours=35, minutes=59)
    assert run_due(desk).reminded == []
    clock.advance(minutes=1)
    assert run_due(desk).reminded == [t.id]
    assert run_due(desk).reminded == []  # not twice
    clock.advance(hours=12)
    report = run_due(desk)
    assert report.escalated == [t.id]
    assert desk.store.get(t.id).state == State.ESCALATED  # type: ignore[union-attr]
    assert kinds(desk) == [("sc.devices", "new_request"), ("sc.devices", "reminder"),
                           ("sc.devices", "escalated_owner"), ("sc.head", "escalation")]
    assert run_due(desk).escalated == []
    history = [(e.actor_id, e.action, e.to_state) for e in desk.store.events(t.id)]
    assert history[-1] == ("system", "escalate", State.ESCALATED)


def test_answered_in_time_is_not_escalated(desk: TicketDesk, clock: Clock) -> None:
    t = desk.create(user(desk, "demo.rep"), X200, "zh", "e1").ticket
    clock.advance(hours=2)
    desk.act(user(desk, "sc.devices"), t.id, Action.ANSWER, "X200 现货 12 台")
    clock.advance(hours=100)
    report = run_due(desk)
    assert report.escalated == [] and report.reminded == [] and report.skipped == 2
    assert desk.store.get(t.id).state == State.ANSWERED  # type: ignore[union-attr]


def test_restart_in_the_middle_loses_nothing(url: str, demo_dir: Path, clock: Clock) -> None:
    first = make_desk(url, demo_dir, clock)
    t = first.create(user(first, "demo.rep"), X200, "zh", "e1").ticket
    first.store.engine.dispose()  # the service stops
    del first
    clock.advance(hours=50)  # ... and is down past the reminder and the deadline
    again = make_desk(url, demo_dir, clock)
    report = run_due(again)
    assert (report.reminded, report.escalated) == ([t.id], [t.id])
    # Two schedulers (two service processes) on one database never act twice.
    other = make_desk(url, demo_dir, clock)
    clock.advance(hours=1)
    assert run_due(other).escalated == [] and run_due(again).escalated == []


def test_full_life_cycle_with_history(desk: TicketDesk, clock: Clock) -> None:
    rep, owner = user(desk, "demo.rep"), user(desk, "legal.owner")
    t = desk.create(rep, MIDEA, "en", "e1").ticket
    clock.advance(minutes=30)
    desk.act(owner, t.id, Action.ACKNOWLEDGE)
    with pytest.raises(ToolInputError):
        desk.act(owner, t.id, Action.ANSWER, "  ")  # an answer needs content
    desk.act(owner, t.id, Action.ANSWER, "Clause 4 needs a 30-day payment term")
    desk.act(rep, t.id, Action.REOPEN, "what about clause 7?")
    desk.act(owner, t.id, Action.ANSWER, "Clause 7 is fine")
    done = desk.act(rep, t.id, Action.CLOSE)
    assert done.state == State.CLOSED and done.reopen_count == 1
    assert done.first_response_at == START.astimezone(done.created_at.tzinfo) + timedelta(minutes=30)
    states = [e.to_state.value for e in desk.store.events(t.id)]
    assert states == ["open", "acknowledged", "answered", "open", "answered", "closed"]
    assert ("demo.rep", "answered") in kinds(desk, "demo.rep")


def test_permissions_and_visibility(desk: TicketDesk, clock: Clock) -> None:
    rep = user(desk, "demo.rep")
    t = desk.create(rep, X200, "zh", "e1").ticket
    with pytest.raises(PermissionDenied):
        desk.act(rep, t.id, Action.ANSWER, "我自己答复")  # only the owner answers
    with pytest.raises(PermissionDenied):
        desk.act(rep, t.id, Action.ESCALATE)  # requester: only once overdue
    with pytest.raises(NotFound):
        desk.get(user(desk, "rep.north.1"), t.id)  # another rep does not see it
    with pytest.raises(NotFound):
        desk.get(rep, 999)
    assert desk.get(user(desk, "sc.head"), t.id)[0].id == t.id  # the owner's manager does
    clock.advance(hours=49)
    assert desk.act(rep, t.id, Action.ESCALATE).state == State.ESCALATED  # overdue: now allowed


def test_out_of_office_owner_is_skipped(desk: TicketDesk) -> None:
    desk.store.add_absence("legal.owner", START - timedelta(days=1), START + timedelta(days=3), "leave")
    made = desk.create(user(desk, "demo.rep"), MIDEA, "en", "e1")
    assert made.ticket.owner_id == "legal.backup"
    assert "out of office" in made.text and "Song Jia" in made.text


def test_load_balancing_moves_work_to_the_backup(desk: TicketDesk) -> None:
    rep = user(desk, "demo.rep")
    owners = [desk.create(rep, f"请法务审核第{i}份合同", "zh", f"e{i}").ticket.owner_id for i in range(5)]
    assert owners == ["legal.owner"] * 4 + ["legal.backup"]


def test_health_metrics(desk: TicketDesk, clock: Clock) -> None:
    rep, owner = user(desk, "demo.rep"), user(desk, "legal.owner")
    fast = desk.create(rep, "请法务审核合同A，明天中午前", "zh", "a").ticket
    slow = desk.create(rep, "请法务审核合同B，明天中午前", "zh", "b").ticket
    clock.advance(hours=1)
    desk.act(owner, fast.id, Action.ANSWER, "ok")
    desk.act(rep, fast.id, Action.REOPEN, "again")
    desk.act(owner, fast.id, Action.ANSWER, "ok now")
    clock.advance(hours=29)  # past tomorrow noon
    desk.act(owner, slow.id, Action.ANSWER, "late")
    rows = health(desk.store.all_since(START - timedelta(days=1)), desk.now())
    assert len(rows) == 1
    row = rows[0]
    assert (row.department, row.region, row.tickets, row.open) == ("legal", "east", 2, 0)
    assert (row.response_p50_h, row.response_p90_h) == (15.5, 27.1)  # 1 h and 30 h, linear interpolation
    assert (row.sla_hit_rate, row.first_pass_rate, row.reopen_rate) == (0.5, 0.5, 0.5)
    with pytest.raises(PermissionDenied):
        scoped(rep, rows)
    assert scoped(user(desk, "mgr.north"), rows) == []
    assert scoped(user(desk, "demo.manager"), rows) == rows


@pytest.mark.parametrize(("text", "model_action", "expected"), [
    ("请交付同事反馈美的项目的实施进度", "status", "create"),  # asks for a progress report: a new request
    ("请市场部提供展会协作方案", "create", "create"),
    ("我的X200请求进展如何?", "create", "status"),
    ("what's the status of my legal request?", "create", "status"),
    ("各部门协作指标怎么样", "create", "metrics"),
    ("#3 收到，在处理", "create", "acknowledge"),
    ("#3 答复：现货12台", "status", "answer"),
    ("工单3没解决，重新打开", "create", "reopen"),
    ("close #3, thanks", "create", "close"),
    ("#3", "create", "status"),
])
def test_the_users_words_decide_the_action(text: str, model_action: str, expected: str) -> None:
    from tools.route_request import RouteRequestArgs, decide_action

    assert decide_action(text, RouteRequestArgs(action=model_action)) == expected  # type: ignore[arg-type]


def test_late_redelivery_returns_the_ticket_even_after_its_deadline(desk: TicketDesk, clock: Clock) -> None:
    rep = user(desk, "demo.rep")
    first = desk.create(rep, "请法务今天下午6点前确认美的合同条款", "zh", "evt-late").ticket
    clock.advance(hours=10)  # the deadline has passed; reading the text again would now be refused
    again = desk.create(rep, "请法务今天下午6点前确认美的合同条款", "zh", "evt-late")
    assert (again.fresh, again.ticket.id, desk.store.count()) == (False, first.id, 1)
    assert f"#{first.id}" in again.text
