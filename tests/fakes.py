"""Test doubles: a scripted tool-calling chat model (no network, no real LLM)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from pydantic import ConfigDict, Field


def tool_call(name: str, **args: Any) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": "call_" + uuid.uuid4().hex[:8]}])


class ScriptedChatModel(BaseChatModel):
    """Answers with queued messages in order; records every prompt and the tools it was bound to.

    An exhausted script fails the test loudly instead of inventing an answer.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    script: list[Any] = Field(default_factory=list)  # AIMessage or Exception to raise
    prompts: list[list[BaseMessage]] = Field(default_factory=list)
    bound_tools: list[dict[str, Any]] = Field(default_factory=list)
    tool_choices: list[Any] = Field(default_factory=list)  # per call: the tool_choice it was bound with, if any

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[Any, AIMessage]:
        self.bound_tools = list(tools)
        return self.bind(tool_choice=kwargs.get("tool_choice"))

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: Any = None, **kwargs: Any) -> ChatResult:
        self.prompts.append(list(messages))
        self.tool_choices.append(kwargs.get("tool_choice"))
        if not self.script:
            raise AssertionError("ScriptedChatModel: no scripted answer left")
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return ChatResult(generations=[ChatGeneration(message=item)])


class FakeEmbedder:
    """Deterministic bag-of-words vectors (hashed jieba/English tokens): similar wording -> similar vectors."""

    name = "fake-bow"
    dim = 256

    def passages(self, texts: list[str]) -> Any:
        import hashlib

        import numpy as np

        from knowledge.lexical import tokens

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for tok in tokens(text):
                out[i, int(hashlib.md5(tok.encode()).hexdigest(), 16) % self.dim] += 1.0
            norm = float(np.linalg.norm(out[i]))
            out[i] = out[i] / norm if norm else out[i]
        return out

    def queries(self, texts: list[str]) -> Any:
        return self.passages(texts)


def link_demo(data: Path, demo_dir: Path, forecast_dir: Path | None = None) -> Path:
    """A data folder on the session's demo company (warehouse and directory linked, not copied), with the stored
    forecast run when given; everything a test writes (tickets, memory, charts) stays in its own folder."""
    data.mkdir(parents=True, exist_ok=True)
    for name in ("warehouse.duckdb", "ops.sqlite"):
        (data / name).symlink_to(demo_dir / name)
    if forecast_dir is not None:
        (data / "forecast").symlink_to(forecast_dir / "forecast")
    return data
