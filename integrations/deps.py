"""FastAPI dependencies, declared once as Annotated aliases and overridden in tests."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from agent.service import CopilotService


def get_service(request: Request) -> CopilotService:
    service: CopilotService = request.app.state.service
    return service


ServiceDep = Annotated[CopilotService, Depends(get_service)]
