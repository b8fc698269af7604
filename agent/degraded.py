"""Answers while the LLM is down: the request is routed in code and a read-only tool answers it directly.

The tools already read periods, regions, metrics and amounts from the user's own words and write their own reply
text, so a forecast, an analytics figure, a compliance check or a knowledge search needs no LLM once the tool is
known. The tool is the one the message's words name (each tool's triggers), else the intent index's nearest
examples. Tools with side effects (tickets, reports) never run this way: without the model nobody has checked
what exactly was asked, so the user is told to try again (or to use the tickets API / console directly).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from agent.graph import AgentContext, execute_call
from agent.reply import ToolCallRecord
from tools.base import Attachment, Tool, ToolOutput

LEAD = {"zh": "⚠️ 语言模型暂时不可用，以下是直接查询的结果：",
        "en": "⚠️ The language model is unavailable right now; here is a direct answer:"}
NOTHING = {"zh": "语言模型暂时没有响应，请稍后再试。此时仍可直接查询：销售预测、销售数据分析、合规检查、知识库搜索"
                 "（例如“上个月华东区销售额”）。",
           "en": "The language model is not answering right now. Please try again in a minute. Direct questions still "
                 "work: forecasts, sales analytics, compliance checks and knowledge search (e.g. “revenue in East "
                 "China last month”)."}


@dataclass
class Degraded:
    text: str
    records: list[ToolCallRecord] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


def pick_tool(text: str, tools: list[Tool], intent: Callable[[str], str | None] | None) -> Tool | None:  # type: ignore[type-arg]
    """The read-only tool this message asks for, decided without the LLM; None when unclear."""
    usable = [t for t in tools if not t.side_effects]
    fired = [t for t in usable if t.triggered_by(text)]
    fired = [t for t in fired if not any(t.name in o.outranks for o in fired)]
    if len(fired) == 1:
        return fired[0]
    if fired or intent is None:
        return None
    named = intent(text)
    return next((t for t in usable if t.name == named), None)


def degraded_answer(ctx: AgentContext, tools: list[Tool],  # type: ignore[type-arg]
                    intent: Callable[[str], str | None] | None) -> Degraded | None:
    """A direct tool answer to the request in `ctx` (or the tool's refusal, e.g. out of scope); None when no
    read-only tool can answer it without the model."""
    lang = ctx.request.lang
    tool = pick_tool(ctx.request.text, tools, intent)
    if tool is None:
        return None
    needs_query = "query" in (tool.args_model.model_json_schema().get("required") or [])
    record, output = execute_call(tool, tool.name, {"query": ctx.request.text} if needs_query else {}, ctx, {})
    if not isinstance(output, ToolOutput):  # failed (its message, e.g. out of scope), or handed back / needs a detail
        return Degraded(record.error, [record]) if record.error else None
    return Degraded(f"{LEAD[lang]}\n\n{output.text}", [record], list(output.attachments))
