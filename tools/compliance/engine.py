"""The deterministic pass: every rule of every loaded pack over one text, findings with exact spans.

Fast by construction (precompiled alternations, one PII scan per text): the LLM never decides a finding.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from copilot.errors import ToolInputError
from copilot.pii import PII_KINDS, PiiHit, find_pii
from copilot.textfold import Folded, fold
from tools.compliance.claims import ClaimScorer
from tools.compliance.deals import find_discounts, payment_issues
from tools.compliance.mentions import mentions
from tools.compliance.model import SEVERITY_RANK, Finding, Pack, Rule, Verdict

MAX_CHARS = 200_000  # one check; chat messages are bounded far lower by settings.max_input_chars


@dataclass(frozen=True)
class Asker:
    """What a check needs to know about the person: discount authority and who approves above it."""

    discount_limit_pct: float = 0.0
    approver: str | None = None


@dataclass(frozen=True)
class _Compiled:
    pack: Pack
    rule: Rule
    match: re.Pattern[str] | None
    unless: re.Pattern[str] | None
    groups: tuple[tuple[re.Pattern[str] | None, ...], ...]  # None = '@pii'
    latin: bool = False  # matched on the Latin view of the text (see `latin_view`)


def _term_regex(term: str) -> str:
    body = r"\s*".join(re.escape(part) for part in term.split())
    if re.search(r"[A-Za-z0-9]", term[:1]):
        body = r"(?<![A-Za-z0-9])" + body
    if re.search(r"[A-Za-z0-9]", term[-1:]):
        body += r"(?![A-Za-z0-9])"
    return body


def _alternation(parts: list[str], flags: int) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in parts), flags) if parts else None


def compile_rule(pack: Pack, rule: Rule) -> _Compiled:
    terms = [_term_regex(t) for t in sorted(rule.terms, key=len, reverse=True)]
    # An English-only rule reads word boundaries the ASCII way: in "我们是market leader啊" or "抗老界的GOAT" the
    # English words are words, though a Chinese character (a word character to Unicode) touches them. It reads the
    # Latin view of the text, so "café" and a no-break space still read as a word and a space.
    latin = rule.languages == ["en"]
    flags = re.IGNORECASE | (re.ASCII if latin else 0)
    groups = tuple(tuple(None if p == "@pii" else re.compile(p, flags) for p in group) for group in rule.all_of)
    return _Compiled(pack, rule, _alternation(terms + rule.patterns, flags), _alternation(rule.unless, flags), groups,
                     latin)


def _latin_table() -> dict[int, str]:
    """Accented Latin letters to their base letter, and no-break spaces to a space: one character for one."""
    table: dict[int, str] = {0xA0: " ", 0x202F: " "}
    for code in range(0xC0, 0x250):
        base = unicodedata.normalize("NFKD", chr(code))[:1]
        if base.isascii() and base.isalpha():
            table[code] = base
    return table


_LATIN = _latin_table()


def latin_view(text: str) -> str:
    """`text` with the same length, accents stripped from Latin letters and no-break spaces made plain."""
    return text.translate(_LATIN)


class Checker:
    """All rules of the given packs, compiled once. With a claim scorer, rules whose detector is `claim_model` add
    the clauses it flags that no other rule of their kind found; without one they stay silent."""

    def __init__(self, packs: list[Pack], claims: Callable[[], ClaimScorer] | None = None) -> None:
        self.packs = packs
        self.claims = claims  # built on the first text it is needed for (it loads the embedder)
        self._rules = [compile_rule(p, r) for p in packs for r in p.rules]
        self._learned = [c for c in self._rules if c.rule.detector == "claim_model"]

    def check(self, text: str, asker: Asker | None = None, lang: Literal["zh", "en"] = "en") -> list[Finding]:
        asker = asker or Asker()
        if len(text) > MAX_CHARS:
            raise ToolInputError(
                en=f"That text is too long to check ({len(text):,} characters; the limit is {MAX_CHARS:,}). "
                   "Split it into parts.",
                zh=f"文本过长（{len(text):,} 个字符，上限 {MAX_CHARS:,}），请分段检查。",
            )
        folded = fold(text)
        pii = find_pii(folded)
        quoted = _union(mentions(folded.text))
        findings: list[Finding] = []
        latin = latin_view(folded.text)
        for compiled in self._rules:
            for start, end, fields in _hits(compiled, folded, pii, asker, quoted, latin):
                findings.append(_finding(compiled, folded.original, start, end, lang, fields, pii))
        if self._learned and self.claims is not None:
            findings += self._learned_findings(self.claims(), folded, _dedupe(findings), lang, pii, quoted)
        return _dedupe(findings)

    def _learned_findings(self, scorer: ClaimScorer, folded: Folded, found: list[Finding],
                          lang: Literal["zh", "en"], pii: list[PiiHit], quoted: list[Span]) -> list[Finding]:
        """Flagged clauses no rule of the same kind already covers: the model adds to the rules, never repeats
        or replaces them."""
        out: list[Finding] = []
        for hit in scorer.find(folded.text):
            start, end = folded.span(hit.start, hit.end)
            if any(f.kind == hit.kind and f.start < end and start < f.end for f in found):
                continue
            for c in self._learned:
                if c.rule.kind == hit.kind and not (c.rule.excuse_mentions and _within(hit.start, hit.end, quoted)):
                    out.append(_finding(c, folded.original, start, end, lang, {"p": f"{hit.probability:.2f}"}, pii))
        return out

    def rule(self, rule_id: str) -> Rule:
        return next(c.rule for c in self._rules if c.rule.id == rule_id)


def verdict(findings: list[Finding]) -> Verdict:
    worst = max((SEVERITY_RANK[f.severity] for f in findings), default=0)
    return "block" if worst == 2 else "warn" if worst == 1 else "pass"


Hit = tuple[int, int, dict[str, str]]  # original start, end, advice fields
Span = tuple[int, int]


def _within(start: int, end: int, spans: list[Span]) -> bool:
    """Whether any of the spans (sorted, not overlapping: folded offsets) overlaps start..end."""
    i = bisect_left(spans, (end, end))  # spans[:i] start before `end`; the last of them ends furthest
    return i > 0 and spans[i - 1][1] > start


def _union(spans: list[Span]) -> list[Span]:
    """Sorted, non-overlapping spans covering the same characters (what `_within` looks up)."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _hits(c: _Compiled, folded: Folded, pii: list[PiiHit], asker: Asker, quoted: list[Span], latin: str) -> list[Hit]:
    rule, text = c.rule, latin if c.latin else folded.text
    hits: list[Hit] = []
    if rule.detector in PII_KINDS:
        hits += [(h.start, h.end, {}) for h in pii if h.kind == rule.detector]
    elif rule.detector == "discount":
        for d in find_discounts(text):
            if d.off_pct > asker.discount_limit_pct:
                hits.append((*folded.span(d.start, d.end), {
                    "off": f"{d.off_pct:g}%", "limit": f"{asker.discount_limit_pct:g}%",
                    "approver": asker.approver or "-"}))
    elif rule.detector == "payment_terms":
        hits += [(*folded.span(p.start, p.end), {"detail": p.detail}) for p in payment_issues(text)]
    if c.match is not None:
        # A claim is excused when it starts inside an excuse ("全网最快发货" is a claim though "最快发货", a delivery
        # time, is excused), or when it overlaps a quote that is talked about ("承诺“全国次日达100%”" as a rival's).
        excused = _union([m.span() for m in c.unless.finditer(text)]) if c.unless else []
        mentioned = quoted if rule.excuse_mentions else []
        for m in c.match.finditer(text):
            if m.end() > m.start() and not (_within(m.start(), m.start() + 1, excused)
                                            or _within(m.start(), m.end(), mentioned)):
                hits.append((*folded.span(*m.span()), {}))
    if c.groups:
        hits += _cooccurring(c, folded, pii, text)
    return hits


def _cooccurring(c: _Compiled, folded: Folded, pii: list[PiiHit], text: str) -> list[Hit]:
    """Every group matched within one sentence or a sentence and the one before it; the finding is that span."""
    hits: list[Hit] = []
    sentences = folded.sentences()
    for i, (_, s_end) in enumerate(sentences):
        for first in ((i - 1, i) if i else (i,)):
            w_start = sentences[first][0]
            window = text[w_start:s_end]
            if c.unless and c.unless.search(window):
                break
            o_start, o_end = folded.span(w_start, s_end)
            if all(_group_matches(g, window, pii, o_start, o_end) for g in c.groups):
                hits.append((o_start, o_end, {}))
                break
    return hits


def _group_matches(group: tuple[re.Pattern[str] | None, ...], window: str, pii: list[PiiHit], o_start: int,
                   o_end: int) -> bool:
    # '@pii' means personal data: a USCC identifies a company, not a person.
    return any(any(o_start <= h.start and h.end <= o_end and h.kind != "uscc" for h in pii) if p is None
               else p.search(window) for p in group)


def _finding(c: _Compiled, original: str, start: int, end: int, lang: Literal["zh", "en"],
             fields: dict[str, str], pii: list[PiiHit]) -> Finding:
    value = original[start:end]
    for hit in pii:  # never echo personal data, whichever rule matched it
        if hit.start < end and start < hit.end:
            value = value.replace(hit.value, hit.masked)
    advice = c.rule.advice.get(lang)
    for key, val in fields.items():
        advice = advice.replace("{" + key + "}", val)
    return Finding(rule_id=c.rule.id, kind=c.rule.kind, pack=c.pack.pack, severity=c.rule.severity, start=start,
                   end=end, text=value, title=c.rule.title.get(lang), reference=c.rule.reference, advice=advice)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and span; of overlapping hits of one kind, the longest."""
    ordered = sorted(findings, key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Finding] = []
    reach: dict[str, int] = {}  # per kind, the furthest end kept so far: kept starts are <= this start
    for f in ordered:
        if f.start < reach.get(f.kind, -1):
            continue
        kept.append(f)
        reach[f.kind] = max(reach.get(f.kind, -1), f.end)
    return kept
