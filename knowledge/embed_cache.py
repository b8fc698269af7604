"""Passage embeddings cached by (embedder, text hash) in SQLite: re-ingesting or rebuilding the demo only embeds
chunks whose text changed."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import numpy as np

from knowledge.embedder import Embedder


class CachedEmbedder:
    """Wraps an embedder; passages come from the cache when seen before, queries are never cached."""

    def __init__(self, inner: Embedder, path: Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False)
        self._conn.execute("CREATE TABLE IF NOT EXISTS emb (model TEXT, key TEXT, vec BLOB, PRIMARY KEY (model, key))")
        self._lock = threading.Lock()

    def passages(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
        with self._lock:
            rows = dict(self._conn.execute(
                f"SELECT key, vec FROM emb WHERE model = ? AND key IN ({','.join('?' * len(keys))})",
                [self.name, *keys]).fetchall()) if keys else {}
        missing = [i for i, k in enumerate(keys) if k not in rows]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if missing:
            fresh = self.inner.passages([texts[i] for i in missing])
            with self._lock, self._conn:
                self._conn.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?, ?)",
                                       [(self.name, keys[i], fresh[j].tobytes()) for j, i in enumerate(missing)])
            for j, i in enumerate(missing):
                out[i] = fresh[j]
        for i, key in enumerate(keys):
            if key in rows:
                out[i] = np.frombuffer(rows[key], dtype=np.float32)
        return out

    def queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.queries(texts)
