"""The one explicit list of tools the agent may call."""

from __future__ import annotations

from tools import check_compliance, draft_roi_report, sales_summary, search_knowledge
from tools.base import Tool

TOOLS: list[Tool] = [sales_summary.TOOL, check_compliance.TOOL, search_knowledge.TOOL, draft_roi_report.TOOL]  # type: ignore[type-arg]


def by_name() -> dict[str, Tool]:  # type: ignore[type-arg]
    return {t.name: t for t in TOOLS}
