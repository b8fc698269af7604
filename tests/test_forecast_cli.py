"""`copilot forecast refresh|backtest` on a user's own CSV, and a malformed file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from copilot.cli import app
from tests.test_forecast_engine import synthetic

runner = CliRunner()


@pytest.fixture
def csv_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COPILOT_FORECAST_WINDOWS", "3")
    monkeypatch.setenv("COPILOT_FORECAST_HORIZON_WEEKS", "8")
    rows = synthetic(weeks=110)
    rows = rows.assign(discount_pct=rows["discount"] * 100).drop(columns=["discount"])
    path = tmp_path / "history.csv"
    rows.to_csv(path, index=False)
    return path


def test_refresh_from_a_csv_stores_a_run(csv_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["forecast", "refresh", "--data", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "Stored forecasts for 16 series, 8 weeks from 2026-11-01" in result.output
    assert (tmp_path / "data" / "forecast" / "current").exists()


def test_backtest_prints_every_model_against_seasonal_naive(csv_file: Path, tmp_path: Path) -> None:
    report = tmp_path / "bt.json"
    result = runner.invoke(app, ["forecast", "backtest", "--data", str(csv_file), "--h", "4", "--origins", "2",
                                 "--step", "4", "--report", str(report)])
    assert result.exit_code == 0, result.output
    for name in ("copilot", "lgbm", "snaive", "autotheta", "autoets", "Interval coverage"):
        assert name in result.output
    assert '"coverage"' in report.read_text()


def test_a_malformed_csv_is_refused_naming_row_and_column(csv_file: Path) -> None:
    lines = csv_file.read_text().splitlines()
    lines[5] = lines[5].replace(lines[5].split(",")[0], "2026-13-45", 1)
    csv_file.write_text("\n".join(lines))
    result = runner.invoke(app, ["forecast", "refresh", "--data", str(csv_file)])
    assert result.exit_code == 2
    assert "row 6" in result.output.lower() and "date" in result.output
