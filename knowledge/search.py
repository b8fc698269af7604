"""Hybrid retrieval: vectors (Chroma) + BM25 (jieba), in the query's language and its translation, fused by
reciprocal rank; the asker's ACL filters in the store and is checked again on every hit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from copilot.context import User
from knowledge.embedder import Embedder
from knowledge.lexical import LexicalIndex
from knowledge.store import ChunkStore, acl_of

log = logging.getLogger(__name__)
RRF_K = 60
MAX_DISTANCE = 0.2  # cosine distance; e5 puts unrelated text around 0.2-0.3
FILTER_KEYS = ("doc_type", "industry", "region", "language", "customer")

# (text, target language) -> translation; raises or returns "" when it cannot.
Translator = Callable[[str, str], str]


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    doc_id: str
    title: str
    location: str
    source: str
    text: str
    score: float
    metadata: dict[str, Any] = field(repr=False)
    distance: float | None = None  # best cosine distance of the query (or its translation); None = no vector hit
    lexical: bool = False  # some query words matched (BM25)

    @property
    def evidence(self) -> bool:
        """Worth showing: some words match, or the vector is close. Otherwise the honest answer is "not found"."""
        return self.lexical or (self.distance is not None and self.distance <= MAX_DISTANCE)


class KnowledgeBase:
    def __init__(self, store: ChunkStore, embedder: Embedder, translate: Translator | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.translate = translate
        self._lexical = LexicalIndex()

    def search(self, query: str, user: User, k: int = 5, filters: dict[str, str] | None = None,
               lang: str = "en", translated: str | None = None) -> list[Hit]:
        """Top-k chunks the user may read, best first. `translated` skips the LLM translation (tests, cache)."""
        query = query.strip()
        if not query:
            return []
        where = _where(self.store.acl_filter(user), filters)
        queries = [query]
        other = translated if translated is not None else self._translated(query, lang)
        if other and other.strip().lower() != query.lower():
            queries.append(other)
        self._refresh_lexical()
        pool = max(k * 4, 20)
        rankings: list[list[str]] = []
        distance: dict[str, float] = {}
        lexical: set[str] = set()
        for found in self.store.query(self.embedder.queries(queries), pool, where):
            rankings.append([cid for cid, _ in found])
            for cid, dist in found:
                distance[cid] = min(dist, distance.get(cid, 2.0))
        allowed = _allowed(user, filters)
        for q in queries:
            found_lex = self._lexical.search(q, pool, allowed)
            rankings.append([cid for cid, _ in found_lex])
            lexical.update(cid for cid, _ in found_lex)
        fused = _rrf(rankings)
        top = [cid for cid, _ in sorted(fused.items(), key=lambda kv: -kv[1])]
        rows = self.store.get(top[: k * 6])
        hits: list[Hit] = []
        docs: set[str] = set()
        for cid in top:
            if cid not in rows or rows[cid][1]["doc_id"] in docs:
                continue  # one passage per document: five different sources beat five chunks of one
            text, meta = rows[cid]
            if not acl_of(meta).allows(user):  # never trust the store filter alone
                log.warning("ACL re-check dropped chunk %s", cid)
                continue
            docs.add(meta["doc_id"])
            hits.append(Hit(cid, meta["doc_id"], meta["title"], meta["location"], meta["source"], text,
                            fused[cid], meta, distance.get(cid), cid in lexical))
            if len(hits) >= k:
                break
        return hits

    def _translated(self, query: str, lang: str) -> str:
        if self.translate is None:
            return ""
        target = "en" if lang == "zh" else "zh"
        try:
            return self.translate(query, target)
        except Exception as exc:
            log.warning("query translation failed (%s); searching in one language", type(exc).__name__)
            return ""

    def _refresh_lexical(self) -> None:
        if self._lexical.stale(self.store.version) or self.store.version == 0:
            ids, texts, metas = self.store.all_chunks()
            self._lexical.ensure(self.store.version if self.store.version else -2 - len(ids), ids, texts, metas)


def _where(acl: dict[str, Any] | None, filters: dict[str, str] | None) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = [acl] if acl else []
    clauses += [{key: value} for key, value in (filters or {}).items() if key in FILTER_KEYS and value]
    return None if not clauses else clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _allowed(user: User, filters: dict[str, str] | None) -> Callable[[dict[str, Any]], bool]:
    wanted = {k: v for k, v in (filters or {}).items() if k in FILTER_KEYS and v}

    def check(meta: dict[str, Any]) -> bool:
        return all(meta.get(k) == v for k, v in wanted.items()) and acl_of(meta).allows(user)

    return check


def _rrf(rankings: list[list[str]]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, cid in enumerate(ranking):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
    return scores
