"""BM25 over all chunks (bm25s), Chinese segmented with jieba; rebuilt when the store changes."""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

import numpy as np

from copilot.textfold import segment

_WORD = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9]+(?:[.'-][a-z0-9]+)*")
_STOP = {"the", "a", "an", "of", "to", "and", "or", "in", "on", "for", "is", "are", "was", "what", "our", "we",
         "do", "does", "how", "with", "by", "at", "any", "have", "has", "的", "了", "吗", "是", "有", "我们", "什么",
         "和", "在", "与", "及", "呢", "哪些", "怎么", "多少"}


def tokens(text: str) -> list[str]:
    out: list[str] = []
    for run in _WORD.findall(text.lower()):
        if "\u4e00" <= run[0] <= "\u9fff":
            out += [t for t in segment(run, search=True) if t not in _STOP]
        elif run not in _STOP:
            out.append(run)
    return out


class LexicalIndex:
    """Scores every chunk for a query; cheap to query (sparse matrix), rebuilt lazily after writes."""

    def __init__(self) -> None:
        self._version = -1
        self._ids: list[str] = []
        self._meta: list[dict[str, Any]] = []
        self._bm25: Any = None
        self._lock = threading.Lock()

    def ensure(self, version: int, ids: list[str], texts: list[str], metas: list[dict[str, Any]]) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it pins itself to DEBUG on import

        with self._lock:
            if version == self._version:
                return
            self._ids, self._meta = ids, metas
            self._bm25 = None
            if ids:
                self._bm25 = bm25s.BM25()
                self._bm25.index([tokens(t) or ["∅"] for t in texts], show_progress=False)
            self._version = version

    def stale(self, version: int) -> bool:
        return version != self._version

    def search(self, query: str, k: int, allowed: Any) -> list[tuple[str, float]]:
        """Top-k (chunk id, score) among chunks whose metadata passes `allowed`."""
        words = tokens(query)
        if self._bm25 is None or not words:
            return []
        scores = np.asarray(self._bm25.get_scores(words), dtype=np.float32)
        order = np.argsort(-scores)
        out: list[tuple[str, float]] = []
        for i in order:
            if scores[i] <= 0 or len(out) >= k:
                break
            if allowed(self._meta[i]):
                out.append((self._ids[i], float(scores[i])))
        return out
