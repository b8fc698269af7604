"""Policy packs and findings as typed data: what a pack file may say, and what a check returns."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Severity = Literal["info", "warn", "block"]
Verdict = Literal["pass", "warn", "block"]
Lang = Literal["zh", "en"]
# Detectors implemented in code; a rule names one instead of (or besides) patterns.
Detector = Literal["resident_id", "mobile", "bank_card", "email", "passport", "uscc", "discount", "payment_terms",
                   "claim_model"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warn": 1, "block": 2}
VERDICT_RANK: dict[str, int] = {"pass": 0, "warn": 1, "block": 2}


class Bilingual(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zh: str = Field(..., min_length=1)
    en: str = Field(..., min_length=1)

    def get(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


class Examples(BaseModel):
    """Self-test run when the pack loads: every `hit` must trigger the rule, no `clean` may."""

    model_config = ConfigDict(extra="forbid")
    hit: list[str] = Field(default_factory=list)
    clean: list[str] = Field(default_factory=list)


class Rule(BaseModel):
    """One check. Match by `terms`/`patterns` (an `unless` match overlapping a hit excuses it), by co-occurring
    `all_of` groups within a sentence (or it and the one before; an `unless` match there excuses it), or by a
    code `detector`."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(..., pattern=r"^[A-Z][A-Z0-9-]{2,40}$")
    kind: str = Field(..., pattern=r"^[a-z_]{2,40}$", description="finding category, e.g. absolute_term")
    title: Bilingual
    reference: str = Field(..., min_length=2, description="law and clause, e.g. 《广告法》第九条第（三）项")
    severity: Severity
    languages: list[Lang] = Field(default_factory=lambda: list[Lang](["zh", "en"]))
    terms: list[str] = Field(default_factory=list, description="literal phrases; English ones match whole words")
    patterns: list[str] = Field(default_factory=list, description="regular expressions (case-insensitive)")
    unless: list[str] = Field(default_factory=list, description="regexes whose match covering a hit excuses it")
    all_of: list[list[str]] = Field(default_factory=list,
                                    description="groups of regexes that must all match in one sentence; '@pii' = "
                                                "a personal-data value found in that sentence")
    detector: Detector | None = None
    excuse_mentions: bool = Field(False, description="a hit inside a quoted phrase that the sentence asks to remove or "
                                                     "discusses is not a claim (tools/compliance/mentions.py)")
    advice: Bilingual
    rewrite: dict[str, str] = Field(default_factory=dict,
                                    description="replacement for a matched phrase (lower-case key); '*' = default")
    suffix: Bilingual | None = Field(None, description="sentence appended to a rewrite that keeps the text")
    replacement: Bilingual | None = Field(None, description="what a rewrite puts in place of the whole finding, in "
                                                            "its language (for claim_model findings: the clause)")
    examples: Examples = Field(default_factory=Examples)

    @field_validator("patterns", "unless")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regex {pattern!r}: {exc}") from exc
        return value

    @field_validator("all_of")
    @classmethod
    def _groups_compile(cls, value: list[list[str]]) -> list[list[str]]:
        for group in value:
            if not group:
                raise ValueError("an all_of group is empty")
            cls._compiles([p for p in group if p != "@pii"])
        return value

    @model_validator(mode="after")
    def _has_a_matcher(self) -> Rule:
        if not (self.terms or self.patterns or self.all_of or self.detector):
            raise ValueError("a rule needs terms, patterns, all_of or a detector")
        return self


class Pack(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pack: str = Field(..., pattern=r"^[a-z0-9][a-z0-9-]{1,60}$")
    version: str = Field(..., min_length=1, max_length=40)
    title: Bilingual
    jurisdiction: str = Field(..., min_length=2, max_length=40)
    rules: list[Rule] = Field(..., min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Pack:
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError(f"duplicate rule ids in pack {self.pack}")
        return self


class Finding(BaseModel):
    """A deterministic finding: exact character span in the checked text, the rule and its citation."""

    rule_id: str
    kind: str
    pack: str
    severity: Severity
    start: int
    end: int
    text: str = Field(description="the matched text, masked when it is personal data")
    title: str
    reference: str
    advice: str


class Report(BaseModel):
    verdict: Verdict
    findings: list[Finding]
    rewrite: str | None = Field(None, description="compliant rewrite, re-checked; None when the text passes")
    rewrite_verdict: Verdict | None = None
    rewrite_by: Literal["llm", "rules"] | None = None
    packs: list[str] = Field(default_factory=list, description="pack@version applied")
    chars: int = 0
