"""The Reply object every interface returns (SPEC.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from tools.base import Attachment


class ToolCallRecord(BaseModel):
    name: str
    args: dict[str, Any] = Field(default_factory=dict)
    ok: bool
    error: str | None = None


class Confirmation(BaseModel):
    """A side-effect call waiting for the user's yes: clients show it with confirm / cancel buttons, which answer
    with "yes <id>" / "no <id>" (a typed "确认" / "yes" also works)."""

    id: str
    tool: str
    summary: str
    expires_at: datetime


class Reply(BaseModel):
    reply: str
    language: Literal["zh", "en"]
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
    transcript: str | None = None
    conversation_id: str
    trace_id: str
    # Set when the reply asks the user to confirm a side effect (a ticket, an escalation); left out of the JSON
    # otherwise, so every other reply has exactly SPEC.md's keys.
    confirmation: Confirmation | None = None

    @model_serializer(mode="wrap")
    def _spec_keys(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("confirmation") is None:
            data.pop("confirmation", None)
        return data
