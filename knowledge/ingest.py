"""Ingestion: files -> parsed, chunked, embedded documents in the store; changed files replace their chunks,
unchanged ones are skipped, unreadable ones are reported and the rest go on."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from copilot.normalize import detect_language
from knowledge.chunking import chunk_text
from knowledge.documents import Acl, DocMeta, Document
from knowledge.embedder import Embedder
from knowledge.parsers import SUFFIXES, UnreadableFile, read_file
from knowledge.store import ChunkStore

BATCH = 32


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    chunks: int = 0
    seconds: float = 0.0


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files to ingest: the given files, and supported files under given folders (sorted, hidden ones left out)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                          and not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            out.append(path)
    return out


def load_document(path: Path, defaults: dict[str, Any] | None = None) -> Document:
    """Parse one file into a document with metadata (front matter wins over defaults and inference)."""
    text, front = read_file(path)
    raw = path.read_bytes()
    meta_in: dict[str, Any] = {**(defaults or {}), **front}
    meta_in.setdefault("id", _doc_id(path.resolve()))
    meta_in.setdefault("title", _title(text, path))
    meta_in.setdefault("language", detect_language(text[:2000]))
    meta_in.setdefault("updated_at", date.fromtimestamp(path.stat().st_mtime))
    try:
        acl = Acl.parse(meta_in.pop("acl", "public"))
        meta = DocMeta(acl=acl, **{k: v for k, v in meta_in.items() if k in DocMeta.model_fields})
    except (ValidationError, ValueError) as exc:
        raise UnreadableFile(f"bad metadata: {str(exc).splitlines()[0]}") from exc
    doc = Document(meta=meta, source=str(path.resolve()), sha256=hashlib.sha256(raw).hexdigest(), text=text)
    doc.chunks = chunk_text(meta.id, text, meta.title)
    if not doc.chunks:
        raise UnreadableFile("no text to index after chunking")
    return doc


def ingest(paths: Iterable[Path], store: ChunkStore, embedder: Embedder,
           progress: Callable[[int, int, str], None] | None = None,
           defaults: dict[str, Any] | None = None, force: bool = False) -> IngestReport:
    started = datetime.now()
    report = IngestReport()
    files = expand(paths)
    known = store.document_hashes()
    for n, path in enumerate(files, 1):
        if progress:
            progress(n - 1, len(files), path.name)
        if not path.exists():
            report.skipped.append((str(path), "not found"))
            continue
        try:
            doc = load_document(path, defaults)
        except UnreadableFile as exc:
            report.skipped.append((str(path), str(exc)))
            continue
        previous = known.get(doc.source)
        if previous and previous[1] == doc.sha256 and not force:
            report.unchanged.append(doc.source)
            continue
        vectors = _embed(embedder, [c.text for c in doc.chunks])
        store.replace(doc, vectors)
        (report.updated if previous else report.added).append(doc.source)
        report.chunks += len(doc.chunks)
    if progress:
        progress(len(files), len(files), "")
    report.seconds = (datetime.now() - started).total_seconds()
    return report


def remove(paths: Iterable[Path], store: ChunkStore) -> list[str]:
    """Remove documents by their source path (the file may already be deleted)."""
    removed = []
    for path in paths:
        if store.remove_source(str(path.resolve())):
            removed.append(str(path.resolve()))
    return removed


def prune_missing(store: ChunkStore) -> list[str]:
    """Remove documents whose source file no longer exists."""
    gone = [Path(source) for source in store.document_hashes() if not Path(source).exists()]
    return remove(gone, store)


def _embed(embedder: Embedder, texts: list[str]) -> Any:
    import numpy as np

    parts = [embedder.passages(texts[i:i + BATCH]) for i in range(0, len(texts), BATCH)]
    return np.vstack(parts)


def _doc_id(path: Path) -> str:
    """File name plus a short hash of the full path: two 'pricing.pdf' in different folders stay apart."""
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:6]
    return f"{path.stem.strip().replace(' ', '-')[:60]}-{digest}"


def _title(text: str, path: Path) -> str:
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()[:120]
    return path.stem
