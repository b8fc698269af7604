"""Agreement between labellings (evals/compliance_agreement.py) and the committed relabellings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.compliance import SETS, Snippet
from evals.compliance_agreement import agreement, consensus, load, main

TEXT = "我们是行业第一，保证回本，最晚周五发货"


def _lab(*labels: tuple[str, str], key: str = "a1", text: str = TEXT) -> dict[str, Snippet]:
    return {key: Snippet(key, "zh", text, list(labels))}


def test_a_labelling_agrees_fully_with_itself() -> None:
    one = _lab(("absolute_term", "行业第一"), ("guarantee", "保证回本"))
    score = agreement(one, one)
    assert score.rate(("absolute_term",), "recall") == score.rate(("guarantee",), "precision") == 1.0


def test_a_missed_label_costs_recall_and_an_extra_one_precision() -> None:
    reference = _lab(("absolute_term", "行业第一"), ("guarantee", "保证回本"))
    other = _lab(("absolute_term", "我们是行业第一"), ("absolute_term", "最晚周五"))
    score = agreement(reference, other)
    assert score.tp["absolute_term"] == 1 and score.fp["absolute_term"] == 1  # overlap is enough, 最晚 is extra
    assert score.fn["guarantee"] == 1 and score.rate(("guarantee",), "recall") == 0.0


def test_labellings_of_different_texts_are_refused() -> None:
    with pytest.raises(ValueError, match="different texts"):
        agreement(_lab(key="a1"), _lab(key="a2"))
    with pytest.raises(ValueError, match="text differs"):
        agreement(_lab(), _lab(text=TEXT + "。"))


def test_the_consensus_keeps_what_most_labellers_marked_with_their_span() -> None:
    ref = _lab(("absolute_term", "行业第一"))
    a = _lab(("absolute_term", "我们是行业第一"), ("guarantee", "保证回本"))
    b = _lab(("absolute_term", "我们是行业第一"), ("absolute_term", "最晚周五"))
    (row,) = consensus([ref, a, b])
    # all three marked the ranking (two chose the longer span); only one marked each of the others
    assert row.labels == [("absolute_term", "我们是行业第一")]
    (tie,) = consensus([ref, _lab(("absolute_term", "是行业第一")), _lab()])
    assert tie.labels == [("absolute_term", "行业第一")]  # a tie goes to the reference's span


def test_the_cli_prints_every_pair_and_writes_the_consensus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = []
    for name, labels in (("ref", [("absolute_term", "行业第一")]), ("x", []), ("y", [("absolute_term", "第一")])):
        path = tmp_path / f"{name}.jsonl"
        path.write_text(json.dumps({"id": "a1", "lang": "zh", "text": TEXT,
                                    "labels": [{"kind": k, "span": s} for k, s in labels]}, ensure_ascii=False)
                        + "\n", encoding="utf-8")
        paths.append(path)
    main([*map(str, paths), "--consensus", str(tmp_path / "c.jsonl")])
    out = capsys.readouterr().out
    assert out.count(" against ") == 3 + 3  # three pairs, then each labelling against the consensus
    assert load(tmp_path / "c.jsonl")["a1"].labels == [("absolute_term", "行业第一")]


@pytest.mark.parametrize("name", [
    "compliance_test.relabel_a", "compliance_test.relabel_b", "compliance_dev_m.relabel_a",
    "compliance_dev_p.relabel_a"])
def test_the_committed_relabellings_cover_their_set(name: str) -> None:
    path = Path(SETS["test"]).parent / "relabel" / f"{name}.jsonl"
    original = SETS["test" if name.startswith("compliance_test") else "dev-" + name[len("compliance_dev_")]]
    # every text of the set, unchanged (agreement refuses otherwise), with labels of both kinds that match
    score = agreement(load(original), load(path))
    assert score.tp["absolute_term"] > 0 and score.tp["guarantee"] > 0
