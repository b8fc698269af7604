"""The routing eval's scorer with a scripted model: tool choice, clarifying questions, applied-argument matching."""

from __future__ import annotations

from langchain_core.messages import AIMessage

from agent.service import CopilotService
from evals.routing import DATA, SETS, RoutingScore, failures, load, run, same
from tests.fakes import ScriptedChatModel, tool_call

ROWS = [
    {"id": "a", "lang": "zh", "user": "demo.manager", "text": "2026年10月华东区的销售额是多少?",
     "tool": "analytics_query", "expect": {"period": "2026-10", "regions": ["east"], "metric": "revenue"},
     "category": "plain"},
    {"id": "b", "lang": "en", "user": "demo.rep", "text": "hi there", "tool": "", "expect": {}, "category": "chitchat"},
    {"id": "c", "lang": "en", "user": "demo.rep", "text": "show me the numbers", "tool": "",
     "expect": {"clarify": True}, "category": "clarify"},
    {"id": "d", "lang": "en", "user": "demo.rep", "text": "the usual, like last time", "tool": "",
     "expect": {"clarify": True}, "category": "clarify"},
    {"id": "e", "lang": "zh", "user": "demo.manager", "text": "上个月华东区的销量", "tool": "analytics_query",
     "expect": {"period": "2026-10", "metric": "units"}, "category": "plain"},
]


def test_scores_tool_choice_clarification_and_arguments(service: CopilotService,
                                                         fake_model: ScriptedChatModel) -> None:
    fake_model.script = [
        tool_call("analytics_query", period="2026年10月"),
        AIMessage(content="Hello! How can I help?"),
        AIMessage(content="Which region and period do you mean?"),
        AIMessage(content="Sure."),  # no question: not a clarification
        tool_call("analytics_query", period="上个月", metric="revenue"),  # the user said 销量: grounding fixes it
    ]
    score = run(service, ROWS)
    by_id = {r["id"]: r for r in score.rows}
    assert [by_id[k]["tool_ok"] for k in "abcde"] == [True, True, True, False, True]
    assert by_id["a"]["args_ok"] and by_id["e"]["args_ok"]
    metrics = score.metrics()
    assert metrics["tool accuracy"] == 0.8 and metrics["argument exact match"] == 1.0
    assert metrics["clarifying questions"] == 0.5 and metrics["tool accuracy · chitchat"] == 1.0
    assert failures(metrics) == ["tool accuracy 0.800 < 0.95"]
    assert score.misses() == ["d 'the usual, like last time': tool - want -"]


def test_wrong_arguments_are_reported(service: CopilotService, fake_model: ScriptedChatModel) -> None:
    row = {**ROWS[0], "expect": {"period": "2026-09"}}
    fake_model.script = [tool_call("analytics_query", period="2026年10月")]
    score = run(service, [row])
    assert score.rows[0]["tool_ok"] and not score.rows[0]["args_ok"]
    assert score.rows[0]["wrong"] == {"period": ("2026-10", "2026-09")}


def test_a_set_that_labels_no_arguments_has_no_argument_score() -> None:
    score = RoutingScore(rows=[{"tool_ok": True, "args_ok": True, "checked_args": False, "clarify": False,
                                "lang": "en", "category": "plain", "seconds": 1.0, "tokens_in": 1, "tokens_out": 1}])
    assert "argument exact match" not in score.metrics() and failures(score.metrics()) == []


def test_value_matching() -> None:
    assert same(800000.0, 800000) and same(["south", "east"], ["east", "south"]) and same("Legal", "legal")
    assert not same("80万", 800000) and not same(["east"], "east")


def test_shipped_sets_are_well_formed() -> None:
    from tools.registry import by_name

    rows = load(SETS.values())
    assert len(rows) >= 200 and len({r["id"] for r in rows}) == len(rows)
    # checks of new phrasings (README, Evals): none repeats a request of the main sets or of an earlier check
    for extra in ("routing_new.jsonl", "routing_holdout.jsonl", "routing_holdout2.jsonl", "routing_holdout3.jsonl"):
        more = load([DATA / extra])
        assert len(more) >= 20 and not {r["text"] for r in more} & {r["text"] for r in rows}, extra
        rows += more
    tools = set(by_name())
    for r in rows:
        assert r["tool"] in tools | {""}, r
        assert set(r) >= {"id", "lang", "user", "text", "tool", "expect"}, r


def test_tokens_every_llm_call_of_a_turn_are_counted(service: CopilotService, fake_model: ScriptedChatModel) -> None:
    def spent(message: AIMessage, tokens_in: int, tokens_out: int) -> AIMessage:
        message.usage_metadata = {"input_tokens": tokens_in, "output_tokens": tokens_out,
                                  "total_tokens": tokens_in + tokens_out}
        message.response_metadata = {"model_name": "scripted"}
        return message

    fake_model.script = [spent(tool_call("analytics_query", period="2026年10月"), 900, 30),
                         spent(AIMessage(content="Hello! How can I help?"), 700, 12)]
    score = run(service, ROWS[:2])
    assert [(r["tokens_in"], r["tokens_out"]) for r in score.rows] == [(900, 30), (700, 12)]
    metrics = score.metrics()
    assert metrics["tokens in / turn"] == 800 and metrics["tokens out / turn"] == 21
