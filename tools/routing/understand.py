"""Read a cross-department request from the user's own words: department, ask, object, priority, deadline.

Everything is found in the message by code; the LLM's arguments are only hints, used when the message itself
does not decide (two departments named, or none). What cannot be read is reported as missing so the desk can
ask back instead of guessing.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from copilot.directory import Department
from copilot.errors import ToolInputError
from copilot.normalize import find_deadline
from copilot.textfold import segment
from copilot.vague import is_vague_request
from tools.dims import Member, customers, members, named_in_text
from tools.routing.model import Priority

# Words that name a department outright. Directory names (name_zh / name_en) are added at run time, so a
# department added to the directory is understood without code changes.
NAMED: dict[str, tuple[str, ...]] = {
    "supply_chain": ("供应链", "物流部", "仓储", "计划部", "supply chain", "supply-chain", "logistics",
                     "warehouse team", "planning team", "planners"),
    "legal": ("法务", "法律部", "律师", "legal", "lawyer", "lawyers", "counsel"),
    "finance": ("财务", "会计", "应收", "finance", "accounting", "accounts receivable", "ar team"),
    "delivery": ("交付", "实施", "工程部", "技术支持", "delivery", "implementation", "engineering", "field service"),
    "presales": ("售前", "解决方案", "presales", "pre-sales", "solution engineer", "solutions team",
                 "solution architect"),
    "marketing": ("市场部", "市场同事", "marketing"),
    "sales": ("销售经理", "销售总监", "区域经理", "sales manager", "sales director", "regional manager"),
}
# Topics that point at a department when none is named ("X200库存还有多少台?" -> supply chain).
TOPICS: dict[str, tuple[str, ...]] = {
    "supply_chain": ("库存", "到货", "发货", "备货", "交期", "stock", "inventory", "shipment", "lead time"),
    "legal": ("合同条款", "法律风险", "contract terms", "legal review", "nda", "保密协议"),
    "finance": ("发票", "回款", "账期", "付款条件", "invoice", "payment terms", "credit terms", "refund"),
    "delivery": ("安装", "上线", "部署", "installation", "go-live", "deployment", "on-site"),
    "presales": ("方案", "演示", "投标", "proposal", "demo", "poc", "tender", "rfp"),
    "marketing": ("物料", "宣传", "展会", "collateral", "brochure", "trade show", "campaign"),
}
# "请HR部门…", "ask the procurement team to…": a department the user named, known or not.
_ADDRESSED = re.compile(r"(?:请|让|麻烦|找|联系)\s*([\u4e00-\u9fffA-Za-z]{1,8}?)(?:部门|部|团队|中心|同事|组)|"
                        r"(?:ask|have|get|tell)\s+(?:the\s+)?([a-z][a-z &-]{1,30}?)\s+(?:team|department|dept|group)\b",
                        re.IGNORECASE)
_PRIORITY: tuple[tuple[Priority, tuple[str, ...]], ...] = (  # first match wins: "不紧急" is low, not urgent
    ("low", ("不紧急", "不着急", "不急", "有空", "低优先级", "not urgent", "low priority", "no rush", "when you can",
             "whenever")),
    ("urgent", ("特急", "加急", "紧急", "十万火急", "立刻", "马上", "urgent", "asap", "as soon as possible",
                "immediately", "p0", "p1")),
    ("high", ("尽快", "优先", "重要客户", "high priority", "important", "quickly", "soon")),
)
# "升级" is also "upgrade" (固件升级): only escalation phrasing counts.
_ESCALATE = re.compile(r"(?<!固件)(?<!系统)(?<!版本)(?<!软件)(?<!硬件)(?<!产品)(?<!设备)"
                       r"升级(?=[，。,.!！;；\s]|处理|给|到|至|上报|一下|$)|\bescalat", re.IGNORECASE)
# Directory names that are everyday words ("销售额", "市场份额"): only the synonyms above name these departments.
_TOO_COMMON = {"销售", "市场", "sales"}
_CONTRACT = ("合同", "contract", "agreement", "协议")
_POLITE = re.compile(r"^(?:请|麻烦|帮我|帮忙|劳驾|please|pls|kindly|could you|can you)\s*", re.IGNORECASE)
_SKU_CODE = re.compile(r"(?<![A-Za-z0-9-])([A-Z]{1,3}-?\d{2,4})(?![A-Za-z0-9])", re.IGNORECASE)


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name_zh: str
    name_en: str
    region_code: str


@dataclass(frozen=True)
class Request:
    """What the message asks for; `missing` lists what must be asked back before a ticket can be written."""

    departments: tuple[str, ...]
    ask: str
    object: str | None
    sku: str | None
    product_line: str | None
    customer: Customer | None
    priority: Priority
    deadline: datetime | None
    deadline_text: str | None
    escalate: bool
    unknown_department: str | None = None
    missing: tuple[str, ...] = field(default=())


def understand(text: str, now: datetime, depts: list[Department], warehouse: duckdb.DuckDBPyConnection | None,
               hint_department: str | None = None, hint_object: str | None = None) -> Request:
    """Read the request in `text` (raises PastDeadline for a deadline already gone)."""
    found = departments_in(text, depts)
    unknown = None
    if not found and (addressed := _addressed(text)):
        try:  # "请市场团队…", "ask the sales team…": everyday names, said as a department
            found = [resolve_department(addressed, depts)]
        except ToolInputError:
            unknown = addressed  # the user named a department the directory does not have
    if not found and unknown is None:
        found = _by_topic(text)
    if len(found) > 1 and hint_department:
        hinted = resolve_department(hint_department, depts)
        found = [hinted] if hinted in found else found
    vague = is_vague_request(text)  # "send a request": the model's department would be a guess
    if not found and hint_department and unknown is None and not vague:
        found = [resolve_department(hint_department, depts)]
    deadline = find_deadline(text, now)
    skus = members(warehouse, "sku") if warehouse else []
    sku = _sku(text, skus) or (_sku(hint_object, skus) if hint_object else None)
    customer = _customer(text, warehouse) if warehouse else None
    obj = _object(text, sku, customer, hint_object)
    ask = _ask(text)
    missing = []
    if not found and unknown is None:
        missing.append("department")
    if vague or not _meaningful(ask, depts, deadline[0] if deadline else None):
        missing.append("ask")
    lowered = text.lower()
    return Request(
        departments=tuple(found), ask=ask, object=obj, sku=sku.code if sku else None,
        product_line=_category(warehouse, sku.code) if sku and warehouse else None, customer=customer,
        priority=next((p for p, words in _PRIORITY if any(_has(lowered, w) for w in words)), "normal"),
        deadline=deadline[1] if deadline else None, deadline_text=deadline[0] if deadline else None,
        escalate=bool(_ESCALATE.search(text)), unknown_department=unknown, missing=tuple(missing),
    )


# Words of asking someone else for something: without one of these, and with no department or topic named, a
# message is not a request ("帮我总结一下上面的要点" is for the copilot itself, whatever the model picked).
_ASKING = re.compile(r"请|让|麻烦|叫|找|联系|通知|催|转给|转交|提交|发起|工单|反馈|答复|回复|确认|审核|审批|核实|"
                     r"\b(?:ask|have|get|tell|request|ticket|confirm|review|approve|check with|follow up|"
                     r"send .{1,30} to)\b", re.IGNORECASE)


def asks_someone(text: str, depts: list[Department]) -> bool:
    """The message itself names a department or topic, or asks someone for something; the model's pick of
    route_request for anything else (a summary, small talk after a search) is not a request."""
    return bool(departments_in(text, depts) or _addressed(text) or _by_topic(text) or _ASKING.search(text))


def departments_in(text: str, depts: list[Department]) -> list[str]:
    """Departments the message names, in order of appearance (directory names and their synonyms)."""
    lowered = text.lower()
    hits: list[tuple[int, str]] = []
    for d in depts:
        names = [n for n in (d.name_zh, d.name_en) if n.lower() not in _TOO_COMMON]
        words = [w.lower() for w in (*NAMED.get(d.code, ()), *names) if len(w) > 1]
        positions = [p for w in words if (p := _find(lowered, w)) >= 0]
        if positions:
            hits.append((min(positions), d.code))
    return [code for _, code in sorted(hits)]


def resolve_department(name: str, depts: list[Department]) -> str:
    """The department code for a name the user or the LLM gave; unknown -> error with the closest names."""
    key = name.strip().lower().replace("_", " ")
    for d in depts:
        names = {d.code.replace("_", " "), d.name_zh, d.name_en.lower(), *(w.lower() for w in NAMED.get(d.code, ()))}
        if key in names or any(len(n) > 1 and n in key for n in names):
            return d.code
    raise unknown_department(name, depts)


def unknown_department(name: str, depts: list[Department]) -> ToolInputError:
    labels = {d.name_en.lower(): d for d in depts} | {d.name_zh: d for d in depts}
    close = [labels[m] for m in difflib.get_close_matches(name.lower(), list(labels), n=2, cutoff=0.6)]
    en_all = ", ".join(d.name_en for d in depts)
    zh_all = "、".join(d.name_zh for d in depts)
    hint_en = f" Did you mean {' or '.join(d.name_en for d in close)}?" if close else ""
    hint_zh = f"您是指{'或'.join(d.name_zh for d in close)}吗？" if close else ""
    return ToolInputError(
        en=f"There is no department called '{name}' in the directory.{hint_en} Departments: {en_all}.",
        zh=f"目录中没有“{name}”这个部门。{hint_zh}可选部门：{zh_all}。",
        detail=f"route_request: unknown department {name!r}")


def _has(lowered: str, word: str) -> bool:
    return _find(lowered, word) >= 0


def _find(lowered: str, word: str) -> int:
    if word.isascii():
        m = re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", lowered)
        return m.start() if m else -1
    return lowered.find(word)


def _addressed(text: str) -> str | None:
    m = _ADDRESSED.search(text)
    return (m.group(1) or m.group(2)).strip() if m else None


def _by_topic(text: str) -> list[str]:
    lowered = text.lower()
    hits = [code for code, words in TOPICS.items() if any(_has(lowered, w.lower()) for w in words)]
    return hits[:1] if len(hits) == 1 else hits


def _sku(text: str, skus: list[Member]) -> Member | None:
    by_code = {m.code.lower(): m for m in skus}
    for m in _SKU_CODE.finditer(text):
        if (found := by_code.get(m.group(1).lower())) is not None:
            return found
    named = named_in_text(skus, text)
    return named[0] if len(named) == 1 else None


def _category(warehouse: duckdb.DuckDBPyConnection, sku: str) -> str | None:
    row = warehouse.execute("SELECT category_code FROM dim_product WHERE sku = ?", [sku]).fetchone()
    return str(row[0]) if row else None


def _customer(text: str, warehouse: duckdb.DuckDBPyConnection) -> Customer | None:
    words = set(segment(text))
    # A two-character Chinese short name must be a word of its own: 美的 in "确认美的回款", not in "完美的方案".
    named = [m for m in named_in_text(customers(warehouse), text)
             if any(n in text and (n.isascii() or len(n) > 2 or n in words) for n in m.names[1:])]
    if len(named) != 1:
        return None
    row = warehouse.execute("SELECT region_code FROM dim_customer WHERE customer_id = ?", [named[0].code]).fetchone()
    return Customer(named[0].code, named[0].name_zh, named[0].name_en, str(row[0]) if row else "")


def _object(text: str, sku: Member | None, customer: Customer | None, hint: str | None) -> str | None:
    zh = bool(re.search(r"[\u4e00-\u9fff]", text))
    parts: list[str] = []
    if sku is not None:
        parts.append(sku.code)
    if customer is not None:
        name = customer.name_zh if zh else customer.name_en
        contract = any(w in text.lower() for w in _CONTRACT)
        parts.append(f"{name}{'合同' if zh else ' contract'}" if contract else name)
    if parts:
        return " · ".join(parts)
    if hint and hint.strip() and hint.strip().lower() in text.lower():
        return hint.strip()[:200]
    return None


def _ask(text: str) -> str:
    ask = " ".join(text.split())
    return _POLITE.sub("", ask)[:500]


def _meaningful(ask: str, depts: list[Department], deadline_text: str | None) -> bool:
    """Does anything remain once department names, the deadline and filler words are taken out?"""
    rest = ask.lower()
    if deadline_text:
        rest = rest.replace(deadline_text.lower(), " ")
    words = [w for d in depts for w in (*NAMED.get(d.code, ()), d.name_zh, d.name_en.lower())]
    for w in sorted(words, key=len, reverse=True):
        rest = rest.replace(w.lower(), " ")
    rest = re.sub(r"请|让|麻烦|帮我|帮忙|同事|部门|团队|一下|ask|the|team|department|to|please|with|have|"
                  r"[\s,.;:!?，。；：！？、]", " ", rest)
    return len("".join(rest.split())) >= 2
