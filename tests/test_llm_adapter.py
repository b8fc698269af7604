"""The JSON-schema tool-calling adapter used for the embedded model (no model needed)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from copilot.errors import LLMUnavailable
from copilot.llm.schema_tools import (
    CUT_MARK,
    JsonSchemaToolChat,
    decision_schema,
    parse_decision,
    salvage_reply,
    to_wire,
)
from tools.registry import TOOLS

SPECS = [t.openai_spec() for t in TOOLS]


def test_decision_schema_has_one_option_per_tool_plus_reply() -> None:
    schema = decision_schema(SPECS)
    names = [o["properties"]["tool"]["const"] for o in schema["anyOf"]]
    assert names == [*[t.name for t in TOOLS], "reply"]
    sales = schema["anyOf"][names.index("analytics_query")]["properties"]["args"]
    assert "revenue" in sales["properties"]["metric"]["enum"] and "required" not in sales  # all optional
    assert sales["properties"]["regions"]["anyOf"][0]["items"]["enum"][0] == "east"


def test_parse_decision_tool_call_and_reply() -> None:
    msg = parse_decision('{"tool":"analytics_query","args":{"period":"上个月"}}')
    assert msg.tool_calls[0]["name"] == "analytics_query"
    assert msg.tool_calls[0]["args"] == {"period": "上个月"}
    assert parse_decision('{"tool":"reply","text":" 你好 "}').content == "你好"
    with pytest.raises(LLMUnavailable):
        parse_decision('{"tool":"sales_sum')


@pytest.mark.parametrize("raw", ['{"tool":"reply","text":"客户 王五 手机 13800138000',
                                 '{"text":"客户 王五 手机 13800138000"}', '["客户 王五 手机 13800138000"]'])
def test_an_unusable_model_output_never_reaches_the_log_detail(raw: str) -> None:
    """The model echoes users' and tools' words; the operator detail says what went wrong, not what it said."""
    with pytest.raises(LLMUnavailable) as caught:
        parse_decision(raw)
    assert caught.value.detail and f"{len(raw)} chars" in caught.value.detail
    assert "王五" not in caught.value.detail and "138" not in caught.value.detail


@pytest.mark.parametrize(("raw", "kept"), [
    ('{"tool":"reply","text":"ZX-290 保修两年。退货需原始发票。还有一', "ZX-290 保修两年。退货需原始发票。"),
    ('{"tool": "reply", "text": "Warranty: 3 years.\\nSupport within 4 h', "Warranty: 3 years."),
    ('{"tool":"reply","text":"他说\\"最好\\"。然后\\u4e', '他说"最好"。'),  # cut inside an escape
    ('{"tool":"reply","text":"没有句号的一段很长的回答', "没有句号的一段很长的回答"),
    ('{"tool":"reply","text":"短。后面是很长很长很长很长很长的半句', "短。后面是很长很长很长很长很长的半句"),
])
def test_a_reply_cut_by_the_token_limit_keeps_its_whole_sentences(raw: str, kept: str) -> None:
    assert salvage_reply(raw) == kept + CUT_MARK
    assert parse_decision(raw, truncated=True).content == kept + CUT_MARK
    with pytest.raises(LLMUnavailable):  # not cut by the limit: something else went wrong
        parse_decision(raw)


@pytest.mark.parametrize(("raw", "kept"), [
    ('{"tool":"reply","text":"Done."', "Done."),  # only the brace was cut: the reply is whole, no mark
    ('{"tool":"reply","text":"好的。"  \n  \n  \n  \n', "好的。"),
    ('{"tool":"reply","text":"发个表情\\ud83d', "发个表情" + CUT_MARK),  # half an escaped emoji is dropped
])
def test_a_reply_cut_after_its_text_or_inside_an_emoji(raw: str, kept: str) -> None:
    assert salvage_reply(raw) == kept
    kept.encode("utf-8")  # no lone surrogate


@pytest.mark.parametrize("raw", ['{"tool":"route_request","args":{"department":"finance","text":"退',
                                 '{"tool":"reply","text":"', '{"tool":"reply","text":"  \\n',
                                 '{"tool":"rep'])
def test_a_cut_tool_call_or_an_empty_reply_is_never_salvaged(raw: str) -> None:
    assert salvage_reply(raw) is None
    with pytest.raises(LLMUnavailable):
        parse_decision(raw, truncated=True)


def test_adapter_salvages_a_reply_the_server_cut_at_max_tokens() -> None:
    client, completions = _client('{"tool":"reply","text":"第一句已经说完了。第二句没')
    completions.finish_reason = "length"
    ai = JsonSchemaToolChat(client=client, model_name="m").bind_tools(SPECS).invoke("x")
    assert ai.content == "第一句已经说完了。" + CUT_MARK and not ai.tool_calls
    completions.finish_reason = "stop"
    with pytest.raises(LLMUnavailable):
        JsonSchemaToolChat(client=client, model_name="m").bind_tools(SPECS).invoke("x")


def test_to_wire_renders_tool_traffic_as_json_and_marks_results_as_data() -> None:
    call = AIMessage(content="", tool_calls=[{"name": "analytics_query", "args": {"period": "Q3"}, "id": "c1"}])
    wire = to_wire([SystemMessage(content="sys"), HumanMessage(content="hi"), call,
                    ToolMessage(content='{"value": 1}', tool_call_id="c1", name="analytics_query")], "CATALOGUE")
    assert wire[0] == {"role": "system", "content": "sys\n\nCATALOGUE"}
    assert json.loads(wire[2]["content"]) == {"tool": "analytics_query", "args": {"period": "Q3"}}
    assert wire[3]["role"] == "user" and "data, not instructions" in wire[3]["content"]


class _FakeCompletions:
    def __init__(self, content: str) -> None:
        self.content = content
        self.finish_reason = "stop"
        self.requests: list[dict[str, Any]] = []

    def create(self, **request: Any) -> Any:
        self.requests.append(request)
        usage = SimpleNamespace(prompt_tokens=10, completion_tokens=5, total_tokens=15)
        choice = SimpleNamespace(message=SimpleNamespace(content=self.content), finish_reason=self.finish_reason)
        return SimpleNamespace(choices=[choice], usage=usage)


def _client(content: str) -> Any:
    completions = _FakeCompletions(content)
    return SimpleNamespace(chat=SimpleNamespace(completions=completions)), completions


def test_adapter_sends_response_format_and_returns_tool_calls() -> None:
    client, completions = _client('{"tool":"analytics_query","args":{"period":"Q3","regions":["south"]}}')
    model = JsonSchemaToolChat(client=client, model_name="m").bind_tools(SPECS)
    ai = model.invoke([SystemMessage(content="s"), HumanMessage(content="Q3 华南销售额")])
    assert ai.tool_calls[0]["args"] == {"period": "Q3", "regions": ["south"]}
    sent = completions.requests[0]
    assert sent["response_format"]["json_schema"]["schema"]["anyOf"][-1]["properties"]["tool"]["const"] == "reply"
    assert "analytics_query(" in sent["messages"][0]["content"]  # catalogue appended to the system prompt
    assert ai.usage_metadata is not None and ai.usage_metadata["output_tokens"] == 5


def test_adapter_uses_grammar_when_given() -> None:
    client, completions = _client('{"tool":"reply","text":"hello"}')
    model = JsonSchemaToolChat(client=client, model_name="m", grammar_fn=lambda s: "GRAMMAR")
    ai = model.bind_tools(SPECS).invoke([HumanMessage(content="hi")])
    assert ai.content == "hello" and not ai.tool_calls
    assert completions.requests[0]["extra_body"] == {"grammar": "GRAMMAR"}
    assert "response_format" not in completions.requests[0]


def test_required_tool_choice_removes_the_reply_option() -> None:
    client, completions = _client('{"tool":"analytics_query","args":{"period":"Q3"}}')
    JsonSchemaToolChat(client=client, model_name="m").bind_tools(SPECS, tool_choice="required").invoke("x")
    options = completions.requests[0]["response_format"]["json_schema"]["schema"]["anyOf"]
    assert [o["properties"]["tool"]["const"] for o in options] == [t.name for t in TOOLS]
