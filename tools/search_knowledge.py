"""search_knowledge: the knowledge base (cases, product sheets, policies, playbooks, competitor notes), with
citations, inside the asker's document ACLs. Passages are quoted, never paraphrased by the LLM."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from copilot.context import RequestContext
from copilot.errors import NeedsInfo, NotReady
from knowledge.search import Hit
from tools.base import Tool, ToolArgs, ToolDeps, ToolOutput

DocTypeArg = Literal["case", "product", "policy", "playbook", "competitor"]
SNIPPET_CHARS = 220


class SearchKnowledgeArgs(ToolArgs):
    query: str = Field(..., min_length=1, max_length=300, description="what to look for, in the user's words")
    doc_type: DocTypeArg | None = Field(None, description="case, product, policy, playbook or competitor")
    industry: str | None = Field(None, max_length=40)


def search_knowledge(args: SearchKnowledgeArgs, ctx: RequestContext, deps: ToolDeps) -> ToolOutput:
    """Search the knowledge base: customer cases/成功案例, product sheets, policies/政策 (returns, discounts,
    credit), sales playbooks/话术, competitor notes/竞品. Use for "有没有…案例", "what's our … policy".
    """
    if deps.knowledge is None:
        raise NotReady(detail="knowledge base not configured")
    query = args.query.strip() or ctx.text
    if not query:
        raise NeedsInfo(en="What should I search for?", zh="请问要查找什么？")
    kb = deps.knowledge()
    filters = {k: v for k, v in {"doc_type": args.doc_type, "industry": args.industry}.items() if v}
    hits = [h for h in kb.search(query, ctx.user, k=5, filters=filters, lang=ctx.lang) if h.evidence]
    if not hits and filters:  # the model's filter may be wrong; the user's words decide
        hits = [h for h in kb.search(query, ctx.user, k=5, lang=ctx.lang) if h.evidence]
    return ToolOutput(text=render(hits, ctx.lang, query),
                      data={"hits": [{"doc_id": h.doc_id, "title": h.title, "location": h.location} for h in hits]},
                      applied={"query": query, **filters, "results": len(hits)})


def render(hits: list[Hit], lang: Literal["zh", "en"], query: str) -> str:
    zh = lang == "zh"
    if not hits:
        return (f"知识库中没有找到与“{query}”相关、且您有权限查看的内容。" if zh else
                f"Nothing in the knowledge base that you may read matches “{query}”. I won't guess.")
    lines = [f"找到 {len(hits)} 条相关内容：" if zh else f"Found {len(hits)} relevant passages:"]
    for n, hit in enumerate(hits, 1):
        body = hit.text.split("\n", 1)[-1].strip().replace("\n", " ")
        snippet = body if len(body) <= SNIPPET_CHARS else body[:SNIPPET_CHARS].rstrip() + "…"
        lines.append(f"[{n}] {hit.title} — {hit.location}\n    {snippet}")
    sources = "来源" if zh else "Sources"
    lines.append(f"{sources}: " + "; ".join(f"[{n}] {h.source.rsplit('/', 1)[-1]}" for n, h in enumerate(hits, 1)))
    return "\n".join(lines)


TOOL = Tool(
    name="search_knowledge",
    args_model=SearchKnowledgeArgs,
    run=search_knowledge,
    examples=(
        ("有没有医疗器械经销商的成功案例?", {"query": "医疗器械经销商 成功案例", "doc_type": "case"}),
        ("what's our return policy for KA customers?", {"query": "return policy KA customers", "doc_type": "policy"}),
    ),
    triggers=(
        r"(?:有没有|有无|找一下|查一下|查查|找找).{0,16}(?:案例|政策|制度|话术|产品资料|产品手册|竞品)|"
        r"(?:什么|啥|哪些)(?:政策|制度|规定)|(?:政策|制度|规定)是(?:什么|啥|怎样|怎么)|(?:政策|制度|规定)(?:里|上)?怎么(?:说|写|规定)|(?:政策|制度)[^，。？?]{0,12}怎么规定",
        r"\b(?:what(?:'s| is| are)|find|show me|do we have|is there|are there)\b.{0,40}\b(?:polic(?:y|ies)|"
        r"case stud(?:y|ies)|playbooks?|product sheets?|competitor notes?)\b|"
        r"\b(?:polic(?:y|ies)|playbooks?|guidelines?|handbook)\s+(?:says?|said|states?|covers?)\b",
    ),
)
