"""query_forecast on the demo company, without the LLM: refresh of all series (target < 2 min on 2 cores), one
question answered by the tool end to end incl. the chart (target p95 < 200 ms), a what-if re-prediction (target
p95 < 2 s), and the bias history. Baseline in the same run: reading one stored number (the slice sum alone).

    python bench/forecast_latency.py [--skip-refresh] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from copilot.context import RequestContext
from copilot.directory import Directory
from copilot.settings import load_settings
from tools.base import ToolDeps
from tools.forecast import answers, store
from tools.forecast.understand import ForecastArgs
from tools.query_forecast import Forecasting, query_forecast

TODAY = date(2026, 11, 23)
QUESTIONS = (
    "下个月华南区洗发水的销量预测?", "Q1 2027 forecast for body wash on e-commerce in East China?",
    "X200明年一季度能卖多少台", "next quarter's revenue forecast for KA in North China", "明年3月全国销售额预测",
    "forecast for SK-405 in December", "华东区电商渠道未来三个月的毛利预测", "units forecast for laundry next month",
)
WHAT_IFS = (
    "what if we cancel the 618 promotion — effect on Q2 revenue and margin?", "如果双11不打折，11月电商销售额会怎样",
    "如果618打7折，二季度华东电商的销量会怎样", "what if the CNY fair in KA is cancelled — Q1 units?",
)
BIAS = ("how biased were last quarter's forecasts?", "上个月华南区洗发水的预测偏差")


def _p(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-refresh", action="store_true", help="use the stored run instead of refreshing")
    parser.add_argument("--json", type=Path)
    a = parser.parse_args()
    settings = load_settings()
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        if a.skip_refresh:
            data = settings.data_dir
        else:
            import duckdb

            from tools.forecast.panel import build_panel
            from tools.forecast.source import from_warehouse

            t0 = time.perf_counter()
            with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
                hist = from_warehouse(conn)
            panel = build_panel(hist.rows, settings.forecast_horizon_weeks, plan=hist.plan,
                                list_price=hist.list_price, unit_cost=hist.unit_cost)
            run = store.refresh(panel, data, windows=settings.forecast_windows,
                                spacing=settings.forecast_window_spacing_weeks, source="warehouse",
                                progress=lambda label, _f: print(f"  {label}", file=sys.stderr, flush=True))
            figures["refresh_s"] = round(time.perf_counter() - t0, 1)
            figures["series"] = len(run.keys)
        fc = Forecasting(store.RunCache(data), data / "charts")
        directory = Directory(settings.ops_path)
        deps = ToolDeps(warehouse_path=settings.warehouse_path, directory=directory, forecasting=lambda: fc)
        user = directory.get("demo.director")

        def ask(text: str) -> float:
            lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"
            ctx = RequestContext(user=user, lang=lang, conversation_id="b", today=TODAY, text=text)
            t = time.perf_counter()
            query_forecast(ForecastArgs(), ctx, deps)
            return (time.perf_counter() - t) * 1000

        cold_start = time.perf_counter()
        ask(QUESTIONS[0])
        figures["first_question_ms"] = round((time.perf_counter() - cold_start) * 1000)  # loads run, fonts, names
        t = time.perf_counter()
        ask(WHAT_IFS[0])
        figures["first_what_if_ms"] = round((time.perf_counter() - t) * 1000)  # loads the fitted model
        tool = [ask(q) for _ in range(3) for q in QUESTIONS]
        what_if = [ask(q) for _ in range(2) for q in WHAT_IFS]
        bias = [ask(q) for _ in range(5) for q in BIAS]
        run_now = fc.runs.get()
        mask = answers.select(run_now, {}, sorted(set(run_now.keys["region"])))
        w = answers.future_weights(run_now, date(2026, 12, 1), date(2026, 12, 31))
        base = []
        for _ in range(50):
            t = time.perf_counter()
            float(run_now.forecast[mask].sum(axis=0) @ w)
            base.append((time.perf_counter() - t) * 1000)
    for name, values in (("tool", tool), ("what_if", what_if), ("bias", bias), ("baseline_sum", base)):
        p50, p95 = _p(values)
        figures[f"{name}_p50_ms"], figures[f"{name}_p95_ms"] = round(p50, 1), round(p95, 1)
    print(f"{'measure':<28} {'value':>10}")
    for key, val in figures.items():
        print(f"{key:<28} {val:>10}")
    ok = (figures.get("refresh_s", 0) < 120 and figures["tool_p95_ms"] < 200 and figures["what_if_p95_ms"] < 2000)
    print("targets (refresh < 120 s, tool p95 < 200 ms, what-if p95 < 2 s):", "PASS" if ok else "FAIL")
    if a.json:
        a.json.write_text(json.dumps({**figures, "pass": ok}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
