"""Documents, chunks and access rules of the knowledge base."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from copilot.context import User

DocType = Literal["case", "product", "policy", "playbook", "competitor", "other"]
ACL_DIMENSIONS = ("roles", "regions", "departments", "users")


class Acl(BaseModel):
    """Who may read a document: `public`, or lists per dimension. Every dimension given must match (AND);
    within a list any value does (OR). A user whose scope is all regions ("*") matches any region list."""

    model_config = ConfigDict(extra="forbid")
    public: bool = False
    roles: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    departments: list[str] = Field(default_factory=list)
    users: list[str] = Field(default_factory=list)

    @classmethod
    def parse(cls, raw: object) -> Acl:
        if raw in (None, "public", "PUBLIC", True):
            return cls(public=True)
        if isinstance(raw, dict):
            return cls.model_validate({k: v if isinstance(v, (bool, list)) else [v] for k, v in raw.items()})
        raise ValueError(f"acl must be 'public' or a mapping of {', '.join(ACL_DIMENSIONS)}")

    def allows(self, user: User) -> bool:
        if self.public:
            return True
        if not any((self.roles, self.regions, self.departments, self.users)):
            return False  # restricted to nobody rather than open by accident
        return all(_dimension_ok(values, mine) for values, mine in self._pairs(user))

    def _pairs(self, user: User) -> list[tuple[list[str], set[str]]]:
        regions = {"*"} if user.all_regions else set(user.regions)
        return [(self.roles, {user.role}), (self.regions, regions), (self.departments, {user.department or ""}),
                (self.users, {user.user_id})]

    @property
    def key(self) -> str:
        """A short stable id of this exact rule; chunks carry it so the store can filter with one field."""
        return hashlib.sha1(self.model_dump_json().encode()).hexdigest()[:12]


def _dimension_ok(allowed: list[str], mine: set[str]) -> bool:
    return not allowed or "*" in mine or bool(set(allowed) & mine)


class DocMeta(BaseModel):
    """What a document says about itself (front matter) or what ingestion infers."""

    model_config = ConfigDict(extra="ignore")
    id: str
    title: str
    doc_type: DocType = "other"
    language: Literal["zh", "en"] = "en"
    industry: str = "general"
    region: str = "all"
    customer: str | None = None
    customer_size: str | None = None
    product: str | None = None
    updated_at: date | None = None
    acl: Acl = Field(default_factory=lambda: Acl(public=True))


class Chunk(BaseModel):
    doc_id: str
    index: int
    text: str
    location: str = Field(description="heading path or page, for citations")


class Document(BaseModel):
    meta: DocMeta
    source: str
    sha256: str
    text: str
    chunks: list[Chunk] = Field(default_factory=list)
