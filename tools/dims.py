"""Resolve what a user (or the LLM) called a region, channel, category or SKU to its warehouse code.

Matching is done in code against the bilingual dimension tables and their aliases (`dim_alias`), so "华东",
"华东区", "East China" and "east" all mean the same region, and an unknown name is refused with the valid
choices instead of guessed.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

from copilot.errors import ToolInputError

T = TypeVar("T")

Kind = Literal["region", "channel", "category", "sku"]


class Queryable(Protocol):
    """What these helpers need of a connection: a DuckDB connection, or a SQLAlchemy one behind an adapter."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...


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
    "customer": ("customer", "客户"),
    "rep": ("sales rep", "销售"),
}
_NOISE = ("地区", "大区", "区域", "区", "region", "china", "渠道", "channel", "品类", "category", " ")


@dataclass(frozen=True)
class Member:
    code: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...] = field(default=())

    def name(self, lang: Literal["zh", "en"]) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    @property
    def names(self) -> tuple[str, ...]:
        return (self.code, self.name_zh, self.name_en, *self.aliases)


def members(conn: Queryable, kind: Kind) -> list[Member]:
    table, code, zh, en = _TABLES[kind]
    rows = conn.execute(f"SELECT DISTINCT {code}, {zh}, {en} FROM {table} ORDER BY 1").fetchall()
    aliases: dict[str, list[str]] = {}
    has_aliases = conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'dim_alias'")
    if (has_aliases.fetchone() or (0,))[0]:  # optional table: a customer's warehouse may not have it
        query = "SELECT code, alias FROM dim_alias WHERE kind = ? ORDER BY 1, 2"
        for c, alias in conn.execute(query, [kind]).fetchall():
            aliases.setdefault(str(c), []).append(str(alias))
    return [Member(str(r[0]), str(r[1]), str(r[2]), tuple(aliases.get(str(r[0]), ()))) for r in rows]


def _key(text: str) -> str:
    key = text.strip().lower()
    for noise in _NOISE:
        key = key.replace(noise, "")
    return key


def resolve(conn: Queryable, kind: Kind, text: str) -> Member:
    """The member whose code, name or alias matches `text` (exactly, else uniquely by prefix)."""
    return resolve_in(members(conn, kind), kind, text)


def resolve_in(options: list[Member], kind: str, text: str) -> Member:
    """`text` matched against known members; an unknown name is refused with the closest names, in both languages."""
    key = _key(text)
    if key:
        for m in options:
            if key in {_key(n) for n in m.names}:
                return m
        partial = [m for m in options if any(_key(n).startswith(key) or key in _key(n) for n in m.names[1:])]
        if len(partial) == 1:
            return partial[0]
    en_label, zh_label = _LABEL.get(kind, (kind, kind))
    close = suggest(options, text)
    shown = close or options[:12]
    sample_en = ", ".join(f"{m.name_en} ({m.code})" for m in shown)
    sample_zh = "、".join(f"{m.name_zh}（{m.code}）" for m in shown)
    raise ToolInputError(
        en=f"I don't know the {en_label} '{text}'. {'Did you mean' if close else 'Known'}: {sample_en}"
           f"{'?' if close else '.'}",
        zh=f"未找到{zh_label}“{text}”。{'您是不是指' if close else '可选'}：{sample_zh}{'？' if close else '。'}",
    )


def suggest(options: list[Member], text: str, n: int = 3) -> list[Member]:
    """The members whose names are closest to `text` (difflib), best first."""
    by_name = {_key(name): m for m in options for name in m.names if _key(name)}
    found: list[Member] = []
    for name in difflib.get_close_matches(_key(text), list(by_name), n=n * 3, cutoff=0.5):
        if by_name[name] not in found:
            found.append(by_name[name])
    return found[:n]


def named_in_text(options: list[Member], text: str) -> list[Member]:
    """Members the text names, longest name first, without overlaps; in order of appearance.

    Latin names match as whole words, plural allowed ("East" is not inside "Northeast"; "distributors"); Chinese
    names as substrings.
    """
    return terms_in_text(((n, m) for m in options for n in m.names[1:] if n), text, plural=True)


def terms_in_text(terms: Iterable[tuple[str, T]], text: str, plural: bool = False) -> list[T]:
    """The values whose terms occur in `text` (any case), longest term first without overlaps, in order of
    appearance. Latin terms match as whole words, Chinese ones as substrings."""
    spans: list[tuple[int, int, T]] = []
    for term, value in sorted(terms, key=lambda tv: -len(tv[0])):
        for hit in _term_pattern(term, plural).finditer(text):
            if all(hit.end() <= a or hit.start() >= b for a, b, _ in spans):
                spans.append((hit.start(), hit.end(), value))
    found: list[T] = []
    for _, _, value in sorted(spans, key=lambda s: s[0]):
        if value not in found:
            found.append(value)
    return found


@functools.lru_cache(maxsize=16384)
def _term_pattern(term: str, plural: bool) -> re.Pattern[str]:
    """Compiled once per term: a turn matches hundreds of names, more than `re`'s own cache (512) holds, so going
    through it would recompile every one of them on every turn."""
    if not term.isascii():
        return re.compile(re.escape(term), re.IGNORECASE)
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(term)}{'(?:s|es)?' if plural else ''}(?![A-Za-z0-9])",
                      re.IGNORECASE)


_COMPANY_SUFFIXES = re.compile(r"(集团|控股|股份|有限公司|公司|\s+(?:group|holdings|co\.?|ltd\.?|inc\.?|corp\.?))+$",
                               re.IGNORECASE)


def customers(conn: Queryable) -> list[Member]:
    """CRM customers with the short names people use: 美的 for 美的集团, Midea for Midea Group, Hema for
    "Freshippo (Hema)"."""
    rows = conn.execute("SELECT customer_id, name_zh, name_en FROM dim_customer ORDER BY 1").fetchall()
    out = []
    for cid, zh, en in rows:
        short = {_COMPANY_SUFFIXES.sub("", str(zh)), _COMPANY_SUFFIXES.sub("", str(en))}
        short |= {part.strip() for part in re.split(r"[()（）]", str(en)) if len(part.strip()) > 2}
        aliases = tuple(sorted(a for a in short if len(a) >= 2 and a not in (zh, en)))
        out.append(Member(str(cid), str(zh), str(en), aliases))
    return out
