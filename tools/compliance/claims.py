"""The claim model: a second, learned pass for absolute claims and guaranteed results in wording no phrase list
holds ("吊打全行业", "second to none", "闭眼入稳赚").

Phrase and pattern rules find what they were written for and miss new slang and paraphrase (0.57 recall on a set
written after them). This pass scores every clause with a logistic regression over two feature sets: character
1-4-grams (TF-IDF; the surface: 最, 第一, -est) and the bundled multilingual e5-small sentence embedding (the
meaning: "nobody comes close" sits near "unrivalled"). It is trained by `python -m evals.claims_train` on the
labelled development sets and shipped as plain arrays (no pickle); the weights are fixed, so a text always gets the
same findings. A clause flagged here and by no rule becomes a `warn` finding (a person should look), never `block`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

MODEL_FILE = Path(__file__).parent / "claim_model.npz"
NGRAMS = (1, 4)
MAX_CLAUSES = 120  # ~4,000 characters: the model pass is ~15-25 ms a clause on one core; longer texts get rules only
_CLAUSE_END = re.compile(r"[。！？!?；;，,、：:\n]+|(?<=[A-Za-z0-9)\]])\.(?:\s+|$)|\s[-–—]\s")

Embed = Callable[[list[str]], np.ndarray]  # clauses -> (n, dim) normalised vectors


def clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) of each clause with some content: a claim is usually one clause of a longer message."""
    spans, start = [], 0
    for m in _CLAUSE_END.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e - s >= 2:
            out.append((s, e))
    return out


EMBEDDING_WEIGHT = 2.0  # the embedding block's scale next to the unit-length n-gram block (chosen on dev data)


def vectorizer(vocabulary: dict[str, int] | None = None, idf: np.ndarray | None = None) -> TfidfVectorizer:
    """Character 1-4-grams inside word boundaries, sublinear TF x IDF, L2-normalised; fixed when given the
    shipped vocabulary and IDF."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, min_df=2,
                          vocabulary=vocabulary, dtype=np.float64)
    if vocabulary is not None and idf is not None:
        vec.idf_ = idf
    return vec


@dataclass(frozen=True)
class ClaimModel:
    embedder: str  # the embedding model the weights were fitted on; another one makes the scores meaningless
    grams: TfidfVectorizer
    kinds: tuple[str, ...]
    coef: np.ndarray  # (kinds, n-grams + embedding dims)
    intercept: np.ndarray  # (kinds,)
    threshold: np.ndarray  # (kinds,) probability at or above which a clause is flagged

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> ClaimModel:
        with np.load(path, allow_pickle=False) as z:
            vocabulary = {str(g): i for i, g in enumerate(z["vocabulary"])}
            return cls(embedder=str(z["embedder"]), grams=vectorizer(vocabulary, z["idf"].astype(np.float64)),
                       kinds=tuple(str(k) for k in z["kinds"]), coef=z["coef"].astype(np.float64),
                       intercept=z["intercept"].astype(np.float64), threshold=z["threshold"].astype(np.float64))

    def save(self, path: Path) -> None:
        vocabulary = self.grams.vocabulary_
        grams = sorted(vocabulary, key=vocabulary.__getitem__)
        np.savez_compressed(path, embedder=np.array(self.embedder), vocabulary=np.array(grams),
                            idf=self.grams.idf_, kinds=np.array(self.kinds), coef=self.coef.astype(np.float32),
                            intercept=self.intercept, threshold=self.threshold)

    def probabilities(self, texts: list[str], embed: Embed) -> np.ndarray:
        """(texts, kinds) probability that each clause makes a claim of each kind."""
        if not texts:
            return np.zeros((0, len(self.kinds)))
        logits = np.asarray(features(self.grams, texts, embed) @ self.coef.T) + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))


def features(grams: TfidfVectorizer, texts: list[str], embed: Embed) -> sparse.csr_matrix:
    """One row per clause: its n-gram TF-IDF, then its sentence embedding (scaled)."""
    from scipy import sparse

    dense = sparse.csr_matrix(EMBEDDING_WEIGHT * embed(texts).astype(np.float64))
    return sparse.hstack([grams.transform(texts), dense], format="csr")


@dataclass(frozen=True)
class ClaimHit:
    kind: str
    start: int
    end: int
    probability: float


class ClaimScorer:
    """The shipped model with the embedder it was fitted on; `find` returns flagged clauses."""

    def __init__(self, model: ClaimModel, embed: Embed) -> None:
        self.model = model
        self._embed = embed

    def find(self, text: str) -> list[ClaimHit]:
        spans = clauses(text)[:MAX_CLAUSES]
        probs = self.model.probabilities([text[s:e] for s, e in spans], self._embed)
        return [ClaimHit(kind, s, e, float(p[k]))
                for (s, e), p in zip(spans, probs, strict=True)
                for k, kind in enumerate(self.model.kinds) if p[k] >= self.model.threshold[k]]


@functools.cache
def bundled_scorer() -> ClaimScorer:
    """The shipped weights on the bundled e5-small (one thread, shared with the intent index), built once."""
    from copilot.errors import ConfigError
    from knowledge.factory import intent_embedder

    model = ClaimModel.load()
    embedder = intent_embedder()
    if embedder.name != model.embedder:
        raise ConfigError(en=f"The claim model was fitted on {model.embedder}, not {embedder.name}",
                          zh=f"宣传用语模型基于 {model.embedder} 训练，与 {embedder.name} 不符")
    return ClaimScorer(model, embedder.queries)
