"""Use versus mention: a claim quoted in order to be removed, banned or discussed is not a claim made.

"广告文案里不能写“最好”“第一”", "remove 'guaranteed returns' from the slide",
"竞品宣传自己是“行业天花板”，我们不跟这种说法": the phrase is there, the claim is not. A quoted stretch counts as a
mention when a removal, ban or discussion cue stands before it or after it in the same sentence; a quoted phrase
with no such cue ("我们的口号是“全网最低价”") is still a claim. Rules opt in with `excuse_mentions` (the claim
packs do; PII rules never do: a quoted ID is still an ID). A question about a phrase ("“全网最低”违规吗？") is not a
mention: the finding is the answer.
"""

from __future__ import annotations

import re

_OPEN, _CLOSE = "“\"「『‘'", "”\"」』’'"
_QUOTED = rf"[{_OPEN}][^{_CLOSE}\n]{{1,30}}[{_CLOSE}]"
_QUOTES = rf"(?:{_QUOTED}[\s、，,和及或与]{{0,3}}(?:or\s+|and\s+)?)+"  # one quote or a list of them
_SENTENCE = r"[^。！？!?\n]"

_CUE_BEFORE = (
    r"不能写|不能用|不能说|不要写|不要用|别写|别用|禁止使用|禁止|禁用|不得使用|不得出现|不允许|删掉|删除|去掉|改掉|避免使用|避免|慎用"
    r"|\b(?:can't|can’t|cannot|don't|don’t|do\s+not|never|must\s+not|avoid|remove|delete|drop|strike|replace|banned|ban"
    r"|prohibited|not\s+allowed|off-limits)\b"
    r"|\b(?:competitor|rival|another\s+vendor|they)\b[^.!?\n]{0,20}\bcalls?\s+(?:itself|themselves)"
    r"|严禁|不要说|别说|不会(?:向[^，。“”]{0,6})?承诺|不承诺|原稿|原文案|用户评价|评价摘录|客户原话"
    # Someone else's words: a customer's praise, a rival's claim, a tender's wording ("我跟客户说“…”" is ours).
    r"|(?<![跟对和给向])(?:客户|顾客|用户|买家|网友|竞品|友商|竞争对手|对手|别家|别的公司|其他公司|另一家|其他品牌|招标文件|标书)"
    r"[^，。“”\n]{0,12}?(?:原话|说|反馈|评价|表示|提到|宣称|声称|号称|自称|写|称|承诺|要求)"
    r"|\b(?:customers?|clients?|prospects?|competitors?|rivals?|reviewers?|users?|the\s+tender|the\s+rfp"
    r"|their\s+[a-z]+(?:\s+[a-z]+)?)\b"
    r"[^.!?\n]{0,30}?\b(?:said|says|told\s+us|wrote|writes|claims?|claimed|called\s+(?:us|it)|describes?|described)\b"
)
_CUE_AFTER = (
    r"(?:违规|违禁|违法)(?![吗么嘛不])|删掉|删除|去掉|改成|改为|换成|不能用|不要用|不能写|不合规|不跟|这种说法|这类说法|的说法|这种表述|这类表述|的表述"
    r"|这类词|这种词|的字眼|等字眼|等词|等说法|等表述|不通过|被罚|判违规|没有[^。]{0,8}支撑|没有依据|无法证实|不能证实"
    r"|\b(?:is|are)\s+(?:banned|not\s+allowed|prohibited|off-limits|being\s+phased\s+out)"
    r"|\bfrom\s+the\s+(?:copy|deck|slides?|poster|page|brochure|listing|website|ad|packaging)"
    r"|—\s*we'?d\s+rather|\bclaims?\s+(?:we|you)\s+can'?t"
)
_MENTION = re.compile(
    rf"(?:{_CUE_BEFORE}){_SENTENCE}{{0,40}}?(?P<a>{_QUOTES})|(?P<b>{_QUOTES})(?={_SENTENCE}{{0,30}}?(?:{_CUE_AFTER}))",
    re.IGNORECASE,
)


_ASKING = re.compile(r"能不能|可不可以|能否|可否|能用吗|可以用吗|可以吗|行吗|行不行|合规吗|违规吗"
                     r"|\b(?:can|could|may)\s+we\b|\bis\s+it\s+(?:ok|okay|fine|allowed)\b", re.IGNORECASE)
_END = re.compile(r"[。！？!?\n]")


def mentions(text: str) -> list[tuple[int, int]]:
    """(start, end) of each quoted stretch that is talked about rather than said; not in a sentence that asks
    whether the phrase may be used ("客户想写“业内首选”，能用吗？"): the finding is the answer to that question."""
    out = []
    for m in _MENTION.finditer(text):
        span = m.span("a") if m.group("a") else m.span("b")
        if not _asks(text, span):
            out.append(span)
    return out


def _asks(text: str, span: tuple[int, int]) -> bool:
    start = max((e.end() for e in _END.finditer(text, 0, span[0])), default=0)
    end = next((e.end() for e in _END.finditer(text, span[1])), len(text))
    sentence = text[start:end]
    return sentence.rstrip().endswith(("？", "?")) or bool(_ASKING.search(sentence))
