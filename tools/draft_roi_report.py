"""draft_roi_report: ROI / NPV / IRR / payback for a customer proposal, backed by similar cases from the knowledge
base; a short summary in chat plus DOCX and PDF files. Every figure comes from tools.roi.finance."""

from __future__ import annotations

import difflib
import re
from datetime import datetime
from pathlib import Path
from typing import Literal, cast

from pydantic import Field

from copilot import fmt
from copilot.context import RequestContext
from copilot.errors import CopilotError, NeedsInfo, PermissionDenied, ToolInputError
from copilot.normalize import parse_money, parse_percent
from tools.base import Attachment, Tool, ToolArgs, ToolDeps, ToolOutput
from tools.chart_worker import ChartWorker
from tools.dims import customers
from tools.roi.cases import Case, similar_cases
from tools.roi.finance import ABSURD_RATIO, Currency, RoiInputs, RoiResult, analyse
from tools.roi.report import chart_png, write_docx, write_pdf
from tools.roi.texts import report_texts

_AMOUNT = re.compile(r"(?:[¥$￥]|USD|RMB|CNY|US\$)?\s*\d[\d,]*(?:\.\d+)?\s*(?:万|亿|千|百万|k|K|m|M|million|"
                     r"thousand)?(?:\s*(?:元|块|美元|dollars?|USD|RMB|CNY))?", re.IGNORECASE)
_YEARS = re.compile(r"(?<![\d一二两三四五六七八九十第每前后])(\d{1,2}|[一二两三四五六七八九十]{1,2})\s*"
                    r"(?:年|个年头|years?|yrs?)", re.IGNORECASE)
_RATE = re.compile(r"(?:折现率|贴现率|discount\s+rate|WACC)[^\d]{0,6}(\d{1,2}(?:\.\d+)?\s*(?:%|％))|"
                   r"(\d{1,2}(?:\.\d+)?\s*(?:%|％))\s*(?:的)?(?:折现率|贴现率|discount\s+rate)", re.IGNORECASE)
_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


class DraftRoiArgs(ToolArgs):
    customer: str = Field(..., min_length=1, max_length=60, description="customer name as the user wrote it")
    investment: str = Field(..., min_length=1, max_length=30, description="as written: 80万, 500k, USD 1.2M")
    annual_savings: str = Field(..., min_length=1, max_length=30, description="yearly savings as written: 30万")
    years: int | None = Field(None, ge=1, le=15, description="horizon in years")
    discount_rate: str | None = Field(None, max_length=10, description="as written: 8%")
    maintenance: str | None = Field(None, max_length=30, description="yearly running cost as written")
    ramp_up: str | None = Field(None, max_length=40, description="share of savings reached in year 1, 2 … as "
                                                                   "written: 第一年50%, 第二年80%")
    industry: str | None = Field(None, max_length=40, description="only for a new prospect not in the CRM")
    product: str | None = Field(None, max_length=40, description="what is proposed: WMS, smart shelves …")


def draft_roi_report(args: DraftRoiArgs, ctx: RequestContext, deps: ToolDeps) -> ToolOutput:
    """ROI report for a customer: "帮我给美的做一份ROI报告,投入80万,每年节省30万,三年", "ROI for Acme: 500k investment,
    saves 200k/yr over 3 years, 8% discount rate". Amounts and years exactly as the user wrote them.
    """
    text = ctx.text
    zh = ctx.lang == "zh"
    label, industry = _customer(args, ctx, deps)
    currency_default = "CNY" if zh else "USD"
    investment = _grounded_money(args.investment, text, currency_default, "investment", "投入金额")
    savings = _grounded_money(args.annual_savings, text, investment[1], "yearly savings", "每年节省金额")
    maintenance = _grounded_money(args.maintenance, text, investment[1], "running cost", "运维成本") \
        if args.maintenance else (0.0, investment[1])
    horizon = _years(args.years, text)
    rate = _rate(args.discount_rate, text)
    if savings[0] > ABSURD_RATIO * investment[0]:
        raise ToolInputError(
            en=f"Yearly savings of {savings[0]:,.0f} are more than {ABSURD_RATIO}x the investment of "
               f"{investment[0]:,.0f}; please check the amounts and units (万/k) before I draft a report.",
            zh=f"每年节省 {savings[0]:,.0f} 超过投入 {investment[0]:,.0f} 的 {ABSURD_RATIO} 倍，"
               "请核对金额和单位（万/千）后再生成报告。")
    if investment[1] not in ("CNY", "USD"):
        raise ToolInputError(en=f"ROI reports are in CNY or USD, not {investment[1]}.",
                             zh=f"ROI 报告仅支持人民币或美元，不支持 {investment[1]}。")
    inputs = RoiInputs(customer=label, currency=cast(Currency, investment[1]), investment=investment[0],
                       annual_savings=savings[0], years=horizon, discount_rate=rate, maintenance=maintenance[0],
                       ramp_up=_ramp(args.ramp_up, text))
    result = analyse(inputs)
    cases = _cases(deps, ctx, industry, args.product, label)
    paths = render_files(result, cases, ctx.lang, label, deps.reports_dir or Path("reports"), deps.charts)
    summary = chat_summary(result, cases, ctx.lang, label)
    title = "ROI 报告" if zh else "ROI report"
    return ToolOutput(
        text=summary,
        # Every figure the summary shows is here too, so a reply can be checked against the result.
        data={"npv": result.npv, "roi": result.roi, "irr": result.irr, "payback_years": result.payback_years,
              "discounted_payback_years": result.discounted_payback_years,
              "breakeven_annual_savings": result.breakeven_annual_savings, "discount_rate": rate},
        applied={"customer": label, "currency": inputs.currency, "investment": inputs.investment,
                 "annual_savings": inputs.annual_savings, "years": horizon, "discount_rate": rate,
                 "maintenance": inputs.maintenance, "cases": [c.doc_id for c in cases]},
        attachments=[Attachment(kind="file", path=str(p), title=f"{title} ({p.suffix[1:].upper()})") for p in paths],
    )


def render_files(result: RoiResult, cases: list[Case], lang: Literal["zh", "en"], label: str,
                 folder: Path, charts: ChartWorker) -> list[Path]:
    texts = report_texts(result, cases, lang, label)
    chart = charts.draw(chart_png, result)
    stem = f"roi-{re.sub(r'[^0-9A-Za-z一-鿿]+', '-', label).strip('-')}-{datetime.now():%Y%m%d-%H%M%S}"
    docx_path = write_docx(texts, chart, folder / f"{stem}.docx")
    try:
        pdf_path = write_pdf(texts, chart, folder / f"{stem}.pdf")
    except Exception:
        docx_path.unlink(missing_ok=True)  # both files or none
        raise
    return [docx_path, pdf_path]


def chat_summary(result: RoiResult, cases: list[Case], lang: Literal["zh", "en"], label: str) -> str:
    i = result.inputs
    symbol = "¥" if i.currency == "CNY" else "$"
    m = lambda v: fmt.money(v, lang, symbol)  # noqa: E731
    p = lambda v: "n/a" if v is None else f"{v * 100:.1f}%"  # noqa: E731
    unit = " 年" if lang == "zh" else " years"
    pb = lambda v: ("超出测算期" if lang == "zh" else "beyond the horizon") if v is None else f"{v:.2f}{unit}"  # noqa: E731
    if lang == "zh":
        lines = [f"{label} ROI 测算（{i.years} 年，折现率 {p(i.discount_rate)}）：",
                 f"· ROI {p(result.roi)}，NPV {m(result.npv)}，IRR {p(result.irr)}",
                 f"· 回收期 {pb(result.payback_years)}（折现 {pb(result.discounted_payback_years)}）",
                 f"· 盈亏平衡：每年节省需 ≥ {m(result.breakeven_annual_savings)}",
                 "· 参考案例：" + ("；".join(c.title for c in cases) if cases else "知识库中没有相近案例，未引用"),
                 "完整报告（含现金流图、假设、敏感性分析、免责声明）见附件 DOCX / PDF。"]
    else:
        lines = [f"ROI for {label} ({i.years} years, discount rate {p(i.discount_rate)}):",
                 f"- ROI {p(result.roi)}, NPV {m(result.npv)}, IRR {p(result.irr)}",
                 f"- Payback {pb(result.payback_years)} (discounted {pb(result.discounted_payback_years)})",
                 f"- Break-even: yearly savings of at least {m(result.breakeven_annual_savings)}",
                 "- Similar cases: " + ("; ".join(c.title for c in cases) if cases else
                                        "none found in the knowledge base, none cited"),
                 "Full report (cash-flow chart, assumptions, sensitivity, disclaimer) attached as DOCX and PDF."]
    return "\n".join(lines)


def _customer(args: DraftRoiArgs, ctx: RequestContext, deps: ToolDeps) -> tuple[str, str | None]:
    """(display name, industry) from the CRM; a prospect needs an industry; otherwise a clear refusal."""
    name = args.customer.strip()
    with deps.warehouse() as conn:
        crm = customers(conn)
        facts = {cid: (industry, region) for cid, industry, region in
                 conn.execute("SELECT customer_id, industry, region_code FROM dim_customer").fetchall()}
    said = ctx.text.lower()
    if name.lower() not in said:  # the model's customer must be one the user named ("美的" -> 美的集团 is fine)
        named = [m for m in crm if any(len(n) >= 2 and n.lower() in said for n in m.names)]
        if not named:
            raise NeedsInfo(en="Which customer is the ROI report for?", zh="请问这份 ROI 报告是给哪位客户的？")
        name = named[0].name_zh
    key = name.lower()
    for m in crm:  # a name or short name (美的, Midea), the full name inside the user's, or a part of the English name
        short = key in (n.lower() for n in m.names[1:])
        if short or m.name_zh in name or (len(name) >= 3 and key in m.name_en.lower()):
            industry, region = facts.get(m.code, (None, None))
            if not (ctx.user.all_regions or region in ctx.user.regions):
                # A customer of another region is someone else's account: no report, whatever the model asked.
                raise PermissionDenied(
                    en=f"{m.name_en} is not among your customers (outside your data scope), so I can't draft its "
                       "ROI report. Ask its account owner or your manager.",
                    zh=f"{m.name_zh}不在您的客户范围内（超出您的数据权限），无法为其生成 ROI 报告。"
                       "请联系该客户的负责人或您的经理。")
            return m.name(ctx.lang), industry
    industry = args.industry or _industry_in(ctx.text)
    if industry:
        return name, industry
    close = difflib.get_close_matches(name, [n for m in crm for n in (m.name_zh, m.name_en)], n=3, cutoff=0.5)
    hint_en = f" Did you mean {', '.join(close)}?" if close else ""
    hint_zh = f"您是指{'、'.join(close)}吗？" if close else ""
    raise ToolInputError(
        en=f"I can't find the customer '{name}' in the CRM.{hint_en} For a new prospect, tell me its industry "
           "(e.g. 'Acme, a retail prospect') and I will draft the report.",
        zh=f"CRM 中没有找到客户“{name}”。{hint_zh}如果是新客户，请告诉我其所属行业（例如“某某，零售行业新客户”）。")


_INDUSTRIES = {
    "retail": ("retail", "零售", "商超", "超市", "便利店"), "manufacturing": ("manufactur", "制造", "工厂"),
    "hospitality": ("hotel", "hospitality", "酒店"), "logistics": ("logistic", "物流", "快递"),
    "medical devices": ("medical", "医疗器械", "医疗"), "pharma distribution": ("pharma", "医药", "药店"),
    "e-commerce": ("e-commerce", "ecommerce", "电商"), "FMCG": ("fmcg", "快消"),
    "food & beverage": ("food", "beverage", "食品", "饮料", "餐饮"), "property": ("property", "物业"),
}


def _industry_in(text: str) -> str | None:
    """The prospect's industry as the user named it ("Acme, a retail prospect", "零售行业新客户")."""
    lowered = text.lower()
    for industry, words in _INDUSTRIES.items():
        if any(w in lowered for w in words):
            return industry
    return None


def _grounded_money(given: str | None, text: str, currency: str, en: str, zh: str) -> tuple[float, str]:
    """The amount as written by the user: the model's value must match an amount in the message."""
    if not given:
        raise NeedsInfo(en=f"What is the {en}?", zh=f"请问{zh}是多少？")
    value = parse_money(given, currency)  # its own message says what is wrong ("must be greater than zero")
    amounts = list(_AMOUNT.finditer(text))
    if not amounts:  # the message states no amount at all: the model's figure is a guess, so ask
        raise NeedsInfo(en=f"What is the {en}?", zh=f"请问{zh}是多少？")
    for m in amounts:
        try:
            found = parse_money(m.group(), currency)
        except CopilotError:
            continue
        if found.amount == value.amount:
            return float(value.amount), (found.currency or value.currency or currency)
    raise ToolInputError(en=f"Please state the {en} in your message (I won't guess it).",
                         zh=f"请在消息中写明{zh}（我不会自行假设）。")


def _years(given: int | None, text: str) -> int:
    """The horizon the user wrote ("三年", "3 years"); years like 2026年 are not horizons."""
    for m in _YEARS.finditer(text):
        value = _small_number(m.group(1))
        if 1 <= value <= 15:
            return value
    raise NeedsInfo(en="Over how many years should I calculate the ROI (1-15)?", zh="请问 ROI 按几年测算（1-15 年）？")


def _ramp(given: str | None, text: str) -> list[float]:
    """Ramp-up shares as the user wrote them, in order ("第一年50%，第二年80%"); each must be in the message."""
    if not given:
        return []
    shares = []
    for raw in re.findall(r"\d{1,3}(?:\.\d+)?\s*(?:%|％)", given):
        if raw.replace(" ", "") not in text.replace(" ", ""):
            raise ToolInputError(en=f"Please state the ramp-up share {raw} in your message.",
                                 zh=f"请在消息中写明爬坡比例 {raw}。")
        share = float(parse_percent(raw))
        if not 0 < share <= 1:
            raise ToolInputError(en="Ramp-up shares must be between 0% and 100%.", zh="爬坡比例须在 0% 到 100% 之间。")
        shares.append(share)
    return shares


def _small_number(raw: str) -> int:
    if raw.isdigit():
        return int(raw)
    if raw == "十":
        return 10
    if raw.startswith("十"):  # 十二
        return 10 + _CN_NUM.get(raw[1:], 0)
    return _CN_NUM.get(raw, 0)


def _rate(given: str | None, text: str) -> float:
    m = _RATE.search(text)
    if m:
        return float(parse_percent((m.group(1) or m.group(2)).strip()))
    return 0.08  # stated in the report's assumptions


def _cases(deps: ToolDeps, ctx: RequestContext, industry: str | None, product: str | None,
           label: str) -> list[Case]:
    if deps.knowledge is None:
        return []
    return similar_cases(deps.knowledge(), ctx.user, industry=industry, product=product, customer=label,
                         lang=ctx.lang)


TOOL = Tool(
    name="draft_roi_report",
    asks_when_vague=True,
    args_model=DraftRoiArgs,
    run=draft_roi_report,
    side_effects=True,  # writes report files: never twice for one request
    examples=(
        ("帮我给美的做一份ROI报告,投入80万,每年节省30万,三年",
         {"customer": "美的", "investment": "80万", "annual_savings": "30万", "years": 3}),
    ),
)
