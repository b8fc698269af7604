"""Retrieval eval: labelled bilingual queries (evals/data/knowledge_queries.jsonl) against the knowledge base.

recall@5 = share of answerable queries with at least one relevant document in the top 5; MRR over the first
relevant hit; cross-lingual queries (a relevant document in the other language) reported apart; ACL probes
must never return the document they probe.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from copilot.directory import Directory
from knowledge.search import KnowledgeBase

QUERIES = Path(str(resources.files("evals").joinpath("data/knowledge_queries.jsonl")))
THRESHOLDS = {"recall@5": 0.90, "cross-lingual recall@5": 0.80, "acl leaks": 0.0}


@dataclass
class KnowledgeScore:
    n: int = 0
    found: int = 0
    rr: float = 0.0
    xl_n: int = 0
    xl_found: int = 0
    leaks: int = 0
    probes: int = 0
    misses: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        return {"recall@5": self.found / self.n if self.n else 0.0, "MRR": self.rr / self.n if self.n else 0.0,
                "cross-lingual recall@5": self.xl_found / self.xl_n if self.xl_n else 0.0,
                "acl probes": float(self.probes), "acl leaks": float(self.leaks)}


def failures(metrics: dict[str, float]) -> list[str]:
    out = [f"{k} {metrics[k]:.3f} < {v}" for k, v in THRESHOLDS.items() if k != "acl leaks" and metrics[k] < v]
    if metrics["acl leaks"] > 0:
        out.append(f"acl leaks {metrics['acl leaks']:.0f} > 0")
    return out


def run(kb: KnowledgeBase, directory: Directory, path: Path = QUERIES, limit: int = 0,
        progress: Callable[[int], None] | None = None) -> KnowledgeScore:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    score = KnowledgeScore()
    for i, row in enumerate(rows[: limit or None]):
        user = directory.get(row.get("user", "demo.rep"))
        ids = [h.doc_id for h in kb.search(row["query"], user, k=5, lang=row.get("lang", "en"))]
        denied = set(row.get("expect_denied", []))
        if denied:
            score.probes += 1
            leaked = denied & set(ids)
            score.leaks += len(leaked)
            if leaked:
                score.misses.append(f"LEAK {row['id']} {sorted(leaked)} to {user.user_id}")
        relevant = set(row.get("relevant", []))
        if relevant:
            score.n += 1
            rank = next((k for k, doc in enumerate(ids) if doc in relevant), None)
            score.found += rank is not None
            score.rr += 1 / (rank + 1) if rank is not None else 0.0
            if row.get("cross_lingual"):
                score.xl_n += 1
                score.xl_found += rank is not None
            if rank is None:
                score.misses.append(f"MISS {row['id']} {row['query'][:60]!r} want {sorted(relevant)[:2]} got {ids[:3]}")
        if progress:
            progress(i + 1)
    return score
