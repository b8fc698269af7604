"""A second opinion on which tool a message asks for, by its nearest example requests (multilingual e5 embeddings).

The 1.5B model sometimes answers a plain tool request in words ("把客户的银行卡号转给物流公司行吗" -> "不建议…"),
or sends a product question to its default pick, and trigger words cannot list every phrasing. The graph asks this
index only when the model replied in plain text and no tool's words claimed the message, when a tool handed a first
request back, or when a tool doubts the model's pick of it (`Tool.doubts`). It names a tool only when the message
sits clearly closer to that tool's examples than to the no-tool examples (greetings, thanks, drafting, general
advice, vague asks), so chit-chat stays chit-chat. The examples are data (prompts/intents.yaml), written apart from
the eval sets.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from knowledge.embedder import Embedder

log = logging.getLogger(__name__)

NONE = "none"
EXAMPLES = Path(str(resources.files("prompts").joinpath("intents.yaml")))


@dataclass(frozen=True)
class Guess:
    """Per class, the mean similarity of the message to its k nearest examples; `tool` is the decision."""

    tool: str | None
    scores: dict[str, float]

    @property
    def best(self) -> str:
        return max(self.scores, key=self.scores.__getitem__)

    @property
    def best_tool(self) -> str:
        return max((c for c in self.scores if c != NONE), key=self.scores.__getitem__)

    @property
    def margin(self) -> float:
        """How much closer the best tool's examples are than the no-tool examples."""
        return self.scores[self.best_tool] - self.scores[NONE]


class IntentIndex:
    """k-nearest-example scores per class; the example vectors are computed once and cached on disk."""

    def __init__(self, embedder: Embedder, examples: dict[str, list[str]], cache_dir: Path | None = None,
                 k: int = 3, margin: float = 0.02, floor: float = 0.86) -> None:
        if NONE not in examples or len(examples) < 2:
            raise ValueError(f"intent examples need a '{NONE}' class and at least one tool class")
        self.embedder = embedder
        self.k, self.min_margin, self.floor = k, margin, floor
        self.labels = np.array([label for label, texts in examples.items() for _ in texts])
        self.classes = list(examples)
        texts = [t for label in examples for t in examples[label]]
        self.vectors = _cached_vectors(embedder, texts, cache_dir)

    @classmethod
    def from_file(cls, embedder: Embedder, path: Path = EXAMPLES, cache_dir: Path | None = None) -> IntentIndex:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not all(isinstance(v, list) and all(isinstance(t, str) for t in v)
                                                 for v in data.values()):
            raise ValueError(f"{path}: expected a mapping of class name -> list of example requests")
        return cls(embedder, {str(k): [t.strip() for t in v if t.strip()] for k, v in data.items()}, cache_dir)

    def guess(self, text: str) -> Guess:
        query = self.embedder.queries([text])[0]
        sims = self.vectors @ query
        scores = {label: float(np.sort(sims[self.labels == label])[-self.k:].mean()) for label in self.classes}
        unsure = Guess(tool=None, scores=scores)
        if scores[unsure.best_tool] < self.floor or unsure.margin < self.min_margin:
            return unsure
        return Guess(tool=unsure.best_tool, scores=scores)

    def tool_for(self, text: str) -> str | None:
        guess = self.guess(text)
        log.info("intent guess %s (margin %.3f, best %.3f)", guess.tool or "none", guess.margin,
                 guess.scores[guess.best])
        return guess.tool


_LOCK = threading.Lock()


def _cached_vectors(embedder: Embedder, texts: list[str], cache_dir: Path | None) -> np.ndarray:
    """Example vectors as e5 *queries* (request vs request is a symmetric match), saved beside the model cache:
    embedding a few hundred examples takes seconds, loading them milliseconds."""
    key = hashlib.sha1("\n".join([embedder.name, *texts]).encode("utf-8")).hexdigest()[:16]
    path = cache_dir / f"intents-{key}.npy" if cache_dir else None
    with _LOCK:
        if path is not None and path.exists():
            vectors = np.load(path)
            if vectors.shape == (len(texts), embedder.dim):
                return vectors
        vectors = np.asarray(embedder.queries(texts), dtype=np.float32)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, vectors)
            tmp.replace(path)
        return vectors
