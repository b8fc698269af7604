"""Money and percentages as people write them ("80万", "$2M", "三成"), read by code instead of the LLM.

An LLM asked to pass "80万" as a number sometimes writes 8000000; tools take the user's words and call these.
"""

from __future__ import annotations

import re
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from copilot.errors import ToolInputError

from ._common import clean, fail, quote, tidy, to_decimal

CURRENCIES = frozenset({"CNY", "USD", "EUR", "HKD", "JPY", "GBP"})

# Words and signs that name a currency. Longest first wins, so "美元" beats "元" and "HK$" beats "$".
# "¥" is read as CNY: this copilot serves Chinese sales teams; yen is written 日元/円/JPY.
_CURRENCY_WORDS: dict[str, str] = {
    "人民币": "CNY", "rmb": "CNY", "cny": "CNY", "yuan": "CNY", "¥": "CNY", "元": "CNY", "块钱": "CNY", "块": "CNY",
    "美元": "USD", "美金": "USD", "usd": "USD", "us$": "USD", "$": "USD", "dollars": "USD", "dollar": "USD",
    "欧元": "EUR", "eur": "EUR", "€": "EUR", "euros": "EUR", "euro": "EUR",
    "港币": "HKD", "港元": "HKD", "hkd": "HKD", "hk$": "HKD",
    "日元": "JPY", "日圆": "JPY", "円": "JPY", "jpy": "JPY", "yen": "JPY",
    "英镑": "GBP", "gbp": "GBP", "£": "GBP", "pounds": "GBP", "pound": "GBP",
}
# English scale words after a number: "3.5k", "$2M", "2 million", "1.5bn". ("w" for 万 is refused: ambiguous.)
_SCALES: dict[str, int] = {
    "k": 10**3, "thousand": 10**3, "m": 10**6, "mm": 10**6, "mn": 10**6, "mio": 10**6, "million": 10**6,
    "b": 10**9, "bn": 10**9, "billion": 10**9,
}
# How a percentage is marked, and what one unit of it is worth as a fraction.
_PERCENT_FORMS: list[tuple[re.Pattern[str], Decimal]] = [
    (re.compile(r"百分之(.+)"), Decimal("0.01")),
    (re.compile(r"千分之(.+)"), Decimal("0.001")),
    (re.compile(r"(.+?)\s*(?:%|percent|per cent|pct|个百分点|个点)"), Decimal("0.01")),
    (re.compile(r"(.+?)\s*‰"), Decimal("0.001")),
]


def _word_pattern(word: str) -> str:
    """A currency word as regex; letters must not be glued to other letters ("eur" is not in "europe")."""
    body = re.escape(word)
    return rf"(?<![a-z]){body}(?![a-z])" if word[0].isalpha() and word.isascii() else body


_CURRENCY_RE = re.compile(
    "|".join(_word_pattern(w) for w in sorted(_CURRENCY_WORDS, key=len, reverse=True))
)
# A per-period tail that is not part of the amount: "30万元/年", "$500 per month", "3k a seat", "10万一年".
_PER_SUFFIX = re.compile(
    r"\s*(?:/|每|一|per\s*|an?\s+)\s*(?:年度?|月|季度?|周|天|日|人|小时|year|yr|annum|month|mo|quarter|qtr"
    r"|week|wk|day|hour|hr|head|user|seat|person|license)s?$|\s*p\.?a\.?$"
)
_SCALED = re.compile(rf"([+-]?[\d,]*\.?\d+)\s*({'|'.join(sorted(_SCALES, key=len, reverse=True))})")


class Money(BaseModel):
    """An amount in whole units of a currency (800000 for "80万"); currency None when the user gave none."""

    model_config = ConfigDict(frozen=True)

    amount: Decimal
    currency: str | None


def _money_error(text: str, hint_en: str = "", hint_zh: str = "") -> ToolInputError:
    return fail(text, "an amount of money", "金额", hint_en=hint_en, hint_zh=hint_zh)


def _split_currency(text: str, folded: str) -> tuple[str | None, str]:
    """(ISO code or None, the text with currency words removed); two different currencies is an error."""
    codes = {_CURRENCY_WORDS[m.group(0)] for m in _CURRENCY_RE.finditer(folded)}
    if len(codes) > 1:
        raise _money_error(text, "It names more than one currency.", "其中包含多种货币。")
    return (codes.pop() if codes else None), _CURRENCY_RE.sub(" ", folded).strip()


def _amount(rest: str) -> Decimal | None:
    """The number left once currency and per-period words are gone: "3.5k", "2 million", "八十万"."""
    m = _SCALED.fullmatch(rest)
    if m:
        base = to_decimal(m.group(1))
        return None if base is None else base * _SCALES[m.group(2)]
    return to_decimal(rest.replace(" ", ""))


def parse_money(text: str, default_currency: str | None = None) -> Money:
    """Read an amount of money written in Chinese or English; it must be a positive number.

    The currency is the one named in the text, else ``default_currency`` (an ISO code), else None.
    """
    if default_currency is not None and default_currency.upper() not in CURRENCIES:
        raise ValueError(f"unsupported default currency {default_currency!r}")
    folded = _PER_SUFFIX.sub("", clean(text, "an amount of money", "金额"))
    currency, rest = _split_currency(text, folded)
    value = _amount(rest) if rest else None
    if value is None:
        raise _money_error(text)
    if value <= 0:
        raise _money_error(text, "The amount must be greater than zero.", "金额必须大于零。")
    return Money(amount=tidy(value), currency=currency or (default_currency and default_currency.upper()))


def _percent_value(folded: str) -> Decimal | None:
    """The fraction a percentage text stands for, or None when it is not one."""
    for pattern, unit in _PERCENT_FORMS:
        m = pattern.fullmatch(folded)
        if m:
            number = to_decimal(m.group(1))
            return None if number is None else number * unit
    m = re.fullmatch(r"(.+?)成(.*)", folded)  # 三成 = 30%, 七成五 = 75%
    if m:
        tens, ones = to_decimal(m.group(1)), to_decimal(m.group(2)) if m.group(2) else Decimal(0)
        return None if tens is None or ones is None else tens / 10 + ones / 100
    number = to_decimal(folded)
    if number is None or number <= 1:
        return number  # a plain number up to 1 is already a fraction: "0.3"
    return number / 100 if number <= 100 else None  # "30" means 30%; "150" is ambiguous


def parse_percent(text: str) -> Decimal:
    """Read a percentage as a fraction: "30%", "百分之三十", "三成" and "0.3" are all 0.3.

    A plain number above 1 and up to 100 is taken as percent ("30" -> 0.3). Results outside 0..10
    (0%..1000%) are refused as almost certainly misread.
    """
    folded = clean(text, "a percentage", "百分比")
    value = _percent_value(folded)
    if value is None:
        raise fail(text, "a percentage", "百分比",
                   hint_en="Write it like '30%' or '0.3'.", hint_zh="请写成“30%”或“百分之三十”。")
    if not 0 <= value <= 10:
        q = quote(text)
        raise ToolInputError(en=f"'{q}' is not a sensible percentage: it must be between 0% and 1000%.",
                             zh=f"“{q}”不是合理的百分比：应在 0% 到 1000% 之间。",
                             detail=f"normalize: percent out of range {text!r} -> {value}")
    return tidy(value)
