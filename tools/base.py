"""What every tool is made of, and what it may use."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

import duckdb
from pydantic import BaseModel, ConfigDict, Field, model_validator

from copilot.context import RequestContext
from copilot.directory import Directory
from copilot.errors import NotReady
from tools.chart_worker import ChartWorker

# What small models write for "not given"; treated as an omitted argument, never as a value.
_UNSET_WORDS = {"", "none", "null", "nil", "n/a", "na", "any", "all", "unknown", "-",
                "无", "空", "全部", "所有", "不限"}


class ToolArgs(BaseModel):
    """Base of every tool's arguments: strict fields, and placeholder words mapped to "not given"."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _drop_placeholders(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        cleaned: dict[str, Any] = {}
        for key, value in data.items():
            field = cls.model_fields.get(key)
            # Only optional, default-None fields: "none" may be a real choice of an enum (group_by="none").
            if (isinstance(value, str) and value.strip().lower() in _UNSET_WORDS
                    and field is not None and not field.is_required() and field.default is None):
                continue
            cleaned[key] = value
        return cleaned


class Attachment(BaseModel):
    kind: Literal["chart", "file"]
    path: str | None = None
    url: str | None = None
    title: str


class ToolOutput(BaseModel):
    """A tool's answer: `text` is ready for the user (in their language); `data` is what the LLM may read."""

    text: str
    data: dict[str, Any] = Field(default_factory=dict)
    # Arguments as actually applied (period in dates, regions after grounding and scope), shown in the Reply.
    applied: dict[str, Any] = Field(default_factory=dict)
    attachments: list[Attachment] = Field(default_factory=list)


@dataclass(frozen=True)
class ToolDeps:
    """Data access shared by tools; built once per service, read-only for analytics."""

    warehouse_path: Path
    directory: Directory
    policy_packs_dir: Path | None = None
    compliance_model: bool = False  # check_compliance's learned claim pass (settings.compliance_model)
    # Proposes a compliant rewrite with the LLM: (text, findings, lang) -> text; None = rules only.
    rewriter: Callable[..., str] | None = None
    reports_dir: Path | None = None  # where generated report files go
    # The knowledge base, built on first use (embedder and store load lazily).
    knowledge: Callable[[], Any] | None = None
    # The ticket desk of route_request (ticket database opened on first use).
    tickets: Callable[[], Any] | None = None
    # analytics_query's warehouse engine, follow-up memory and chart folder (tools.analytics_query.Analytics).
    analytics: Callable[[], Any] | None = None
    # query_forecast's stored runs and chart folder (tools.query_forecast.Forecasting).
    forecasting: Callable[[], Any] | None = None
    # Draws charts: in a worker process once the service started it, else in-process.
    charts: ChartWorker = field(default_factory=ChartWorker)

    def warehouse(self) -> duckdb.DuckDBPyConnection:
        if not self.warehouse_path.exists():
            raise NotReady(detail=f"missing {self.warehouse_path}")
        return duckdb.connect(str(self.warehouse_path), read_only=True)


A = TypeVar("A", bound=ToolArgs)


@dataclass(frozen=True)
class Tool(Generic[A]):
    """A registered tool. The run function's docstring and the argument model are what the LLM reads."""

    name: str
    args_model: type[A]
    run: Callable[[A, RequestContext, ToolDeps], ToolOutput]
    side_effects: bool = False
    # Side effects that need the user's yes (a button or "确认"/"yes") before they happen: (args, ctx, deps) -> what
    # the call would do (text + the arguments it would apply), checked but not done; None when this call needs no
    # confirmation (a read, a redelivery).
    confirm: Callable[[A, RequestContext, ToolDeps], ToolOutput | None] | None = None
    # The rendered `text` is the final reply (figures come from code, not from the LLM).
    direct: bool = True
    # (user message, arguments) pairs shown to the LLM: small models copy the shape of examples.
    examples: tuple[tuple[str, dict[str, Any]], ...] = field(default=())
    # Regexes over the user's message that make this tool the only sensible answer ("合规吗", "can I send"):
    # a plain reply to such a message is re-decided with this tool required (small models skip tools).
    triggers: tuple[str, ...] = field(default=())
    # Regexes that count as triggers only right after this tool answered in the same conversation ("and by
    # channel?", "只看华东" after an analytics answer).
    follow_ups: tuple[str, ...] = field(default=())
    # Tools whose triggers yield to this tool's when both fire ("销量预测" names a metric and asks for a forecast).
    outranks: tuple[str, ...] = field(default=())
    # A check in code, for where words are not enough: a plain reply to a message it holds for (and that no trigger
    # claims) is decided again with this tool ("ok to tell Midea we're the cheapest?" holds a claim the rules find).
    rescue: Callable[[str, ToolDeps], bool] | None = None
    # (message, today) -> True when the message names nothing this tool reads (no kind of question, metric, period):
    # the model's pick of it on a first request is checked with the agent's intent index, which may name another.
    doubts: Callable[[str, date], bool] | None = None
    # The tool asks its own question when the request is too vague ("make a report" -> "for which customer?");
    # a vague first request that picks any other tool gets the clarifying menu instead of an answer on defaults.
    asks_when_vague: bool = False

    def triggered_by(self, text: str, previous_tool: str | None = None) -> bool:
        if any(re.search(p, text, re.IGNORECASE) for p in self.triggers):
            return True
        return previous_tool == self.name and any(re.search(p, text, re.IGNORECASE) for p in self.follow_ups)

    @property
    def description(self) -> str:
        doc = (self.run.__doc__ or "").strip()
        text = " ".join(line.strip() for line in doc.split("\n\n")[0].splitlines())
        shots = [f"{q!r} -> {json.dumps(a, ensure_ascii=False, separators=(',', ':'))}" for q, a in self.examples]
        return text + (" Examples: " + "; ".join(shots) if shots else "")

    def openai_spec(self) -> dict[str, Any]:
        schema = self.args_model.model_json_schema()
        schema.pop("title", None)
        schema.pop("description", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": schema},
        }
