"""The tool-calling loop: model -> tools -> (model | end), bounded in steps and tool calls.

Tools whose output is final (figures rendered by code) end the turn directly, so numbers never pass through
the LLM; errors become user-facing messages, never stack traces.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.runtime import Runtime
from pydantic import ValidationError

from agent.reply import ToolCallRecord
from copilot.context import RequestContext
from copilot.errors import CopilotError, HandBack, LLMUnavailable, NeedsInfo, Redirect, ToolInputError, user_message
from copilot.vague import QUESTION as CLARIFYING_QUESTION
from copilot.vague import is_vague_request, needs_question
from prompts import render
from tools.base import Tool, ToolDeps, ToolOutput

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgentContext:
    request: RequestContext
    deps: ToolDeps
    max_steps: int
    max_tool_calls: int
    tool_timeout_s: float
    history_messages: int
    # Holds a side-effect call for the user's yes (tool, clean args, its preview, request) -> the reply that asks
    # for it; None runs such calls at once (confirmations off).
    hold: Callable[[Tool, dict[str, Any], ToolOutput, RequestContext], ToolOutput] | None = None  # type: ignore[type-arg]


class AgentState(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]
    steps: int
    records: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    final: str | None
    confirmation: dict[str, Any] | None  # a side-effect call of this turn waiting for the user's yes


def system_prompt() -> str:
    return render("system")


def build_graph(model: BaseChatModel, tools: list[Tool], checkpointer: Any = None,
                intent: Callable[[str], str | None] | None = None,
                guard: Callable[[Callable[[], Any]], Any] | None = None) -> Any:
    """Compile the agent graph for a model and the registered tools. `intent` (message -> tool name or None) is
    asked on a first request the model answered in plain text that no tool's words or checks claim, that a tool
    handed back, or whose pick the tool doubts. `guard` runs each LLM call (the service's circuit breaker)."""
    registry = {t.name: t for t in tools}
    specs = [t.openai_spec() for t in tools]
    bound = model.bind_tools(specs) if tools else model
    forced = model.bind_tools(specs, tool_choice="required") if tools else model
    forced_one = {t.name: model.bind_tools(specs, tool_choice=t.name) for t in tools}
    system = system_prompt()

    def invoke(runnable: Any, wire: list[AnyMessage]) -> AIMessage:
        try:
            ai = guard(lambda: runnable.invoke(wire)) if guard else runnable.invoke(wire)
        except CopilotError:
            raise
        except Exception as exc:  # provider SDK errors: timeouts, connection, HTTP 5xx
            raise LLMUnavailable(detail=f"{type(exc).__name__}: {exc}") from exc
        assert isinstance(ai, AIMessage)
        return ai

    def call_model(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
        ctx = runtime.context
        if state["steps"] >= ctx.max_steps:
            text = _msg(ctx, "I could not finish this within the step limit; please rephrase or narrow it.",
                        "在步数上限内未能完成，请换个说法或缩小范围。")
            return {"final": text, "messages": [AIMessage(content=text)]}
        wire = [SystemMessage(content=system), *_history(state["messages"], ctx)]
        last = state["messages"][-1]
        handed_back = isinstance(last, ToolMessage) and last.artifact == "hand_back"
        redirect = last.artifact.removeprefix("redirect:") if isinstance(last, ToolMessage) and isinstance(
            last.artifact, str) and last.artifact.startswith("redirect:") else None
        # Handed back: a plain answer, no tool loop. Redirected: the tool that answers this, chosen by its owner.
        ai = invoke(model if handed_back else forced_one.get(redirect or "", bound), wire)
        steps = state["steps"] + 1
        first = state["steps"] == 0
        before = _previous_tool(state["messages"]) if first else None
        if tools and first:
            fired = [t for t in tools if t.name in forced_one and t.triggered_by(ctx.request.text, before)]
            triggered = [t.name for t in fired if not any(t.name in o.outranks for o in fired)]
            chosen = {c["name"] for c in ai.tool_calls}
            if not triggered and not chosen:
                triggered = [t.name for t in tools if t.rescue and t.rescue(ctx.request.text, ctx.deps)]
            picked = registry.get(next(iter(chosen))) if len(chosen) == 1 else None
            # A plain reply, or a pick whose own words are absent ("X200 的保修期是多久" -> a forecast): the nearest
            # examples decide whether another tool was meant; a pick they do not contradict stands.
            if not triggered and intent is not None and (not chosen or (
                    picked and picked.doubts and before != picked.name and
                    picked.doubts(ctx.request.text, ctx.request.today))):
                guess = intent(ctx.request.text)
                triggered = [guess] if guess in forced_one and guess not in chosen else []
            # The message plainly asks for this tool (e.g. "合规吗", "ask legal to…"): a plain reply is not an
            # answer, and when only one tool's words are there, a different pick is decided again with it.
            if (triggered and not chosen) or (len(triggered) == 1 and triggered[0] not in chosen):
                log.info("decision %s replaced by a call of %s trace=%s", sorted(chosen) or "reply", triggered[0],
                         ctx.request.trace_id)
                ai = invoke(forced_one[triggered[0]], wire)
                steps += 1
        if tools and not handed_back and not ai.tool_calls and ungrounded_numbers(str(ai.content), _current_turn(wire)):
            # A plain reply quoting figures no tool produced is a hallucination: decide again, a tool this time.
            log.info("reply with ungrounded figures replaced by a forced tool call trace=%s", ctx.request.trace_id)
            ai = invoke(forced, wire)
            steps += 1
        if ai.tool_calls and first and before is None and \
                is_vague_request(ctx.request.text) and not all(registry[c["name"]].asks_when_vague
                                                               for c in ai.tool_calls if c["name"] in registry):
            # "look something up for me" -> a forecast on default arguments would answer a question nobody asked.
            log.info("tool call on a vague first request replaced by a clarifying question trace=%s",
                     ctx.request.trace_id)
            ai = AIMessage(content=CLARIFYING_QUESTION[ctx.request.lang])
        elif not ai.tool_calls and needs_question(str(ai.content), ctx.request.text):
            log.info("plain reply to a vague request replaced by a clarifying question trace=%s", ctx.request.trace_id)
            ai = AIMessage(content=CLARIFYING_QUESTION[ctx.request.lang])
        return {"messages": [ai], "steps": steps}

    def run_tools(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
        ctx = runtime.context
        last = state["messages"][-1]
        assert isinstance(last, AIMessage)
        records = list(state["records"])
        attachments = list(state["attachments"])
        messages: list[AnyMessage] = []
        texts: list[str] = []
        direct = True
        handed_back = False
        seen = {_call_key(r["name"], r["args"]): r for r in records}
        update_confirmation: dict[str, Any] | None = None
        for call in last.tool_calls:
            if len(records) >= ctx.max_tool_calls:
                texts.append(_msg(ctx, "Tool-call limit reached for this request.", "本次请求的工具调用次数已达上限。"))
                break
            tool = registry.get(call["name"])
            record, output = execute_call(tool, call["name"], call["args"], ctx, seen)
            if type(output) is HandBack and intent is not None and not any(
                    isinstance(m, ToolMessage) for m in _current_turn(state["messages"])):
                # The tool says the first request is not its kind; the nearest examples may name the one it is.
                guess = intent(ctx.request.text)
                if guess in forced_one and guess != call["name"]:
                    output = Redirect(guess, detail=f"{call['name']} handed back")
            if isinstance(output, Redirect):
                # Another tool's question: the model decides again with that tool (no record of this one).
                handed_back = True
                messages.append(ToolMessage(content=f"{output.tool} answers this.", tool_call_id=call["id"],
                                            name=call["name"], status="error", artifact=f"redirect:{output.tool}"))
                continue
            if isinstance(output, HandBack):
                # Not this tool's kind of question: the model answers it another way (no record, no final).
                handed_back = True
                messages.append(ToolMessage(content=render("hand_back"), tool_call_id=call["id"], name=call["name"],
                                            status="error", artifact="hand_back"))
                continue
            records.append(record.model_dump())
            seen[_call_key(record.name, record.args)] = record.model_dump()
            if isinstance(output, NeedsInfo):
                # The tool stopped to ask for a detail only the user can give: the question is the reply.
                question = output.message(ctx.request.lang)
                texts.append(question)
                messages.append(ToolMessage(content=question, tool_call_id=call["id"], name=call["name"],
                                            status="error"))
                continue
            if output is None:
                texts.append(record.error or "")
                messages.append(ToolMessage(content=f"error: {record.error}", tool_call_id=call["id"],
                                            name=call["name"], status="error"))
                continue
            attachments.extend(a.model_dump() for a in output.attachments)
            if "confirmation" in output.data:
                update_confirmation = output.data["confirmation"]
            texts.append(output.text)
            is_direct = tool is not None and tool.direct
            direct = direct and is_direct
            # A direct tool's text is the answer; it is also all later turns need to see of it (short, cached).
            content = output.text if is_direct else json.dumps(output.data, ensure_ascii=False, default=str)
            messages.append(ToolMessage(content=content, tool_call_id=call["id"], name=call["name"]))
        update: dict[str, Any] = {"records": records, "attachments": attachments}
        if update_confirmation is not None:
            update["confirmation"] = update_confirmation
        failed = any(not r["ok"] for r in records[len(state["records"]):])
        if handed_back and not texts:
            update["messages"] = messages
        elif direct or failed:
            # The answer is already in the tool messages: history shows "question -> tool call -> result",
            # so the model keeps calling tools on later turns instead of imitating plain-text answers.
            update.update(final="\n\n".join(t for t in texts if t), messages=messages)
        else:
            update["messages"] = messages
        return update

    def after_model(state: AgentState) -> str:
        last = state["messages"][-1]
        if state.get("final") is None and isinstance(last, AIMessage) and last.tool_calls:
            return "tools"
        return END

    def after_tools(state: AgentState) -> str:
        return END if state.get("final") is not None else "model"

    graph = StateGraph(AgentState, context_schema=AgentContext)
    graph.add_node("model", call_model)
    graph.add_node("tools", run_tools)
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", after_model)
    graph.add_conditional_edges("tools", after_tools)
    return graph.compile(checkpointer=checkpointer)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def ungrounded_numbers(reply: str, context: list[AnyMessage]) -> set[str]:
    """Figures in a reply that appear nowhere in the evidence (this turn's message and tool results).

    Earlier turns are not evidence: a small model otherwise re-quotes an old result as the answer to a new
    question.
    """
    seen = {n.replace(",", "") for m in context for n in _NUMBER.findall(str(m.content))}
    return {n.replace(",", "") for n in _NUMBER.findall(reply)} - seen


def _previous_tool(messages: list[AnyMessage]) -> str | None:
    """The tool that answered the conversation's previous turn, if any."""
    last_user = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=0)
    for m in reversed(messages[:last_user]):
        if isinstance(m, HumanMessage):
            return None
        if isinstance(m, AIMessage) and m.tool_calls:
            return str(m.tool_calls[-1]["name"])
    return None


def _current_turn(messages: list[AnyMessage]) -> list[AnyMessage]:
    last_user = max(i for i, m in enumerate(messages) if isinstance(m, HumanMessage))
    return messages[last_user:]


def _history(messages: list[AnyMessage], ctx: AgentContext) -> list[AnyMessage]:
    """Recent messages for the LLM, starting at a user message, the turn's context before the new text.

    The window start moves in blocks of half the budget rather than one message per turn: a stable prefix
    lets the local server reuse its KV cache, which is what makes multi-turn chats fast on a CPU.
    """
    budget = max(ctx.history_messages, 0)
    start = 0
    over = len(messages) - 1 - budget
    if over > 0:
        step = max(budget // 2, 1)
        start = -(-over // step) * step  # round up to a whole block
    window = messages[start:]
    current = max(i for i, m in enumerate(window) if isinstance(m, HumanMessage))
    if budget == 0:
        window, current = window[current:], 0
    while window and not isinstance(window[0], HumanMessage):
        window, current = window[1:], current - 1
    req = ctx.request
    scope = "all regions" if req.user.all_regions else ",".join(req.user.regions)
    text = render("turn", user_name=req.user.name_en, role=req.user.role, scope=scope, today=req.today,
                  language="Chinese" if req.lang == "zh" else "English", text=window[current].content)
    return [*window[:current], HumanMessage(content=text), *window[current + 1:]]


def execute_call(tool: Tool | None, name: str, raw_args: dict[str, Any], ctx: AgentContext,
                 seen: dict[str, dict[str, Any]]) -> tuple[ToolCallRecord, ToolOutput | HandBack | NeedsInfo | None]:
    """Validate and run one tool call inside the user's context; never raises."""
    req = ctx.request
    if tool is None:
        err = _msg(ctx, f"There is no tool called {name}.", f"没有名为 {name} 的工具。")
        return ToolCallRecord(name=name, args=raw_args, ok=False, error=err), None
    try:
        args = tool.args_model.model_validate(raw_args)
    except ValidationError as exc:
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        bad = ToolInputError(en=f"I could not use those details ({detail}).", zh=f"参数无法使用（{detail}）。")
        return ToolCallRecord(name=name, args=raw_args, ok=False, error=bad.message(req.lang)), None
    clean = args.model_dump(exclude_none=True, exclude_defaults=True)
    if tool.side_effects and _call_key(name, clean) in seen:
        return ToolCallRecord(name=name, args=clean, ok=False,
                              error=_msg(ctx, "Already done in this request.", "本次请求中已执行过。")), None
    hold = ctx.hold if tool.confirm is not None and not req.confirmed else None

    def call() -> ToolOutput:
        # A side effect is checked and described first (a preview writes nothing); the user's yes runs it later.
        if hold is not None and tool.confirm is not None and (preview := tool.confirm(args, req, ctx.deps)):
            return hold(tool, clean, preview, req)
        return tool.run(args, req, ctx.deps)

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"tool-{name}")
    try:
        output = pool.submit(call).result(timeout=ctx.tool_timeout_s)
    except FutureTimeout:
        log.warning("tool %s timed out after %.0fs trace=%s", name, ctx.tool_timeout_s, req.trace_id)
        err = _msg(ctx, f"{name} took too long and was stopped.", f"{name} 执行超时，已停止。")
        return ToolCallRecord(name=name, args=clean, ok=False, error=err), None
    except HandBack as exc:
        log.info("tool %s handed the question back trace=%s", name, req.trace_id)
        return ToolCallRecord(name=name, args=clean, ok=False, error=None), exc
    except NeedsInfo as exc:
        log.info("tool %s asked the user for a detail trace=%s", name, req.trace_id)
        return ToolCallRecord(name=name, args=clean, ok=False, error=None), exc
    except Exception as exc:
        if not isinstance(exc, CopilotError):
            log.exception("tool %s failed trace=%s", name, req.trace_id)
        return ToolCallRecord(name=name, args=clean, ok=False, error=user_message(exc, req.lang)), None
    finally:
        pool.shutdown(wait=False)
    return ToolCallRecord(name=name, args={**clean, **output.applied}, ok=True), output


def _call_key(name: str, args: dict[str, Any]) -> str:
    return name + json.dumps(args, sort_keys=True, ensure_ascii=False, default=str)


def _msg(ctx: AgentContext, en: str, zh: str) -> str:
    return zh if ctx.request.lang == "zh" else en
