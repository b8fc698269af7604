"""Agreement between labellings of the same compliance texts: how well one careful labeller scores against another.

    python -m evals.compliance_agreement REFERENCE OTHER [OTHER ...] [--consensus OUT.jsonl]

Each file is a labelled set in the eval's format (evals/data/compliance_*.jsonl); texts are matched by id and must
be the same. OTHER is scored against REFERENCE with the checker's own metric (a label is found when a label of the
same kind overlaps it), so the figures say what recall and precision a second labeller reaches on the same texts:
the ceiling a checker can be measured to, when the labels are one labeller's reading. Every pair is printed.

--consensus writes the majority labelling (a label kept when more than half of the labellings have an overlapping
label of its kind; its span is the one most of them chose, the reference's on a tie), which the checker can then be
scored against: `copilot eval compliance --data OUT.jsonl`.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from itertools import combinations
from pathlib import Path

from evals.compliance import Score, Snippet, load_snippets, tally

KINDS = ("absolute_term", "guarantee")


def _found(snip: Snippet) -> list[tuple[str, int, int]]:
    return [(kind, i, i + len(span)) for kind, span in snip.labels if (i := snip.text.find(span)) >= 0]


def load(path: Path) -> dict[str, Snippet]:
    return {s.id: s for s in load_snippets(path)}


def agreement(reference: dict[str, Snippet], other: dict[str, Snippet]) -> Score:
    """`other`'s labels scored as findings against `reference`'s labels (kinds other than KINDS ignored)."""
    if set(reference) != set(other):
        missing, extra = sorted(set(reference) - set(other)), sorted(set(other) - set(reference))
        raise ValueError(f"the labellings cover different texts (missing {missing[:5]}, extra {extra[:5]})")
    score = Score()
    for key, ref in reference.items():
        if other[key].text != ref.text:
            raise ValueError(f"{key}: the text differs between the labellings")
        ref = Snippet(ref.id, ref.lang, ref.text, [(k, s) for k, s in ref.labels if k in KINDS])
        tally(score, ref, [f for f in _found(other[key]) if f[0] in KINDS])
    return score


def consensus(labellings: list[dict[str, Snippet]]) -> list[Snippet]:
    """The majority labelling; the first labelling is the reference (its order, and its span on a tie)."""
    out = []
    for key, ref in labellings[0].items():
        marks = [(who, kind, a, b) for who, lab in enumerate(labellings) for kind, a, b in _found(lab[key])
                 if kind in KINDS]
        groups: list[list[tuple[int, str, int, int]]] = []
        for mark in marks:  # overlapping marks of one kind form a group (merging groups a mark bridges)
            joined = [g for g in groups if any(m[1] == mark[1] and m[2] < mark[3] and mark[2] < m[3] for m in g)]
            groups = [g for g in groups if g not in joined] + [[mark, *(m for g in joined for m in g)]]
        labels = []
        for group in sorted(groups, key=lambda g: min(m[2] for m in g)):
            if len({m[0] for m in group}) * 2 <= len(labellings):
                continue
            spans = Counter(ref.text[a:b] for _, _, a, b in group)
            top = max(spans.values())
            chosen = next(ref.text[a:b] for _, _, a, b in sorted(group) if spans[ref.text[a:b]] == top)
            labels.append((group[0][1], chosen))
        out.append(Snippet(ref.id, ref.lang, ref.text, labels, ref.user))
    return out


def _line(name: str, score: Score) -> str:
    parts = []
    for kind in KINDS:
        r, p = score.rate((kind,), "recall"), score.rate((kind,), "precision")
        f1 = 2 * r * p / (r + p) if r + p else 0.0
        parts.append(f"{kind} R {r:.3f} P {p:.3f} F1 {f1:.3f} (labels {score.tp[kind] + score.fn[kind]})")
    return f"{name}: " + "; ".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reference", type=Path)
    parser.add_argument("others", type=Path, nargs="+")
    parser.add_argument("--consensus", type=Path, help="write the majority labelling here")
    args = parser.parse_args(argv)
    paths = [args.reference, *args.others]
    labellings = [load(p) for p in paths]
    for (i, ref), (j, other) in combinations(enumerate(labellings), 2):
        print(_line(f"{paths[j].name} against {paths[i].name}", agreement(ref, other)))
    if args.consensus:
        rows = consensus(labellings)
        with args.consensus.open("w", encoding="utf-8") as out:
            for s in rows:
                out.write(json.dumps({"id": s.id, "lang": s.lang, "text": s.text, "user": s.user,
                                      "labels": [{"kind": k, "span": v} for k, v in s.labels]},
                                     ensure_ascii=False) + "\n")
        for i, lab in enumerate(labellings):
            print(_line(f"{paths[i].name} against the consensus", agreement({s.id: s for s in rows}, lab)))
        print(f"wrote {args.consensus} ({len(rows)} texts)")


if __name__ == "__main__":
    main()
