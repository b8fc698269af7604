"""SLA clocks: reminders before the deadline and escalation on breach, from jobs kept in the ticket database.

Jobs are rows written with the ticket, so a restart loses none; each is finished in the same transaction as
its effect (state change + outbox message), and finishing is a conditional update, so two schedulers (two
service processes) never remind or escalate twice.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime

from tools.routing.desk import TicketDesk
from tools.routing.model import CLOCK_STOPPED, Action, State, Ticket
from tools.routing.store import Conflict, Job, Note, queue_notes

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    skipped: int = 0


def run_due(desk: TicketDesk, now: datetime | None = None) -> TickReport:
    """Carry out every reminder and breach that is due at `now` (default: the desk's clock)."""
    now = now or desk.now()
    report = TickReport()
    tried: set[int] = set()
    while batch := [j for j in desk.store.due_jobs(now) if j.id not in tried]:
        for job in batch:
            tried.add(job.id)  # a job that fails (e.g. the ticket moved meanwhile) is retried on the next tick
            try:
                _run_job(desk, job, now, report)
            except Conflict:
                log.info("sla job %s deferred: ticket %s changed meanwhile", job.id, job.ticket_id)
    if report.reminded or report.escalated:
        log.info("sla tick: reminded=%s escalated=%s", report.reminded, report.escalated)
    return report


def _run_job(desk: TicketDesk, job: Job, now: datetime, report: TickReport) -> None:
    """One job and its effect in one transaction; a job another scheduler finished first is left alone."""
    store = desk.store
    with store.tx() as conn:
        ticket = store.get(job.ticket_id, conn)
        if ticket is None:
            store.finish_job(conn, job.id, now, "no ticket")
            return
        if job.kind == "reminder":
            live = ticket.state not in CLOCK_STOPPED
            if not store.finish_job(conn, job.id, now, "sent" if live else "not needed"):
                return
            if live:
                queue_notes(conn, ticket.id, [(ticket.owner_id, "reminder", desk.payload("reminder", ticket))], now)
                report.reminded.append(ticket.id)
            else:
                report.skipped += 1
            return
        breached = ticket.state in (State.OPEN, State.ACKNOWLEDGED)
        outcome = "escalated" if breached else ("met" if ticket.state in CLOCK_STOPPED else "already")
        if not store.finish_job(conn, job.id, now, outcome):
            return
        if breached:
            store.transition(ticket.id, "system", Action.ESCALATE, State.ESCALATED, now, "SLA breached",
                             lambda t: _breach_notes(desk, t), expect=ticket.state, conn=conn)
            report.escalated.append(ticket.id)
        else:
            report.skipped += 1


def _breach_notes(desk: TicketDesk, t: Ticket) -> list[Note]:
    out: list[Note] = [(t.owner_id, "escalated_owner", desk.payload("escalated_owner", t))]
    if target := desk.escalation_target(t.owner_id, t.requester_id):
        out.append((target, "escalation", desk.payload("escalation", t)))
    return out


class SlaScheduler:
    """Runs :func:`run_due` every `interval` seconds in a daemon thread (started by `copilot serve`)."""

    def __init__(self, desk: TicketDesk, interval: float) -> None:
        self._desk = desk
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sla-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                run_due(self._desk)
            except Exception:  # a bad tick must not stop the clock; it is retried next time
                log.exception("sla tick failed")
