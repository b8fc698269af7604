"""Per-request facts that travel with a turn: who asks, in what scope and language. Never module globals."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from copilot.errors import PermissionDenied

ALL_REGIONS = "*"


class User(BaseModel):
    """A directory user; `regions` is their data scope (["*"] = every region)."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    name_zh: str
    name_en: str
    role: Literal["rep", "manager", "admin"]
    department: str
    regions: tuple[str, ...]
    manager_id: str | None = None
    discount_limit_pct: float | None = None

    @property
    def all_regions(self) -> bool:
        return ALL_REGIONS in self.regions

    def display_name(self, lang: Literal["zh", "en"]) -> str:
        return self.name_zh if lang == "zh" else self.name_en


class RequestContext(BaseModel):
    """Everything a tool may know about the current turn."""

    model_config = ConfigDict(frozen=True)

    user: User
    lang: Literal["zh", "en"]
    conversation_id: str
    today: date
    # The user's own message: tools ground dates and amounts in it rather than in the LLM's rewording.
    text: str = ""
    # The chat app's id of the message this turn answers (Slack event id, DingTalk msgId, client key): a retried
    # delivery carries the same id, so side effects (tickets) happen once per message.
    message_id: str | None = None
    trace_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    # The user has confirmed this call (a yes to its pending action): side-effect tools act instead of asking.
    confirmed: bool = False

    def scoped_regions(self, requested: list[str] | None, known: list[str],
                       labels: Mapping[str, tuple[str, str]] | None = None) -> list[str]:
        """The regions a data tool may read: the request clipped to the user's scope.

        Asking for a region outside the scope is refused rather than silently dropped, so a rep never
        mistakes a partial answer for the whole.
        """
        allowed = list(known) if self.user.all_regions else [r for r in known if r in self.user.regions]
        if not requested:
            return allowed
        outside = [r for r in requested if r not in allowed]
        if outside:
            names = labels or {}
            raise PermissionDenied(
                en=f"Your data scope does not include: {', '.join(names.get(r, (r, r))[1] for r in outside)}.",
                zh=f"您的数据权限不包含：{'、'.join(names.get(r, (r, r))[0] for r in outside)}。",
                detail=f"user={self.user.user_id} requested={requested}",
            )
        return list(dict.fromkeys(requested))
