"""FastAPI dependencies, declared once as Annotated aliases and overridden in tests."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from agent.service import CopilotService


def get_service(request: Request) -> CopilotService:
    service: CopilotService = request.app.state.service
    return service


ServiceDep = Annotated[CopilotService, Depends(get_service)]


# The API's bearer token (shown in /docs as "HTTPBearer"); checked by integrations.auth.acting_user.
BearerDep = Annotated[HTTPAuthorizationCredentials | None,
                      Depends(HTTPBearer(auto_error=False, description="personal API token: copilot token issue USER"))]
