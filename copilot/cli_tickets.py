"""`copilot tickets ...`: follow, act on and schedule cross-department requests from the terminal."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Annotated

import typer

from copilot.errors import CopilotError

tickets_app = typer.Typer(help="Cross-department requests (route_request): list, show, act, SLA ticks, outbox.",
                          no_args_is_help=True)


def _desk():  # type: ignore[no-untyped-def]
    from agent.service import CopilotService
    from copilot.cli import _settings

    service = CopilotService(_settings())
    return service, service.tickets()


def _run(fn):  # type: ignore[no-untyped-def]
    from copilot.cli import _fail

    try:
        return fn()
    except CopilotError as exc:
        _fail(exc)


@tickets_app.command("list")
def list_tickets(
    user: Annotated[str, typer.Option("--user", "-u", help="requester or owner")],
    open_only: Annotated[bool, typer.Option("--open", help="only tickets not closed or rejected")] = False,
) -> None:
    """Tickets a user raised or owns, newest first."""
    from copilot.cli import out

    service, desk = _desk()

    def go() -> None:
        u = service.directory.get(user)
        found = desk.store.list_for(u.user_id, open_only=open_only)
        out.print(desk.describe(found, "en") if found else "No tickets.", markup=False)

    _run(go)


@tickets_app.command("show")
def show(ticket: int, user: Annotated[str, typer.Option("--user", "-u")]) -> None:
    """One ticket and its history."""
    from copilot.cli import out

    service, desk = _desk()

    def go() -> None:
        t, events = desk.get(service.directory.get(user), ticket)
        out.print(desk.describe([t], t.lang), markup=False)
        for e in events:
            out.print(f"  {e.at:%Y-%m-%d %H:%M}Z {e.actor_id:<16} {e.action:<12} {e.from_state or '-'} -> "
                      f"{e.to_state} {e.note or ''}", markup=False)

    _run(go)


@tickets_app.command("act")
def act(ticket: int, action: Annotated[str, typer.Argument(help="acknowledge|answer|close|reject|reopen|escalate")],
        user: Annotated[str, typer.Option("--user", "-u")],
        note: Annotated[str | None, typer.Option(help="the answer, or the reason")] = None) -> None:
    """Move a ticket (owner answers, requester closes, manager escalates ...)."""
    from copilot.cli import out
    from tools.routing.model import Action

    service, desk = _desk()
    try:
        chosen = Action(action)
    except ValueError:
        raise typer.BadParameter(f"unknown action {action!r}; one of {', '.join(a.value for a in Action)}") from None

    def go() -> None:
        t = desk.act(service.directory.get(user), ticket, chosen, note)
        out.print(desk.describe([t], t.lang), markup=False)

    _run(go)


@tickets_app.command("tick")
def tick(every: Annotated[float | None, typer.Option(help="keep running, one tick every N seconds")] = None) -> None:
    """Send due reminders and escalate breached tickets (cron-friendly; `copilot serve` does this by itself)."""
    from copilot.cli import out
    from tools.routing.scheduler import run_due

    _, desk = _desk()
    while True:
        report = run_due(desk)
        out.print(f"reminded {report.reminded or '-'} · escalated {report.escalated or '-'}")
        if every is None:
            return
        time.sleep(every)


@tickets_app.command("outbox")
def show_outbox(user: Annotated[str | None, typer.Option("--user", "-u", help="only messages for this user")] = None,
                as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Notifications waiting for the chat integrations to deliver."""
    from copilot.cli import out

    _, desk = _desk()
    pending = desk.store.pending_messages(user)
    if as_json:
        out.print_json(json.dumps([m.model_dump(mode="json") for m in pending], ensure_ascii=False))
        return
    for m in pending:
        out.print(f"{m.id:>5} -> {m.recipient_id:<18} {m.kind:<16} {m.payload.get('title', '')}", markup=False)
    if not pending:
        out.print("Outbox empty.")


@tickets_app.command("away")
def away(user: Annotated[str, typer.Argument(help="directory user id")],
         until: Annotated[datetime, typer.Option(help="back at (local time), e.g. 2026-12-01T09:00")],
         note: Annotated[str | None, typer.Option()] = None) -> None:
    """Mark someone out of office from now until a time: new requests go to the next owner."""
    from copilot.cli import out

    service, desk = _desk()

    def go() -> None:
        service.directory.get(user)
        back = until.replace(tzinfo=desk.tz) if until.tzinfo is None else until
        now = desk.now()
        if back <= now:
            raise typer.BadParameter("--until must be in the future")
        desk.store.add_absence(user, now - timedelta(seconds=1), back, note)
        out.print(f"{user} is out of office until {back:%Y-%m-%d %H:%M %Z}.")

    _run(go)
