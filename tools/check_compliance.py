"""check_compliance: policy packs over sales text — verdict, findings with clause citations, a re-checked rewrite.

Findings are deterministic (tools.compliance); the LLM at most proposes the rewrite, which is checked again.
"""

from __future__ import annotations

import difflib
import re
from typing import Literal

from pydantic import Field

from copilot.context import RequestContext
from copilot.errors import NeedsInfo
from copilot.pii import mask_pii
from tools.base import Tool, ToolArgs, ToolDeps, ToolOutput
from tools.compliance.engine import MAX_CHARS, Asker
from tools.compliance.model import Finding, Report
from tools.compliance.packs import load_checker
from tools.compliance.rewrite import build_report

_VERDICT = {
    "pass": ("✅ Compliant: no policy findings.", "✅ 合规：未发现问题。"),
    "warn": ("⚠️ Needs care", "⚠️ 需注意"),
    "block": ("⛔ Do not send as written", "⛔ 不可按原文发送"),
}


# "这段话合规吗：…" / "Is this compliant: …" — the question before the passage is not part of it.
_FRAME = re.compile(r"^\s*[^:：\n]{0,24}(?:合规|违规|能发|可以发|可以吗|行吗|有问题|complian\w*|ok|okay|allowed|"
                    r"check\w*|review\w*)[^:：\n]{0,12}[:：]\s*", re.IGNORECASE)


# A request to check with nothing to check in it ("can you check this?", "帮我 check 一下", "这段话合规吗"): the
# passage is missing, and checking the request itself would wrongly report it as fine.
_BARE = re.compile(
    r"(?:(?:hi|hey|please|pls|can|could|would|you|help me|me)\s+)*(?:check|review|look at|look over|verify|vet)"
    r"(?:\s+(?:this|it|that|these|my (?:text|message|draft|copy|wording)))?"
    r"(?:\s+(?:out|over|for me|please|for compliance))*"
    r"|(?:请|麻烦|帮我|帮忙|你|给我)*\s*(?:检查|审核|审查|看看|看一下|看下|查一下|查查|过一下|check)\s*(?:一下)?"
    r"\s*(?:这个|这段话?|这条|这些|内容|文案)?\s*(?:吧|呢|合规吗)?"
    r"|(?:这段话?|这个|这条|这些|这样说|文案)?\s*(?:合规|违规|能发|可以发|有问题)吗?",
    re.IGNORECASE)


# Words of the context line the agent puts before each message (prompts/turn.md): never the user's passage.
_PROMPT_ECHO = re.compile(r"\[context\]|data scope:|reply language:|\btoday: \d{4}-\d{2}-\d{2}")


# Asks whether words may be said or sent ("能不能发", "能不能跟客户承诺…", "ok to tell…", "fine to put in the deck?").
_SAY = r"(?:say|tell|send|sned|promise|claim|write|put|post|use|share|quote|offer|advertise|email|mention|pitch)"
_MAY_I = re.compile(
    # permission first ("能不能在方案里写…"), or after the verb ("发这句行不行")
    # ("告诉我" asks for information: not words to be said)
    r"(?:能不能|可不可以|可以|能否|能)[^，,。？?！!：:]{0,8}?(?:发|说|告诉(?!我)|承诺|保证|写|宣传|报价|讲)|"
    r"(?:发|说|写|讲|告诉|承诺|宣传)(?:给[^，,。？?]{0,6})?(?:这|那|“|\")[^，,。？?！!]{0,8}?"
    r"(?:行不行|行吗|可以吗|可不可以|能不能|合适吗|妥吗|没问题吧)|"
    r"(?:这么|这样)(?:说|写|发)|"
    rf"\b(?:can|could|may|should)\s+(?:i|we)\s+{_SAY}\b|"
    rf"\b(?:ok|okay|fine|alright|safe|allowed|acceptable)\s+to\s+{_SAY}\b|"
    r"\bis\s+(?:this|that|it)\s+(?:ok|okay|fine|safe|allowed|acceptable)\b|\bsanity[- ]check\b|\bwording\b",
    re.IGNORECASE)


def may_i_say(text: str, deps: ToolDeps) -> bool:
    """The message asks whether some words may be used, and the rules find something in them."""
    return bool(_MAY_I.search(text)) and bool(load_checker(deps.policy_packs_dir).check(text))


def _bare_request(text: str) -> bool:
    return bool(_BARE.fullmatch(re.sub(r"[\s?？!！.。,，~]+", " ", text).strip()))


class CheckComplianceArgs(ToolArgs):
    text: str | None = Field(None, max_length=MAX_CHARS,
                             description="the passage to check; omit to check the user's own message")


def check_compliance(args: CheckComplianceArgs, ctx: RequestContext, deps: ToolDeps) -> ToolOutput:
    """Check sales text (quotes, messages, clauses) for absolute claims (最/第一/best), guaranteed returns,
    personal data (ID, phone, card; sharing with third parties, cross-border), discounts above the user's
    approval limit and payment/delivery conflicts. Use for "合规吗", "can I send/say this", "is this OK".
    """
    text = _text_to_check(args.text, ctx.text)
    if not text.strip() or _bare_request(text):
        raise NeedsInfo(en="Which text should I check? Paste the quote, message or clause (after a colon is fine).",
                        zh="请问要检查哪段文字？请把报价、消息或合同条款发给我（写在冒号后面即可）。")
    checker = load_checker(deps.policy_packs_dir, deps.compliance_model)
    manager = ctx.user.manager_id
    approver = _approver(deps, manager, ctx.lang)
    asker = Asker(discount_limit_pct=ctx.user.discount_limit_pct or 0.0, approver=approver)
    propose = deps.rewriter
    report = build_report(checker, text, asker, ctx.lang, propose)
    return ToolOutput(
        text=render(report, ctx.lang),
        data=report.model_dump(exclude={"rewrite"}),
        applied={"chars": len(text), "packs": report.packs},
    )


def _text_to_check(given: str | None, message: str) -> str:
    """The user's own words unless the model points at another passage (e.g. an earlier draft).

    The model sees masked text, so when its passage mostly comes from this message the raw message is checked:
    personal data must be found in what the user wrote, not in the model's copy.
    """
    own = _FRAME.sub("", message, count=1) or message
    if not given or not given.strip() or _PROMPT_ECHO.search(given):
        return own  # a small model sometimes "quotes" the turn's context line instead of a passage
    match = difflib.SequenceMatcher(None, mask_pii(own), given, autojunk=False).find_longest_match()
    return own if match.size >= 0.6 * len(given.strip()) else given


def _approver(deps: ToolDeps, manager_id: str | None, lang: Literal["zh", "en"]) -> str | None:
    if not manager_id:
        return None
    try:
        return deps.directory.get(manager_id).display_name(lang)
    except Exception:
        return manager_id


def render(report: Report, lang: Literal["zh", "en"]) -> str:
    zh = lang == "zh"
    head = _VERDICT[report.verdict][1 if zh else 0]
    if report.verdict == "pass":
        return head
    lines = [f"{head}（{len(report.findings)} 项）" if zh else f"{head} ({len(report.findings)} findings)"]
    for f in report.findings:
        lines.append(_finding_line(f, zh))
    if report.rewrite:
        label = "建议改写" if zh else "Suggested rewrite"
        if report.rewrite_verdict != "pass":
            label += "（仍需人工复核）" if zh else " (still needs a human review)"
        lines += ["", f"{label}：" if zh else f"{label}:", report.rewrite]
    return "\n".join(lines)


def _finding_line(f: Finding, zh: bool) -> str:
    level = {"block": "⛔", "warn": "⚠️", "info": "ℹ️"}[f.severity]
    return f"{level} “{f.text}” — {f.title}. {f.advice} [{f.reference}]" if not zh else \
        f"{level}「{f.text}」{f.title}：{f.advice}【{f.reference}】"


TOOL = Tool(
    name="check_compliance",
    asks_when_vague=True,
    args_model=CheckComplianceArgs,
    run=check_compliance,
    examples=(
        ("这段话合规吗:我们是全国第一的品牌", {}),
        ("Can I send the customer's ID number to the distributor?", {}),
    ),
    triggers=(
        r"合规|违规|违法|违反|广告法|敏感信息|(?:这样|这么)(?:说|写|发|宣传)(?:可以|行|合适|没问题|妥当)|能不能(?:这么|这样)(?:说|写|发|承诺|报价)|可以(?:这么|这样)(?:说|写|发|承诺|报价)|"
        r"(?:能不能|可不可以|可以|能否|能)(?:把|发|给|提供|转|传|共享)[^？?。]{0,24}(?:身份证|证件|手机号|电话|银行卡|卡号|"
        r"客户信息|客户名单|客户资料|个人信息|护照|邮箱|住址)",
        r"\bcomplian(?:t|ce)\b|\bis\s+(?:this|it|that)\s+(?:ok|okay|allowed|legal|fine)\s+to\s+(?:send|say|post|use|"
        r"write|share)\b|\bam\s+i\s+allowed\s+to\s+(?:say|send|share|promise|offer|claim)\b|\bpolicy\s+check\b|"
        r"\bcheck\s+(?:this|my)\s+(?:text|message|quote|email|draft|clause|wording)\b|"
        r"\bcan\s+(?:i|we)\s+(?:say|promise|claim|advertise)\b|\bcan\s+(?:i|we)\s+tell\s+(?:the|a|our)\s+(?:customer|client)|"
        r"\bcan\s+(?:i|we)\s+(?:send|share|give|forward|pass|export|upload|email)\b[^?]{0,60}\b(?:id|passport|phone|mobile|"
        r"e-?mail|address|bank|card|customer\s+(?:data|list|details|information|info)|personal)\b",
    ),
    rescue=may_i_say,
)
