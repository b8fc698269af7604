"""Personal data found with validators (checksums, numbering plans), not bare patterns, and masked.

Candidates come from loose patterns; each is kept only if a validator accepts it: GB 11643 resident ID
checksum and birth date (python-stdnum), GB 32100 USCC check character (python-stdnum), Luhn for bank cards
(python-stdnum), the numbering plans of `phonenumbers` for mobiles, `email-validator` for e-mail syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum import luhn
from stdnum.cn import ric, uscc

from copilot.textfold import Folded, fold

_SEP = r"[ \-]?"
_ID = re.compile(rf"(?<![0-9A-Za-z])[1-9]\d{{5}}{_SEP}(?:18|19|20)\d{{2}}{_SEP}\d{{4}}{_SEP}\d{{3}}[0-9Xx]"
                 r"(?![0-9A-Za-z])")
_DIGITS = re.compile(r"(?<![0-9A-Za-z])\d(?:[ \-]?\d){11,22}(?![0-9A-Za-z])")
_MOBILE_CN = re.compile(r"(?<![0-9A-Za-z+])(?:(?:\+|00)?86[ \-]?)?1[3-9]\d(?:[ \-]?\d){8}(?![0-9A-Za-z])")
_INTL = re.compile(r"(?<![0-9A-Za-z])(?:\+|00)[1-9]\d{0,2}(?:[ \-().]{0,2}\d){6,14}(?![0-9A-Za-z])")
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@"
                    r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PASSPORT = re.compile(r"(?<![0-9A-Za-z])(?:E[A-HJ-NP-Z0-9]\d{7}|[GDSP]\d{8}|[A-Z]{1,2}\d{6,8}|\d{9}|"
                       r"(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{8,9})(?![0-9A-Za-z])")
_PASSPORT_WORD = re.compile(r"护照|passport", re.IGNORECASE)
_USCC = re.compile(r"(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Za-z])")
_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
}
PII_KINDS = ("resident_id", "uscc", "bank_card", "mobile", "email", "passport")


@dataclass(frozen=True)
class PiiHit:
    kind: str  # one of PII_KINDS
    start: int  # in the original text
    end: int
    value: str  # as written

    @property
    def masked(self) -> str:
        return mask_value(self.kind, self.value)


def find_pii(text: str | Folded) -> list[PiiHit]:
    """Validated personal-data values, left to right, never overlapping (IDs win over cards and phones)."""
    folded = text if isinstance(text, Folded) else fold(text)
    hits: list[tuple[str, int, int]] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, start: int, end: int) -> None:
        if not any(start < e and s < end for s, e in taken):
            hits.append((kind, start, end))
            taken.append((start, end))

    t = folded.text
    for m in _ID.finditer(t):
        if ric.is_valid(_compact(m.group())):
            add("resident_id", *m.span())
    for m in _USCC.finditer(t):
        if uscc.is_valid(m.group()):
            add("uscc", *m.span())
    for m in _MOBILE_CN.finditer(t):
        if _is_mobile(m.group(), "CN"):
            add("mobile", *m.span())
    for m in _INTL.finditer(t):
        if _is_mobile(m.group(), None):
            add("mobile", *m.span())
    for m in _DIGITS.finditer(t):
        digits = _compact(m.group())
        if 16 <= len(digits) <= 19 and luhn.is_valid(digits):
            add("bank_card", *m.span())
    for m in _EMAIL.finditer(t):
        try:
            validate_email(m.group(), check_deliverability=False)
        except EmailNotValidError:
            continue
        add("email", *m.span())
    for m in _PASSPORT.finditer(t):
        window = t[max(0, m.start() - 40): m.end() + 12]
        if _PASSPORT_WORD.search(window):
            add("passport", *m.span())
    out = []
    for kind, start, end in sorted(hits, key=lambda h: h[1]):
        s, e = folded.span(start, end)
        out.append(PiiHit(kind, s, e, folded.original[s:e]))
    return out


def mask_pii(text: str) -> str:
    """The text with every validated personal-data value masked (for logs, stored turns, hosted LLMs)."""
    hits = find_pii(text)
    for hit in reversed(hits):
        text = text[: hit.start] + hit.masked + text[hit.end:]
    return text


def mask_value(kind: str, value: str) -> str:
    """Keep just enough to recognise the value: ID 110101********1234, card ****1234, 138****5678, j***@x.com."""
    if kind == "email":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    chars = [c for c in value if c.isalnum()]
    keep_head = {"resident_id": 6, "mobile": 3, "bank_card": 4, "uscc": 2, "passport": 1}.get(kind, 1)
    keep_tail = 4 if len(chars) > 8 else 2
    if kind == "mobile" and value.lstrip().startswith(("+", "00")):
        keep_head = 0
    head, tail = "".join(chars[:keep_head]), "".join(chars[-keep_tail:])
    return head + "*" * max(len(chars) - keep_head - keep_tail, 4) + tail


def _compact(value: str) -> str:
    return re.sub(r"[ \-]", "", value).upper()


def _is_mobile(value: str, region: str | None) -> bool:
    raw = value.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return False
    if phonenumbers.is_valid_number(number):
        return phonenumbers.number_type(number) in _MOBILE_TYPES
    # Written with a country code but outside the known plans (e.g. reserved fiction ranges): still a phone.
    return region is None and phonenumbers.is_possible_number(number)
