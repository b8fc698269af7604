"""Number formatting for replies: Chinese readers expect 万/亿, English readers k/M/B."""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]


def money(amount: float, lang: Lang, symbol: str = "¥") -> str:
    sign = "-" if amount < 0 else ""
    value = abs(amount)
    if lang == "zh":
        if value >= 1e8:
            return f"{sign}{symbol}{value / 1e8:,.2f}亿"
        if value >= 1e4:
            return f"{sign}{symbol}{value / 1e4:,.1f}万"
        return f"{sign}{symbol}{value:,.0f}"
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{sign}{symbol}{value / limit:,.2f}{suffix}"
    return f"{sign}{symbol}{value:,.0f}"


def count(n: float, lang: Lang) -> str:
    if lang == "zh" and abs(n) >= 1e4:
        return f"{n / 1e4:,.1f}万"
    return f"{n:,.0f}"


def pct(fraction: float, signed: bool = False) -> str:
    return f"{fraction * 100:+.1f}%" if signed else f"{fraction * 100:.1f}%"
