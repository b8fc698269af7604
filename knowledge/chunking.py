"""Chunks that respect headings and sentence ends (。！？ and . ! ?), with the heading path for citations."""

from __future__ import annotations

import re

from knowledge.documents import Chunk

MAX_CHARS = 600  # about 300 Chinese characters' worth of tokens for e5-small's 512-token window, with room
_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
_SENTENCE = re.compile(r"(?<=[。！？；!?])|(?<=[.;:])\s+(?=[A-Z0-9\"'(])|\n+")


def chunk_text(doc_id: str, text: str, title: str, max_chars: int = MAX_CHARS) -> list[Chunk]:
    chunks: list[Chunk] = []
    path: list[str] = []
    for heading_path, body in _sections(text):
        path = heading_path or path
        location = " > ".join(path) if path else title
        prefix = f"{title} · {path[-1]}\n" if path and path[-1] != title else f"{title}\n"
        for piece in _pack(_sentences(body), max_chars - len(prefix)):
            chunks.append(Chunk(doc_id=doc_id, index=len(chunks), text=prefix + piece, location=location))
    return chunks


def _sections(text: str) -> list[tuple[list[str], str]]:
    sections: list[tuple[list[str], str]] = []
    stack: list[tuple[int, str]] = []
    body: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        m = _HEADING.match(line)
        if m:
            if "".join(body).strip():
                sections.append((current, "\n".join(body)))
            body = []
            level = len(m.group(1))
            stack = [(lv, t) for lv, t in stack if lv < level] + [(level, m.group(2))]
            current = [t for _, t in stack]
        else:
            body.append(line)
    if "".join(body).strip():
        sections.append((current, "\n".join(body)))
    return sections


def _sentences(body: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(body) if s and s.strip()]


def _pack(sentences: list[str], limit: int) -> list[str]:
    """Greedy packing of whole sentences; a sentence longer than the limit is cut at the limit."""
    pieces: list[str] = []
    current = ""
    for sentence in sentences:
        while len(sentence) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:limit])
            sentence = sentence[limit:]
        joiner = "" if not current or _cjk(current[-1]) else " "
        if current and len(current) + len(joiner) + len(sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = current + joiner + sentence if current else sentence
    if current:
        pieces.append(current)
    return pieces


def _cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"
