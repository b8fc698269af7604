"""Text normalisation that keeps offsets: full-width forms folded (NFKC) and Traditional Chinese characters folded
to Simplified, one character for one, so spans map back."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

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


# The CJK blocks whose Traditional characters have a Simplified form: Extension A, the Unified block, compatibility.
_HAN_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


@lru_cache(maxsize=1)
def traditional_to_simplified() -> dict[str, str]:
    """OpenCC's Traditional -> Simplified mapping, character by character (about 4,200 characters; built in ~0.1 s
    on first use). Only one-for-one mappings are kept, and a character that is also standard Simplified
    (著 in 显著) maps to itself, so Simplified text folds to itself."""
    import opencc

    convert = opencc.OpenCC("t2s").convert
    table: dict[str, str] = {}
    for low, high in _HAN_BLOCKS:
        for cp in range(low, high):
            ch = chr(cp)
            simplified = convert(ch)
            if len(simplified) == 1 and simplified != ch:
                table[ch] = simplified
    return table


def is_traditional(text: str) -> bool:
    """Whether the text holds a Traditional character that Simplified writes differently (們, 國, 證)."""
    t2s = traditional_to_simplified()
    return any(ch in t2s for ch in text)


@lru_cache(maxsize=1)
def _s2t() -> Callable[[str], str]:
    import opencc

    return opencc.OpenCC("s2tw").convert  # type: ignore[no-any-return]


def to_traditional(text: str) -> str:
    """Simplified text in Traditional characters (OpenCC s2tw: 為, 裡, as Taiwan and Hong Kong write them), for
    wording inserted into a Traditional text."""
    return _s2t()(text) if text else text


def fold(text: str) -> Folded:
    out: list[str] = []
    origin: list[int] = []
    t2s = traditional_to_simplified()
    for i, ch in enumerate(text):
        # Only fold what NFKC turns into ASCII or keeps one character: full-width digits, letters, punctuation.
        folded = unicodedata.normalize("NFKC", ch) if ord(ch) >= 0x2000 else ch
        if len(folded) != 1:
            folded = ch
        out.append(t2s.get(folded, folded))
        origin.append(i)
    return Folded(text, "".join(out), tuple(origin))


def segment(text: str, *, search: bool = False) -> list[str]:
    """Chinese word segmentation with jieba (loaded on first use, its start-up chatter kept out of the console);
    `search` also yields the shorter words inside long ones, for retrieval."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return list(jieba.lcut_for_search(text) if search else jieba.lcut(text))
