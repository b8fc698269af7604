"""Every sentence and table cell of an ROI report, in the user's language, from computed values only."""

from __future__ import annotations

from typing import Literal

from tools.roi.cases import Case
from tools.roi.finance import RoiResult
from tools.roi.report import Texts, case_lines

Lang = Literal["zh", "en"]
SYMBOL = {"CNY": "¥", "USD": "$"}


def amount(value: float, currency: str) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}{SYMBOL.get(currency, '')}{abs(value):,.0f}"


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def years(value: float | None, lang: Lang) -> str:
    if value is None:
        return "超出测算期" if lang == "zh" else "beyond the horizon"
    return f"{value:.2f} 年" if lang == "zh" else f"{value:.2f} years"


def report_texts(result: RoiResult, cases: list[Case], lang: Lang, customer_label: str) -> Texts:
    i, c, zh = result.inputs, result.inputs.currency, lang == "zh"
    a = lambda v: amount(v, c)  # noqa: E731 - short local formatter
    summary = [
        (f"{customer_label}：投入 {a(i.investment)}，满产后每年节省 {a(i.annual_savings)}，测算 {i.years} 年，"
         f"折现率 {pct(i.discount_rate)}。") if zh else
        (f"{customer_label}: investment {a(i.investment)}, savings at full ramp-up {a(i.annual_savings)} a year, "
         f"{i.years}-year horizon, discount rate {pct(i.discount_rate)}."),
        (f"ROI {pct(result.roi)}；NPV {a(result.npv)}；IRR {pct(result.irr)}；"
         f"回收期 {years(result.payback_years, lang)}"
         f"（折现 {years(result.discounted_payback_years, lang)}）。") if zh else
        (f"ROI {pct(result.roi)}; NPV {a(result.npv)}; IRR {pct(result.irr)}; payback "
         f"{years(result.payback_years, lang)} (discounted {years(result.discounted_payback_years, lang)})."),
        (f"盈亏平衡：每年节省需达到 {a(result.breakeven_annual_savings)}，NPV 才为零。") if zh else
        (f"Break-even: yearly savings of {a(result.breakeven_annual_savings)} give an NPV of zero."),
    ]
    ramp = ", ".join(pct(i.ramp(t)) for t in range(1, i.years + 1))
    assumptions = [
        ("客户" if zh else "Customer", customer_label),
        ("币种" if zh else "Currency", c),
        ("初始投入（第0年）" if zh else "Investment (year 0)", a(i.investment)),
        ("满产年节省" if zh else "Savings at full ramp-up, per year", a(i.annual_savings)),
        ("爬坡（各年达成比例）" if zh else "Ramp-up (share reached per year)", ramp),
        ("年运维成本" if zh else "Running cost per year", a(i.maintenance)),
        ("测算期" if zh else "Horizon", f"{i.years} 年" if zh else f"{i.years} years"),
        ("折现率" if zh else "Discount rate", pct(i.discount_rate)),
    ]
    cf_header = ["年份", "节省", "成本", "净现金流", "累计", "折现值", "累计折现"] if zh else \
        ["Year", "Savings", "Costs", "Net cash flow", "Cumulative", "Discounted", "Cumulative discounted"]
    cf_rows = [[str(r.year), a(r.savings), a(r.costs), a(r.net), a(r.cumulative), a(r.discounted),
                a(r.cumulative_discounted)] for r in result.rows]
    names = {"base": "基准", "savings -20%": "节省 -20%", "savings +20%": "节省 +20%", "cost -20%": "成本 -20%",
             "cost +20%": "成本 +20%"}
    s_header = ["情景", "NPV", "ROI", "回收期"] if zh else ["Scenario", "NPV", "ROI", "Payback"]
    s_rows = [[names[s.name] if zh else s.name, a(s.npv), pct(s.roi), years(s.payback_years, lang)]
              for s in result.sensitivity]
    if cases:
        cases_text = case_lines(cases, lang)
    else:
        cases_text = ["知识库中没有找到相近的客户案例；本报告未引用任何案例。" if zh else
                      "No similar customer case was found in the knowledge base; none is cited."]
    disclaimer = ("本报告基于上述假设测算，为预估而非承诺；实际效果取决于客户的实施与运营情况。"
                  "引用案例的数据来自各案例文档，不代表对本客户的保证。") if zh else \
        ("This report is an estimate from the assumptions above, not a commitment; actual results depend on the "
         "customer's implementation and operations. Figures quoted from cases are those cases' own and are not a "
         "guarantee for this customer.")
    labels = {"assumptions": "假设", "cashflow": "年度现金流", "sensitivity": "敏感性分析（±20%）",
              "disclaimer": "免责声明", "item": "项目", "value": "数值"} if zh else \
        {"assumptions": "Assumptions", "cashflow": "Yearly cash flow", "sensitivity": "Sensitivity (±20%)",
         "disclaimer": "Disclaimer", "item": "Item", "value": "Value"}
    title = f"{customer_label} 投资回报（ROI）分析" if zh else f"ROI analysis for {customer_label}"
    return Texts(title, summary, assumptions, cf_header, cf_rows, s_header, s_rows,
                 "参考案例" if zh else "Similar customer cases", cases_text, disclaimer, labels)
