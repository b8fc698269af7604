"""The agent loop with a scripted model and test tools: routing, limits, errors, memory."""

from __future__ import annotations

import itertools
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import BaseModel, Field

from agent.graph import AgentContext, build_graph
from copilot.context import RequestContext, User
from copilot.directory import Directory
from copilot.errors import HandBack, LLMUnavailable, NeedsInfo, PermissionDenied, Redirect
from tests.fakes import ScriptedChatModel, tool_call
from tools.base import Tool, ToolDeps, ToolOutput

RUNS: list[str] = []


class EchoArgs(BaseModel):
    word: str = Field(..., min_length=1, max_length=10)


def echo(args: EchoArgs, ctx: RequestContext, deps: ToolDeps) -> ToolOutput:
    """Echo a word back (test tool)."""
    RUNS.append(args.word)
    if args.word == "secret":
        raise PermissionDenied(en="Not in your scope.", zh="不在您的权限范围内。")
    if args.word == "boom":
        raise RuntimeError("internal detail /etc/passwd")
    if args.word == "slow":
        time.sleep(2)
    if args.word == "joke":
        raise HandBack(detail="not data")
    if args.word == "what":
        raise NeedsInfo(en="Which word should I echo?", zh="请问要重复哪个词？")
    if args.word == "elsewhere":
        raise Redirect("kb")
    return ToolOutput(text=f"echo:{args.word}", data={"word": args.word})


def notify(args: EchoArgs, ctx: RequestContext, deps: ToolDeps) -> ToolOutput:
    """Send a notification (side effect)."""
    RUNS.append("notify:" + args.word)
    return ToolOutput(text="sent", data={})


ECHO = Tool(name="echo", args_model=EchoArgs, run=echo)
LOOKUP = Tool(name="lookup", args_model=EchoArgs, run=echo, direct=False)
NOTIFY = Tool(name="notify", args_model=EchoArgs, run=notify, side_effects=True, direct=False)
USER = User(user_id="u1", name_zh="测试", name_en="Tester", role="rep", department="sales", regions=("east",))


def _run(script: list[Any], text: str = "hello", thread: str = "t1", saver: Any = None,
         lang: str = "en", **limits: Any) -> dict[str, Any]:
    model = ScriptedChatModel(script=script)
    graph = build_graph(model, [ECHO, LOOKUP, NOTIFY], checkpointer=saver or InMemorySaver())
    ctx = AgentContext(
        request=RequestContext(user=USER, lang=lang, conversation_id=thread, today=date(2026, 11, 23), text=text),
        deps=ToolDeps(warehouse_path=Path("/nonexistent"), directory=Directory(Path("/nonexistent"))),
        max_steps=limits.get("max_steps", 4), max_tool_calls=limits.get("max_tool_calls", 3),
        tool_timeout_s=limits.get("tool_timeout_s", 5.0), history_messages=6,
    )
    state = graph.invoke({"messages": [HumanMessage(content=text)], "steps": 0, "records": [],
                          "attachments": [], "final": None},
                         config={"configurable": {"thread_id": thread}}, context=ctx)
    state["model"] = model
    return state


@pytest.fixture(autouse=True)
def _clear_runs() -> None:
    RUNS.clear()


def test_plain_reply_calls_no_tool() -> None:
    state = _run([AIMessage(content="Hi! I'm your sales copilot.")])
    assert state["records"] == [] and state["final"] is None
    assert state["messages"][-1].content == "Hi! I'm your sales copilot."


def test_direct_tool_ends_turn_with_rendered_text() -> None:
    state = _run([tool_call("echo", word="abc")])
    assert state["final"] == "echo:abc"
    assert state["records"] == [{"name": "echo", "args": {"word": "abc"}, "ok": True, "error": None}]
    assert len(state["model"].prompts) == 1  # no second LLM call: figures come from code
    bound = [t["function"]["name"] for t in state["model"].bound_tools]
    assert bound == ["echo", "lookup", "notify"]


def test_a_handed_back_question_is_answered_plainly_by_the_model() -> None:
    state = _run([tool_call("echo", word="joke"), AIMessage(content="Why did the KPI cross the road?")],
                 text="tell me a joke")
    assert state["records"] == [] and state["final"] is None
    assert state["messages"][-1].content == "Why did the KPI cross the road?"
    assert len(state["model"].prompts) == 2 and state["model"].prompts[1][-1].artifact == "hand_back"


def test_non_direct_tool_result_goes_back_to_model() -> None:
    state = _run([tool_call("lookup", word="abc"), AIMessage(content="The word was abc.")])
    assert state["messages"][-1].content == "The word was abc."
    second_prompt = state["model"].prompts[1]
    assert second_prompt[-1].content == '{"word": "abc"}'


def test_invalid_arguments_are_refused_with_a_clear_message() -> None:
    state = _run([tool_call("echo", word="x" * 50)])
    record = state["records"][0]
    assert not record["ok"] and "word" in record["error"]
    assert RUNS == []


def test_permission_error_is_user_facing_and_internal_errors_hide_details() -> None:
    state = _run([tool_call("echo", word="secret")], lang="zh")
    assert state["final"] == "不在您的权限范围内。"
    state = _run([tool_call("echo", word="boom")], thread="t2")
    assert "/etc/passwd" not in state["final"] and "went wrong" in state["final"]


def test_tool_timeout() -> None:
    state = _run([tool_call("echo", word="slow")], tool_timeout_s=0.2)
    assert not state["records"][0]["ok"] and "too long" in state["records"][0]["error"]


def test_step_limit_bounds_the_loop() -> None:
    script = [tool_call("lookup", word=str(i)) for i in range(10)]
    state = _run(script, max_steps=2, max_tool_calls=10)
    assert len(state["model"].prompts) == 2
    assert "step limit" in state["final"]


def test_tool_call_limit() -> None:
    script = [tool_call("lookup", word=str(i)) for i in range(5)]
    state = _run(script, max_steps=10, max_tool_calls=2)
    assert len([r for r in state["records"] if r["ok"]]) == 2
    assert "limit" in state["final"]


def test_side_effect_tool_never_runs_twice_in_one_request() -> None:
    script = [tool_call("notify", word="a"), tool_call("notify", word="a"), AIMessage(content="done")]
    state = _run(script)
    assert RUNS == ["notify:a"]
    assert [r["ok"] for r in state["records"]] == [True, False]


def test_llm_failure_raises_llm_unavailable() -> None:
    with pytest.raises(LLMUnavailable):
        _run([TimeoutError("read timed out")])


def test_memory_carries_previous_turns_of_the_same_conversation() -> None:
    saver = InMemorySaver()
    _run([tool_call("echo", word="first")], thread="conv", saver=saver)
    state = _run([AIMessage(content="You asked about first.")], text="what did I ask?", thread="conv", saver=saver)
    prompt = state["model"].prompts[0]
    texts = [str(m.content) for m in prompt]
    assert "echo:first" in texts  # the previous answer is in the history
    assert texts[-1].endswith("what did I ask?") and "[context]" in texts[-1]
    assert state["records"] == []  # per-turn records were reset
    other = _run([AIMessage(content="hi")], text="new", thread="other", saver=saver)
    assert all("first" not in str(m.content) for m in other["model"].prompts[0])


def test_history_window_moves_in_blocks_and_starts_at_a_user_message() -> None:
    from langchain_core.messages import ToolMessage

    from agent.graph import _history

    ctx = AgentContext(
        request=RequestContext(user=USER, lang="en", conversation_id="c", today=date(2026, 11, 23)),
        deps=ToolDeps(warehouse_path=Path("/x"), directory=Directory(Path("/x"))),
        max_steps=4, max_tool_calls=3, tool_timeout_s=5.0, history_messages=12,
    )
    convo: list[Any] = []
    firsts = []
    for i in range(12):  # each turn: question, tool call, tool result
        convo.append(HumanMessage(content=f"q{i}"))
        window = _history(convo, ctx)
        assert isinstance(window[0], HumanMessage) and window[-1].content.endswith(f"q{i}")
        assert len(window) <= 13
        firsts.append(window[0].content)
        call = tool_call("echo", word=str(i))
        convo += [call, ToolMessage(content=f"echo:{i}", tool_call_id=call.tool_calls[0]["id"], name="echo")]
    # The first message changes on far fewer turns than a one-message sliding window would.
    changes = sum(a != b for a, b in itertools.pairwise(firsts))
    assert 2 <= changes <= 6
    assert "[context]" in _history(convo[:1], ctx)[0].content


def test_reply_with_invented_figures_is_replaced_by_a_tool_call() -> None:
    script = [AIMessage(content="Revenue was 1234567890 yuan."), tool_call("echo", word="real")]
    state = _run(script, text="what was revenue in 2026?")
    assert state["final"] == "echo:real" and len(state["model"].prompts) == 2


def test_reply_quoting_only_known_figures_stands() -> None:
    state = _run([AIMessage(content="Yes, 2026 is covered.")], text="is 2026 covered?")
    assert state["records"] == [] and state["messages"][-1].content == "Yes, 2026 is covered."


def test_old_results_are_not_evidence_for_a_new_answer() -> None:
    saver = InMemorySaver()
    _run([tool_call("echo", word="778")], text="first", thread="o", saver=saver)
    state = _run([AIMessage(content="It was echo:778 again."), tool_call("echo", word="new")], text="second?",
                 thread="o", saver=saver)
    assert state["final"] == "echo:new" and len(state["model"].prompts) == 2


KB = Tool(name="kb", args_model=EchoArgs, run=echo, triggers=(r"\bpolicy\b",))
CHECK = Tool(name="check", args_model=EchoArgs, run=echo, triggers=(r"\bcompliant\b",))


def _decide(script: list[Any], text: str, tools: list[Tool] | None = None,  # type: ignore[type-arg]
            intent: Any = None) -> tuple[list[str], ScriptedChatModel]:
    model = ScriptedChatModel(script=script)
    graph = build_graph(model, tools or [ECHO, KB, CHECK], checkpointer=InMemorySaver(), intent=intent)
    ctx = AgentContext(
        request=RequestContext(user=USER, lang="en", conversation_id="t", today=date(2026, 11, 23), text=text),
        deps=ToolDeps(warehouse_path=Path("/nonexistent"), directory=Directory(Path("/nonexistent"))),
        max_steps=4, max_tool_calls=3, tool_timeout_s=5.0, history_messages=6)
    state = graph.invoke({"messages": [HumanMessage(content=text)], "steps": 0, "records": [], "attachments": [],
                          "final": None}, config={"configurable": {"thread_id": "t"}}, context=ctx)
    return [r["name"] for r in state["records"]], model


def test_a_wrong_pick_is_redecided_with_the_only_tool_the_words_name() -> None:
    names, model = _decide([tool_call("check", word="x"), tool_call("kb", word="returns")],
                           "What is our return policy for key accounts?")
    assert names == ["kb"] and len(model.prompts) == 2


def test_a_pick_is_kept_when_the_words_name_it_or_name_several_tools() -> None:
    assert _decide([tool_call("kb", word="a")], "What is our return policy?")[0] == ["kb"]
    both = "Is this compliant with our discount policy?"
    assert _decide([tool_call("echo", word="a")], both)[0] == ["echo"]  # two tools named: the model's pick stands
    assert _decide([tool_call("echo", word="a")], "show sales in East China by channel")[0] == ["echo"]


def test_a_plain_reply_to_a_triggering_message_becomes_the_tool() -> None:
    names, _ = _decide([AIMessage(content="Sure."), tool_call("check", word="t")], "Is this compliant?")
    assert names == ["check"]


def test_a_plain_reply_is_redecided_with_a_tool_whose_check_in_code_holds_when_no_words_trigger() -> None:
    rescuing = Tool(name="rules", args_model=EchoArgs, run=echo, rescue=lambda text, deps: "cheapest" in text)
    tools = [ECHO, KB, rescuing]
    names, model = _decide([AIMessage(content="Sure!"), tool_call("rules", word="t")],
                           "ok to tell them we're the cheapest?", tools)
    assert names == ["rules"] and len(model.prompts) == 2
    assert _decide([AIMessage(content="You're welcome!")], "thanks, you're great", tools)[0] == []
    # A pick of the model stands; and a message whose words trigger a tool goes to that tool, not the rescuer.
    assert _decide([tool_call("echo", word="a")], "is the cheapest SKU selling?", tools)[0] == ["echo"]
    assert _decide([AIMessage(content="Sure."), tool_call("kb", word="p")], "our cheapest-price policy?",
                   tools)[0] == ["kb"]


def test_the_intent_index_is_asked_only_about_a_plain_reply_that_nothing_else_claims() -> None:
    asked: list[str] = []

    def intent(text: str) -> str | None:
        asked.append(text)
        return "kb" if "handbook" in text else None

    names, model = _decide([AIMessage(content="It says to be kind."), tool_call("kb", word="travel")],
                           "what does the handbook say about travel?", intent=intent)
    assert names == ["kb"] and len(model.prompts) == 2 and model.tool_choices[-1] == "kb"
    assert _decide([AIMessage(content="Hello!")], "hi there", intent=intent)[0] == [] and asked[-1] == "hi there"
    asked.clear()
    # The model picked a tool, or the words named one: the index is not asked.
    assert _decide([tool_call("echo", word="a")], "echo the handbook", intent=intent)[0] == ["echo"]
    assert _decide([AIMessage(content="Sure."), tool_call("check", word="t")], "is the handbook compliant?",
                   intent=intent)[0] == ["check"]
    assert asked == []


def test_a_tool_handing_the_first_request_back_redirects_to_the_tool_the_intent_index_names() -> None:
    names, model = _decide([tool_call("echo", word="joke"), tool_call("kb", word="travel")],
                           "what does the handbook say about travel?", intent=lambda text: "kb")
    assert names == ["kb"] and model.tool_choices[-1] == "kb"
    # The index names the same tool or none: the hand-back stands (a plain answer).
    for intent in (lambda text: "echo", lambda text: None):
        names, model = _decide([tool_call("echo", word="joke"), AIMessage(content="Ha!")], "tell me a joke",
                               intent=intent)
        assert names == [] and len(model.prompts) == 2


def test_a_pick_whose_words_are_absent_is_checked_with_the_intent_index() -> None:
    doubtful = Tool(name="forecast", args_model=EchoArgs, run=echo, doubts=lambda text, today: "warranty" in text)
    tools = [ECHO, KB, doubtful]
    names, model = _decide([tool_call("forecast", word="x"), tool_call("kb", word="warranty")],
                           "X200 warranty terms?", tools, intent=lambda text: "kb")
    assert names == ["kb"] and model.tool_choices[-1] == "kb"
    # The index agrees, or names nothing: the pick stands; the pick's words are there: the index is not asked.
    for intent in (lambda text: "forecast", lambda text: None):
        assert _decide([tool_call("forecast", word="x")], "X200 warranty terms?", tools, intent=intent)[0] == \
            ["forecast"]
    assert _decide([tool_call("forecast", word="x")], "X200 next month", tools,
                   intent=lambda text: "kb")[0] == ["forecast"]


def test_compliance_rescues_questions_about_saying_words_its_rules_flag() -> None:
    from tools.check_compliance import TOOL

    deps = ToolDeps(warehouse_path=Path("/nonexistent"), directory=Directory(Path("/nonexistent")))
    assert TOOL.rescue is not None
    for text in ("能不能跟经销商说我们的价格全国最低？", "可以告诉客户我们承诺三个月回本吗", "说这个“行业第一”合适吗",
                 "ok to promise the client a guaranteed 30% saving?", "fine to use 'best price in the market' here?"):
        assert TOOL.rescue(text, deps), text
    for text in ("you're the best, thanks!", "should we focus on the biggest customers first?", "哪个区卖得最好？",
                 "能不能帮我查一下最新的折扣政策？", "can we say hello to the new KA team tomorrow?",
                 "用最快的方式发货可以吗", "能不能告诉我上个月最大的客户是谁"):
        assert not TOOL.rescue(text, deps), text


def test_a_tool_that_redirects_hands_the_turn_to_the_tool_it_names() -> None:
    names, model = _decide([tool_call("echo", word="elsewhere"), tool_call("kb", word="q3")], "how did Q3 go?")
    assert names == ["kb"] and len(model.prompts) == 2  # the redirecting call leaves no record
    assert model.tool_choices[-1] == "kb"


def test_a_tool_call_on_a_vague_first_request_becomes_the_clarifying_question_unless_the_tool_asks() -> None:
    asking = Tool(name="asking", args_model=EchoArgs, run=echo, asks_when_vague=True)
    tools = [ECHO, KB, asking]
    state_names, model = _decide([tool_call("echo", word="x")], "look something up for me", tools)
    assert state_names == [] and len(model.prompts) == 1
    assert _decide([tool_call("asking", word="what")], "make me a report", tools)[0] == ["asking"]
    assert _decide([tool_call("echo", word="x")], "show me East China revenue", tools)[0] == ["echo"]


def test_a_tool_that_outranks_another_wins_when_both_are_named() -> None:
    figures = Tool(name="figures", args_model=EchoArgs, run=echo, triggers=(r"\bsales\b",))
    outlook = Tool(name="outlook", args_model=EchoArgs, run=echo, triggers=(r"\bforecast\b",), outranks=("figures",))
    names, _ = _decide([tool_call("figures", word="a"), tool_call("outlook", word="b")],
                       "sales forecast for next month", [figures, outlook])
    assert names == ["outlook"]


FOLLOW = Tool(name="figures", args_model=EchoArgs, run=echo, follow_ups=(r"^\s*and\b",))


def test_follow_up_words_trigger_only_right_after_that_tool_answered() -> None:
    saver = InMemorySaver()

    def turn(script: list[Any], text: str) -> list[str]:
        model = ScriptedChatModel(script=script)
        graph = build_graph(model, [ECHO, FOLLOW], checkpointer=saver)
        ctx = AgentContext(
            request=RequestContext(user=USER, lang="en", conversation_id="f", today=date(2026, 11, 23), text=text),
            deps=ToolDeps(warehouse_path=Path("/nonexistent"), directory=Directory(Path("/nonexistent"))),
            max_steps=4, max_tool_calls=3, tool_timeout_s=5.0, history_messages=6)
        state = graph.invoke({"messages": [HumanMessage(content=text)], "steps": 0, "records": [],
                              "attachments": [], "final": None}, config={"configurable": {"thread_id": "f"}},
                             context=ctx)
        return [r["name"] for r in state["records"]]

    assert turn([tool_call("echo", word="a")], "and by channel?") == ["echo"]  # nothing before: the pick stands
    assert turn([tool_call("figures", word="q")], "revenue by region") == ["figures"]
    # right after `figures` answered, "and ..." goes back to it even when the model picks another tool
    assert turn([tool_call("echo", word="b"), tool_call("figures", word="c")], "and by channel?") == ["figures"]


def test_a_tool_that_needs_a_detail_asks_for_it_and_is_recorded_as_stopped() -> None:
    state = _run([tool_call("lookup", word="what")], text="echo something")
    assert state["final"] == "Which word should I echo?"
    assert state["records"] == [{"name": "lookup", "args": {"word": "what"}, "ok": False, "error": None}]
    assert len(state["model"].prompts) == 1  # the question ends the turn: the model does not improvise an answer


@pytest.mark.parametrize(("text", "lang", "replaced"), [
    ("帮我看下数据", "zh", True), ("来个汇总", "zh", True), ("pull up the numbers", "en", True),
    ("给我弄个表吧", "zh", True), ("could you compare them for me", "en", True),
    ("谢谢，辛苦了！", "zh", False), ("给我讲个笑话吧", "zh", False), ("good morning", "en", False),
    ("帮我写一段给客户的新年祝福", "zh", False),
    ("help me word a polite reminder about the overdue invoice", "en", False),
])
def test_an_empty_promise_to_a_vague_request_becomes_a_clarifying_question(text: str, lang: str,
                                                                            replaced: bool) -> None:
    state = _run([AIMessage(content="好的，我来处理。" if lang == "zh" else "Sure, on it.")], text=text, lang=lang)
    reply = str(state["messages"][-1].content)
    assert reply.startswith(("请问具体想做什么？", "What exactly would you like?")) is replaced, reply
    assert state["records"] == []


def test_a_question_from_the_model_is_kept() -> None:
    state = _run([AIMessage(content="Which region and period do you mean?")], text="show me the numbers")
    assert state["messages"][-1].content == "Which region and period do you mean?"
