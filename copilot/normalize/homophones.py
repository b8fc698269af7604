"""Chinese typed on a pinyin keyboard goes wrong by a same-sounding pick: 消售额 for 销售额, 销两 for 销量, 正策 for
政策, 经消商 for 经销商. Such slips hide the very words the agent and the tools key on, so a message is repaired
against the sales vocabulary before anything reads it.

A span is replaced by a vocabulary term when each of its characters, in its usual reading, is one of the readings of
the term's character (toneless pinyin), at most one character differs (two for terms of four or more), the span starts
and ends on jieba's word boundaries (股东背景 holds no 东北), and the span is not a word of its own: not in jieba's
dictionary for two-character terms (小量 stays 小量, not 销量), not a common word for longer ones.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path

log = logging.getLogger(__name__)

_VOCABULARY = Path(__file__).with_name("zh_terms.txt")
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_COMMON = 50  # a dictionary frequency above which a longer span is a word in its own right


@functools.cache
def _terms() -> dict[int, list[tuple[str, tuple[frozenset[str], ...]]]]:
    by_length: dict[int, list[tuple[str, tuple[frozenset[str], ...]]]] = {}
    for line in _VOCABULARY.read_text(encoding="utf-8").splitlines():
        term = line.split("#", 1)[0].strip()
        if len(term) >= 2:
            by_length.setdefault(len(term), []).append((term, _sounds(term)))
    return by_length


def _sounds(text: str, every_reading: bool = True) -> tuple[frozenset[str], ...]:
    from pypinyin import Style, pinyin

    return tuple(frozenset(r) for r in pinyin(text, style=Style.NORMAL, heteronym=every_reading))  # Han only


@functools.cache
def _frequency() -> dict[str, int]:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return dict(jieba.dt.FREQ)


def repair_homophones(text: str) -> str:
    """`text` with same-sounding slips of sales terms corrected; text without Chinese is returned as it is."""
    if not _HAN.search(text):
        return text
    out = list(text)
    for run in _HAN.finditer(text):
        sounds = _sounds(run.group(), every_reading=False)
        bounds = _boundaries(run.group())
        for n, terms in _terms().items():
            for i in range(len(sounds) - n + 1):
                if i not in bounds or i + n not in bounds:
                    continue
                start = run.start() + i
                span = "".join(out[start:start + n])
                for term, term_sounds in terms:
                    if span != term and _same_sound(sounds[i:i + n], term_sounds) and _slip(span, term):
                        log.info("homophone repaired: %s -> %s", span, term)
                        out[start:start + n] = term
                        break
    return "".join(out)


def _boundaries(run: str) -> set[int]:
    from copilot.textfold import segment

    bounds, at = {0}, 0
    for word in segment(run):
        at += len(word)
        bounds.add(at)
    return bounds


def _same_sound(a: tuple[frozenset[str], ...], b: tuple[frozenset[str], ...]) -> bool:
    return all(x & y for x, y in zip(a, b, strict=True))


def _slip(span: str, term: str) -> bool:
    """A slip, not another word: few characters differ and the span is not a word people write on purpose."""
    differing = sum(a != b for a, b in zip(span, term, strict=True))
    if differing > (2 if len(term) >= 4 else 1):
        return False
    frequency = _frequency().get(span, 0)
    return frequency == 0 if len(term) == 2 else frequency < _COMMON
