"""Fit the claim model (tools/compliance/claims.py) on the labelled development sets and write its weights.

    python -m evals.claims_train [--out tools/compliance/claim_model.npz]

Clauses of every development snippet are examples; a clause is positive for a kind when a label of that kind
overlaps it; the same clauses after the packs' rewrite of their claims are negatives (see `rewritten`).
compliance_test.jsonl is never read here. The model only adds to the phrase rules (a clause a rule
already flags is not flagged twice), so the flagging threshold of each kind is chosen for the pair: on
leave-one-set-out predictions (fit on the other sets, score the one left out: wording the model has not seen), the
probability at which "a rule flags the clause or the model does" has the best F1 against the labels. The shipped
weights are then fitted on every set. Deterministic: the same sets and rules give the same file.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from evals.compliance import SETS as ALL_SETS
from tools.compliance.claims import MODEL_FILE, ClaimModel, Embed, clauses, features, vectorizer

if TYPE_CHECKING:
    from tools.compliance.engine import Checker

KINDS = ("absolute_term", "guarantee")
SETS = {name: path for name, path in ALL_SETS.items() if name != "test"}  # every dev set; never the test set
C = 4.0  # inverse regularisation: leave-one-set-out over the first six dev sets (recall at 0.9 precision); kept at 8


@dataclass
class Examples:
    texts: list[str]
    labels: np.ndarray  # (clauses, kinds) bool
    group: np.ndarray  # which set each clause comes from
    ruled: np.ndarray  # (clauses, kinds) bool: a phrase rule of that kind already flags the clause


def examples(sets: dict[str, Path]) -> Examples:
    from tools.compliance.engine import Asker
    from tools.compliance.packs import load_checker

    rules = load_checker(None, claims=False)  # the shipped packs, phrase rules only
    texts: list[str] = []
    labels: list[list[bool]] = []
    group: list[str] = []
    ruled: list[list[bool]] = []
    for name, path in sets.items():
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            text = row["text"]
            spans = [(lab["kind"], i, i + len(lab["span"])) for lab in row["labels"]
                     if (i := text.find(lab["span"])) >= 0]
            lang: Literal["zh", "en"] = "en" if row.get("lang") == "en" else "zh"
            found = rules.check(text, Asker(), lang)
            for s, e in clauses(text):
                texts.append(text[s:e])
                labels.append([any(k == kind and a < e and s < b for k, a, b in spans) for kind in KINDS])
                ruled.append([any(f.kind == kind and f.start < e and s < f.end for f in found) for kind in KINDS])
                group.append(name)
            for clause in rewritten(rules, text, lang, [(a, b) for k, a, b in spans if k in KINDS]):
                texts.append(clause)
                labels.append([False] * len(KINDS))
                ruled.append([False] * len(KINDS))
                group.append(name)
    return Examples(texts, np.array(labels, dtype=bool), np.array(group), np.array(ruled, dtype=bool))


def rewritten(rules: Checker, text: str, lang: Literal["zh", "en"], claims: list[tuple[int, int]]) -> list[str]:
    """Clauses of a labelled text after the packs' rewrite of every claim in them, when the rules found each
    claim and the rewrite is clean to them: negatives in the packs' own safer wording (我们是全国知名的品牌,
    预计可节省50%成本（以上为预估…）). Without them the model flags the frame of a claim it was trained on, so
    the re-check of a rule rewrite flagged 7.5% of rewritten claims again (held out by set), and the rewrite gave
    up the clause for a placeholder."""
    from tools.compliance.engine import Asker
    from tools.compliance.rewrite import rule_rewrite

    out = []
    for s, e in clauses(text):
        inside = [(a - s, b - s) for a, b in claims if a < e and s < b]
        if not inside:
            continue
        clause = text[s:e]
        found = [f for f in rules.check(clause, Asker(), lang) if f.kind in KINDS]
        if not all(any(f.start < b and a < f.end for f in found) for a, b in inside):
            continue
        new = rule_rewrite(rules, clause, found, Asker(), lang)
        if new != clause and not any(f.kind in KINDS for f in rules.check(new, Asker(), lang)):
            out.append(new)
    return out


def fit(texts: list[str], labels: np.ndarray, embed: Embed) -> tuple[object, np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    grams = vectorizer().fit(texts)
    x = features(grams, texts, embed)
    coef, intercept = [], []
    for k in range(labels.shape[1]):
        model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(x, labels[:, k])
        coef.append(model.coef_[0])
        intercept.append(model.intercept_[0])
    return grams, np.array(coef), np.array(intercept)


def held_out(data: Examples, embed: Embed) -> np.ndarray:
    """Each set's clause probabilities from a model fitted on the other sets."""
    probs = np.zeros(data.labels.shape)
    texts = np.array(data.texts, dtype=object)
    for name in sorted(set(data.group)):
        train, test = data.group != name, data.group == name
        grams, coef, intercept = fit(list(texts[train]), data.labels[train], embed)
        x = features(grams, list(texts[test]), embed)  # type: ignore[arg-type]
        probs[test] = 1.0 / (1.0 + np.exp(-(np.asarray(x @ coef.T) + intercept)))
    return probs


def threshold(probs: np.ndarray, truth: np.ndarray, ruled: np.ndarray) -> float:
    """The probability at which the rules and the model together (a clause flagged by either) best match the
    labels (F1; the lowest such probability on a tie)."""
    best, best_f1 = 0.5, -1.0
    for t in np.arange(0.30, 0.99, 0.01):
        flagged = ruled | (probs >= t)
        tp = (flagged & truth).sum()
        f1 = 2 * tp / (flagged.sum() + truth.sum()) if tp else 0.0
        if f1 > best_f1 + 1e-9:
            best, best_f1 = round(float(t), 2), f1
    return best


def embedder() -> tuple[str, Embed]:
    from knowledge.factory import intent_embedder

    inner = intent_embedder()
    cache: dict[str, np.ndarray] = {}

    def embed(texts: list[str]) -> np.ndarray:
        todo = sorted({t for t in texts if t not in cache})
        for i in range(0, len(todo), 64):
            for text, vec in zip(todo[i:i + 64], inner.queries(todo[i:i + 64]), strict=True):
                cache[text] = vec
        return np.stack([cache[t] for t in texts])

    return inner.name, embed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    sets = {name: path for name, path in SETS.items() if path.exists()}
    data = examples(sets)
    name, embed = embedder()
    print(f"{len(data.texts)} clauses from {', '.join(sets)}; positives "
          + ", ".join(f"{k} {int(data.labels[:, i].sum())}" for i, k in enumerate(KINDS)))
    probs = held_out(data, embed)
    thresholds = []
    for k, kind in enumerate(KINDS):
        truth, ruled = data.labels[:, k], data.ruled[:, k]
        t = threshold(probs[:, k], truth, ruled)
        thresholds.append(t)
        for which, flagged in (("rules", ruled), ("rules + model", ruled | (probs[:, k] >= t))):
            tp = (flagged & truth).sum()
            print(f"{kind} (threshold {t:.2f}), {which}: held-out clause recall {tp / truth.sum():.3f}, "
                  f"precision {tp / max(flagged.sum(), 1):.3f}")
    grams, coef, intercept = fit(data.texts, data.labels, embed)
    ClaimModel(embedder=name, grams=grams, kinds=KINDS, coef=coef, intercept=intercept,  # type: ignore[arg-type]
               threshold=np.array(thresholds)).save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
