"""`copilot forecast ...`: precompute the forecasts query_forecast reads, and backtest the pipeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from copilot.settings import Settings
    from tools.forecast.source import History

forecast_app = typer.Typer(help="Sales forecasts: refresh the stored forecasts, backtest the models.",
                           no_args_is_help=True)
out = Console(highlight=False)

DataOption = Annotated[Path | None, typer.Option(
    "--data", help="sales history CSV/Parquet instead of the warehouse: columns date, units (required); sku, "
                   "category, region, channel, price, discount_pct, holiday, x_* (optional) — see the README")]
CountryOption = Annotated[str, typer.Option(help="public-holiday calendar (ISO country code) for the features")]


def _history(data: Path | None) -> History:
    from copilot.cli import _settings
    from copilot.errors import NotReady
    from tools.forecast.source import from_file, from_warehouse

    if data is not None:
        return from_file(data)
    settings = _settings()
    if not settings.warehouse_path.exists():
        raise NotReady(detail=str(settings.warehouse_path))
    import duckdb

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        return from_warehouse(conn)


def _bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=out)


@forecast_app.command("refresh")
def refresh(data: DataOption = None, country: CountryOption = "CN") -> None:
    """Fit the models and store forecasts for every SKU x region x channel (plus the backtest windows behind the
    intervals and the bias history); query_forecast answers from the stored run."""
    from copilot.cli import _fail, _settings
    from copilot.errors import CopilotError

    try:
        refresh_forecasts(_settings(), data, country)
    except CopilotError as exc:
        _fail(exc)


def refresh_forecasts(settings: Settings, data: Path | None = None, country: str = "CN") -> None:
    """The refresh with a progress bar (also run by `copilot demo`)."""
    from tools.forecast import store
    from tools.forecast.panel import build_panel

    hist = _history(data)
    panel = build_panel(hist.rows, settings.forecast_horizon_weeks, plan=hist.plan, list_price=hist.list_price,
                        unit_cost=hist.unit_cost, country=country)
    with _bar() as bar:
        task = bar.add_task("forecasts", total=1.0)
        result = store.refresh(panel, settings.data_dir, windows=settings.forecast_windows,
                               spacing=settings.forecast_window_spacing_weeks, source=hist.source,
                               progress=lambda label, frac: bar.update(task, completed=frac, description=label))
    m = result.meta
    out.print(f"Stored forecasts for {m['series']} series, {m['horizon_weeks']} weeks from {result.future[0].date()} "
              f"to {result.horizon_end.date()} ({len(result.cutoffs)} backtest windows) in {m['seconds']} s.")


@forecast_app.command("backtest")
def backtest(
    data: DataOption = None,
    country: CountryOption = "CN",
    h: Annotated[int, typer.Option("--h", min=1, max=52, help="weeks ahead")] = 8,
    origins: Annotated[int, typer.Option(min=1, max=30, help="forecast origins")] = 7,
    step: Annotated[int, typer.Option(min=1, max=26, help="weeks between origins")] = 8,
    report: Annotated[Path | None, typer.Option(help="also write the scores as JSON here")] = None,
) -> None:
    """Rolling-origin backtest: WAPE, MASE and bias of each model vs seasonal naive, and the coverage of the 80%/95%
    intervals the tool would have shown."""
    from copilot.cli import _fail
    from copilot.errors import CopilotError
    from tools.forecast.backtest import backtest as run_backtest
    from tools.forecast.panel import build_panel

    try:
        hist = _history(data)
        panel = build_panel(hist.rows, 1, plan=hist.plan, list_price=hist.list_price, unit_cost=hist.unit_cost,
                            country=country)
        with _bar() as bar:
            task = bar.add_task("backtest", total=1.0)
            scores = run_backtest(panel, h=h, origins=origins, step=step,
                                  progress=lambda label, frac: bar.update(task, completed=frac, description=label))
    except CopilotError as exc:
        _fail(exc)
        return
    table = Table(title=f"Backtest · h={h} · {origins} origins ({scores.origins[0]} … {scores.origins[-1]})")
    for col in ("model", "WAPE %", "MASE", "bias %", "WAPE vs seasonal naive"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for row in scores.table():
        better = row["wape_vs_snaive_pct"]
        table.add_row(str(row["model"]), f"{row['wape_pct']:.2f}", f"{row['mase']:.3f}", f"{row['bias_pct']:+.2f}",
                      "—" if better is None or row["model"] == "snaive" else f"{better:+.1f}% better")
    out.print(table)
    out.print("Interval coverage (copilot): " + ", ".join(f"{lv}% → {c * 100:.1f}%"
                                                          for lv, c in scores.coverage.items())
              + f"   [{scores.seconds} s]")
    if report is not None:
        report.write_text(json.dumps({"h": h, "origins": scores.origins, "models": scores.table(),
                                      "coverage": scores.coverage, "seconds": scores.seconds}, indent=2))
