"""Text normalisation that keeps offsets: full-width forms folded (NFKC) per character, spans map back."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Where a sentence or clause ends, in Chinese or English ("4.7" and "No." inside a sentence are not ends).
SENTENCE_END = re.compile(r"[。！？!?；;\n]+|(?<=[a-z0-9)\]])\.(?=\s|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Folded:
    """`text` folded for matching; `origin[i]` is the index in the original of folded character i."""

    original: str
    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) of a folded span."""
        if start >= len(self.origin):
            return len(self.original), len(self.original)
        last = self.origin[end - 1] + 1 if end > start else self.origin[start]
        return self.origin[start], last

    def sentences(self) -> list[tuple[int, int]]:
        """Folded (start, end) of each sentence (clause ends: 。！？!?；; newline, '. ')."""
        spans, start = [], 0
        for m in SENTENCE_END.finditer(self.text):
            if m.start() > start:
                spans.append((start, m.start()))
            start = m.end()
        if start < len(self.text):
            spans.append((start, len(self.text)))
        return spans


def fold(text: str) -> Folded:
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        # Only fold what NFKC turns into ASCII or keeps one character: full-width digits, letters, punctuation.
        folded = unicodedata.normalize("NFKC", ch) if ord(ch) >= 0x2000 else ch
        if len(folded) != 1:
            folded = ch
        out.append(folded)
        origin.append(i)
    return Folded(text, "".join(out), tuple(origin))


def segment(text: str, *, search: bool = False) -> list[str]:
    """Chinese word segmentation with jieba (loaded on first use, its start-up chatter kept out of the console);
    `search` also yields the shorter words inside long ones, for retrieval."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return list(jieba.lcut_for_search(text) if search else jieba.lcut(text))
