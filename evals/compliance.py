"""Compliance eval: labelled bilingual snippets (evals/data/compliance_*.jsonl) against the policy packs.

Seventeen sets, written by different hands: compliance_snippets (dev A) and compliance_dev_b were used to tune the
packs; compliance_dev_c .. compliance_dev_p were each written blind (by someone who read no rule; dev-o is in
Traditional Chinese and Cantonese, dev-p in exporters' English), scored once on first read (the figures are in the
issue notes), then used to tune the packs and train the claim model;
compliance_test was written before them and must never be used for tuning or training: its scores are the honest
ones.

Scores per finding kind (a prediction matches a label of the same kind when their spans overlap), the share of
flagged snippets whose rewrite passes its own re-check, and the thresholds of the compliance issue.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from tools.compliance.engine import Asker, Checker
from tools.compliance.rewrite import Proposer, build_report

PII_KINDS = ("pii_id", "pii_phone", "pii_card", "pii_email", "pii_passport", "pii_uscc")
SCORED_KINDS = ("absolute_term", "guarantee", *PII_KINDS, "data_sharing", "cross_border", "discount",
                "payment_terms")
# Thresholds from the issue: recall >= 98% and precision >= 95% on absolute terms and PII, every valid ID and
# card found, no invalid one flagged, >= 95% of rewrites passing their own check.
THRESHOLDS = {
    "absolute_term recall": 0.98, "absolute_term precision": 0.95, "pii recall": 0.98, "pii precision": 0.95,
    "pii_id recall": 1.0, "pii_card recall": 1.0, "pii_id precision": 1.0, "pii_card precision": 1.0,
    "rewrite pass rate": 0.95,
}


@dataclass
class Snippet:
    id: str
    lang: str
    text: str
    labels: list[tuple[str, str]]
    user: str = "demo.rep"


@dataclass
class Score:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    rewrites: Counter[str] = field(default_factory=Counter)  # "pass" / "fail" / "<kind>:fail"
    rewrite_fails: list[str] = field(default_factory=list)

    def rate(self, kinds: tuple[str, ...], what: Literal["recall", "precision"]) -> float:
        tp = sum(self.tp[k] for k in kinds)
        other = sum((self.fn if what == "recall" else self.fp)[k] for k in kinds)
        return tp / (tp + other) if tp + other else 1.0

    def metrics(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for kind in SCORED_KINDS:
            out[f"{kind} recall"] = self.rate((kind,), "recall")
            out[f"{kind} precision"] = self.rate((kind,), "precision")
        out["pii recall"] = self.rate(PII_KINDS, "recall")
        out["pii precision"] = self.rate(PII_KINDS, "precision")
        total = self.rewrites["pass"] + self.rewrites["fail"]
        out["rewrite pass rate"] = self.rewrites["pass"] / total if total else 1.0
        # With --rewrite llm: the share of flagged snippets whose LLM proposal passed (the rest fell back to rules).
        out["rewrites kept from llm"] = self.rewrites["by llm"] / total if total else 0.0
        return out


LIMITS = {"demo.rep": 10.0, "demo.manager": 20.0, "demo.director": 30.0}


_DATA = resources.files("evals").joinpath("data")
DEV = Path(str(_DATA.joinpath("compliance_snippets.jsonl")))
DEV_B = Path(str(_DATA.joinpath("compliance_dev_b.jsonl")))
TEST = Path(str(_DATA.joinpath("compliance_test.jsonl")))
# dev-c .. dev-n: written blind, one file each, in the order they were written; `test` last, never tuned on
SETS = {"dev": DEV, "dev-b": DEV_B,
        **{f"dev-{s}": Path(str(_DATA.joinpath(f"compliance_dev_{s}.jsonl"))) for s in "cdefghijklmnop"}, "test": TEST}


def load_snippets(path: Path = DEV) -> list[Snippet]:
    """Labelled snippets; a malformed line is an error naming the line (a silent skip would inflate scores)."""
    raw = path.read_text(encoding="utf-8")
    out = []
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        row: dict[str, Any] = json.loads(line)
        labels = [(lab["kind"], lab["span"]) for lab in row.get("labels", [])]
        for kind, span in labels:
            if kind not in SCORED_KINDS or span not in row["text"]:
                raise ValueError(f"line {n} ({row.get('id')}): bad label {kind!r} / span {span!r}")
        out.append(Snippet(row["id"], row.get("lang", "?"), row["text"], labels, row.get("user", "demo.rep")))
    return out


def run(checker: Checker, snippets: list[Snippet], propose: Proposer | None = None,
        progress: Callable[[int], None] | None = None) -> Score:
    score = Score()
    for i, snip in enumerate(snippets):
        asker = Asker(discount_limit_pct=LIMITS.get(snip.user, 10.0), approver="manager")
        lang: Literal["zh", "en"] = "en" if snip.lang == "en" else "zh"
        tally(score, snip, [(f.kind, f.start, f.end) for f in checker.check(snip.text, asker, lang)
                            if f.kind in SCORED_KINDS])
        if snip.labels:
            report = build_report(checker, snip.text, asker, lang, propose)
            ok = report.rewrite is None or report.rewrite_verdict == "pass"
            score.rewrites["pass" if ok else "fail"] += 1
            score.rewrites[f"by {report.rewrite_by}"] += 1
            if not ok:
                score.rewrite_fails.append(f"{snip.id}: {report.rewrite!r}")
        if progress:
            progress(i + 1)
    return score


def tally(score: Score, snip: Snippet, found: list[tuple[str, int, int]]) -> None:
    """Count `found` (kind, start, end) against the snippet's labels: a label is found when a finding of its kind
    overlaps any occurrence of its span; a finding overlapping no label of its kind is a false positive."""
    spans = [(kind, _spans(snip.text, span)) for kind, span in snip.labels]
    for kind, occurrences in spans:
        if any(k == kind and any(a < e and s < b for s, e in occurrences) for k, a, b in found):
            score.tp[kind] += 1
        else:
            score.fn[kind] += 1
            score.misses.append(f"FN {snip.id} {kind}: {snip.text[:60]!r}")
    for k, a, b in found:
        if not any(kind == k and any(a < e and s < b for s, e in occ) for kind, occ in spans):
            score.fp[k] += 1
            score.misses.append(f"FP {snip.id} {k} {snip.text[a:b]!r}: {snip.text[:60]!r}")


def failures(metrics: dict[str, float]) -> list[str]:
    return [f"{name} {metrics[name]:.3f} < {bar}" for name, bar in THRESHOLDS.items() if metrics[name] < bar]


def _spans(text: str, span: str) -> list[tuple[int, int]]:
    out, start = [], text.find(span)
    while start >= 0:
        out.append((start, start + len(span)))
        start = text.find(span, start + 1)
    return out
