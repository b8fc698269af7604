"""Compliant rewrites: rule-driven edits (always available) or an LLM proposal, both re-checked.

Rule edits replace the flagged phrase with the pack's safer wording, mask personal data, cut a discount to the
asker's limit and add the pack's qualifying clause to the sentence (consent, estimate, legal review).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from copilot.pii import find_pii
from copilot.textfold import fold, is_traditional, to_traditional
from tools.compliance.deals import find_discounts
from tools.compliance.engine import Asker, Checker, verdict
from tools.compliance.model import VERDICT_RANK, Finding, Report, Rule

_PII_FINDING_KINDS = {"pii_id", "pii_phone", "pii_card", "pii_email", "pii_passport", "pii_uscc"}
_SENTENCE_END = re.compile(r"[。！？!?；;\n]|\.(?=\s|$)")

# An LLM proposal: (text, findings, language) -> rewritten text. Raises or returns "" when it cannot help.
Proposer = Callable[[str, list[Finding], Literal["zh", "en"]], str]


def rule_rewrite(checker: Checker, text: str, findings: list[Finding], asker: Asker,
                 lang: Literal["zh", "en"]) -> str:
    """Edits on the original offsets (phrase swaps, qualifying clauses at sentence ends), applied right to left;
    personal data masked last."""
    edits: list[tuple[int, int, str]] = []
    clauses: dict[int, list[str]] = {}
    for f in findings:
        rule = checker.rule(f.rule_id)
        span = text[f.start:f.end]
        if f.kind in _PII_FINDING_KINDS:
            continue  # masked below, all at once
        if rule.detector == "discount":
            if asker.discount_limit_pct <= 0 and "折" in span:
                edits.append(_at_list_price(text, f.start, f.end))
            else:
                edits.append((f.start, f.end, _discount_at_limit(span, asker.discount_limit_pct)))
        elif rule.replacement is not None:
            edits.append((f.start, f.end, _script(text, f.start, rule.replacement.get(_lang_at(text, f.start, lang)))))
        elif rule.terms or rule.patterns:
            start, end, new = _replacement(rule, text, f.start, f.end)
            edits.append(_own_article(text, start, end, _script(text, f.start, new)))
        if rule.suffix is not None:
            clause = _script(text, f.start, rule.suffix.get(_lang_at(text, f.start, lang)))
            if clause not in text:
                # Co-occurrence findings span two sentences: qualify the first, which every window includes.
                at = _sentence_end(text, f.start if rule.all_of else f.end)
                clauses.setdefault(at, []).append(clause)
    edits += [(at, at, "".join(dict.fromkeys(added))) for at, added in clauses.items()]
    out, floor = text, len(text) + 1
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        if end > floor:
            continue  # overlaps an edit already made (two rules on one phrase)
        out = out[:start] + new + out[end:]
        floor = start
    for hit in reversed(find_pii(out)):
        out = out[: hit.start] + hit.masked + out[hit.end:]
    return out


def build_report(checker: Checker, text: str, asker: Asker, lang: Literal["zh", "en"],
                 propose: Proposer | None = None) -> Report:
    """Findings, verdict and a rewrite that passed its own re-check (or the best one, marked with its verdict)."""
    findings = checker.check(text, asker, lang)
    packs = [f"{p.pack}@{p.version}" for p in checker.packs]
    result = verdict(findings)
    if result == "pass":
        return Report(verdict=result, findings=findings, rewrite=None, packs=packs, chars=len(text))
    candidates: list[tuple[str, Literal["llm", "rules"]]] = []
    if propose is not None:
        try:
            proposal = propose(text, findings, lang).strip()
        except Exception:
            proposal = ""
        if proposal:
            candidates.append((proposal, "llm"))
    candidates.append((_rules_until_clean(checker, text, findings, asker, lang), "rules"))
    best: tuple[str, Literal["llm", "rules"], str] | None = None
    for candidate, source in candidates:
        again = verdict(checker.check(candidate, asker, lang))
        if best is None or VERDICT_RANK[again] < VERDICT_RANK[best[2]]:
            best = (candidate, source, again)
        if again == "pass":
            break
    assert best is not None
    return Report(verdict=result, findings=findings, rewrite=best[0], rewrite_by=best[1],
                  rewrite_verdict=best[2], packs=packs, chars=len(text))  # type: ignore[arg-type]


def _rules_until_clean(checker: Checker, text: str, findings: list[Finding], asker: Asker,
                       lang: Literal["zh", "en"], rounds: int = 3) -> str:
    """Rule edits, re-checked; a phrase left behind by overlapping edits gets another round."""
    out = rule_rewrite(checker, text, findings, asker, lang)
    for _ in range(rounds - 1):
        again = checker.check(out, asker, lang)
        if verdict(again) == "pass":
            break
        edited = rule_rewrite(checker, out, again, asker, lang)
        if edited == out:
            break
        out = edited
    return out


def _script(text: str, pos: int, new: str) -> str:
    """Wording inserted into a sentence written in Traditional characters is written in them too."""
    start = text.rfind("\n", 0, pos) + 1
    return to_traditional(new) if is_traditional(text[start:_sentence_end(text, pos)]) else new


def _replacement(rule: Rule, text: str, start: int, end: int) -> tuple[int, int, str]:
    """The pack's safer wording for the phrase flagged at text[start:end], with the range it replaces (a little
    wider than the phrase when a word around it goes too); a Traditional phrase is looked up by its Simplified
    form (one character for one, so positions in it hold in the original)."""
    span, after = text[start:end], text[end:end + 8]
    folded = fold(span).text
    key = folded.lower()
    if key in rule.rewrite:
        new = rule.rewrite[key]
        # "we are the best." -> "we are an excellent choice.", "number one in service" -> "an established choice
        # in service": an article needs a noun, and a preposition is not one.
        if re.match(r"(?:an?|the)\s", new) and not re.match(r"\s*(?!(?:in|at|for|on|of|among|across)\b)\w",
                                                            after, re.IGNORECASE):
            new += " choice"
        return start, end, new
    if folded.endswith("最"):
        # A scope with its degree word (全网最, 业内最) before the adjective it grades: the pack's wording for 最
        # and what follows (全网最好喝 -> 美味, 全网最低价 -> 优惠价), else 很 without the scope (业内最快 -> 很快).
        if fold(text[start - 1:start]).text == "全":
            start -= 1  # 全行业最 is found from 行业
        tail = fold(after).text
        for n in range(len(tail), 0, -1):
            if (word := "最" + tail[:n]) in rule.rewrite:
                return start, end + n, rule.rewrite[word]
        return start, end, "很"
    # A pattern hit ("保证节省", "guarantee 30% savings"): replace the promising word inside it.
    for word in sorted(rule.rewrite, key=len, reverse=True):
        if word != "*" and (m := re.search(re.escape(word), folded, re.IGNORECASE)):
            new = "很好" if word == "最好" and _HAN.match(folded, m.end()) else rule.rewrite[word]  # 最好用 -> 很好用
            return start, end, span[: m.start()] + new + span[m.end():]
    return start, end, rule.rewrite.get("*", "")


_HAN = re.compile(r"[\u4e00-\u9fff]")


_ARTICLE_BEFORE = re.compile(r"\b(?:the|an?)\s+$", re.IGNORECASE)


def _own_article(text: str, start: int, end: int, new: str) -> tuple[int, int, str]:
    """A replacement with its own article takes the place of the one before the phrase: "the No.1 CRM" -> "an
    established CRM", not "the an established CRM". At the start of a sentence it starts with a capital, as the
    words it replaces did ("Nothing beats our prices" -> "We recommend our prices")."""
    before = _ARTICLE_BEFORE.search(text, max(0, start - 5), start)
    if before is not None and re.match(r"(?:an?|the)\s", new):
        start = before.start()
    sentence_start = text[:start].rstrip(" \t\"“‘'(")[-1:] in ("", ".", "!", "?", "。", "！", "？", "\n")
    if sentence_start and new[:1].islower() and text[start].isupper():
        new = new[0].upper() + new[1:]
    return start, end, new


def _at_list_price(text: str, start: int, end: int) -> tuple[int, int, str]:
    """An asker with no discount authority offers the list price, not "打10折" (which reads as 90% off):
    打7折 -> 按原价, 8.5折起 -> 原价."""
    at = start - 1 if text[start - 1:start] == "打" else start
    to = end + 1 if text[end:end + 1] == "起" else end
    return at, to, _script(text, start, "按原价" if "打" in text[at:start + 1] else "原价")


def _discount_at_limit(span: str, limit: float) -> str:
    folded = fold(span).text  # one character for one: positions found here hold in the original span
    if not find_discounts(folded):
        return span
    if "折" in span:
        pay = 100 - limit
        zhe = f"{pay / 10:g}" if pay % 10 == 0 else f"{pay:g}"
        m = re.search(r"[0-9一二两三四五六七八九〇零.点]+(?=\s*折)|对(?=折)", folded)
    else:
        zhe = f"{limit:g}"
        m = re.search(r"\d{1,2}(?:\.\d+)?(?=\s*(?:%|％|个点|percent))", folded)
    return span[: m.start()] + zhe + span[m.end():] if m else span


def _sentence_end(text: str, pos: int) -> int:
    m = _SENTENCE_END.search(text, pos)
    return m.start() if m else len(text)


def _lang_at(text: str, pos: int, default: Literal["zh", "en"]) -> Literal["zh", "en"]:
    start = text.rfind("\n", 0, pos) + 1
    end = _sentence_end(text, pos)
    sentence = text[start:end]
    han = sum(1 for ch in sentence if "\u4e00" <= ch <= "\u9fff")
    latin = sum(1 for ch in sentence if ch.isascii() and ch.isalpha())
    if han == latin == 0:
        return default
    return "zh" if han * 2 >= latin / 3 else "en"
