"""Shared helpers of the normalisers: text folding, numbers, language detection and bilingual errors.

Numbers are read with :mod:`cn2an` for Chinese numerals and :class:`~decimal.Decimal` for digits, never
with ``float``, so "80万" is exactly 800000.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Literal

import cn2an

from copilot.errors import ToolInputError

MAX_TEXT = 200  # tool arguments are short phrases; anything longer is not a value but a paragraph

# English number words up to twelve: enough for "last three months", "an hour", "two weeks".
EN_NUMBERS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_EN_WORDS = "|".join(sorted(EN_NUMBERS, key=len, reverse=True))
# One number as written by a person: digits, Chinese numerals, or a small English word.
NUM = rf"\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万亿]+|(?<![a-z])(?:{_EN_WORDS})(?![a-z])"

_DIGITS = re.compile(r"([+-]?(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d+)?)\s*([十百千万亿]*)")
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10**4, "亿": 10**8}
_CN_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百千万亿]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")


def quote(text: str) -> str:
    """The user's text as shown inside an error message: trimmed, and cut if very long."""
    text = " ".join(str(text).split())
    return text if len(text) <= 60 else text[:57] + "..."


def fail(text: str, en_kind: str, zh_kind: str, *, hint_en: str = "", hint_zh: str = "") -> ToolInputError:
    """The error for text that is not a ``kind``; returned, not raised, so callers ``raise fail(...)``."""
    q = quote(text)
    return ToolInputError(
        en=f"I could not read '{q}' as {en_kind}." + (f" {hint_en}" if hint_en else ""),
        zh=f"无法把“{q}”识别为{zh_kind}。" + hint_zh,
        detail=f"normalize: {en_kind!r} rejected {text!r}",
    )


def clean(text: str, en_kind: str, zh_kind: str) -> str:
    """Fold text for table lookups: NFKC (full-width ８０％￥ to ASCII), lower case, "_" and spaces to " ".

    Empty or over-long text is rejected here, so every parser fails the same way on it.
    """
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        raise fail(str(text)[:MAX_TEXT], en_kind, zh_kind)
    return " ".join(unicodedata.normalize("NFKC", text).lower().replace("_", " ").split())


def to_decimal(text: str) -> Decimal | None:
    """Read one number: "3,500", "8.5", "1.2亿", "3千万", "八十万", "1万5", "two"; None if it is not one."""
    text = text.strip()
    if text in EN_NUMBERS:
        return Decimal(EN_NUMBERS[text])
    m = _DIGITS.fullmatch(text)
    if m and any(ch.isdigit() for ch in m.group(1)):
        value = Decimal(m.group(1).replace(",", ""))
        for unit in m.group(2):  # "3千万" = 3 × 1000 × 10000
            value *= _CN_UNITS[unit]
        return value
    if not _CN_NUMERAL.search(text):
        return None  # cn2an is only asked about text that has a Chinese numeral in it ("八十万", "1万5")
    try:
        result = cn2an.cn2an(text, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return Decimal(str(result))


def tidy(value: Decimal) -> Decimal:
    """Drop noise digits: 120000000.0 -> 120000000, 0.300 -> 0.3 (never exponent form for whole numbers)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def detect_language(text: str) -> Literal["zh", "en"]:
    """"zh" when CJK ideographs are at least one character and 20% of the letters, else "en".

    A share rather than "any CJK" so an English sentence quoting one Chinese customer name stays English.
    """
    cjk = len(_CJK.findall(text))
    letters = sum(1 for ch in text if ch.isalpha())
    return "zh" if cjk >= 1 and cjk >= 0.2 * letters else "en"
