"""The ROI report as DOCX (python-docx) and PDF (reportlab, built-in STSong-Light CID font for Chinese), with a
cash-flow chart (matplotlib). Files are written to a temporary name and renamed: never half-written."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tools.roi.cases import Case
from tools.roi.finance import RoiResult

Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class Texts:
    title: str
    summary: list[str]
    assumptions: list[tuple[str, str]]
    cashflow_header: list[str]
    cashflow_rows: list[list[str]]
    sensitivity_header: list[str]
    sensitivity_rows: list[list[str]]
    cases_title: str
    cases: list[str]
    disclaimer: str
    labels: dict[str, str]


def chart_png(result: RoiResult) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    years = [r.year for r in result.rows]
    fig, ax = plt.subplots(figsize=(6.4, 3.2), dpi=110)
    ax.bar(years, [r.net for r in result.rows], color=["#c0504d" if r.net < 0 else "#4f81bd" for r in result.rows],
           label="net cash flow")
    ax.plot(years, [r.cumulative for r in result.rows], marker="o", color="#333333", label="cumulative")
    ax.plot(years, [r.cumulative_discounted for r in result.rows], marker=".", linestyle="--", color="#9bbb59",
            label="cumulative, discounted")
    ax.axhline(0, color="#999999", linewidth=0.8)
    ax.set_xlabel("year")
    ax.set_ylabel(result.inputs.currency)
    ax.set_xticks(years)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def write_docx(texts: Texts, chart: bytes, path: Path) -> Path:
    import docx
    from docx.shared import Inches

    document = docx.Document()
    document.add_heading(texts.title, level=0)
    for line in texts.summary:
        document.add_paragraph(line)
    document.add_heading(texts.labels["assumptions"], level=1)
    _docx_table(document, [texts.labels["item"], texts.labels["value"]], [list(a) for a in texts.assumptions])
    document.add_heading(texts.labels["cashflow"], level=1)
    document.add_picture(io.BytesIO(chart), width=Inches(6))
    _docx_table(document, texts.cashflow_header, texts.cashflow_rows)
    document.add_heading(texts.labels["sensitivity"], level=1)
    _docx_table(document, texts.sensitivity_header, texts.sensitivity_rows)
    document.add_heading(texts.cases_title, level=1)
    for line in texts.cases:
        document.add_paragraph(line, style="List Bullet")
    document.add_heading(texts.labels["disclaimer"], level=1)
    document.add_paragraph(texts.disclaimer)
    return _atomic(path, document.save)


def write_pdf(texts: Texts, chart: bytes, path: Path) -> Path:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=10, leading=14, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=13, leading=18, spaceBefore=8)
    title = ParagraphStyle("title", parent=body, fontSize=17, leading=22)
    style = TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"), ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dce6f1"))])

    def table(header: list[str], rows: list[list[str]]) -> Table:
        return Table([header, *rows], style=style, hAlign="LEFT")

    flow = [Paragraph(texts.title, title), Spacer(1, 6)]
    flow += [Paragraph(line, body) for line in texts.summary]
    flow += [Paragraph(texts.labels["assumptions"], head),
             table([texts.labels["item"], texts.labels["value"]], [list(a) for a in texts.assumptions])]
    flow += [Paragraph(texts.labels["cashflow"], head), Image(io.BytesIO(chart), width=16 * cm, height=8 * cm),
             table(texts.cashflow_header, texts.cashflow_rows)]
    flow += [Paragraph(texts.labels["sensitivity"], head), table(texts.sensitivity_header, texts.sensitivity_rows)]
    flow += [Paragraph(texts.cases_title, head)] + [Paragraph("• " + line, body) for line in texts.cases]
    flow += [Paragraph(texts.labels["disclaimer"], head), Paragraph(texts.disclaimer, body)]

    def build(target: str) -> None:
        SimpleDocTemplate(target, pagesize=A4, title=texts.title, leftMargin=2 * cm, rightMargin=2 * cm).build(flow)

    return _atomic(path, build)


def _docx_table(document: object, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))  # type: ignore[attr-defined]
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text


def _atomic(path: Path, write: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    try:
        write(str(tmp))  # type: ignore[operator]
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def case_lines(cases: list[Case], lang: Lang) -> list[str]:
    out = []
    for case in cases:
        quoted = "；".join(case.figures) if lang == "zh" else "; ".join(case.figures)
        where = f"{case.source} › {case.location}"
        out.append(f"{case.title} ({where})" + (f": “{quoted}”" if quoted else ""))
    return out
