"""The learned claim pass of check_compliance: clause splitting, the shipped weights, and how its findings join the
rules' (a scripted scorer for the engine; the real weights and embedder for a few unmistakable cases)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.fakes import FakeEmbedder
from tools.compliance.claims import MODEL_FILE, ClaimHit, ClaimModel, clauses, vectorizer
from tools.compliance.engine import Asker, Checker, verdict
from tools.compliance.packs import load_checker, load_packs
from tools.compliance.rewrite import build_report

REP = Asker(discount_limit_pct=10.0, approver="王经理")


@pytest.mark.parametrize(("text", "parts"), [
    ("王总您好，这款机器噪音很小。欢迎试用！", ["王总您好", "这款机器噪音很小", "欢迎试用"]),
    ("We beat everyone. Price: 3.5 USD - call me", ["We beat everyone", "Price", "3.5 USD", "call me"]),
    ("  ", []),
    ("好", []),  # one character says nothing
])
def test_clauses(text: str, parts: list[str]) -> None:
    assert [text[s:e] for s, e in clauses(text)] == parts


class Scripted:
    """A scorer that flags the clauses containing given words, with a fixed probability."""

    def __init__(self, **words: str) -> None:
        self.words = words  # word -> kind

    def find(self, text: str) -> list[ClaimHit]:
        return [ClaimHit(kind, s, e, 0.9) for s, e in clauses(text)
                for word, kind in self.words.items() if word in text[s:e]]


def _checker(**words: str) -> Checker:
    return Checker(load_packs(None), lambda: Scripted(**words))  # type: ignore[arg-type,return-value]


def test_a_clause_only_the_model_flags_is_a_warning_with_its_confidence() -> None:
    text = "庞总，我们的税务SaaS在易用性上把同行按在地上打，欢迎试用。"
    found = _checker(按在地上打="absolute_term").check(text, REP, "zh")
    assert [(f.rule_id, f.severity, f.text) for f in found] == [
        ("ADV-ABS-MODEL", "warn", "我们的税务SaaS在易用性上把同行按在地上打")]
    assert "0.90" in found[0].advice
    assert verdict(found) == "warn"


def test_the_model_never_repeats_or_downgrades_a_rule_finding() -> None:
    text = "这是全国第一的产品，保证节省50%成本。"
    found = _checker(第一="absolute_term", 节省="guarantee").check(text, REP, "zh")
    assert sorted(f.rule_id for f in found) == ["ADV-ABS-ZH", "GRT-RETURN-ZH"]
    assert verdict(found) == "block"


def test_without_a_scorer_the_model_rules_are_silent() -> None:
    assert Checker(load_packs(None)).check("在易用性上把同行按在地上打", REP) == []


def test_the_rewrite_puts_a_prompt_for_a_fact_in_place_of_the_clause_and_passes_its_recheck() -> None:
    checker = _checker(按在地上打="absolute_term", 闭眼="guarantee")
    report = build_report(checker, "我们在易用性上把同行按在地上打，跟着投闭眼赚。", REP, "zh")
    assert report.rewrite == "（此处请改为可核实的具体事实及来源），（此处请改为基于案例的预估，并注明以实际为准）。"
    assert report.rewrite_verdict == "pass"
    en = build_report(_checker(candle="absolute_term"), "Honestly, nobody holds a candle to our uptime.", REP, "en")
    assert en.rewrite == "Honestly, [a specific, verifiable fact and its source]." and en.rewrite_verdict == "pass"


def test_weights_round_trip_through_the_shipped_format(tmp_path: Path) -> None:
    """The file holds plain arrays (no pickle); loading it gives the same probabilities as the fitted model."""
    from sklearn.linear_model import LogisticRegression

    from tools.compliance.claims import features

    texts = ["全网最低价", "行业第一", "史上最强", "欢迎来电", "周五发货", "质保两年", "best ever", "see you"] * 3
    y = np.array([1, 1, 1, 0, 0, 0, 1, 0] * 3, dtype=bool)
    embed = FakeEmbedder().passages
    grams = vectorizer().fit(texts)
    lr = LogisticRegression().fit(features(grams, texts, embed), y)
    model = ClaimModel(embedder="fake-bow", grams=grams, kinds=("absolute_term",), coef=lr.coef_,
                       intercept=lr.intercept_, threshold=np.array([0.5]))
    model.save(tmp_path / "m.npz")
    again = ClaimModel.load(tmp_path / "m.npz")
    probe = ["行业最强", "周五见"]
    assert np.allclose(again.probabilities(probe, embed)[:, 0], lr.predict_proba(features(grams, probe, embed))[:, 1],
                       atol=1e-5)
    assert again.kinds == ("absolute_term",) and again.threshold.tolist() == [0.5]


def test_the_shipped_weights_fit_the_bundled_embedder_and_the_packs() -> None:
    from knowledge.factory import intent_embedder

    model = ClaimModel.load(MODEL_FILE)
    assert model.embedder == intent_embedder().name
    learned = {r.kind for p in load_packs(None) for r in p.rules if r.detector == "claim_model"}
    assert learned == set(model.kinds)
    assert model.coef.shape == (len(model.kinds), len(model.grams.vocabulary_) + intent_embedder().dim)
    assert all(0.3 <= t < 1.0 for t in model.threshold)


@pytest.mark.parametrize(("text", "kind"), [
    ("说实话，在同行里没有任何一家能跟我们比，这款净水器就是天花板。", "absolute_term"),
    ("跟着我们的方案投，闭着眼睛都能稳稳赚钱，年化保底12%。", "guarantee"),
    ("Sign today and your energy bill will be cut in half, we promise.", "guarantee"),
])
def test_the_real_model_flags_wording_no_rule_lists(text: str, kind: str) -> None:
    """Sentences written for this test, in no dataset: the bundled embedder and the shipped weights. (Written with
    them: "Honestly, no other vendor even comes close to our uptime." is missed at the shipped threshold.)"""
    checker = load_checker(None, claims=True)
    assert kind in {f.kind for f in checker.check(text, REP)}


@pytest.mark.parametrize("text", [
    "王总，货最晚周五到，最少起订两托，有问题随时找我。",
    "Our latest firmware ships next week; at most three days of downtime for the upgrade.",
    "理财有风险，过往业绩不代表未来收益，请您根据自身情况决定。",
    "We guarantee delivery by Friday, and the warranty is two years.",
])
def test_the_real_model_leaves_ordinary_sales_talk_alone(text: str) -> None:
    checker = load_checker(None, claims=True)
    assert [f.rule_id for f in checker.check(text, REP)] == []


def test_the_real_model_leaves_the_packs_rewrite_of_a_claim_alone() -> None:
    """The demo's ask: the rules' rewrite (全国知名, an estimate with its caveat) is not flagged again by the model
    and replaced by a placeholder, because the model was trained on the packs' rewrites as negatives."""
    checker = load_checker(None, claims=True)
    report = build_report(checker, "我们是全国第一的品牌，保证节省50%成本，今天下单打7折", REP, "zh")
    assert report.rewrite == ("我们是全国知名的品牌，预计可节省50%成本，今天下单打9折"
                              "（以上为预估，实际效果以客户实际情况为准）")
    assert report.rewrite_verdict == "pass"
