"""Deal terms read from sales text: discounts (7折, 八五折, 让利20%, 25% off) and payment milestones.

Both feed rules that need facts, not phrases: a discount is compared with the asker's approval limit from the
directory; payment milestones must add up to 100% and not fall due before the delivery they depend on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from dateutil import parser as dateutil_parser

_CN_DIGIT = {"一": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8",
             "九": "9", "〇": "0", "零": "0"}
# 打7折 / 7.5折 / 八五折 / 75折 (but not 折旧, 折叠, 折算, 折合, 折线)
_ZHE = re.compile(r"((?<![0-9.])[1-9](?:\.[0-9]|[0-9])?|(?<![十百千万])[一二两三四五六七八九]|"
                  r"[五六七八九][一二三四五六七八九]|[五六七八九]点[一二三四五六七八九])\s*折(?![旧叠算合线返射])")
_PCT_WORDS_ZH = r"(?:优惠|让利|降价|折扣|减免|直降|立减|下浮|返利|打折)"
_PCT = r"(\d{1,2}(?:\.\d+)?)\s*(?:%|％|个点|percent)"
_DISCOUNT_PATTERNS = [
    re.compile(_PCT_WORDS_ZH + r"(?:了|幅度|为|达|到|高达|达到)?\s*" + _PCT),
    re.compile(_PCT + r"\s*(?:的)?" + _PCT_WORDS_ZH),
    re.compile(_PCT + r"\s*(?:off|discount|price cut|price reduction|rebate|markdown|mark-down)\b", re.IGNORECASE),
    # A bare reduction is usually a result (40% reduction in downtime), so it needs a price after it.
    re.compile(_PCT + r"\s*reduction\s+(?:on\b|(?:in|of|to)\s+(?:the\s+|your\s+|our\s+)?"
                      r"(?:list\s+)?(?:price|quote|fee|subscription|licen[cs]e))", re.IGNORECASE),
    re.compile(r"\b(?:discount|rebate|price cut|price reduction)\s+(?:of\s+|at\s+|by\s+)?(?:up to\s+)?" + _PCT,
               re.IGNORECASE),
    re.compile(r"\b(?:cut|reduce|lower|drop)\s+(?:the\s+)?(?:price|quote|list price)s?\s+by\s+" + _PCT, re.IGNORECASE),
]


@dataclass(frozen=True)
class Discount:
    start: int
    end: int
    off_pct: float  # 7折 -> 30.0


def find_discounts(text: str) -> list[Discount]:
    found: list[Discount] = [Discount(m.start(), m.end(), 50.0) for m in re.finditer(r"打?对折", text)]
    for m in _ZHE.finditer(text):
        digits = "".join(_CN_DIGIT.get(c, c) for c in m.group(1)).replace("点", ".")
        if not digits.replace(".", "").isdigit():
            continue
        # 7折 and 7.5折 are tenths of the price, 75折 hundredths.
        pay = float(digits) * 10 if ("." in digits or len(digits) == 1) else float(digits)
        if 0 < pay < 100:
            found.append(Discount(m.start(), m.end(), round(100 - pay, 2)))
    for pattern in _DISCOUNT_PATTERNS:
        for m in pattern.finditer(text):
            if any(d.start < m.end() and m.start() < d.end for d in found):
                continue
            value = float(m.group(1))
            if 0 < value < 100:
                found.append(Discount(m.start(), m.end(), value))
    return sorted(found, key=lambda d: d.start)


# ---- payment milestones -------------------------------------------------------------------------------------

# Not bare 款 (这款, 新款 are "model") nor "due to" (a cause).
_PAY_WORDS = (r"预付|首付|定金|订金|首款|进度款|[付货收尾余期]款|款项|质保金|保证金|支付|付|"
              r"advance|deposit|down payment|upfront|payment|paid|payable|balance|retention|installment|due(?!\s+to\b)")
# Percentages in these clauses are penalties or interest, not instalments of the price (unless the clause names a
# milestone too: "质保金5%不计利息" is an instalment).
_NOT_INSTALMENT = re.compile(
    r"违约金|赔偿|赔付|罚|滞纳金|利息|penalt|liquidated damages|late fee|interest(?!ed)|compensat", re.IGNORECASE)
_PAY_PCT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*(?:%|％)")
_EVENT = {
    "delivery": re.compile(r"到货|发货|交付|交货|上线|delivery|deliver|shipment|ship|go-live", re.IGNORECASE),
    "acceptance": re.compile(r"验收|终验|初验|acceptance|sign-off", re.IGNORECASE),
}
_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"|(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?\s+\d{1,2},?\s+\d{4}"
    r"|\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{4}",
    re.IGNORECASE)
_PAY_CONTEXT = re.compile(_PAY_WORDS, re.IGNORECASE)
_MILESTONE = re.compile(r"签约|签订|合同生效|到货|发货|交付|交货|上线|验收|终验|初验|质保|安装|调试|完工|投产|UAT|"
                        r"signing|signature|delivery|shipment|go-live|acceptance|retention|warranty|completion|milestone|"
                        r"commissioning|installation", re.IGNORECASE)
# A payment tied to an event cannot fall due before that event, nor before what the event itself needs.
_NOT_BEFORE = {"delivery": ("delivery",), "acceptance": ("acceptance", "delivery")}
_CLAUSE = re.compile(r"(?:[^，,；;。\n.]|\.(?!\s|$))+")  # an English full stop ends a clause; 4.7 does not


@dataclass(frozen=True)
class PaymentIssue:
    start: int
    end: int
    problem: str  # "sum" | "order"
    detail: str


def payment_issues(text: str) -> list[PaymentIssue]:
    """Milestone percentages that do not add up to 100%, and payments due before the event they depend on."""
    clauses = [(m.start(), m.end(), m.group()) for m in _CLAUSE.finditer(text)]
    pays: list[tuple[int, int, float]] = []
    for start, _end, clause in clauses:
        milestone = _MILESTONE.search(clause)
        if not (_PAY_CONTEXT.search(clause) or milestone) or (_NOT_INSTALMENT.search(clause) and not milestone):
            continue
        for m in _PAY_PCT.finditer(clause):
            tail = clause[m.end(): m.end() + 6]
            if re.match(r"\s*(?:的)?(?:折扣|优惠|off|discount|增长|growth|利率|interest|税|tax|VAT)", tail, re.I):
                continue
            pays.append((start + m.start(), start + m.end(), float(m.group(1))))
    issues: list[PaymentIssue] = []
    if len(pays) >= 2:
        total = sum(p[2] for p in pays)
        if abs(total - 100) > 0.01:
            last = pays[-1]
            issues.append(PaymentIssue(last[0], last[1], "sum", f"{total:g}%"))
    issues.extend(_order_issues(text, clauses))
    return issues


def _order_issues(text: str, clauses: list[tuple[int, int, str]]) -> list[PaymentIssue]:
    event_dates: dict[str, date] = {}
    payment_dates: list[tuple[int, int, str, date]] = []
    for start, end, clause in clauses:
        when = _clause_date(clause)
        if when is None:
            continue
        events = [name for name, rx in _EVENT.items() if rx.search(clause)]
        if _PAY_CONTEXT.search(clause) and re.search(r"款|付|pay|due|balance|installment", clause, re.I):
            for name in events:
                payment_dates.append((start, end, name, when))
        elif events:
            for name in events:
                event_dates.setdefault(name, when)
    issues = []
    for start, end, name, due in payment_dates:
        for event in _NOT_BEFORE[name]:
            happens = event_dates.get(event)
            if happens and due < happens:
                issues.append(PaymentIssue(start, end, "order", f"{name} payment {due.isoformat()} < {event} "
                                                                 f"{happens.isoformat()}"))
                break
    return issues


def _clause_date(clause: str) -> date | None:
    m = _DATE.search(clause)
    if not m:
        return None
    try:
        if m.group(1):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return dateutil_parser.parse(m.group(), fuzzy=True).date()
    except (ValueError, OverflowError):
        return None
