"""analytics_query without the LLM, over every eval question (main + held-out sets, last turn of each):
SQL execution p50/p95 on the demo warehouse (target p95 < 500 ms), chart rendering p50/p95 (target < 300 ms),
and the whole tool call. Baseline in the same run: the plain total of one month, the cheapest query there is.
PostgreSQL too when COPILOT_BENCH_POSTGRES_URL points at a copy (`copilot warehouse copy URL`).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from copilot.context import RequestContext
from copilot.directory import Directory
from copilot.errors import CopilotError
from copilot.settings import load_settings
from evals.analytics import DATA, load
from tools.analytics import chart
from tools.analytics.memory import QueryMemory
from tools.analytics.understand import AnalyticsArgs
from tools.analytics.warehouse import Warehouse
from tools.analytics_query import Analytics, analytics_query
from tools.base import ToolDeps

TODAY = date(2026, 11, 23)


def _p(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), statistics.quantiles(values, n=20)[18]


def run(url: str | None, label: str) -> None:
    settings = load_settings()
    directory = Directory(settings.ops_path)
    with tempfile.TemporaryDirectory() as tmp:
        wh = Warehouse(settings.warehouse_path, url)
        analytics = Analytics(wh, QueryMemory(Path(tmp) / "m.sqlite"), Path(tmp) / "charts")
        deps = ToolDeps(warehouse_path=settings.warehouse_path, directory=directory, analytics=lambda: analytics)
        items = load() + load(DATA / "analytics_holdout.jsonl")
        sql_ms, tool_ms, baseline = [], [], []
        for _ in range(2):  # first pass warms engine, caches and fonts; the second is measured
            sql_ms.clear()
            tool_ms.clear()
            for item in items:
                user = directory.get(item["user"])
                for turn in item["turns"]:
                    ctx = RequestContext(user=user, lang=item["lang"], conversation_id=item["id"], today=TODAY,
                                         text=turn)
                    t0 = time.perf_counter()
                    try:
                        out = analytics_query(AnalyticsArgs(), ctx, deps)
                    except CopilotError:
                        continue
                    tool_ms.append((time.perf_counter() - t0) * 1000)
                    sql_ms.append(out.data["query_ms"])
        ctx = RequestContext(user=directory.get("demo.director"), lang="en", conversation_id="b", today=TODAY,
                             text="revenue last month")
        for _ in range(40):
            query_out = analytics_query(AnalyticsArgs(), ctx, deps)
            baseline.append(query_out.data["query_ms"])
        charts = []
        labels = [f"2026-{m:02d}" for m in range(1, 11)]
        for n in range(30):
            t0 = time.perf_counter()
            chart.render_png("bar" if n % 2 else "line", "华东 · 2026 · 销售额 按月", labels,
                             {"销售额": [float(i * 1000 + n) for i in range(10)]}, "销售额")
            charts.append((time.perf_counter() - t0) * 1000)
    p50, p95 = _p(sql_ms)
    b50, b95 = _p(baseline)
    t50, t95 = _p(tool_ms)
    c50, c95 = _p(charts)
    print(f"[{label}] {len(sql_ms)} questions")
    print(f"  SQL execution            p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  (target p95 < 500 ms)")
    print(f"  baseline: one-month total p50 {b50:7.1f} ms  p95 {b95:7.1f} ms  -> p95 ratio {p95 / b95:.1f}x")
    print(f"  whole tool call (no LLM) p50 {t50:7.1f} ms  p95 {t95:7.1f} ms")
    print(f"  chart rendering          p50 {c50:7.1f} ms  p95 {c95:7.1f} ms  (target < 300 ms)")


def main() -> None:
    run(None, "DuckDB")
    pg = os.environ.get("COPILOT_BENCH_POSTGRES_URL")
    if pg:
        run(pg, "PostgreSQL")


if __name__ == "__main__":
    main()
