"""The Reply object every interface returns (SPEC.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from tools.base import Attachment


class ToolCallRecord(BaseModel):
    name: str
    args: dict[str, Any] = Field(default_factory=dict)
    ok: bool
    error: str | None = None


class Reply(BaseModel):
    reply: str
    language: Literal["zh", "en"]
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
    transcript: str | None = None
    conversation_id: str
    trace_id: str
