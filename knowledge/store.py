"""Chroma as the chunk store: embedded PersistentClient by default, a Chroma server by URL in production."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from copilot.context import User
from knowledge.documents import Acl, Chunk, DocMeta, Document

COLLECTION = "knowledge"


class ChunkStore:
    """Chunks with embeddings and flat metadata (document fields, ACL flags, content hash)."""

    def __init__(self, path: Path | None = None, url: str | None = None, embedder_name: str = "") -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if url:
            parsed = urlparse(url)
            self._client: Any = chromadb.HttpClient(host=parsed.hostname or "localhost", port=parsed.port or 8000,
                                                    ssl=parsed.scheme == "https", settings=chroma_settings)
        else:
            assert path is not None
            path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        # One collection per embedder: vectors of different models never mix.
        name = f"{COLLECTION}-{embedder_name}".replace("/", "-")[:60] if embedder_name else COLLECTION
        self._col = self._client.get_or_create_collection(name, embedding_function=None,
                                                          configuration={"hnsw": {"space": "cosine"}})
        self._lock = threading.Lock()
        self.version = 0  # bumped on every write, so lexical indexes and the ACL map know to rebuild
        self._acls: tuple[int, dict[str, Acl]] = (-1, {})

    def count(self) -> int:
        return int(self._col.count())

    def document_hashes(self) -> dict[str, tuple[str, str]]:
        """source path -> (doc id, sha256) of every stored document."""
        got = self._col.get(include=["metadatas"])
        return {m["source"]: (m["doc_id"], m["sha256"]) for m in got["metadatas"] or [] if m.get("index") == 0}

    def replace(self, doc: Document, vectors: np.ndarray) -> None:
        """Drop the document's old chunks (by id and by source) and write the new ones."""
        with self._lock:
            self._col.delete(where={"$or": [{"doc_id": doc.meta.id}, {"source": doc.source}]})
            self._col.add(
                ids=[f"{doc.meta.id}#{c.index}" for c in doc.chunks],
                embeddings=vectors,
                documents=[c.text for c in doc.chunks],
                metadatas=[_metadata(doc, c) for c in doc.chunks],
            )
            self.version += 1

    def remove_source(self, source: str) -> int:
        with self._lock:
            got = self._col.get(where={"source": source}, include=[])
            if got["ids"]:
                self._col.delete(ids=got["ids"])
                self.version += 1
            return len(got["ids"])

    def query(self, vectors: np.ndarray, k: int, where: dict[str, Any] | None) -> list[list[tuple[str, float]]]:
        """Nearest chunks for each query vector (one call: the filter is evaluated once)."""
        if len(vectors) == 0 or self.count() == 0:
            return [[] for _ in vectors]
        res = self._col.query(query_embeddings=list(vectors), n_results=k, where=where, include=["distances"])
        return [list(zip(ids, dists, strict=True)) for ids, dists in zip(res["ids"], res["distances"], strict=True)]

    def acl_filter(self, user: User) -> dict[str, Any] | None:
        """The store-side ACL filter: chunks whose rule (acl_key) this user may not read are excluded; None when
        the user may read everything. Decided by the same Acl.allows as the re-check."""
        denied = [key for key, acl in self.acls().items() if not acl.allows(user)]
        return {"acl_key": {"$nin": denied}} if denied else None

    def acls(self) -> dict[str, Acl]:
        version, known = self._acls
        if version != self.version or version < 0:
            got = self._col.get(include=["metadatas"])
            known = {m["acl_key"]: acl_of(m) for m in got["metadatas"] or []}
            self._acls = (self.version, known)
        return known

    def all_chunks(self) -> tuple[list[str], list[str], list[dict[str, Any]]]:
        got = self._col.get(include=["documents", "metadatas"])
        return list(got["ids"]), list(got["documents"] or []), list(got["metadatas"] or [])

    def get(self, ids: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        if not ids:
            return {}
        got = self._col.get(ids=ids, include=["documents", "metadatas"])
        return {i: (d, m) for i, d, m in zip(got["ids"], got["documents"] or [], got["metadatas"] or [],
                                             strict=True)}


def _metadata(doc: Document, chunk: Chunk) -> dict[str, Any]:
    meta = doc.meta
    out: dict[str, Any] = {
        "doc_id": meta.id, "index": chunk.index, "title": meta.title, "doc_type": meta.doc_type,
        "language": meta.language, "industry": meta.industry, "region": meta.region, "source": doc.source,
        "sha256": doc.sha256, "location": chunk.location, "acl": meta.acl.model_dump_json(),
    }
    for key in ("customer", "customer_size", "product"):
        if getattr(meta, key):
            out[key] = getattr(meta, key)
    if meta.updated_at:
        out["updated_at"] = meta.updated_at.isoformat()
    out["acl_key"] = meta.acl.key
    return out


def acl_of(metadata: dict[str, Any]) -> Acl:
    return Acl.model_validate(json.loads(metadata.get("acl") or '{"public": false}'))


def meta_of(metadata: dict[str, Any]) -> DocMeta:
    fields = {k: metadata[k] for k in DocMeta.model_fields if k in metadata and k != "acl"}
    return DocMeta(id=metadata["doc_id"], acl=acl_of(metadata), **{k: v for k, v in fields.items() if k != "id"})
