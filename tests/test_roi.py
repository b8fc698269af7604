"""draft_roi_report: finance against hand-checked values, rendered files opened and read back, grounding, bad input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document as open_docx
from pypdf import PdfReader

from agent.service import CopilotService
from tests.fakes import ScriptedChatModel, tool_call
from tools.chart_worker import ChartWorker
from tools.draft_roi_report import render_files
from tools.roi.finance import RoiInputs, analyse, payback
from tools.roi.report import Texts
from tools.roi.texts import amount, pct, report_texts

MIDEA_OWNER = "rep.south.1"  # 美的集团 is a South China account
MIDEA = RoiInputs(customer="美的集团", investment=800_000, annual_savings=300_000, years=3, discount_rate=0.08)


def test_hand_checked_midea_case() -> None:
    # NPV = -800,000 + 300,000 x (1/1.08 + 1/1.08^2 + 1/1.08^3) = -800,000 + 300,000 x 2.577097 = -26,870.90
    r = analyse(MIDEA)
    assert r.npv == pytest.approx(-26_870.90, abs=0.01)
    assert r.roi == pytest.approx(0.125, abs=1e-4)  # (900,000 - 800,000) / 800,000
    assert r.irr == pytest.approx(0.061286, abs=1e-4)  # the annuity factor 2.6667 at 3 years
    assert r.payback_years == pytest.approx(2.67, abs=0.01)  # 800k / 300k
    assert r.discounted_payback_years is None  # NPV < 0: never within 3 years
    assert r.breakeven_annual_savings == pytest.approx(310_426.81, abs=0.01)  # 800,000 / 2.5770970


def test_hand_checked_acme_case_with_discounted_payback() -> None:
    r = analyse(RoiInputs(customer="Acme", currency="USD", investment=500_000, annual_savings=200_000, years=3))
    assert r.npv == pytest.approx(15_419.40, abs=0.01)
    assert r.irr == pytest.approx(0.09701, abs=1e-4)
    assert r.payback_years == pytest.approx(2.50, abs=0.01)
    # Discounted flows 185,185.19 / 171,467.76 / 158,766.44: 2 + 143,347.05 / 158,766.44 = 2.90
    assert r.discounted_payback_years == pytest.approx(2.90, abs=0.01)


def test_ramp_up_maintenance_and_sensitivity() -> None:
    r = analyse(RoiInputs(customer="X", investment=1_000_000, annual_savings=500_000, years=4, discount_rate=0.10,
                          maintenance=50_000, ramp_up=[0.5]))
    assert [round(x.net) for x in r.rows] == [-1_000_000, 200_000, 450_000, 450_000, 450_000]
    assert r.payback_years == pytest.approx(2 + 350_000 / 450_000, abs=0.01)
    by_name = {s.name: s for s in r.sensitivity}
    assert by_name["savings -20%"].npv < by_name["base"].npv < by_name["savings +20%"].npv
    assert by_name["cost +20%"].npv < by_name["base"].npv < by_name["cost -20%"].npv
    assert by_name["base"].npv == pytest.approx(r.npv)


def test_payback_edge_cases() -> None:
    assert payback([-100, 50, 50]) == pytest.approx(2.0)
    assert payback([-100, 10, 10]) is None
    assert payback([0, 10]) == 0.0


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"-?[¥$]?\d[\d,]*(?:\.\d+)?%?", text))


def _expected(texts: Texts) -> set[str]:
    cells = [v for _, v in texts.assumptions] + [c for row in texts.cashflow_rows for c in row] + \
        [c for row in texts.sensitivity_rows for c in row] + texts.summary + texts.cases
    return {n for cell in cells for n in _numbers(cell)}


def test_every_figure_in_the_files_is_a_computed_one(tmp_path: Path) -> None:
    result = analyse(MIDEA)
    texts = report_texts(result, [], "zh", "美的集团")
    docx_path, pdf_path = render_files(result, [], "zh", "美的集团", tmp_path, ChartWorker())
    document = open_docx(str(docx_path))
    body = "\n".join(p.text for p in document.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    # The cash-flow table holds the computed rows exactly.
    assert tables[1][1:] == texts.cashflow_rows and tables[1][1][3] == amount(-800_000, "CNY")
    assert tables[2][1][1] == amount(result.npv, "CNY") == "-¥26,871"
    assert "NPV -¥26,871" in body and f"IRR {pct(result.irr)}" in body and "免责声明" in body
    assert "知识库中没有找到相近的客户案例" in body  # no case invented
    cells = {c for t in tables for row in t for c in row}
    found = _numbers(body) | {n for c in cells for n in _numbers(c)}
    assert found <= _expected(texts) | {"0", "1", "2", "3", "20%", "100"}, found - _expected(texts)
    pdf_text = "".join(page.extract_text() for page in PdfReader(str(pdf_path)).pages)
    assert "美的集团 投资回报（ROI）分析" in pdf_text and "-¥26,871" in pdf_text and "敏感性分析" in pdf_text
    assert not list(tmp_path.glob(".*partial"))


def test_a_failed_render_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> Path:
        raise RuntimeError("disk full")

    monkeypatch.setattr("tools.draft_roi_report.write_pdf", broken)
    with pytest.raises(RuntimeError):
        render_files(analyse(MIDEA), [], "zh", "美的集团", tmp_path, ChartWorker())
    assert list(tmp_path.iterdir()) == []


# ---- through the agent ---------------------------------------------------------------------------------------------

@pytest.fixture
def roi_service(service: CopilotService) -> CopilotService:
    service.deps = service.deps.__class__(**{**service.deps.__dict__, "knowledge": None})
    return service


def test_report_from_the_users_words(roi_service: CopilotService, fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("draft_roi_report", customer="美的", investment="80万", annual_savings="30万",
                                   years=3)]
    reply = roi_service.ask(MIDEA_OWNER, "帮我给美的做一份ROI报告,投入80万,每年节省30万,三年")
    assert "ROI 12.5%" in reply.reply and "NPV -¥2.7万" in reply.reply and "IRR 6.1%" in reply.reply
    assert [a.title for a in reply.attachments] == ["ROI 报告 (DOCX)", "ROI 报告 (PDF)"]
    assert all(Path(str(a.path)).exists() for a in reply.attachments)
    args = reply.tool_calls[0].args
    assert (args["investment"], args["annual_savings"], args["years"], args["discount_rate"]) == (
        800_000.0, 300_000.0, 3, 0.08)


@pytest.mark.parametrize(("user", "text", "customer", "message"), [
    ("demo.rep", "帮我给美的做一份ROI报告,投入80万,每年节省30万,三年", "美的", "美的集团不在您的客户范围内"),
    ("demo.rep", "ROI for Midea: 800k investment, saves 300k a year over 3 years", "Midea",
     "Midea Group is not among your customers"),
    # the East China manager
    ("demo.manager", "给美的集团做ROI,投入80万,每年节省30万,三年", "美的集团", "不在您的客户范围内"),
])
def test_another_regions_customer_gets_no_report(roi_service: CopilotService, fake_model: ScriptedChatModel,
                                                 user: str, text: str, customer: str, message: str) -> None:
    fake_model.script = [tool_call("draft_roi_report", customer=customer, investment="800000",
                                   annual_savings="300000", years=3)]
    reply = roi_service.ask(user, text)
    assert message in reply.reply and not reply.tool_calls[0].ok and not reply.attachments
    reports = roi_service.settings.data_dir / "reports"
    assert not reports.exists() or not list(reports.iterdir())


def test_the_director_with_every_region_gets_it(roi_service: CopilotService, fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("draft_roi_report", customer="美的", investment="80万", annual_savings="30万",
                                   years=3)]
    reply = roi_service.ask("demo.director", "帮我给美的做一份ROI报告,投入80万,每年节省30万,三年")
    assert reply.tool_calls[0].ok and "ROI 12.5%" in reply.reply


def test_a_mis_scaled_amount_from_the_model_is_refused(roi_service: CopilotService,
                                                        fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("draft_roi_report", customer="美的", investment="8000000", annual_savings="30万",
                                   years=3)]
    reply = roi_service.ask(MIDEA_OWNER, "帮我给美的做一份ROI报告,投入80万,每年节省30万,三年")
    assert not reply.tool_calls[0].ok and "请在消息中写明投入金额" in reply.reply and not reply.attachments


@pytest.mark.parametrize(("text", "args", "message"), [
    ("给美的做ROI,投入80万,每年节省30万", {"customer": "美的", "investment": "80万", "annual_savings": "30万"},
     "按几年测算"),
    ("给美的做ROI,投入0元,每年节省30万,三年", {"customer": "美的", "investment": "0元", "annual_savings": "30万",
                                         "years": 3}, "金额必须大于零"),
    ("给美的做ROI,投入1万,每年节省300万,三年", {"customer": "美的", "investment": "1万", "annual_savings": "300万",
                                          "years": 3}, "100 倍"),
    ("ROI for Globex: 500k investment, saves 200k a year over 3 years",
     {"customer": "Globex", "investment": "500k", "annual_savings": "200k", "years": 3}, "can't find the customer"),
])
def test_bad_input_gets_a_clear_message_and_no_file(roi_service: CopilotService, fake_model: ScriptedChatModel,
                                                     text: str, args: dict[str, object], message: str) -> None:
    fake_model.script = [tool_call("draft_roi_report", **args)]
    reply = roi_service.ask(MIDEA_OWNER, text)
    assert message in reply.reply and not reply.attachments
    reports = roi_service.settings.data_dir / "reports"
    assert not reports.exists() or not list(reports.iterdir())


def test_cases_are_retrieved_and_quoted_verbatim(tmp_path: Path) -> None:
    from knowledge.factory import DEMO_CORPUS
    from knowledge.ingest import ingest
    from knowledge.search import KnowledgeBase
    from knowledge.store import ChunkStore
    from tests.fakes import FakeEmbedder
    from tests.test_knowledge import REP
    from tools.roi.cases import similar_cases

    embedder = FakeEmbedder()
    kb = KnowledgeBase(ChunkStore(path=tmp_path / "kb", embedder_name=embedder.name), embedder)
    ingest([DEMO_CORPUS], kb.store, embedder)
    cases = similar_cases(kb, REP, industry="home appliances", product="WMS", customer="美的集团", lang="zh")
    assert 1 <= len(cases) <= 3 and cases[0].doc_id == "case-midea-wms-2025"
    source = (DEMO_CORPUS / f"{cases[0].doc_id}.md").read_text(encoding="utf-8")
    assert cases[0].figures and all(f in source for f in cases[0].figures)  # quoted, not paraphrased
    assert all(c.doc_id.startswith("case-") for c in cases)


@pytest.mark.parametrize(("text", "years"), [
    ("投入80万,每年节省30万,三年", 3), ("2026年上线,投入80万,每年节省30万,测算五年", 5), ("over 3 years", 3),
    ("十年期", 10), ("for 12 years", 12),
])
def test_the_horizon_comes_from_the_users_words(text: str, years: int) -> None:
    from tools.draft_roi_report import _years

    assert _years(None, text) == years


def test_ramp_up_and_running_costs_from_the_message(roi_service: CopilotService,
                                                     fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("draft_roi_report", customer="美的", investment="80万", annual_savings="30万",
                                   years=3, maintenance="2万", ramp_up="第一年50%")]
    reply = roi_service.ask(MIDEA_OWNER, "给美的做ROI:投入80万,每年节省30万,运维每年2万,第一年只达到50%,三年")
    args = reply.tool_calls[0].args
    assert reply.tool_calls[0].ok and args["maintenance"] == 20_000.0
    # Net flows: -800k, 150k-20k, 280k, 280k -> ROI = (690k - 800k) / 800k
    assert "ROI -13.8%" in reply.reply


def test_a_request_with_no_amounts_gets_a_question(roi_service: CopilotService, fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("draft_roi_report", customer="美的", investment="800000", annual_savings="300000",
                                   years=3)]  # every figure invented by the model
    reply = roi_service.ask("demo.rep", "make a report")
    assert reply.reply == "Which customer is the ROI report for?" and reply.tool_calls[0].error is None
    fake_model.script = [tool_call("draft_roi_report", customer="美的集团", investment="800000",
                                   annual_savings="300000", years=3)]
    reply = roi_service.ask(MIDEA_OWNER, "给美的做个ROI报告")  # the customer is named, the amounts are not
    assert reply.reply == "请问投入金额是多少？" and not reply.attachments
