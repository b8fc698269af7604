"""Forecasting engine on small synthetic data: weekly buckets, features, reconciliation, intervals, stored runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from copilot.errors import NotReady, ToolInputError
from tools.forecast import answers, store
from tools.forecast.backtest import backtest
from tools.forecast.calendar import calendar_features
from tools.forecast.engine import MODELS, hierarchy, run
from tools.forecast.panel import Plan, build_panel, day_weights

SKUS = {"A1": "cat_a", "A2": "cat_a", "B1": "cat_b", "B2": "cat_b"}


def synthetic(weeks: int = 120, seed: int = 3, daily: bool = False) -> pd.DataFrame:
    """Weekly (or daily) sales with yearly seasonality, a trend, noise and promotions that lift volume."""
    rng = np.random.default_rng(seed)
    end = pd.Timestamp("2026-10-31")
    step = 1 if daily else 7
    dates = pd.date_range(end=end, periods=weeks * 7 // step, freq=f"{step}D")
    rows = []
    for i, (sku, cat) in enumerate(SKUS.items()):
        for region, size in (("east", 1.0), ("south", 0.6)):
            for channel, share in (("ecommerce", 0.5), ("ka", 0.8)):
                t = np.arange(len(dates)) * step / 7
                disc = np.where((dates.month == 6) & (dates.day <= 18) & (channel == "ecommerce"), 0.2, 0.0)
                mean = (100 + 20 * i) * size * share * (1 + 0.25 * np.sin(2 * np.pi * t / 52)) * (1 + t / 500)
                mean = mean * (1 - disc) ** -2.0 * step / 7
                rows.append(pd.DataFrame({"date": dates, "sku": sku, "category": cat, "region": region,
                                          "channel": channel, "units": rng.poisson(mean).astype(float),
                                          "price": 10.0 * (1 - disc), "discount": disc}))
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def panel() -> object:
    return build_panel(synthetic(), 8, list_price=dict.fromkeys(SKUS, 10.0), unit_cost=dict.fromkeys(SKUS, 6.0))


def test_weekly_buckets_end_on_the_last_day_and_drop_a_partial_first_week() -> None:
    daily = synthetic(weeks=60, daily=True)
    p = build_panel(daily[daily["date"] >= daily["date"].min() + pd.Timedelta(days=3)], 4)  # starts mid-week
    assert p.last_day == date(2026, 10, 31)
    assert p.future[0] == pd.Timestamp("2026-11-01")
    assert len(p.weeks) == 59 and (p.y > 0).all()  # 60 buckets minus the partial one; every week complete
    first = daily[daily["date"] >= p.weeks[-1]]
    assert p.y[:, -1].sum() == first["units"].sum()


def test_too_short_a_history_is_refused() -> None:
    with pytest.raises(ToolInputError, match="at least"):
        build_panel(synthetic(weeks=20), 4)


def test_planned_promotions_become_weekly_discount_features() -> None:
    plan = Plan(((date(2026, 11, 1), date(2026, 11, 3), None, "ecommerce", 0.21, "P1", "促销", "Promo"),))
    p = build_panel(synthetic(), 2, plan=plan, list_price=dict.fromkeys(SKUS, 10.0))
    t = len(p.weeks)
    online = (p.keys["channel"] == "ecommerce").to_numpy()
    assert np.allclose(p.discount[online, t], 0.21 * 3 / 7) and np.allclose(p.discount[~online, t], 0.0)
    assert np.allclose(p.discount[:, t + 1], 0.0)
    assert np.allclose(p.price[online, t], 10.0 * (1 - 0.09))


def test_calendar_knows_future_chinese_new_year_and_festivals() -> None:
    weeks = pd.date_range("2027-02-01", periods=24, freq="7D")
    cal = calendar_features(weeks)
    assert cal.loc[pd.Timestamp("2027-02-01"), "cny_week"] == 0  # CNY 2027-02-06 falls in that week
    assert cal.loc[pd.Timestamp("2027-02-01"), "holiday_days"] >= 3
    assert cal.loc[pd.Timestamp("2027-06-14"), "d618"] == 5  # 14..18 June
    assert cal.loc[pd.Timestamp("2027-06-21"), "d618"] == 0
    us = calendar_features(pd.date_range("2027-11-22", periods=1, freq="7D"), "US")
    assert us["holiday_days"].iloc[0] >= 1 and us["d1111"].iloc[0] == 0  # Thanksgiving; no Chinese festivals


def test_day_weights_split_weeks_over_calendar_periods() -> None:
    weeks = pd.date_range("2026-11-01", periods=5, freq="7D")  # Sundays
    w = day_weights(weeks, date(2026, 11, 1), date(2026, 11, 30))
    assert np.allclose(w, [1, 1, 1, 1, 2 / 7])


def test_reconciled_forecasts_add_up_from_sku_to_category_to_total(panel: object) -> None:
    result = run(panel, MODELS)  # type: ignore[arg-type]
    hier = hierarchy(panel.keys)  # type: ignore[attr-defined]
    wide = result.nodes.pivot(index="unique_id", columns="ds", values="value").loc[hier.ids].to_numpy()
    n_b = len(panel.keys)  # type: ignore[attr-defined]
    bottom = wide[-n_b:]
    assert np.abs(hier.s @ bottom - wide).max() < 1e-6  # every parent = the sum of its children
    assert {"total", "region", "channel", "category", "sku"} <= set(hier.tags)
    assert np.allclose(result.bottom, np.clip(bottom, 0, None))
    assert set(result.models) == set(MODELS) and (result.bottom > 0).all()


def test_a_cell_that_never_sold_is_forecast_at_zero(panel: object) -> None:
    import dataclasses

    y = panel.y.copy()  # type: ignore[attr-defined]
    y[0] = 0.0
    result = run(dataclasses.replace(panel, y=y), ("snaive", "theta"))  # type: ignore[type-var]
    assert (result.bottom[0] == 0).all() and (result.bottom[1:] > 0).all()


@pytest.fixture(scope="module")
def stored(panel: object, tmp_path_factory: pytest.TempPathFactory) -> store.Run:
    return store.refresh(panel, tmp_path_factory.mktemp("fc"), windows=4, spacing=3, source="test")  # type: ignore[arg-type]


def test_a_slice_is_the_sum_of_its_reconciled_bottom_forecasts(stored: store.Run) -> None:
    w = answers.future_weights(stored, date(2026, 11, 1), date(2026, 11, 30))
    mask = answers.select(stored, {"category": "cat_a"}, ["east", "south"])
    out = answers.outlook(answers.slice_of(stored, mask), w)
    assert out.units.value == pytest.approx((stored.forecast[mask] * w).sum())
    whole = answers.outlook(answers.slice_of(stored, answers.select(stored, {}, ["east", "south"])), w)
    other = answers.outlook(answers.slice_of(stored, answers.select(stored, {"category": "cat_b"}, ["east", "south"])),
                            w)
    assert whole.units.value == pytest.approx(out.units.value + other.units.value, rel=1e-9)
    assert out.revenue is not None and out.margin is not None
    assert out.margin.value == pytest.approx(out.revenue.value - 6.0 * out.units.value)
    lo80, hi80 = out.units.intervals[80]
    lo95, hi95 = out.units.intervals[95]
    assert lo95 < lo80 < out.units.value < hi80 < hi95


def test_intervals_are_t_intervals_of_past_log_errors() -> None:
    errors = np.array([0.1, -0.1, 0.1, -0.1])
    band = answers.interval(1000.0, errors)
    q = stats.t.ppf(0.9, 3) * np.sqrt(1.25) * 0.1
    assert band[80] == pytest.approx((1000 * np.exp(-q), 1000 * np.exp(q)))
    assert np.isnan(answers.interval(5.0, np.array([0.2]))[80][0])  # one window cannot calibrate anything


def test_bias_compares_the_forecast_made_before_the_period_with_actuals(stored: store.Run) -> None:
    mask = answers.select(stored, {}, ["east", "south"])
    last = stored.last_day.date()
    start = (stored.weeks[-4]).date()
    result = answers.bias(answers.slice_of(stored, mask), stored.weeks, start, last)
    assert result.period is not None
    k = max(i for i, c in enumerate(stored.cutoffs) if c < len(stored.weeks) - 4)
    cut = stored.cutoffs[k]
    f = stored.windows[k][mask][:, len(stored.weeks) - 4 - cut - 1:].sum(axis=0)[:4].sum()
    assert result.period.forecast == pytest.approx(f)
    assert result.period.actual == pytest.approx(stored.y[mask][:, -4:].sum())
    assert len(result.history) == len(stored.cutoffs)


def test_runs_are_replaced_atomically_and_old_ones_pruned(panel: object, tmp_path: Path) -> None:
    with pytest.raises(NotReady):
        store.RunCache(tmp_path).get()
    cache = store.RunCache(tmp_path)
    first = store.refresh(panel, tmp_path, windows=3, spacing=4, models=("snaive",))  # type: ignore[arg-type]
    assert cache.get().folder == first.folder
    for _ in range(store.KEEP_RUNS):
        latest = store.refresh(panel, tmp_path, windows=3, spacing=4, models=("snaive",))  # type: ignore[arg-type]
    assert cache.get().folder == latest.folder
    assert len(list((tmp_path / "forecast").glob("run-*"))) == store.KEEP_RUNS
    assert not list((tmp_path / "forecast").glob("*.tmp"))


def test_backtest_scores_every_model_against_seasonal_naive(panel: object) -> None:
    scores = backtest(panel, h=4, origins=2, step=4, calibration_windows=3)  # type: ignore[arg-type]
    assert set(scores.wape) == {"lgbm", "snaive", "copilot", "autotheta", "autoets"}
    row = {r["model"]: r for r in scores.table()}
    assert row["snaive"]["wape_vs_snaive_pct"] == 0.0
    assert all(0 < v < 1 for v in scores.wape.values())
    assert set(scores.coverage) == {80, 95} and scores.coverage[95] >= scores.coverage[80]
