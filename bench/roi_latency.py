"""draft_roi_report without the LLM: compute + chart + DOCX + PDF, p50/p95 over 20 reports (target p95 < 1.5 s),
with the finance core alone as the baseline in the same run."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from tools.chart_worker import ChartWorker
from tools.draft_roi_report import render_files
from tools.roi.finance import RoiInputs, analyse


def main() -> None:
    inputs = RoiInputs(customer="美的集团", investment=800_000, annual_savings=300_000, years=5, discount_rate=0.08,
                       maintenance=20_000, ramp_up=[0.6, 0.9])
    with tempfile.TemporaryDirectory() as tmp:
        # imports, fonts, matplotlib set-up
        render_files(analyse(inputs), [], "zh", "美的集团", Path(tmp), ChartWorker())
        full, core = [], []
        for n in range(20):
            t0 = time.perf_counter()
            result = analyse(inputs)
            core.append((time.perf_counter() - t0) * 1000)
            render_files(result, [], "zh" if n % 2 else "en", "美的集团", Path(tmp) / str(n), ChartWorker())
            full.append((time.perf_counter() - t0) * 1000)
    q = statistics.quantiles(full, n=20)[18]
    print(f"compute + chart + DOCX + PDF   p50 {statistics.median(full):7.1f} ms  p95 {q:7.1f} ms  (target < 1500 ms)")
    print(f"finance core alone             p50 {statistics.median(core):7.2f} ms")


if __name__ == "__main__":
    main()
