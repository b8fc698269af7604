"""Resolve what a user (or the LLM) called a region, channel, category or SKU to its warehouse code.

Matching is done in code against the bilingual dimension tables, so "华东", "East China" and "east" all mean
the same region and an unknown name is refused with the valid choices instead of guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import duckdb

from copilot.errors import ToolInputError

Kind = Literal["region", "channel", "category", "sku"]

_TABLES: dict[Kind, tuple[str, str, str, str]] = {
    # kind: (table, code column, zh name column, en name column)
    "region": ("dim_region", "region_code", "name_zh", "name_en"),
    "channel": ("dim_channel", "channel_code", "name_zh", "name_en"),
    "category": ("dim_product", "category_code", "category_zh", "category_en"),
    "sku": ("dim_product", "sku", "name_zh", "name_en"),
}
_LABEL = {
    "region": ("region", "区域"),
    "channel": ("channel", "渠道"),
    "category": ("category", "品类"),
    "sku": ("product", "产品"),
}
_NOISE = ("地区", "大区", "区域", "区", "region", "china", "渠道", "channel", "品类", "category", " ")


@dataclass(frozen=True)
class Member:
    code: str
    name_zh: str
    name_en: str

    def name(self, lang: Literal["zh", "en"]) -> str:
        return self.name_zh if lang == "zh" else self.name_en


def members(conn: duckdb.DuckDBPyConnection, kind: Kind) -> list[Member]:
    table, code, zh, en = _TABLES[kind]
    rows = conn.execute(f"SELECT DISTINCT {code}, {zh}, {en} FROM {table} ORDER BY 1").fetchall()
    return [Member(str(r[0]), str(r[1]), str(r[2])) for r in rows]


def _key(text: str) -> str:
    key = text.strip().lower()
    for noise in _NOISE:
        key = key.replace(noise, "")
    return key


def resolve(conn: duckdb.DuckDBPyConnection, kind: Kind, text: str) -> Member:
    """The member whose code or Chinese/English name matches `text` (exactly, else uniquely by prefix)."""
    options = members(conn, kind)
    key = _key(text)
    if key:
        for m in options:
            if key in (_key(m.code), _key(m.name_zh), _key(m.name_en)):
                return m
        partial = [m for m in options if any(_key(n).startswith(key) or key in _key(n)
                                             for n in (m.name_zh, m.name_en))]
        if len(partial) == 1:
            return partial[0]
    en_label, zh_label = _LABEL[kind]
    sample_en = ", ".join(f"{m.name_en} ({m.code})" for m in options[:12])
    sample_zh = "、".join(f"{m.name_zh}（{m.code}）" for m in options[:12])
    raise ToolInputError(
        en=f"I don't know the {en_label} '{text}'. Known: {sample_en}.",
        zh=f"未找到{zh_label}“{text}”。可选：{sample_zh}。",
    )
