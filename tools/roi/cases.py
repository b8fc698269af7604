"""Similar customer cases from the knowledge base, with the figures they state quoted verbatim."""

from __future__ import annotations

import re
from dataclasses import dataclass

from copilot.context import User
from knowledge.search import KnowledgeBase

_FIGURE_LINE = re.compile(r"[^。；;\n]*?(?:\d[\d,.]*\s*(?:%|万|亿|元|个月|月|年|k|K|M|m|x|倍|months?|years?)|"
                          r"ROI|payback|回收期|节省|saving)[^。；;\n]*", re.IGNORECASE)


@dataclass(frozen=True)
class Case:
    doc_id: str
    title: str
    source: str
    location: str
    industry: str
    figures: list[str]  # sentences quoted from the case that carry its numbers


def similar_cases(kb: KnowledgeBase, user: User, *, industry: str | None, product: str | None,
                  customer: str, lang: str, k: int = 3) -> list[Case]:
    """Up to k case documents the user may read, same industry first; [] when none match (never invented)."""
    words = " ".join(w for w in (industry, product, "ROI 投资回报 回收期 节省 case") if w)
    hits = kb.search(f"{customer} {words}", user, k=8, filters={"doc_type": "case"}, lang=lang, translated="")
    relevant = [h for h in hits if h.evidence]
    if industry:
        relevant.sort(key=lambda h: h.metadata.get("industry", "").lower() != industry.lower())
    out: list[Case] = []
    for hit in relevant[:k]:
        body = hit.text.split("\n", 1)[-1]
        figures = [m.group().strip(" -·") for m in _FIGURE_LINE.finditer(body) if re.search(r"\d", m.group())]
        out.append(Case(hit.doc_id, hit.title, hit.source.rsplit("/", 1)[-1], hit.location,
                        str(hit.metadata.get("industry", "")), figures[:3]))
    return out
