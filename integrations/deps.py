"""FastAPI dependencies, declared once as Annotated aliases and overridden in tests."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from agent.service import CopilotService
from integrations.auth import Caller, caller


def get_service(request: Request) -> CopilotService:
    service: CopilotService = request.app.state.service
    return service


ServiceDep = Annotated[CopilotService, Depends(get_service)]
# Who calls the HTTP API: the bearer token (shown in /docs as "HTTPBearer") and whether the peer is this machine;
# integrations.auth.acting_user decides whom the request acts as.
CallerDep = Annotated[Caller, Depends(caller)]
