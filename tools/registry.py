"""The one explicit list of tools the agent may call."""

from __future__ import annotations

from tools import (
    analytics_query,
    check_compliance,
    draft_roi_report,
    query_forecast,
    route_request,
    search_knowledge,
)
from tools.base import Tool

TOOLS: list[Tool] = [  # type: ignore[type-arg]
    query_forecast.TOOL, analytics_query.TOOL, check_compliance.TOOL, search_knowledge.TOOL, draft_roi_report.TOOL,
    route_request.TOOL,
]


def by_name() -> dict[str, Tool]:  # type: ignore[type-arg]
    return {t.name: t for t in TOOLS}
