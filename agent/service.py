"""The copilot service: one turn in, one Reply out. Every interface (CLI, HTTP, chat apps) goes through here."""

from __future__ import annotations

import functools
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from circuitbreaker import CircuitBreaker
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langgraph.checkpoint.sqlite import SqliteSaver

from agent.confirmations import Settled, holder, settle
from agent.graph import AgentContext, build_graph, execute_call, system_prompt
from agent.intent import IntentIndex
from agent.reply import Reply, ToolCallRecord
from copilot.apitokens import ApiTokens
from copilot.audit import AuditLog
from copilot.confirm import PendingActions, parse_decision
from copilot.context import RequestContext, User
from copilot.directory import Directory
from copilot.errors import BadRequest, CopilotError, LLMUnavailable, RateLimited, UnknownUser
from copilot.links import restrict_links, url_host
from copilot.normalize import detect_language
from copilot.normalize.homophones import repair_homophones
from copilot.pii import mask_pii
from copilot.ratelimit import UserLimiter
from copilot.settings import Settings
from copilot.speech.transcriber import Transcriber, Transcript
from knowledge.search import KnowledgeBase
from prompts import render
from tools.analytics.memory import QueryMemory
from tools.analytics.warehouse import Warehouse
from tools.analytics_query import Analytics
from tools.base import Attachment, Tool, ToolDeps, ToolOutput
from tools.chart_worker import ChartWorker
from tools.compliance.model import Finding
from tools.compliance.packs import load_checker
from tools.forecast.store import RunCache
from tools.query_forecast import Forecasting
from tools.registry import TOOLS
from tools.routing.desk import TicketDesk

log = logging.getLogger(__name__)
_Store = TypeVar("_Store")
# Settled and expired confirmations are kept this long, so an old button still says what happened, then deleted.
PENDING_KEPT = timedelta(days=30)


class CopilotService:
    """Holds the lazily built model, graph and data access; thread-safe for concurrent turns."""

    def __init__(self, settings: Settings, model: BaseChatModel | None = None,
                 tools: list[Tool] | None = None,  # type: ignore[type-arg]
                 clock: Callable[[], datetime] | None = None, transcriber: Transcriber | None = None) -> None:
        self.settings = settings
        self._clock = clock
        self._transcriber = transcriber
        self.directory = Directory(settings.ops_path)
        self.limiter = UserLimiter(settings)
        # Consecutive provider failures open the circuit: turns are then answered at once in degraded mode instead
        # of each waiting for timeouts and retries. Bad model output (CopilotError) is not a provider failure.
        # (circuitbreaker holds no lock during a call; pybreaker's did, which serialised every LLM call.)
        self.breaker = CircuitBreaker(failure_threshold=settings.llm_breaker_failures,
                                      recovery_timeout=settings.llm_breaker_reset_s, name="llm",
                                      expected_exception=lambda kind, _exc: not issubclass(kind, CopilotError))
        # Policy packs are validated (and self-tested) here, at start-up: a broken pack stops the service.
        load_checker(settings.policy_packs_dir, settings.compliance_model)
        self.deps = ToolDeps(
            warehouse_path=settings.warehouse_path,
            directory=self.directory,
            policy_packs_dir=settings.policy_packs_dir,
            compliance_model=settings.compliance_model,
            rewriter=self.propose_rewrite if settings.compliance_rewrite == "llm" else None,
            knowledge=self.knowledge,
            reports_dir=settings.data_dir / "reports",
            tickets=self.tickets,
            analytics=self.analytics,
            forecasting=self.forecasting,
            charts=ChartWorker(settings.chart_processes),
        )
        self._analytics: Analytics | None = None
        self._forecasting: Forecasting | None = None
        self._knowledge: KnowledgeBase | None = None
        self._intents: IntentIndex | None = None
        self._desk: TicketDesk | None = None
        self._audit: AuditLog | None = None
        self._pending: PendingActions | None = None
        self._tokens: ApiTokens | None = None
        self._model = model
        self._tools = TOOLS if tools is None else tools
        self._graph: Any = None
        self._lock = threading.Lock()

    def graph(self) -> Any:
        with self._lock:
            if self._graph is None:
                if self._model is None:
                    from copilot.llm.factory import build_chat_model

                    self._model = build_chat_model(self.settings)
                self.settings.data_dir.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.settings.memory_path, check_same_thread=False)
                saver = SqliteSaver(conn)
                saver.setup()
                self._graph = build_graph(self._model, self._tools, checkpointer=saver, intent=self._intent(),
                                          guard=self.call_llm)
            return self._graph

    def _intent(self) -> Callable[[str], str | None] | None:
        return self.intent_of if self.settings.intent_fallback and self._tools else None

    def call_llm(self, call: Callable[[], Any]) -> Any:
        """One LLM call through the circuit breaker; an open circuit is LLMUnavailable at once. Once the reset time
        has passed (half-open), calls go through again: a success closes the circuit, a failure opens it anew."""
        if self.breaker.opened:
            raise LLMUnavailable(detail=f"LLM circuit open ({self.breaker.failure_count} failures)")
        with self.breaker:
            return call()

    def llm_state(self) -> str:
        """"closed" (healthy), "open" (failing: degraded answers) or "half-open" (trying again)."""
        return str(self.breaker.state).replace("_", "-")

    def close(self) -> None:
        """Stop the chart workers (the service's other resources close with the process)."""
        self.deps.charts.close()

    def chat_model(self) -> BaseChatModel:
        """The LLM this service talks to (built on first use), e.g. to share one loaded model between services."""
        self.graph()
        assert self._model is not None
        return self._model

    def start(self) -> None:
        """For a long-lived service (`copilot serve`): start the chart workers, then warm the model, so the first
        user waits for neither. One-shot commands skip this and draw charts in-process."""
        self.deps.charts.start()
        repair_homophones("预热")  # pinyin tables and the word dictionary, loaded once
        self.audit().purge(self.settings.audit_retention_days)
        self.pending_actions().purge(PENDING_KEPT)
        self.warm_up()

    def warm_up(self) -> None:
        """Load the model and prime its prompt cache, and embed the intent examples (cached on disk), so the first
        user does not wait for them."""
        self.graph()
        if self.settings.intent_fallback and self._tools:
            self._intent_index()
        warm = getattr(self._model, "warm", None)
        if callable(warm):
            warm(SystemMessage(content=system_prompt()), [t.openai_spec() for t in self._tools])

    def propose_rewrite(self, text: str, findings: list[Finding], lang: str) -> str:
        """The LLM's compliant rewrite of a flagged text (personal data masked before it leaves); re-checked by
        the tool."""
        self.graph()
        assert self._model is not None
        notes = "\n".join(f"- “{f.text}”: {f.title}. {f.advice}" for f in findings)
        prompt = render("compliance_rewrite", findings=notes, text=mask_pii(text))
        model = self._model
        return str(self.call_llm(lambda: model.invoke([HumanMessage(content=prompt)])).content)

    def admit(self, user_id: str, text: str = "", channel: str = "cli") -> User:
        """The directory user behind an id (directory, Slack or DingTalk), with one message counted against their
        allowance; raises UnknownUser or RateLimited, and audits the refusal. Serving edges (HTTP, console, chat
        apps) call it before a turn, so every channel of one person shares one allowance; local commands and evals
        do not."""
        started = time.perf_counter()
        facts: dict[str, Any] = {}
        try:
            user = facts["user"] = self.directory.get(user_id)
            self.limiter.take(user.user_id)
        except (UnknownUser, RateLimited) as exc:
            facts["outcome"] = f"error:{type(exc).__name__}"
            self._audit_turn(user_id, text, channel, facts, started)
            raise
        return user

    def knowledge(self) -> KnowledgeBase:
        """The knowledge base, built once (Chroma store, embedder; queries translated by this service's LLM)."""
        with self._lock:
            if self._knowledge is None:
                from knowledge.factory import build_knowledge

                self._knowledge = build_knowledge(self.settings, translate=self.translate_query)
            return self._knowledge

    def intent_of(self, text: str) -> str | None:
        """The tool the nearest example requests point to, or None."""
        return self._intent_index().tool_for(text)

    def _intent_index(self) -> IntentIndex:
        """Built on first use (example vectors from the cache dir, or embedded once and saved there)."""
        with self._lock:
            if self._intents is None:
                from knowledge.factory import intent_embedder

                self._intents = IntentIndex.from_file(intent_embedder(), cache_dir=self.settings.cache_dir)
            return self._intents

    def tickets(self) -> TicketDesk:
        """The ticket desk (route_request, /v1/tickets, the SLA scheduler); the database is created on first use."""
        with self._lock:
            if self._desk is None:
                from tools.routing.store import TicketStore

                if self.settings.tickets_url is None:
                    self.settings.data_dir.mkdir(parents=True, exist_ok=True)
                store = TicketStore(self.settings.tickets_db_url)
                self._desk = TicketDesk(store, self.directory, self.deps.warehouse, self.settings.tz, self._clock)
            return self._desk

    def analytics(self) -> Analytics:
        """analytics_query's warehouse (DuckDB file, or COPILOT_WAREHOUSE_URL), follow-up memory and chart folder."""
        with self._lock:
            if self._analytics is None:
                s = self.settings
                self._analytics = Analytics(
                    warehouse=Warehouse(s.warehouse_path, s.warehouse_url, s.analytics_timeout_s, s.analytics_max_rows),
                    memory=QueryMemory(s.data_dir / "analytics.sqlite"),
                    charts_dir=s.data_dir / "charts",
                )
            return self._analytics

    def forecasting(self) -> Forecasting:
        """query_forecast's stored runs (reloaded when `copilot forecast refresh` replaces them) and chart folder."""
        with self._lock:
            if self._forecasting is None:
                self._forecasting = Forecasting(RunCache(self.settings.data_dir), self.settings.data_dir / "charts")
            return self._forecasting

    def transcriber(self) -> Transcriber:
        with self._lock:
            if self._transcriber is None:
                from copilot.speech.transcriber import build_transcriber

                self._transcriber = build_transcriber(self.settings)
            return self._transcriber

    def transcribe(self, data: bytes, filename: str, content_type: str | None) -> Transcript:
        """Speech to text, audio validated first; numerals normalised ("八十万" -> 800000)."""
        from copilot.speech.audio import AudioRejected, load_audio
        from copilot.speech.postprocess import normalise_numbers

        samples = load_audio(data, filename, content_type, max_seconds=self.settings.max_audio_seconds,
                             max_bytes=int(self.settings.max_audio_mb * 1_000_000))
        heard = self.transcriber().transcribe(samples, self._speech_prompts())
        text = normalise_numbers(heard.text)
        if not text.strip():
            raise AudioRejected(en="I could not make out any words in that recording.", zh="录音中没有识别出文字。")
        log.info("transcribed %.1fs of audio in %.2fs (rtf %.2f, %s)", heard.audio_seconds, heard.seconds,
                 heard.rtf, heard.language)
        return Transcript(text=text, language=heard.language, audio_seconds=heard.audio_seconds,
                          seconds=heard.seconds)

    @functools.cache  # noqa: B019 - one service per process
    def _speech_prompts(self) -> dict[str, str]:
        """Names worth spelling right (regions, product lines, X-series, key accounts) in each language."""
        prompts: dict[str, str] = {}
        try:
            with self.deps.warehouse() as conn:
                for lang, sep, lead in (("zh", "、", "销售助手。"), ("en", ", ", "Sales copilot. ")):
                    rows = conn.execute(
                        f"SELECT name_{lang} FROM dim_region UNION ALL SELECT DISTINCT category_{lang} FROM "
                        "dim_product UNION ALL SELECT sku FROM dim_product WHERE sku LIKE 'X%' UNION ALL "
                        f"(SELECT name_{lang} FROM dim_customer WHERE tier = 'KA' ORDER BY 1 LIMIT 12)").fetchall()
                    prompts[lang] = lead + sep.join(str(r[0]) for r in rows) + ("。" if lang == "zh" else ".")
        except CopilotError:
            return {}
        return prompts

    def ask_voice(self, user_id: str, data: bytes, filename: str, content_type: str | None,
                  conversation_id: str | None = None, message_id: str | None = None, channel: str = "cli") -> Reply:
        """A voice request: transcribed, then the same turn as typed text; the reply says what was heard."""
        self.directory.get(user_id)  # an unknown user is refused before any audio work
        heard = self.transcribe(data, filename, content_type)
        reply = self.ask(user_id, heard.text, conversation_id, transcript=heard.text, message_id=message_id,
                         channel=channel)
        lead = f"🎙 我听到：“{heard.text}”" if reply.language == "zh" else f"🎙 I heard: “{heard.text}”"
        return reply.model_copy(update={"reply": f"{lead}\n\n{reply.reply}"})

    @functools.lru_cache(maxsize=512)  # noqa: B019 - one service per process; the cache lives as long as it
    def translate_query(self, text: str, target: str) -> str:
        """A search query in the other language (zh <-> en), by the LLM, personal data masked."""
        self.graph()
        assert self._model is not None
        language = "English" if target == "en" else "Simplified Chinese"
        prompt = render("translate_query", target=language, text=mask_pii(text))
        model = self._model
        answer = self.call_llm(lambda: model.invoke([HumanMessage(content=prompt)]))
        return str(answer.content).strip().splitlines()[0][:300]

    def validate_text(self, text: str) -> str:
        """Reject empty and oversized input before anything expensive happens."""
        cleaned = (text or "").strip()
        if not cleaned:
            raise BadRequest(en="Please type a question.", zh="请输入问题。")
        if len(cleaned) > self.settings.max_input_chars:
            limit = self.settings.max_input_chars
            raise BadRequest(
                en=f"That message is too long ({len(cleaned):,} characters; the limit is {limit:,}).",
                zh=f"消息太长（{len(cleaned):,} 个字符，上限 {limit:,}）。",
            )
        return cleaned

    def context(self, user: User, text: str, conversation_id: str | None,
                message_id: str | None = None) -> RequestContext:
        return RequestContext(
            message_id=message_id,
            user=user,
            lang=detect_language(text),
            conversation_id=conversation_id or uuid.uuid4().hex,
            today=self.settings.today or date.today(),
            text=text,
        )

    def ask(self, user_id: str, text: str, conversation_id: str | None = None,
            transcript: str | None = None, message_id: str | None = None,
            on_event: Callable[[str, dict[str, Any]], None] | None = None, channel: str = "cli") -> Reply:
        """Run one turn for a user; raises CopilotError subclasses with user-facing messages. Every turn, answered
        or not, is written to the audit log (`channel` says where it came from: http, console, slack ...).

        `message_id` identifies the incoming message: the same id delivered again never repeats a side effect.
        `on_event` hears the turn's progress as it happens: ("tool_start", {name, args}) when the model decides on
        a tool, ("tool_end", {name, args, ok, error}) when it has run (the web console shows them as chips).
        """
        started = time.perf_counter()
        facts: dict[str, Any] = {"outcome": "ok"}  # filled as the turn goes: user, trace id, reply, outcome
        try:
            return self._outbound(self._turn(user_id, text, conversation_id, transcript, message_id, on_event, facts))
        except Exception as exc:
            facts["outcome"] = f"error:{type(exc).__name__}"
            raise
        finally:
            self._audit_turn(user_id, text, channel, facts, started)

    def _outbound(self, reply: Reply) -> Reply:
        """Links and images only to allowlisted hosts (COPILOT_LINK_ALLOWLIST): whatever a poisoned document or a
        prompt injection made the model write, no URL carries data out of the reply."""
        checked = restrict_links(reply.reply, self.settings.link_allowlist)
        if not checked.removed:
            return reply
        hosts = sorted({url_host(u) or "?" for u in checked.removed})  # hosts only: a URL may carry the data
        log.warning("removed %d link(s) to non-allowlisted hosts %s trace=%s", len(checked.removed), hosts,
                    reply.trace_id)
        return reply.model_copy(update={"reply": checked.text})

    def _audit_turn(self, user_id: str, text: str, channel: str, facts: dict[str, Any], started: float) -> None:
        user: User | None = facts.get("user")
        reply: Reply | None = facts.get("reply")
        try:
            self.audit().record(
                trace_id=facts.get("trace_id", "-"), user_id=user.user_id if user else user_id[:64],
                role=user.role if user else "-", scope=list(user.regions) if user else [], channel=channel,
                request=text or "", tools=[r.model_dump() for r in reply.tool_calls] if reply else [],
                outcome=facts["outcome"], latency_ms=round((time.perf_counter() - started) * 1000))
        except Exception:  # the turn's answer is not lost to a full disk; the failure is loud in the log
            log.exception("audit log write failed trace=%s", facts.get("trace_id", "-"))

    def audit(self) -> AuditLog:
        """The append-only audit log, in the operational database (created on first use)."""
        return self._ops_store("_audit", AuditLog)

    def api_tokens(self) -> ApiTokens:
        """The HTTP API's personal tokens (hashes only), in the operational database (created on first use)."""
        return self._ops_store("_tokens", ApiTokens)

    def pending_actions(self) -> PendingActions:
        """Side-effect calls waiting for their user's yes, in the operational database (created on first use)."""
        return self._ops_store("_pending", PendingActions)

    def _ops_store(self, attr: str, make: Callable[[str], _Store]) -> _Store:
        """One table set of the operational database (SQLite under the data dir, or COPILOT_TICKETS_URL), opened
        once per service."""
        with self._lock:
            found: _Store | None = getattr(self, attr)
            if found is None:
                if self.settings.tickets_url is None:
                    self.settings.data_dir.mkdir(parents=True, exist_ok=True)
                found = make(self.settings.tickets_db_url)
                setattr(self, attr, found)
            return found

    def _turn(self, user_id: str, text: str, conversation_id: str | None, transcript: str | None,
              message_id: str | None, on_event: Callable[[str, dict[str, Any]], None] | None,
              facts: dict[str, Any]) -> Reply:
        # Pinyin-keyboard slips of sales terms (消售额, 经消商) repaired before the model or a tool reads the text.
        text = repair_homophones(self.validate_text(text))
        user = facts["user"] = self.directory.get(user_id)
        ctx = self.context(user, text, conversation_id, message_id)
        facts["trace_id"] = ctx.trace_id
        started = time.perf_counter()
        agent_ctx = AgentContext(
            request=ctx,
            deps=self.deps,
            max_steps=self.settings.max_steps,
            max_tool_calls=self.settings.max_tool_calls,
            tool_timeout_s=self.settings.tool_timeout_s,
            history_messages=self.settings.history_messages,
            hold=holder(self.pending_actions, timedelta(minutes=self.settings.confirm_ttl_min))
            if self.settings.confirm_side_effects else None,
        )
        config = {
            # Conversations are namespaced by user so nobody can read another user's thread by its id.
            "configurable": {"thread_id": f"{user.user_id}:{ctx.conversation_id}"},
            "recursion_limit": 2 * self.settings.max_steps + 4,
        }
        decision = parse_decision(text) if self.settings.confirm_side_effects else None
        if decision is not None:  # "确认" / "yes <id>": a pending side effect is carried out (or cancelled), no LLM
            settled = settle(self.pending_actions(), *decision, ctx, self._tools,
                             run=lambda tool, args, req: self._run_confirmed(agent_ctx, tool, args, req))
            if settled is not None:
                reply = facts["reply"] = self._settled_reply(settled, ctx, transcript, config, text)
                return reply
        # Stored turns and everything the LLM sees carry personal data masked; tools read the raw text from ctx.
        turn = {"messages": [HumanMessage(content=mask_pii(text))], "steps": 0, "records": [], "attachments": [],
                "final": None, "confirmation": None}
        try:
            if on_event is None:
                state = self.graph().invoke(turn, config=config, context=agent_ctx)
            else:
                state = self._stream(turn, config, agent_ctx, on_event)
        except LLMUnavailable as exc:
            log.warning("turn degraded trace=%s user=%s: %s", ctx.trace_id, user.user_id, exc.detail)
            degraded = facts["reply"] = self._degraded(agent_ctx, transcript, on_event, exc)
            facts["outcome"] = "degraded"
            return degraded
        except CopilotError as exc:
            log.warning("turn failed trace=%s user=%s: %s (%s)", ctx.trace_id, user.user_id,
                        type(exc).__name__, exc.detail)
            raise
        reply_text = state.get("final")
        if reply_text is None:
            last = state["messages"][-1]
            reply_text = str(last.content) if isinstance(last, AIMessage) else ""
        log.info("turn trace=%s user=%s tools=%s steps=%d %.2fs", ctx.trace_id, user.user_id,
                 [r["name"] for r in state["records"]], state["steps"], time.perf_counter() - started)
        reply = facts["reply"] = Reply(
            reply=reply_text,
            language=ctx.lang,
            tool_calls=[ToolCallRecord(**r) for r in state["records"]],
            attachments=[Attachment(**a) for a in state["attachments"]],
            transcript=transcript,
            conversation_id=ctx.conversation_id,
            trace_id=ctx.trace_id,
            confirmation=state.get("confirmation"),
        )
        return reply

    def _run_confirmed(self, agent_ctx: AgentContext, tool: Tool, args: dict[str, Any],  # type: ignore[type-arg]
                       req: RequestContext) -> tuple[ToolCallRecord, ToolOutput | None]:
        """A confirmed side-effect call, run like any tool call (validated, timed out, errors as messages)."""
        record, output = execute_call(tool, tool.name, args, replace(agent_ctx, request=req), {})
        return record, output if isinstance(output, ToolOutput) else None

    def _settled_reply(self, settled: Settled, ctx: RequestContext, transcript: str | None, config: dict[str, Any],
                       text: str) -> Reply:
        """The reply to a yes/no, also written into the conversation so later turns (and the model) know it."""
        try:
            self.graph().update_state(config, {"messages": [HumanMessage(content=mask_pii(text)),
                                                            AIMessage(content=settled.text)]}, as_node="model")
        except Exception:  # the answer stands even if the history could not be extended
            log.exception("could not record the confirmation in the conversation trace=%s", ctx.trace_id)
        return Reply(reply=settled.text, language=settled.lang, tool_calls=settled.records,
                     attachments=settled.attachments, transcript=transcript, conversation_id=ctx.conversation_id,
                     trace_id=ctx.trace_id)

    def _degraded(self, agent_ctx: AgentContext, transcript: str | None,
                  on_event: Callable[[str, dict[str, Any]], None] | None, cause: LLMUnavailable) -> Reply:
        """The turn without the LLM: a read-only tool picked in code answers directly; otherwise LLMUnavailable,
        saying what still works. Not stored in the conversation (the model never saw it)."""
        from agent.degraded import NOTHING, degraded_answer

        ctx = agent_ctx.request
        answer = degraded_answer(agent_ctx, self._tools, self._intent())
        if answer is None:
            raise LLMUnavailable(en=NOTHING["en"], zh=NOTHING["zh"], detail=cause.detail) from cause
        if on_event is not None:
            for record in answer.records:
                on_event("tool_end", record.model_dump())
        return Reply(reply=answer.text, language=ctx.lang, tool_calls=answer.records,
                     attachments=answer.attachments, transcript=transcript, conversation_id=ctx.conversation_id,
                     trace_id=ctx.trace_id)

    def _stream(self, turn: dict[str, Any], config: dict[str, Any], agent_ctx: AgentContext,
                on_event: Callable[[str, dict[str, Any]], None]) -> dict[str, Any]:
        """The same run as `invoke`, step by step, telling `on_event` which tools start and how they end."""
        state: dict[str, Any] = turn
        reported = 0
        for mode, chunk in self.graph().stream(turn, config=config, context=agent_ctx,
                                               stream_mode=["updates", "values"]):
            if mode == "values":
                state = chunk
                continue
            for node, update in (chunk or {}).items():
                if node == "model" and update:
                    for message in update.get("messages", []):
                        for call in getattr(message, "tool_calls", None) or []:
                            on_event("tool_start", {"name": call["name"], "args": call["args"]})
                elif node == "tools" and update:
                    records = update.get("records", [])
                    for record in records[reported:]:
                        on_event("tool_end", dict(record))
                    reported = len(records)
        return state
