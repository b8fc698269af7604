"""Vague requests get a question back: "帮我看下数据" / "show me the numbers" name no figure, text, team or period.

Used by the agent (a plain reply that asks nothing) and by tools that would otherwise act on the model's guesses
(route_request does not open a ticket for "send a request").

The small model tends to answer such a message with an empty promise ("好的，我来汇总一下。") or a refusal. When its
plain reply asks nothing and the message is a request for work with no object left once the request words are
taken away, the reply becomes one clarifying question listing what the copilot can do, with an example each.
"""

from __future__ import annotations

import re

# Words that ask for work but name nothing: the request frame ("帮我…一下", "can you…"), generic verbs and objects.
_ZH_FRAME = re.compile(
    r"帮我|帮忙|给我|请你?|麻烦你?|能不能|可以|来个|来一?份|出个|出一?份|弄个?|搞个?|做个|做一?份|整理|查一?查|查一下|查|"
    r"看一?看|看一下|看下|分析分析|分析|汇总|总结|处理|对一下|对下|核对|一下|下|吧|呢|啊|嘛|数据|数字|数|个|表格?|报告|报表|"
    r"东西|内容|情况|这个|那个|它|他们|她们|一些|点")
_EN_FRAME = re.compile(
    r"\b(?:please|pls|can|could|would|will|you|me|i|need|want|help|with|show|pull|up|give|get|make|do|run|send|"
    r"prepare|create|compare|check|look|find|into|for|the|a|an|some|something|anything|this|that|it|them|these|"
    r"those|numbers|data|figures|stuff|report|reports|request|table|summary|about|on|of|quick|real|quickly)\b",
    re.IGNORECASE)
_ASKS = re.compile(
    r"帮我|帮忙|给我|请你?|麻烦|来个|来一?份|出个|出一?份|弄|搞|做个|查|看下|看一下|看看|分析|汇总|处理|对一下|整理|"
    r"^\s*(?:please\s+|pls\s+)?(?:show|pull|give|make|send|compare|check|look|find|get|do|run|prepare|create)\b|"
    r"\b(?:i need|i want|can you|could you|help me)\b", re.IGNORECASE)

QUESTION = {
    "zh": "请问具体想做什么？例如：\n"
          "· 查数据：“上个月华东区各渠道的销售额”\n"
          "· 做预测：“下个月华南区洗发水的销量预测”\n"
          "· 合规检查：“这段话合规吗：……”（把文字贴在冒号后）\n"
          "· 找同事：“请供应链确认X200库存，48小时内反馈”\n"
          "· ROI 报告：“给美的做ROI报告，投入80万，每年节省30万，三年”\n"
          "· 查资料：“有没有医疗器械行业的成功案例？”",
    "en": "What exactly would you like? For example:\n"
          "· figures: “revenue in East China last month by channel”\n"
          "· a forecast: “next month's shampoo sales forecast for South China”\n"
          "· a compliance check: “is this OK to send: …” (paste the text after the colon)\n"
          "· a request to a team: “ask supply chain to confirm X200 stock within 48h”\n"
          "· an ROI report: “ROI report for Midea: invest 800k, save 300k a year, 3 years”\n"
          "· knowledge: “any case studies in medical devices?”",
}


def is_vague_request(text: str) -> bool:
    """A request for work whose words, once the request frame is removed, name nothing to work on."""
    if not _ASKS.search(text) or re.search(r"\d|[:：“\"「]", text):
        return False
    rest = _EN_FRAME.sub(" ", _ZH_FRAME.sub(" ", text))
    rest = re.sub(r"[\s?？!！.。,，~、'’]+", " ", rest).strip()
    latin_words = re.findall(r"[A-Za-z]+", rest)
    han = re.findall(r"[\u4e00-\u9fff]", rest)
    return len(han) <= 1 and len(latin_words) <= 1


def needs_question(reply: str, text: str) -> bool:
    """The model's plain reply asks nothing although the message was too vague to act on."""
    return "?" not in reply and "？" not in reply and is_vague_request(text)
