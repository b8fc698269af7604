"""HTTP API of the ticket desk: raise requests without the LLM, follow them up, act on them, read health metrics.

The same desk as the route_request tool: understanding, routing, permissions and idempotency are identical.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from copilot.normalize import detect_language
from integrations.auth import acting_user
from integrations.deps import CallerDep, ServiceDep
from tools.routing.metrics import HealthRow
from tools.routing.model import Action, Ticket, TicketEvent

router = APIRouter(tags=["tickets"])
UserId = Annotated[str | None, Query(min_length=1, max_length=128,
                                     description="directory, Slack or DingTalk user id (default: the token's user)")]


class NewTicket(BaseModel):
    user_id: str | None = Field(None, min_length=1, max_length=128, examples=["demo.rep"],
                                description="who asks (default: the token's user)")
    text: str = Field(..., min_length=1, max_length=4000, examples=["请供应链同事确认X200型号库存,需48小时内反馈"])
    message_id: str = Field(..., min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:@-]+$",
                            description="id of the originating message: sending it again never makes a second ticket")


class TicketOut(BaseModel):
    ticket: Ticket
    created: bool = Field(description="false when this message had already created the ticket")
    text: str = Field(description="what the copilot tells the requester, in their language")


class TicketDetail(BaseModel):
    ticket: Ticket
    history: list[TicketEvent]


class ActionIn(BaseModel):
    user_id: str | None = Field(None, min_length=1, max_length=128, examples=["sc.devices"],
                                description="who acts (default: the token's user)")
    action: Action
    note: str | None = Field(None, max_length=2000, description="the answer, or the reason for a rejection/reopen")


class HealthOut(BaseModel):
    since: datetime
    rows: list[HealthRow]


def _lang(request: Request, text: str) -> Literal["zh", "en"]:
    lang = detect_language(text)
    request.state.lang = lang
    return lang


@router.post("/v1/tickets", response_model=TicketOut, status_code=201,
             responses={200: {"model": TicketOut, "description": "already created by this message"}})
def create_ticket(body: NewTicket, request: Request, response: Response, service: ServiceDep,
                  creds: CallerDep) -> TicketOut:
    """Raise a cross-department request from the user's words (no LLM involved)."""
    lang = _lang(request, body.text)
    user = service.directory.get(acting_user(service, creds, body.user_id))
    made = service.tickets().create(user, service.validate_text(body.text), lang, body.message_id)
    if not made.fresh:
        response.status_code = 200
    return TicketOut(ticket=made.ticket, created=made.fresh, text=made.text)


@router.get("/v1/tickets", response_model=list[Ticket])
def list_tickets(service: ServiceDep, creds: CallerDep, user_id: UserId = None,
                 open_only: Annotated[bool, Query(description="only tickets not closed or rejected")] = False,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[Ticket]:
    """Tickets the user raised or owns, newest first."""
    user = service.directory.get(acting_user(service, creds, user_id))
    return service.tickets().store.list_for(user.user_id, limit=limit, open_only=open_only)


@router.get("/v1/tickets/{ticket_id}", response_model=TicketDetail)
def get_ticket(ticket_id: int, service: ServiceDep, creds: CallerDep, user_id: UserId = None) -> TicketDetail:
    """One ticket with its full history (requester, owner and their managers only)."""
    ticket, events = service.tickets().get(service.directory.get(acting_user(service, creds, user_id)), ticket_id)
    return TicketDetail(ticket=ticket, history=events)


@router.post("/v1/tickets/{ticket_id}/actions", response_model=Ticket)
def act_on_ticket(ticket_id: int, body: ActionIn, request: Request, service: ServiceDep,
                  creds: CallerDep) -> Ticket:
    """Acknowledge, answer, reject (owner); close, reopen (requester); escalate (managers)."""
    _lang(request, body.note or "")
    user = service.directory.get(acting_user(service, creds, body.user_id))
    return service.tickets().act(user, ticket_id, body.action, body.note)


@router.get("/v1/metrics/collaboration", response_model=HealthOut)
def collaboration(service: ServiceDep, creds: CallerDep, user_id: UserId = None,
                  days: Annotated[int, Query(ge=1, le=730, description="look-back window")] = 90) -> HealthOut:
    """Response time p50/p90, SLA hit rate, first-pass and reopen rates per department and region (managers)."""
    since, rows = service.tickets().health(service.directory.get(acting_user(service, creds, user_id)), days)
    return HealthOut(since=since, rows=rows)

